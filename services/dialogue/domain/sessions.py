"""Direct-dialogue sessions (hội nghị đối thoại trực tiếp) and their report reminders."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from services.dialogue import messages
from services.dialogue.domain.events import (
    ReminderDay,
    SessionCancelled,
    SessionHeld,
    SessionPlanned,
    SessionReportFiled,
    SessionReportReminderDue,
    SessionRescheduled,
)
from shared.aggregate import Aggregate
from shared.clock import format_date_vn
from shared.envelope import DomainEvent
from shared.errors import ActionRefused, InvalidInput

SessionStatus = Literal["planned", "cancelled", "held", "closed"]

# What each status allows: a planned session is rescheduled, cancelled or held; a held one
# gets its report; issues and commitments are recorded once it took place, report or not.
ALLOWED_ACTIONS: dict[SessionStatus, tuple[str, ...]] = {
    "planned": ("reschedule", "cancel", "hold"),
    "held": ("file_report", "raise_issue", "make_commitment"),
    "closed": ("raise_issue", "make_commitment"),
    "cancelled": (),
}

# Days after the session was held at which a missing report is reminded (the regulation
# expects the report within days; 3 is a nudge, 7 an escalation).
REMINDER_DAYS: tuple[ReminderDay, ...] = (3, 7)


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
        self.planned_on: date | None = None
        self.held_on: date | None = None
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

    def _refuse_unless_allowed(self, action: str) -> None:
        if action not in ALLOWED_ACTIONS[self.status]:
            raise self._refused("SESSION_STATE", action)

    def plan(self, event: SessionPlanned) -> None:
        if self.exists:
            raise self._refused("SESSION_EXISTS", "plan")
        self.record(event, event.planned_on, unit_code=event.unit_code)

    def reschedule(self, planned_on: date, reason: str, on: date) -> None:
        self._refuse_unless_allowed("reschedule")
        assert self.planned_on is not None
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

    def cancel(self, reason: str, on: date) -> None:
        self._refuse_unless_allowed("cancel")
        self.record(
            SessionCancelled(session_id=self.id, reason=reason, cancelled_on=on),
            on,
            unit_code=self.unit_code,
        )

    def hold(self, held_on: date, head_ids: list[str]) -> None:
        self._refuse_unless_allowed("hold")
        self.record(
            SessionHeld(
                session_id=self.id, unit_code=self.unit_code, head_ids=head_ids, held_on=held_on
            ),
            held_on,
            unit_code=self.unit_code,
        )

    def file_report(
        self, attendance: int, organisations: list[str], summary: str, filed_on: date
    ) -> None:
        if self.status == "closed":
            raise self._refused("REPORT_ALREADY_FILED", "file_report")
        self._refuse_unless_allowed("file_report")
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
            self.planned_on = event.planned_on
        elif isinstance(event, SessionRescheduled):
            self.planned_on = event.planned_on
        elif isinstance(event, SessionCancelled):
            self.status = "cancelled"
        elif isinstance(event, SessionHeld):
            self.status = "held"
            self.held_on = event.held_on
            self.head_ids = list(event.head_ids)
        elif isinstance(event, SessionReportFiled):
            self.status = "closed"
        elif isinstance(event, SessionReportReminderDue):
            self.reminded.add(event.days_after_held)
