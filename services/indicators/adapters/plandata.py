"""The plans written once as data in the repository (plandata/plan-<year>.json), read into
the event that issues them. The file is never edited to change a plan: the Commission's
changes are events (PlanItemAmended, PlanItemAdded, ...)."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

from services.indicators import messages
from services.indicators.domain.planevents import PlanGroup, PlanIssued, PlanItemSpec
from shared.errors import NotFound


def plan_data(year: int) -> dict[str, Any]:
    """The raw data of the plan of `year`; 404 when the repository holds none."""
    source = resources.files("services.indicators.plandata").joinpath(f"plan-{year}.json")
    if not source.is_file():
        raise NotFound("PLAN_DATA_MISSING", messages.PLAN_DATA_MISSING.format(year=year))
    data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    return data


def plan_issued(year: int) -> PlanIssued:
    data = plan_data(year)
    items = [
        PlanItemSpec(
            number=raw["number"],
            kind=raw["kind"],
            text=raw["text"],
            responsible=raw["responsible"],
            coordinating=raw["coordinating"],
            recurrence=raw["schedule"]["kind"],
            due_on=_day(raw["schedule"].get("due_on")),
            indicators=raw["indicators"],
        )
        for raw in data["items"]
    ]
    return PlanIssued(
        year=data["year"],
        title=data["title"],
        issuer=data["issuer"],
        basis=data.get("basis", ""),
        document_number=data.get("document_number"),
        issued_on=_day(data.get("issued_on")),
        parties=data["parties"],
        groups=[PlanGroup(**g) for g in data["groups"]],
        items=items,
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
