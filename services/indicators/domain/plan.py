"""The plan as data: the plan of a year (`WorkPlan`), the work on each of its items
(`PlanItemWork`, with the inspections of section III) and the district boards' period reports
(`ReportingDuty`, `DistrictReport`). Pure Python, no I/O.

Statuses are never stored: "overdue" and "late" are read at a date by the kernel's rule
(`shared.taskrules`) from the dates these aggregates keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.indicators import messages
from services.indicators.domain.planevents import (
    DistrictReportReminderDue,
    DistrictReportReturned,
    DistrictReportSubmitted,
    InspectionCancelled,
    InspectionCarriedOut,
    InspectionConcluded,
    InspectionFollowUpRecorded,
    InspectionPlanned,
    PlanDocumentRecorded,
    PlanGroup,
    PlanIssued,
    PlanItemAdded,
    PlanItemAmended,
    PlanItemProgressRecorded,
    PlanItemReopened,
    PlanItemSpec,
    PlanItemWithdrawn,
    PlanPartyNamed,
    ReportingDeadlineSet,
)
from shared.aggregate import Aggregate
from shared.clock import format_date_vn
from shared.envelope import DomainEvent
from shared.errors import ActionRefused, InvalidInput, NotFound
from shared.ids import code_key
from shared.steporder import not_before
from shared.taskrules import (
    Progress,
    ReminderKind,
    Schedule,
    SubmissionFact,
    SubmissionStanding,
    reminder_date,
    reminders_due,
    submission_standing,
)


def item_schedule(item: PlanItemSpec, year: int) -> Schedule:
    return Schedule(item.recurrence, year, item.due_on)


def work_id(year: int, number: str) -> str:
    return f"{year}:{number}"


class WorkPlan(Aggregate):
    """Kế hoạch công tác dân vận of one year; id: the year ("2023")."""

    aggregate_type = "plan"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.year = int(aggregate_id) if aggregate_id.isdigit() else 0
        self.title = ""
        self.document_number: str | None = None
        self.issued_on: date | None = None
        self.parties: dict[str, str] = {}
        self.groups: list[PlanGroup] = []
        self.items: dict[str, PlanItemSpec] = {}
        self.withdrawn: dict[str, PlanItemSpec] = {}

    # -- decisions ----------------------------------------------------------------------------

    def issue(self, event: PlanIssued, on: date) -> None:
        if self.exists:
            raise self._refused("PLAN_EXISTS", "issue", "issued")
        self.year = event.year
        self.parties = dict(event.parties)
        seen: set[str] = set()
        for item in event.items:
            if item.number in seen:
                raise InvalidInput(
                    "PLAN_ITEM_DUPLICATE", messages.PLAN_ITEM_DUPLICATE.format(number=item.number)
                )
            seen.add(item.number)
            self._check_item(item)
        self.record(event, on)

    def record_document(self, event: PlanDocumentRecorded) -> None:
        self._require_exists()
        self.record(event, event.issued_on)

    def name_party(self, event: PlanPartyNamed, on: date) -> None:
        self._require_exists()
        if self.parties.get(event.code) == event.name:
            raise self._refused("NO_CHANGES", "name_party", "same")
        self.record(event, on)

    def add_item(self, event: PlanItemAdded, on: date) -> None:
        self._require_exists()
        if event.item.number in self.items or event.item.number in self.withdrawn:
            withdrawn = event.item.number in self.withdrawn
            raise ActionRefused(
                "PLAN_ITEM_EXISTS", messages.PLAN_ITEM, action="add_item",
                subject=messages.PLAN_ITEM_SUBJECT.format(number=event.item.number,
                                                          year=self.year),
                state="withdrawn" if withdrawn else "in_plan",
                allowed=[] if withdrawn else ["amend_item", "withdraw_item"],
            )
        self._check_item(event.item)
        self.record(event, on)

    def amend_item(self, event: PlanItemAmended, on: date) -> None:
        current = self.item(event.item.number)
        if current == event.item:
            raise self._refused("NO_CHANGES", "amend_item", "same")
        self._check_item(event.item)
        self.record(event, on)

    def withdraw_item(self, event: PlanItemWithdrawn, on: date) -> None:
        self.item(event.number)
        self.record(event, on)

    def _refused(self, code: str, action: str, state: str) -> ActionRefused:
        """An issued plan takes its document, its parties' names and item changes; sending
        what it already holds changes nothing (the same action with other content does)."""
        allowed = ["record_document", "name_party", "add_item", "amend_item", "withdraw_item"]
        return ActionRefused(code, messages.PLAN, action=action,
                             subject=messages.PLAN_SUBJECT.format(year=self.year), state=state,
                             allowed=[a for a in allowed if a != action or state == "same"])

    # -- reading ------------------------------------------------------------------------------

    def item(self, number: str) -> PlanItemSpec:
        self._require_exists()
        item = self.items.get(number)
        if item is None:
            withdrawn = number in self.withdrawn
            raise NotFound(
                "PLAN_ITEM_NOT_FOUND",
                (messages.PLAN_ITEM_WITHDRAWN if withdrawn else messages.PLAN_ITEM_NOT_FOUND)
                .format(number=number, year=self.year),
            )
        return item

    def schedule(self, number: str) -> Schedule:
        return item_schedule(self.item(number), self.year)

    def _require_exists(self) -> None:
        if not self.exists:
            raise NotFound("PLAN_NOT_FOUND", messages.PLAN_NOT_FOUND.format(year=self.id))

    def _check_item(self, item: PlanItemSpec) -> None:
        unknown = [p for p in (item.responsible, *item.coordinating) if p not in self.parties]
        if unknown:
            raise InvalidInput(
                "PLAN_PARTY_UNKNOWN",
                messages.PLAN_PARTY_UNKNOWN.format(
                    number=item.number, parties=", ".join(unknown),
                    known=", ".join(sorted(self.parties)),
                ),
            )
        if (item.recurrence == "deadline") != (item.due_on is not None):
            raise InvalidInput(
                "PLAN_ITEM_SCHEDULE", messages.PLAN_ITEM_SCHEDULE.format(number=item.number)
            )
        for day in (item.due_on, item.starts_on):
            if day is not None and day.year != self.year:
                raise InvalidInput(
                    "DATE_OUTSIDE_PLAN_YEAR",
                    messages.DATE_OUTSIDE_PLAN_YEAR.format(
                        on=format_date_vn(day), year=self.year
                    ),
                )

    # -- state --------------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, PlanIssued):
            self.year, self.title = event.year, event.title
            self.document_number, self.issued_on = event.document_number, event.issued_on
            self.parties = dict(event.parties)
            self.groups = list(event.groups)
            self.items = {i.number: i for i in event.items}
        elif isinstance(event, PlanDocumentRecorded):
            self.document_number, self.issued_on = event.document_number, event.issued_on
        elif isinstance(event, PlanPartyNamed):
            self.parties[event.code] = event.name
        elif isinstance(event, PlanItemAdded | PlanItemAmended):
            self.items[event.item.number] = event.item
        elif isinstance(event, PlanItemWithdrawn):
            self.withdrawn[event.number] = self.items.pop(event.number)


# -- work on an item -----------------------------------------------------------------------


#: Inspection actions: the states they are allowed from and the state they set.
INSPECTION_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "carry_out": (("planned",), "carried_out"),
    "conclude": (("carried_out",), "concluded"),
    "follow_up": (("concluded",), "concluded"),
    "cancel": (("planned",), "cancelled"),
}


def allowed_inspection_actions(state: str) -> list[str]:
    return [a for a, (sources, _) in INSPECTION_TRANSITIONS.items() if state in sources]


@dataclass
class Inspection:
    inspection_id: str
    state: str
    planned_on: date
    last_on: date
    follow_ups_completed: bool = False
    findings: str = ""
    recommendations: str = ""
    steps: list[str] = field(default_factory=list)


def _inspection_refused(code: str, action: str, inspection: Inspection) -> ActionRefused:
    done = inspection.follow_ups_completed
    return ActionRefused(
        code, messages.INSPECTION, action=action,
        subject=messages.INSPECTION_SUBJECT.format(inspection_id=inspection.inspection_id),
        state="followed_up" if done else inspection.state,
        allowed=[] if done else allowed_inspection_actions(inspection.state),
    )


class PlanItemWork(Aggregate):
    """The work on one item of a plan: dated progress and, for section III, the inspections
    and supervisions (cuộc kiểm tra, giám sát). Id "2023:II.1.1"."""

    aggregate_type = "plan_item"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.progress: list[PlanItemProgressRecorded] = []
        self.inspections: dict[str, Inspection] = {}
        #: Each step of an inspection at its date: carried out and followed up are progress,
        #: a conclusion is the item done (kept per step, so the item reads right at any date).
        self.inspection_facts: list[Progress] = []
        #: The Commission's reopenings (PlanItemReopened), each undoing the done before it.
        self.reopenings: list[PlanItemReopened] = []
        #: Marked done by progress and not reopened since: the day it was done.
        self.done_on: date | None = None

    def facts(self) -> list[Progress]:
        """What the kernel's rule judges the item on: progress, inspections carried out
        (progress) or concluded (done: the item of section III is what the inspection is),
        and the Commission's reopenings."""
        return ([Progress(p.reported_on, p.done) for p in self.progress] + self.inspection_facts
                + [Progress(r.reopened_on, reopened=True) for r in self.reopenings])

    def require_done(self, year: int, number: str) -> date:
        """Item `number` of `year` is marked done, else 409 PLAN_ITEM_NOT_DONE: the state,
        which the reopening's handler asks before anything about the day the body carries
        (docs/api-conventions.md, "The order of the refusals"). The day it was done."""
        if self.done_on is None:
            raise ActionRefused(
                "PLAN_ITEM_NOT_DONE", messages.PLAN_ITEM, action="reopen",
                subject=messages.PLAN_ITEM_SUBJECT.format(number=number, year=year),
                state="not_done", allowed=["record_progress"],
            )
        return self.done_on

    def reopen(self, event: PlanItemReopened) -> None:
        """Mở lại: only an item marked done; not before the day it was done."""
        done_on = self.require_done(event.year, event.number)
        if event.reopened_on < done_on:
            raise InvalidInput(
                "REOPENED_BEFORE_DONE",
                messages.REOPENED_BEFORE_DONE.format(
                    on=format_date_vn(event.reopened_on), done_on=format_date_vn(done_on)),
            )
        self.record(event, event.reopened_on)

    def repeats_latest_progress(self, event: PlanItemProgressRecorded) -> bool:
        """Whether `event` is the latest progress its party reported for its unit again (same
        date, result, evidence, done): a form sent twice, a retried request. Recording it
        would show the item's history a report that was made once (G4)."""
        latest = next((p for p in reversed(self.progress)
                       if (p.acting_party, p.unit_code) == (event.acting_party, event.unit_code)),
                      None)
        return latest is not None and latest.model_dump() == event.model_dump()

    def require_not_done(self, year: int, number: str) -> None:
        """Item `number` of `year` takes progress until marked done, else 409 PLAN_ITEM_DONE:
        the state, which the progress handler asks before anything about the day the body
        carries (docs/api-conventions.md, "The order of the refusals")."""
        if self.done_on is not None:
            raise ActionRefused(
                "PLAN_ITEM_DONE", messages.PLAN_ITEM, action="record_progress",
                subject=messages.PLAN_ITEM_SUBJECT.format(number=number, year=year),
                state="done", allowed=["reopen"],
                note=messages.PLAN_ITEM_DONE_ON.format(on=format_date_vn(self.done_on)),
            )

    def record_progress(self, event: PlanItemProgressRecorded) -> None:
        self.require_not_done(event.year, event.number)
        last_reopened = self.reopenings[-1].reopened_on if self.reopenings else None
        if event.done and last_reopened is not None and event.reported_on <= last_reopened:
            # The rule reads a close and a reopening of one day as reopened (taskrules.done_at).
            raise InvalidInput(
                "DONE_NOT_AFTER_REOPENING",
                messages.DONE_NOT_AFTER_REOPENING.format(
                    on=format_date_vn(event.reported_on),
                    reopened_on=format_date_vn(last_reopened)),
            )
        self.record(event, event.reported_on, unit_code=event.unit_code)

    def plan_inspection(self, event: InspectionPlanned, unit_code: str) -> None:
        existing = self._spelled(event.inspection_id)
        if existing is not None:
            raise _inspection_refused("INSPECTION_EXISTS", "plan_inspection", existing)
        self.record(event, event.planned_on, unit_code=unit_code)

    def inspection(self, inspection_id: str) -> Inspection:
        found = self._spelled(inspection_id)
        if found is None:
            raise NotFound(
                "INSPECTION_NOT_FOUND",
                messages.INSPECTION_NOT_FOUND.format(inspection_id=inspection_id),
            )
        return found

    def _spelled(self, inspection_id: str) -> Inspection | None:
        """The inspection an id names whatever its case, as a model id or a site code does
        (docs/api-conventions.md, "Ids"): the server makes KT-2023-… upper case and a client
        may type it lower case in a path. The id as stored first: an item planned before the
        fold may hold two spellings, each its own inspection."""
        found = self.inspections.get(inspection_id)
        if found is not None:
            return found
        key = code_key(inspection_id)
        spelled = [i for known, i in self.inspections.items() if code_key(known) == key]
        return spelled[0] if len(spelled) == 1 else None

    def require_inspection_allows(self, action: str, inspection_id: str) -> Inspection:
        """The inspection's state allows `action`, else 409 ACTION_NOT_ALLOWED: the state,
        which the step's handler asks before anything about the day the body carries
        (docs/api-conventions.md, "The order of the refusals")."""
        inspection = self.inspection(inspection_id)
        sources, _ = INSPECTION_TRANSITIONS[action]
        if inspection.state not in sources or (
            action == "follow_up" and inspection.follow_ups_completed
        ):
            raise _inspection_refused("ACTION_NOT_ALLOWED", action, inspection)
        return inspection

    def act_on_inspection(
        self,
        action: str,
        event: InspectionCarriedOut | InspectionConcluded | InspectionFollowUpRecorded
        | InspectionCancelled,
        on: date,
        unit_code: str,
    ) -> None:
        inspection = self.require_inspection_allows(action, event.inspection_id)
        # A planned date is an intention, not a step that happened: an inspection brought
        # forward (carried out, or cancelled, before it) is normal, and the handler bounds its
        # date by the plan year and today (H18). The steps that follow a real one keep order.
        if inspection.state != "planned":
            not_before(on, inspection.last_on)
        self.record(event, on, unit_code=unit_code)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, PlanItemProgressRecorded):
            self.progress.append(event)
            if event.done and self.done_on is None:
                self.done_on = event.reported_on
        elif isinstance(event, PlanItemReopened):
            self.reopenings.append(event)
            self.done_on = None
        elif isinstance(event, InspectionPlanned):
            self.inspections[event.inspection_id] = Inspection(
                event.inspection_id, "planned", event.planned_on, event.planned_on,
                steps=["planned"],
            )
        elif isinstance(event, InspectionCarriedOut):
            self._step(event.inspection_id, "carried_out", event.carried_out_on)
            self.inspection_facts.append(Progress(event.carried_out_on))
        elif isinstance(event, InspectionConcluded):
            self.inspection_facts.append(Progress(event.concluded_on, done=True))
            inspection = self._step(event.inspection_id, "concluded", event.concluded_on)
            inspection.findings, inspection.recommendations = (
                event.findings, event.recommendations)
        elif isinstance(event, InspectionFollowUpRecorded):
            self.inspection_facts.append(Progress(event.followed_up_on))
            inspection = self._step(event.inspection_id, "concluded", event.followed_up_on)
            inspection.follow_ups_completed = event.completed
        elif isinstance(event, InspectionCancelled):
            self._step(event.inspection_id, "cancelled", event.cancelled_on)

    def _step(self, inspection_id: str, state: str, on: date) -> Inspection:
        inspection = self.inspections[inspection_id]
        inspection.state, inspection.last_on = state, on
        inspection.steps.append(state)
        return inspection


