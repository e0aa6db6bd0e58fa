"""Events of the dialogue service (docs/events.md, section "dialogue").

A type keeps its name for ever; a new schema version comes with an upcaster. Fields beyond
the contract are additions consumers may ignore. No event ever carries a citizen's name or
contact: those live in the `citizen_contacts` table, apart from the event stream.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from shared.corrections import Correction
from shared.envelope import DomainEvent, EventRegistry

registry = EventRegistry(service="dialogue")

Role = Literal["party_secretary", "people_committee_chair"]
Level = Literal["province", "district", "commune"]
IssueCategory = Literal[
    "land_and_site_clearance", "environment", "social_policy", "infrastructure", "other"
]
Handling = Literal["answered_on_spot", "assigned"]
CommitmentStatus = Literal["open", "in_progress", "done", "overdue"]
ReminderDay = Literal[3, 7]


# --- heads (người đứng đầu) -------------------------------------------------------------


@registry.register
class HeadTookOffice(DomainEvent):
    """A person took a head post (Bí thư cấp ủy / Chủ tịch UBND) of a unit."""

    event_type = "HeadTookOffice"
    aggregate_type = "head"
    head_id: str
    unit_code: str
    role: Role
    full_name: str
    from_date: date
    level: Level
    predecessor_head_id: str | None = None


@registry.register
class HeadTookOfficeCorrected(Correction):
    """A `HeadTookOffice` recorded with the wrong `from_date` (shared/corrections.py): the
    whole fact as it should have been, and `previous_from_date`, the day it replaces.
    Business date: the right `from_date`."""

    event_type = "HeadTookOfficeCorrected"
    aggregate_type = "head"
    head_id: str
    unit_code: str
    role: Role
    full_name: str
    from_date: date
    level: Level
    predecessor_head_id: str | None = None
    previous_from_date: date

    def corrected_fact(self) -> DomainEvent:
        return HeadTookOffice(
            head_id=self.head_id, unit_code=self.unit_code, role=self.role,
            full_name=self.full_name, from_date=self.from_date, level=self.level,
            predecessor_head_id=self.predecessor_head_id)


@registry.register
class HeadLeftOffice(DomainEvent):
    """The head's term ended; `to_date` is the last day in office."""

    event_type = "HeadLeftOffice"
    aggregate_type = "head"
    head_id: str
    unit_code: str
    role: Role
    to_date: date
    reason: str = ""
    successor_head_id: str | None = None


@registry.register
class HeadLeftOfficeCorrected(Correction):
    """A `HeadLeftOffice` recorded with the wrong `to_date` (shared/corrections.py): the whole
    fact as it should have been (`leave_reason`: the leaving's own reason, `reason` being the
    correction's), and `previous_to_date`, the last day it replaces. Recorded alone or with
    the successor's `HeadTookOfficeCorrected` when a hand-over's day is corrected (the
    hand-over recorded the leaving on the eve of the successor's first day). Business date:
    the right `to_date`."""

    event_type = "HeadLeftOfficeCorrected"
    aggregate_type = "head"
    head_id: str
    unit_code: str
    role: Role
    to_date: date
    leave_reason: str = ""
    successor_head_id: str | None = None
    previous_to_date: date

    def corrected_fact(self) -> DomainEvent:
        return HeadLeftOffice(
            head_id=self.head_id, unit_code=self.unit_code, role=self.role,
            to_date=self.to_date, reason=self.leave_reason,
            successor_head_id=self.successor_head_id)


# --- sessions (hội nghị đối thoại trực tiếp) ---------------------------------------------


@registry.register
class SessionPlanned(DomainEvent):
    event_type = "SessionPlanned"
    aggregate_type = "session"
    session_id: str
    unit_code: str
    head_ids: list[str]
    planned_on: date
    topic: str
    place: str
    co_organiser: str


@registry.register
class SessionRescheduled(DomainEvent):
    """Moved to another date; later than before means postponed (hoãn)."""

    event_type = "SessionRescheduled"
    aggregate_type = "session"
    session_id: str
    planned_on: date
    previous_planned_on: date
    reason: str = ""


@registry.register
class SessionCancelled(DomainEvent):
    event_type = "SessionCancelled"
    aggregate_type = "session"
    session_id: str
    reason: str
    cancelled_on: date


@registry.register
class SessionHeld(DomainEvent):
    event_type = "SessionHeld"
    aggregate_type = "session"
    session_id: str
    unit_code: str
    head_ids: list[str]
    held_on: date


