"""Direct-dialogue sessions (hội nghị đối thoại trực tiếp) and their report reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from services.dialogue import messages
from services.dialogue.domain.events import (
    ReminderDay,
    SessionCancelled,
    SessionHeld,
    SessionHeldCorrected,
    SessionPlanned,
    SessionReportFiled,
    SessionReportReminderDue,
    SessionRescheduled,
)
from shared.aggregate import Aggregate
from shared.clock import format_date_vn
from shared.envelope import DomainEvent
from shared.errors import ActionRefused, InvalidInput
from shared.steporder import not_before

SessionStatus = Literal["planned", "cancelled", "held", "closed"]

# What each status allows: a planned session is rescheduled, cancelled or held; a held one
# gets its report; issues and commitments are recorded once it took place, report or not.
ALLOWED_ACTIONS: dict[SessionStatus, tuple[str, ...]] = {
    "planned": ("reschedule", "cancel", "hold"),
    "held": ("file_report", "raise_issue", "make_commitment", "correct_held"),
    "closed": ("raise_issue", "make_commitment", "correct_held"),
    "cancelled": (),
}

# Days after the session was held at which a missing report is reminded (the regulation
# expects the report within days; 3 is a nudge, 7 an escalation).
REMINDER_DAYS: tuple[ReminderDay, ...] = (3, 7)


@dataclass(frozen=True)
class Preceding:
    """What a decision about a session (a reschedule, a cancellation) follows: its last
    reschedule's decision, else its plan. The plan records no day it was decided, only the
    day it is planned for (a session is often called off before that day); the earliest it
    can have been decided is the first day in office of a head it names (finding M7).
    `refusal`: the words of the refusal, with {on} and {previous}."""

    on: date
    refusal: str


class DialogueSession(Aggregate):
    """Hội nghị đối thoại trực tiếp: planned → held → closed with its report, or cancelled.

    Rescheduling keeps it planned (a later date is a postponement). The session remembers
    which report reminders it already recorded, so a reminder falls due once, whichever
    process or replica notices it first.
    """

    aggregate_type = "session"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.status: SessionStatus = "planned"
        self.unit_code = ""
        self.head_ids: list[str] = []
        self.planned_head_ids: list[str] = []
        self.planned_on: date | None = None
        self.held_on: date | None = None
        self.filed_on: date | None = None
        #: The version of the event that says how the session was held (its `SessionHeld` or
        #: the last correction of it): what a correction names in `corrects`.
        self.held_version = 0
        self.reminded: set[int] = set()

    def allowed_actions(self) -> list[str]:
        """What the session's status allows next (the actions of `messages.SESSION`)."""
        return list(ALLOWED_ACTIONS[self.status])

    def _refused(self, code: str, action: str) -> ActionRefused:
        return ActionRefused(
            code, messages.SESSION, action=action,
            subject=messages.SESSION_SUBJECT.format(id=self.id), state=self.status,
            allowed=self.allowed_actions(), status=self.status,
        )

    def require_allowed(self, action: str) -> None:
        """The session's status allows `action`, else 409: the state, which its handler asks
        before anything about the day the body carries (docs/api-conventions.md, "The order
        of the refusals": a caller must not be told to move the day of an action the session
        refuses whatever the day). A closed session refuses a second report as
        REPORT_ALREADY_FILED, the code its callers know."""
        if action == "file_report" and self.status == "closed":
            raise self._refused("REPORT_ALREADY_FILED", action)
        if action not in ALLOWED_ACTIONS[self.status]:
            raise self._refused("SESSION_STATE", action)

    def plan(self, event: SessionPlanned) -> None:
        if self.exists:
            raise self._refused("SESSION_EXISTS", "plan")
        self.record(event, event.planned_on, unit_code=event.unit_code)

    def _decided_after(self, on: date, follows: Preceding | None) -> None:
        """A decision dated `on` comes no earlier than what it `follows` (the kernel's order
        of steps): dated earlier, it would count in a period before the session existed."""
        if follows is not None and on < follows.on:
            not_before(on, follows.on, follows.refusal.format(
                on=format_date_vn(on), previous=format_date_vn(follows.on)))

    def reschedule(
        self, planned_on: date, reason: str, on: date, follows: Preceding | None = None
    ) -> None:
        self.require_allowed("reschedule")
        assert self.planned_on is not None
        self._decided_after(on, follows)
        # The day it is moved to comes no earlier than the decision moving it (the kernel's
        # order of steps; finding N9): moved to a day already past, a decision taken after a
        # period's cut-off would put a session planned inside that period.
        not_before(planned_on, on, messages.PLANNED_BEFORE_DECISION.format(
            on=format_date_vn(planned_on), previous=format_date_vn(on)))
        if planned_on == self.planned_on:
            raise InvalidInput(
                "SAME_DATE", messages.SAME_DATE.format(on=format_date_vn(planned_on))
            )
        self.record(
            SessionRescheduled(
                session_id=self.id,
                planned_on=planned_on,
                previous_planned_on=self.planned_on,
                reason=reason,
            ),
            on,
            unit_code=self.unit_code,
        )

    def cancel(self, reason: str, on: date, follows: Preceding | None = None) -> None:
        self.require_allowed("cancel")
        self._decided_after(on, follows)
        self.record(
            SessionCancelled(session_id=self.id, reason=reason, cancelled_on=on),
            on,
            unit_code=self.unit_code,
        )

    def hold(self, held_on: date, head_ids: list[str], follows: Preceding | None = None) -> None:
        """`follows`: the session's last reschedule, which a holding comes no earlier than
        (the kernel's order of steps, as a cancellation's)."""
        self.require_allowed("hold")
        self._decided_after(held_on, follows)
        self.record(
            SessionHeld(
                session_id=self.id, unit_code=self.unit_code, head_ids=head_ids, held_on=held_on
            ),
            held_on,
            unit_code=self.unit_code,
        )

    def correct_held(
        self, held_on: date | None, head_ids: list[str], reason: str, corrects: str,
        follows: Preceding | None = None,
    ) -> None:
        """Đính chính: the session was held on `held_on` by `head_ids` instead of what was
        recorded, or (`held_on` None) it did not take place and is planned again. A session
        with its report filed took place: only its day or heads are corrected. `corrects`:
        the event id of the holding in force (version `held_version`); `follows`: the last
        reschedule, which a holding moved to another day comes no earlier than (as `hold`;
        one stored before the rule keeps its day when only its heads are corrected)."""
        self.require_allowed("correct_held")
        assert self.held_on is not None
        if held_on is not None and held_on != self.held_on:
            self._decided_after(held_on, follows)
        if held_on is None and self.status == "closed":
            raise self._refused("REPORT_ALREADY_FILED", "correct_held")
        if held_on is not None and self.filed_on is not None and self.filed_on < held_on:
            raise InvalidInput(
                "REPORT_BEFORE_SESSION",
                messages.REPORT_BEFORE_SESSION.format(held_on=format_date_vn(held_on)),
            )
        if held_on == self.held_on and sorted(head_ids) == sorted(self.head_ids):
            raise InvalidInput("CORRECTION_CHANGES_NOTHING", messages.CORRECTION_CHANGES_NOTHING)
        self.record(
            SessionHeldCorrected(
                session_id=self.id, unit_code=self.unit_code, corrects=corrects,
                corrected_version=self.held_version, reason=reason, void=held_on is None,
                held_on=held_on,
                head_ids=head_ids if held_on is not None else list(self.planned_head_ids),
                previous_held_on=self.held_on, previous_head_ids=list(self.head_ids),
            ),
            # Dated as the fact it states: the day it was held, or the day it was said to be.
            held_on or self.held_on,
            unit_code=self.unit_code,
        )

    def file_report(
        self, attendance: int, organisations: list[str], summary: str, filed_on: date
    ) -> None:
        self.require_allowed("file_report")
        assert self.held_on is not None
        if filed_on < self.held_on:
            raise InvalidInput(
                "REPORT_BEFORE_SESSION",
                messages.REPORT_BEFORE_SESSION.format(held_on=format_date_vn(self.held_on)),
            )
        self.record(
            SessionReportFiled(
                session_id=self.id,
                attendance=attendance,
                organisations=organisations,
                summary=summary,
                filed_on=filed_on,
            ),
            filed_on,
            unit_code=self.unit_code,
        )

    def require_held(self, action: str) -> date:
        """Issues and commitments (`action`: raise_issue, make_commitment) belong to a
        session that took place."""
        if action not in ALLOWED_ACTIONS[self.status] or self.held_on is None:
            raise self._refused("SESSION_NOT_HELD", action)
        return self.held_on

    def reminders_due(self, today: date) -> list[ReminderDay]:
        if self.status != "held" or self.held_on is None:
            return []
        return [
            days
            for days in REMINDER_DAYS
            if days not in self.reminded and today >= self.held_on + timedelta(days=days)
        ]

    def remind(self, today: date) -> list[ReminderDay]:
        """Record every reminder that has fallen due and was not recorded yet. The business
        date is the day it fell due, not the day it was noticed, so reports stay reproducible."""
        due = self.reminders_due(today)
        assert self.held_on is not None or not due
        for days in due:
            assert self.held_on is not None
            due_on = self.held_on + timedelta(days=days)
            self.record(
                SessionReportReminderDue(
                    session_id=self.id,
                    days_after_held=days,
                    held_on=self.held_on,
                    due_on=due_on,
                    unit_code=self.unit_code,
                ),
                due_on,
                unit_code=self.unit_code,
            )
        return due

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, SessionPlanned):
            self.status = "planned"
            self.unit_code = event.unit_code
            self.head_ids = list(event.head_ids)
            self.planned_head_ids = list(event.head_ids)
            self.planned_on = event.planned_on
        elif isinstance(event, SessionRescheduled):
            self.planned_on = event.planned_on
        elif isinstance(event, SessionCancelled):
            self.status = "cancelled"
        elif isinstance(event, SessionHeld):
            self.status = "held"
            self.held_on = event.held_on
            self.head_ids = list(event.head_ids)
            self.held_version = self.version + 1
        elif isinstance(event, SessionHeldCorrected):
            self.held_version = self.version + 1
            self.head_ids = list(event.head_ids)
            if not event.void:
                self.held_on = event.held_on
            else:
                # Never held: planned again as it was (the event names the plan's heads);
                # reminders of a report fall due again once it is held.
                self.status, self.held_on, self.reminded = "planned", None, set()
        elif isinstance(event, SessionReportFiled):
            self.status = "closed"
            self.filed_on = event.filed_on
        elif isinstance(event, SessionReportReminderDue):
            self.reminded.add(event.days_after_held)
