"""The plan's part of a conference report, read from `rpt_plan_events` as known at the
report's "as of" and folded by `domain/plan.py`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from services.reporting.adapters.tables import plan_events
from services.reporting.application.unittree import NATION, UnitTree
from services.reporting.domain.periods import Period
from services.reporting.domain.plan import PlanRow, fold, items_section, submissions_section
from shared.adminunits import default_catalogue
from shared.auth.units import covers
from shared.clock import day_vn
from shared.conferencedates import NO_MOVES, MovedCutoffs


def plan_rows(conn: Connection, year: int, as_of: datetime) -> list[PlanRow]:
    t = plan_events
    found = conn.execute(
        select(t.c.event_type, t.c.aggregate_type, t.c.aggregate_id, t.c.aggregate_version,
               t.c.payload)
        .where(t.c.year == year, t.c.recorded_at <= as_of)
    ).all()
    return [PlanRow(r.event_type, r.aggregate_type, r.aggregate_id, r.aggregate_version,
                    orjson.loads(r.payload)) for r in found]


def deadline_set(conn: Connection, period_id: str) -> date | None:
    """The district boards' reporting deadline of the period as the Commission last set it
    (in the indicators service, as consumed here); None when none was set."""
    t = plan_events
    found = conn.execute(
        select(t.c.payload).where(t.c.event_type == "ReportingDeadlineSet",
                                  t.c.aggregate_id == period_id)
        .order_by(t.c.aggregate_version.desc()).limit(1)
    ).scalar()
    return None if found is None else date.fromisoformat(orjson.loads(found)["deadline"])


def plan_part(
    conn: Connection, period: Period, tree: UnitTree, as_of: datetime,
    reader: str | None = None, moved: MovedCutoffs = NO_MOVES,
) -> dict[str, Any] | None:
    """{"items": ..., "district_reports": ...} of the period; None without a plan that year.

    `reader`: the unit scope of a reader below the city (a district or commune board). It
    reads what is its own, as the rest of reporting scopes reads by unit: the items that
    name the district boards, judged on the progress its own units recorded (no inspections:
    they are the Commission's), and its own row of the district boards' reports. The plan's
    other items are the Commission's departments' work and stay in the city's report.
    `moved`: the year's conference cut-offs the Commission moved (items owed "by conference"
    are due on them, as the indicators service judges them)."""
    plan = fold(plan_rows(conn, period.year, as_of), period.year)
    if plan is None:
        return None
    whole = reader is None and (tree.scope == NATION or tree.root.level == "province")

    def in_scope(code: str) -> bool:
        if reader is not None:
            return bool(code) and covers(reader, code, period.cutoff_on)
        return whole or code in tree.nodes

    def district_name(code: str) -> str:
        unit = default_catalogue().named_on(code, period.cutoff_on)
        return unit.name if unit else code

    return {
        "items": items_section(plan, period.data_from, period.cutoff_on, in_scope, whole,
                               district_items_only=reader is not None, moved=moved),
        "district_reports": submissions_section(
            plan, period.id, day_vn(as_of), in_scope, district_name, period.cutoff_on),
    }