@registry.register
class SessionHeldCorrected(Correction):
    """A `SessionHeld` recorded wrongly (shared/corrections.py): the session was held on
    another day or by other heads, or (`void`) it did not take place at all: it is planned
    again, on the day it was planned for, and `head_ids` are the plan's heads. `corrects`
    names the holding in force (the `SessionHeld`, or the last correction of it);
    `previous_*` are its values. Business date: `held_on`, else `previous_held_on`."""

    event_type = "SessionHeldCorrected"
    aggregate_type = "session"
    session_id: str
    unit_code: str
    held_on: date | None
    head_ids: list[str]
    previous_held_on: date
    previous_head_ids: list[str]

    def corrected_fact(self) -> DomainEvent:
        assert self.held_on is not None, "a void correction states no holding"
        return SessionHeld(session_id=self.session_id, unit_code=self.unit_code,
                           head_ids=self.head_ids, held_on=self.held_on)


@registry.register
class SessionReportFiled(DomainEvent):
    """The report (báo cáo kết quả) closes the session."""

    event_type = "SessionReportFiled"
    aggregate_type = "session"
    session_id: str
    attendance: int
    organisations: list[str]
    summary: str
    filed_on: date


@registry.register
class SessionReportReminderDue(DomainEvent):
    """A held session still had no report `days_after_held` days after it was held."""

    event_type = "SessionReportReminderDue"
    aggregate_type = "session"
    session_id: str
    days_after_held: ReminderDay
    held_on: date
    due_on: date
    unit_code: str


# --- issues raised (ý kiến, kiến nghị) ---------------------------------------------------


@registry.register
class IssueRaised(DomainEvent):
    """An opinion or petition raised at a session. Never carries who raised it."""

    event_type = "IssueRaised"
    aggregate_type = "issue"
    issue_id: str
    session_id: str
    unit_code: str
    category: IssueCategory
    text: str
    handling: Handling
    assigned_agency: str | None
    answer: str = ""
    raised_on: date
    # Whether a name or contact is kept apart (citizen_contacts); never the values.
    has_citizen_contact: bool = False


@registry.register
class CitizenContactErased(DomainEvent):
    """The citizen's name and contact kept apart for this issue were erased at their request.
    Records who and when (the envelope), never what."""

    event_type = "CitizenContactErased"
    aggregate_type = "issue"
    issue_id: str
    erased_on: date


# --- commitments (cam kết, giao nhiệm vụ) ------------------------------------------------


@registry.register
class CommitmentMade(DomainEvent):
    event_type = "CommitmentMade"
    aggregate_type = "commitment"
    commitment_id: str
    session_id: str
    unit_code: str
    responsible_agency: str
    due_on: date
    text: str
    issue_id: str | None = None
    made_on: date


@registry.register
class CommitmentProgressUpdated(DomainEvent):
    event_type = "CommitmentProgressUpdated"
    aggregate_type = "commitment"
    commitment_id: str
    progress_pct: int
    status: CommitmentStatus
    updated_on: date
    previous_progress_pct: int
    note: str = ""


@registry.register
class CommitmentCompleted(DomainEvent):
    event_type = "CommitmentCompleted"
    aggregate_type = "commitment"
    commitment_id: str
    completed_on: date


@registry.register
class CommitmentOverdue(DomainEvent):
    """Detected by the scheduler, never typed: the day after `due_on` came without completion."""

    event_type = "CommitmentOverdue"
    aggregate_type = "commitment"
    commitment_id: str
    due_on: date
    overdue_since: date
    progress_pct: int


@registry.register
class CommitmentReopened(DomainEvent):
    event_type = "CommitmentReopened"
    aggregate_type = "commitment"
    commitment_id: str
    reason: str
    reopened_on: date
    due_on: date
    status: CommitmentStatus
    progress_pct: int


# --- the regulation's rule (Quyết định 1738-QĐ/TU, being amended) -------------------------


@registry.register
class DialogueRuleSet(DomainEvent):
    """From `effective_from`, a head of a unit of `level` holds at least this many sessions a
    year. A later event with the same level and date corrects the earlier one."""

    event_type = "DialogueRuleSet"
    aggregate_type = "rule"
    level: Level
    min_sessions_per_year: int
    effective_from: date
    legal_basis: str = ""
    note: str = ""