# -- the district boards' period reports ---------------------------------------------------


def duty_id(period_id: str) -> str:
    return period_id


def district_report_id(period_id: str, district_code: str) -> str:
    return f"{period_id}@{district_code}"


class ReportingDuty(Aggregate):
    """The reporting duty of a conference period (IV.3): the deadline the Commission set and
    the district boards that owe a report. Id: the period ("2023-6m")."""

    aggregate_type = "reporting_duty"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.deadline: date | None = None
        self.district_codes: list[str] = []

    def set_deadline(self, event: ReportingDeadlineSet, on: date) -> None:
        if self.deadline == event.deadline and self.district_codes == event.district_codes:
            raise ActionRefused(
                "NO_CHANGES", messages.REPORTING_DUTY, action="set_deadline",
                subject=messages.DUTY_SUBJECT.format(period_id=self.id), state="same",
                allowed=["set_deadline"], note=messages.DUTY_DEADLINE.format(
                    deadline=format_date_vn(event.deadline)),
            )
        self.record(event, on)

    def require_deadline(self, action: str) -> date:
        """A district report is submitted or returned once the Commission set the deadline."""
        if self.deadline is None:
            raise ActionRefused(
                "DEADLINE_NOT_SET", messages.REPORTING_DUTY, action=action,
                subject=messages.DUTY_SUBJECT.format(period_id=self.id), state="no_deadline",
                allowed=["set_deadline"],
            )
        return self.deadline

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ReportingDeadlineSet):
            self.deadline, self.district_codes = event.deadline, list(event.district_codes)


