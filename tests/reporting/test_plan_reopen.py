"""Reporting folds the Commission's reopenings (PlanItemReopened) into the plan's part as the
indicators service reads them (shared/taskrules.py), and projects every plan event the
indicators service defines. Pure: no service, no database."""

from __future__ import annotations

import inspect
from datetime import date
from typing import Any

from services.indicators.domain import planevents
from services.reporting.application.planprojection import PLAN_EVENT_TYPES
from services.reporting.domain.plan import PlanRow, fold, items_section
from shared.envelope import DomainEvent

ITEM: dict[str, Any] = {"number": "II.1.5", "kind": "task", "text": "Đánh giá giữa nhiệm kỳ",
        "responsible": "van-phong", "coordinating": [], "recurrence": "deadline",
        "due_on": "2023-06-30", "indicators": [], "starts_on": None}


def rows(*work: tuple[str, dict[str, Any]]) -> list[PlanRow]:
    issued = PlanRow("PlanIssued", "plan", "2023", 1, {
        "year": 2023, "title": "Kế hoạch", "parties": {"van-phong": "Văn phòng"},
        "items": [ITEM]})
    return [issued] + [PlanRow(kind, "plan_item", "2023:II.1.5", n, {"number": "II.1.5", **p})
                       for n, (kind, p) in enumerate(work, start=1)]


def status(plan_rows: list[PlanRow], cutoff: date) -> str:
    plan = fold(plan_rows, 2023)
    assert plan is not None
    part = items_section(plan, date(2022, 12, 15), cutoff, lambda _: True)
    result: str = part["items"][0]["status"]
    return result


def progress(on: str, done: bool) -> tuple[str, dict[str, Any]]:
    return ("PlanItemProgressRecorded", {
        "reported_on": on, "result": "Kết quả", "acting_party": "van-phong",
        "unit_code": "31", "evidence": [], "done": done})


def test_reopened_item_in_the_reports() -> None:
    done = progress("2023-05-20", True)
    reopen = ("PlanItemReopened", {"reopened_on": "2023-06-02", "reason": "Chưa đủ hồ sơ"})
    assert status(rows(done), date(2023, 9, 14)) == "done"
    assert status(rows(done, reopen), date(2023, 6, 1)) == "done"  # before the reopening
    # Reopened and not done again by its 30/06 deadline: overdue at the 9-month cut-off.
    assert status(rows(done, reopen), date(2023, 9, 14)) == "overdue"
    assert status(rows(done, reopen, progress("2023-07-01", True)), date(2023, 9, 14)) == "done"


def test_every_plan_event_is_projected() -> None:
    defined = {cls.event_type for _, cls in inspect.getmembers(planevents, inspect.isclass)
               if issubclass(cls, DomainEvent) and cls is not DomainEvent
               and cls.__module__ == planevents.__name__}
    assert "PlanItemReopened" in defined
    assert defined <= set(PLAN_EVENT_TYPES)
