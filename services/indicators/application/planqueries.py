"""Reading the plan: items with their status at a date, inspections, the district boards'
period reports. Read straight from the event store (a plan has some fifty items and a
period fifteen districts), as known at `as_of`; statuses by the kernel's rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection

from services.indicators import messages
from services.indicators.adapters.cutoffs import moved_cutoffs
from services.indicators.application.planhandlers import parse_period
from services.indicators.domain.plan import (
    DistrictReport,
    PlanItemWork,
    ReportingDuty,
    WorkPlan,
    district_report_id,
    item_schedule,
    work_id,
)
from services.indicators.domain.planevents import (
    DistrictReportReturned,
    DistrictReportSubmitted,
    PlanItemSpec,
)
from shared.adminunits import default_catalogue
from shared.aggregate import Aggregate
from shared.conferencedates import NO_MOVES, MovedCutoffs, cutoff_in_force
from shared.envelope import EventRegistry
from shared.errors import NotFound
from shared.eventstore import EventStore
from shared.taskrules import (
    ITEM_STATUS_ORDER,
    RECURRENCE_LABELS,
    deadline_in_force,
    duty_row,
    duty_summary,
    item_standing,
)

A = TypeVar("A", bound=Aggregate)


class PlanReader:
    """The event store as known at `as_of`."""

    def __init__(
        self, conn: Connection, store: EventStore, registry: EventRegistry, as_of: datetime
    ) -> None:
        self.conn, self.store, self.registry, self.as_of = conn, store, registry, as_of

    def load(self, cls: type[A], aggregate_id: str) -> A:
        envelopes = self.store.load(self.conn, cls.aggregate_type, aggregate_id, self.as_of)
        return cls.rehydrate(aggregate_id, [self.registry.decode(e) for e in envelopes])

    def moved_cutoffs(self) -> MovedCutoffs:
        """The conference cut-offs the Commission moved, as known at `as_of`."""
        return moved_cutoffs(self.conn, self.as_of)

    def plan(self, year: int) -> WorkPlan:
        plan = self.load(WorkPlan, str(year))
        if not plan.exists:
            raise NotFound("PLAN_NOT_FOUND", messages.PLAN_NOT_FOUND.format(year=year))
        return plan


def item_view(
    plan: WorkPlan, item: PlanItemSpec, work: PlanItemWork, on: date,
    moved: MovedCutoffs = NO_MOVES,
) -> dict[str, Any]:
    standing = item_standing(item_schedule(item, plan.year), work.facts(), on,
                             item.starts_on, moved)
    progress = [p for p in work.progress if p.reported_on <= on]
    latest = max(progress, key=lambda p: p.reported_on, default=None)
    return {
        "number": item.number,
        "kind": item.kind,
        "kind_label": messages.ITEM_KIND_LABELS[item.kind],
        "text": item.text,
        "responsible": item.responsible,
        "responsible_name": plan.parties.get(item.responsible, item.responsible),
        "coordinating": [
            {"code": c, "name": plan.parties.get(c, c)} for c in item.coordinating
        ],
        "recurrence": item.recurrence,
        "recurrence_label": RECURRENCE_LABELS[item.recurrence],
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "indicators": list(item.indicators),
        "status": standing.status,
        "status_label": standing.label,
        "status_due_on": standing.due_on.isoformat() if standing.due_on else None,
        "missed_occurrences": standing.missed,
        "latest_result": None if latest is None else {
            "reported_on": latest.reported_on.isoformat(),
            "acting_party": latest.acting_party,
            "unit_code": latest.unit_code,
            "result": latest.result,
            "done": latest.done,
            "evidence": [
                {"kind": e.kind, "kind_label": messages.EVIDENCE_LABELS[e.kind], "ref": e.ref}
                for e in latest.evidence
            ],
        },
        "progress_count": len(progress),
        "inspections": [
            {
                "inspection_id": i.inspection_id,
                "state": "followed_up" if i.follow_ups_completed else i.state,
                "state_label": messages.INSPECTION_STATES[
                    "followed_up" if i.follow_ups_completed else i.state],
                "planned_on": i.planned_on.isoformat(),
                "last_on": i.last_on.isoformat(),
                "findings": i.findings,
                "recommendations": i.recommendations,
            }
            for i in work.inspections.values()
        ],
    }


def plan_view(reader: PlanReader, year: int, on: date) -> dict[str, Any]:
    plan = reader.plan(year)
    moved = reader.moved_cutoffs()
    items = [
        item_view(plan, item, reader.load(PlanItemWork, work_id(year, item.number)), on, moved)
        for item in plan.items.values()
    ]
    counts = {s: sum(1 for i in items if i["status"] == s) for s in ITEM_STATUS_ORDER}
    return {
        "year": plan.year,
        "title": plan.title,
        "document_number": plan.document_number,
        "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
        "version": plan.version,
        "on": on.isoformat(),
        "parties": plan.parties,
        "groups": [g.model_dump() for g in plan.groups],
        "status_counts": counts,
        "total": len(items),
        "items": items,
    }


def item_detail(reader: PlanReader, year: int, number: str, on: date) -> dict[str, Any]:
    plan = reader.plan(year)
    item = plan.item(number)
    work = reader.load(PlanItemWork, work_id(year, number))
    view = item_view(plan, item, work, on, reader.moved_cutoffs())
    view["version"] = work.version
    view["plan_version"] = plan.version
    view["progress"] = [p.model_dump(mode="json") for p in work.progress]
    return view


def duty_view(
    reader: PlanReader, period_id: str, on: date, readable: Callable[[str], bool]
) -> dict[str, Any]:
    """The duty's standing at `on` over the districts the caller may read (`readable`): the
    tallies count those rows only, as a report's plan section does, so a district board never
    learns how the others stand."""
    year, months = parse_period(period_id)
    duty = reader.load(ReportingDuty, period_id)
    if duty.deadline is None:
        raise NotFound("DEADLINE_NOT_SET", messages.DEADLINE_NOT_SET.format(period_id=period_id))
    # Judged against the deadline in force: never before the cut-off as it stands (K11).
    deadline = deadline_in_force(duty.deadline,
                                 cutoff_in_force(year, months, reader.moved_cutoffs()))
    rows: list[dict[str, Any]] = []
    for code in duty.district_codes:
        if not readable(code):
            continue
        report_id = district_report_id(period_id, code)
        envelopes = reader.store.load(reader.conn, DistrictReport.aggregate_type, report_id,
                                      reader.as_of)
        events = [reader.registry.decode(e) for e in envelopes]
        report = DistrictReport.rehydrate(report_id, events)
        standing = report.standing(deadline, on)
        submissions = [e for e in events if isinstance(e, DistrictReportSubmitted)
                       and e.submitted_on <= on]
        returns = [e for e in events if isinstance(e, DistrictReportReturned)
                   and e.returned_on <= on]
        unit = default_catalogue().named_on(code, on)
        rows.append(duty_row(
            code, unit.name if unit else code, standing,
            [e.model_dump(mode="json") for e in submissions],
            [e.model_dump(mode="json") for e in returns],
            report.reminded, report.version))
    summary = duty_summary(period_id, deadline, on, rows, duty.deadline)
    # Deprecated: this answer's name of `judged_on` before the two services shared one shape.
    summary["on"] = summary["judged_on"]
    return summary