class DistrictReport(Aggregate):
    """Báo cáo kỳ of one district board (Ban Dân vận quận ủy, huyện ủy) for one period:
    its submissions (figures frozen in each), the Commission's returns and the reminders
    already recorded. Id "2023-6m@303"."""

    aggregate_type = "district_report"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.acts: list[SubmissionFact] = []
        self.revision = 0
        self.reminded: set[ReminderKind] = set()

    @property
    def awaiting_correction(self) -> bool:
        return bool(self.acts) and self.acts[-1].act == "returned"

    @property
    def owed(self) -> bool:
        """Still owes its report: never submitted, or returned and not resubmitted."""
        return not self.acts or self.awaiting_correction

    def state(self) -> str:
        if not self.acts:
            return "not_submitted"
        return "returned" if self.awaiting_correction else "submitted"

    def standing(self, deadline: date, on: date) -> SubmissionStanding:
        return submission_standing(deadline, self.acts, on)

    def require_submittable(self) -> None:
        """A report is submitted only while owed (never submitted, or returned), else 409:
        the state, which the submission's handler asks before anything about the day the
        body carries (docs/api-conventions.md, "The order of the refusals")."""
        if not self.owed:
            self._refuse("submit")

    def submit(self, event: DistrictReportSubmitted) -> None:
        self.require_submittable()
        if self.acts:
            not_before(event.submitted_on, self.acts[-1].on)
        self.record(event, event.submitted_on, unit_code=event.district_code)

    def require_returnable(self) -> None:
        """A report is returned only once submitted and not already returned, else 409: the
        state, which the return's handler asks before anything about the day the body
        carries (docs/api-conventions.md, "The order of the refusals")."""
        if self.owed:
            self._refuse("return")

    def return_for_correction(self, event: DistrictReportReturned) -> None:
        self.require_returnable()
        not_before(event.returned_on, self.acts[-1].on)
        self.record(event, event.returned_on, unit_code=event.district_code)

    def remind(
        self, year: int, period_id: str, district_code: str, deadline: date, today: date
    ) -> list[ReminderKind]:
        """Record each reminder fallen due and not yet recorded; dated the day it fell due,
        so a report asked again later gives the same answer."""
        due = reminders_due(deadline, self.owed, today, self.reminded)
        for kind in due:
            self.record(
                DistrictReportReminderDue(
                    year=year, period_id=period_id, district_code=district_code, kind=kind,
                    deadline=deadline, due_on=reminder_date(kind, deadline),
                ),
                reminder_date(kind, deadline),
                unit_code=district_code,
            )
        return due

    def _refuse(self, action: str) -> None:
        state = self.state()
        allowed = ["return"] if state == "submitted" else ["submit"]
        raise ActionRefused(
            "ACTION_NOT_ALLOWED", messages.DISTRICT_REPORT, action=action,
            subject=messages.DISTRICT_REPORT_SUBJECT.format(report_id=self.id), state=state,
            allowed=allowed,
        )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, DistrictReportSubmitted):
            self.acts.append(SubmissionFact("submitted", event.submitted_on))
            self.revision = event.revision
        elif isinstance(event, DistrictReportReturned):
            self.acts.append(SubmissionFact("returned", event.returned_on))
        elif isinstance(event, DistrictReportReminderDue):
            self.reminded.add(event.kind)
