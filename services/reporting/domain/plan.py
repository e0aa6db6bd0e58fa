"""The plan in a conference report: "Kết quả thực hiện nhiệm vụ" (each item of the plan with its
status at the period's cut-off and its latest result in the period) and the district boards'
period reports (IV.3: who submitted, on time or late, who was returned for correction).

Folded from the plan's events (as known at the report's "as of") by the kernel's rule
(`shared.taskrules`), the same rule the indicators service shows its items by. Pure.

* An item is judged at the end of the cut-off day, on the progress dated up to it; its
  latest result is the last progress dated in the period's data window.
* The district boards' reports are judged at the report's "as of" date: the deadline falls
  after the cut-off, and the conference asks who has reported by the time it meets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.conferencedates import NO_MOVES, MovedCutoffs
from shared.taskrules import (
    ITEM_STATUS_LABELS,
    ITEM_STATUS_ORDER,
    Progress,
    Schedule,
    SubmissionFact,
    deadline_in_force,
    duty_row,
    duty_summary,
    item_standing,
    names_district_boards,
    submission_standing,
)


@dataclass(frozen=True)
class PlanRow:
    event_type: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    payload: dict[str, Any]


@dataclass
class _Item:
    spec: dict[str, Any]
    progress: list[dict[str, Any]] = field(default_factory=list)
    #: The inspections' steps as the rule sees them (carried out, followed up: progress;
    #: concluded: done), for items of section III.
    inspection_facts: list[Progress] = field(default_factory=list)
    inspections: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The Commission's reopenings of the item (PlanItemReopened): each undoes the done
    #: before it, whoever's progress it was.
    reopenings: list[Progress] = field(default_factory=list)


@dataclass
class _DistrictReport:
    acts: list[SubmissionFact] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    returns: list[dict[str, Any]] = field(default_factory=list)
    reminders: set[str] = field(default_factory=set)
    #: The report's aggregate version as known (its last event's).
    version: int = 0


@dataclass
class FoldedPlan:
    year: int
    title: str = ""
    document_number: str | None = None
    issued_on: str | None = None
    parties: dict[str, str] = field(default_factory=dict)
    items: dict[str, _Item] = field(default_factory=dict)
    deadlines: dict[str, tuple[date, list[str]]] = field(default_factory=dict)
    reports: dict[tuple[str, str], _DistrictReport] = field(default_factory=dict)


def _day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def fold(rows: Iterable[PlanRow], year: int) -> FoldedPlan | None:
    """The plan of `year` from its events; None when it was never issued."""
    plan = FoldedPlan(year)
    issued = False
    # Each aggregate's events in its own order: nothing here depends on the order across
    # aggregates, so the fold is the same however the stream interleaved them.
    ordered = sorted(rows, key=lambda r: (r.aggregate_type, r.aggregate_id, r.aggregate_version))
    work: dict[str, _Item] = {}
    for row in ordered:
        p, kind = row.payload, row.event_type
        if kind == "PlanIssued":
            issued = True
            plan.title, plan.parties = p["title"], dict(p.get("parties", {}))
            plan.document_number, plan.issued_on = p.get("document_number"), p.get("issued_on")
            plan.items = {i["number"]: _Item(i) for i in p["items"]}
        elif kind == "PlanDocumentRecorded":
            plan.document_number, plan.issued_on = p["document_number"], p["issued_on"]
        elif kind == "PlanPartyNamed":
            plan.parties[p["code"]] = p["name"]
        elif kind in ("PlanItemAdded", "PlanItemAmended"):
            number = p["item"]["number"]
            plan.items[number] = _Item(p["item"])
        elif kind == "PlanItemWithdrawn":
            plan.items.pop(p["number"], None)
        elif kind == "PlanItemProgressRecorded":
            item = work.setdefault(p["number"], _Item({}))
            item.progress.append(p)
        elif kind == "PlanItemReopened":
            work.setdefault(p["number"], _Item({})).reopenings.append(
                Progress(_day(p["reopened_on"]), reopened=True))
        elif kind.startswith("Inspection"):
            _inspection(work.setdefault(p["number"], _Item({})), kind, p)
        elif kind == "ReportingDeadlineSet":
            plan.deadlines[p["period_id"]] = (_day(p["deadline"]), list(p["district_codes"]))
        elif kind in ("DistrictReportSubmitted", "DistrictReportReturned",
                      "DistrictReportReminderDue"):
            report = plan.reports.setdefault((p["period_id"], p["district_code"]),
                                             _DistrictReport())
            report.version = max(report.version, row.aggregate_version)
            if kind == "DistrictReportSubmitted":
                report.acts.append(SubmissionFact("submitted", _day(p["submitted_on"])))
                report.submissions.append(p)
            elif kind == "DistrictReportReturned":
                report.acts.append(SubmissionFact("returned", _day(p["returned_on"])))
                report.returns.append(p)
            else:
                report.reminders.add(p["kind"])
    if not issued:
        return None
    for number, item in plan.items.items():
        done = work.get(number)
        if done is not None:
            item.progress, item.inspection_facts, item.inspections, item.reopenings = (
                done.progress, done.inspection_facts, done.inspections, done.reopenings)
    return plan


_STEP_DATES = {
    "InspectionPlanned": "planned_on", "InspectionCarriedOut": "carried_out_on",
    "InspectionConcluded": "concluded_on", "InspectionFollowUpRecorded": "followed_up_on",
    "InspectionCancelled": "cancelled_on",
}
_STEP_STATES = {
    "InspectionPlanned": "planned", "InspectionCarriedOut": "carried_out",
    "InspectionConcluded": "concluded", "InspectionFollowUpRecorded": "concluded",
    "InspectionCancelled": "cancelled",
}


def _inspection(item: _Item, kind: str, p: dict[str, Any]) -> None:
    on = _day(p[_STEP_DATES[kind]])
    steps = item.inspections.setdefault(p["inspection_id"], {"steps": []})["steps"]
    steps.append((on, _STEP_STATES[kind], p))
    if kind in ("InspectionCarriedOut", "InspectionFollowUpRecorded"):
        item.inspection_facts.append(Progress(on))
    elif kind == "InspectionConcluded":
        item.inspection_facts.append(Progress(on, done=True))


INSPECTION_STATE_LABELS = {
    "planned": "Đã lên kế hoạch",
    "carried_out": "Đã tiến hành",
    "concluded": "Đã kết luận",
    "cancelled": "Đã hủy",
}


def _inspections_at(item: _Item, on: date) -> list[dict[str, Any]]:
    shown = []
    for inspection_id, record in item.inspections.items():
        steps = [s for s in record["steps"] if s[0] <= on]
        if not steps:
            continue
        state = steps[-1][1]
        concluded = next((s[2] for s in steps if s[1] == "concluded"
                          and "findings" in s[2]), None)
        shown.append({
            "inspection_id": inspection_id,
            "subject": steps[0][2].get("subject", ""),
            "state": state,
            "state_label": INSPECTION_STATE_LABELS[state],
            "findings": concluded["findings"] if concluded else "",
            "recommendations": concluded["recommendations"] if concluded else "",
        })
    return shown


def items_section(
    plan: FoldedPlan, data_from: date, cutoff_on: date, in_scope: Callable[[str], bool],
    whole_plan: bool = True, district_items_only: bool = False,
    moved: MovedCutoffs = NO_MOVES,
) -> dict[str, Any]:
    """Kết quả thực hiện nhiệm vụ at the cut-off: the overdue first, then in the plan's order.
    Progress of units outside the report's scope is left out (a district's report shows
    what its own board did; the Commission's inspections only in the city's report).
    `district_items_only`: only the items that name the district boards (a district board
    reading: the items it carries out or coordinates, judged on its own progress)."""
    rows = []
    for index, (number, item) in enumerate(plan.items.items()):
        spec = item.spec
        if district_items_only and not names_district_boards(
                spec["responsible"], spec.get("coordinating", ())):
            continue
        progress = [p for p in item.progress if in_scope(str(p.get("unit_code") or ""))]
        facts = [Progress(_day(p["reported_on"]), bool(p.get("done"))) for p in progress]
        if whole_plan:
            facts += item.inspection_facts
        facts += item.reopenings
        due_on = _day(spec["due_on"]) if spec.get("due_on") else None
        starts_on = _day(spec["starts_on"]) if spec.get("starts_on") else None
        standing = item_standing(Schedule(spec["recurrence"], plan.year, due_on), facts,
                                 cutoff_on, starts_on, moved)
        in_period = [p for p in progress if data_from <= _day(p["reported_on"]) <= cutoff_on]
        latest = max(in_period, key=lambda p: p["reported_on"], default=None)
        rows.append((ITEM_STATUS_ORDER[standing.status], index, {
            "number": number,
            "text": spec["text"],
            "responsible": spec["responsible"],
            "responsible_name": plan.parties.get(spec["responsible"], spec["responsible"]),
            "status": standing.status,
            "status_label": ITEM_STATUS_LABELS[standing.status],
            "due_on": standing.due_on.isoformat() if standing.due_on else None,
            "missed_occurrences": standing.missed,
            "latest_result": None if latest is None else {
                "reported_on": latest["reported_on"],
                "result": latest["result"],
                "acting_party": latest["acting_party"],
                "acting_party_name": plan.parties.get(latest["acting_party"],
                                                      latest["acting_party"]),
                "unit_code": latest["unit_code"],
                "evidence": [f"{e['kind']}:{e['ref']}" for e in latest.get("evidence", [])],
            },
            "inspections": _inspections_at(item, cutoff_on) if whole_plan else [],
        }))
    rows.sort(key=lambda r: (r[0], r[1]))
    items = [r[2] for r in rows]
    return {
        "year": plan.year,
        "title": plan.title,
        "document_number": plan.document_number,
        "issued_on": plan.issued_on,
        "judged_on": cutoff_on.isoformat(),
        "status_counts": {s: sum(1 for i in items if i["status"] == s)
                          for s in ITEM_STATUS_ORDER},
        "total": len(items),
        "items": items,
    }


def submissions_section(
    plan: FoldedPlan, period_id: str, on: date, in_scope: Callable[[str], bool],
    district_name: Callable[[str], str], cutoff: date,
) -> dict[str, Any] | None:
    """The district boards' period reports at `on`, judged against the deadline in force
    (never before the period's `cutoff` as it stands); None when no deadline was set."""
    duty = plan.deadlines.get(period_id)
    if duty is None:
        return None
    deadline_set, codes = duty
    deadline = deadline_in_force(deadline_set, cutoff)
    rows: list[dict[str, Any]] = []
    for code in codes:
        if not in_scope(code):
            continue
        report = plan.reports.get((period_id, code), _DistrictReport())
        acts = [a for a in report.acts if a.on <= on]
        standing = submission_standing(deadline, acts, on)
        submitted = [s for s in report.submissions if _day(s["submitted_on"]) <= on]
        returned = [r for r in report.returns if _day(r["returned_on"]) <= on]
        rows.append(duty_row(code, district_name(code), standing, submitted, returned,
                             report.reminders, report.version))
    return duty_summary(period_id, deadline, on, rows, deadline_set)
