"""Commitments made at a session (cam kết, giao nhiệm vụ) and their follow-up."""

from __future__ import annotations

from datetime import date

from services.dialogue import messages
from services.dialogue.domain.events import (
    CommitmentCompleted,
    CommitmentMade,
    CommitmentOverdue,
    CommitmentProgressUpdated,
    CommitmentReopened,
    CommitmentStatus,
)
from shared.aggregate import Aggregate
from shared.clock import format_date_vn
from shared.envelope import DomainEvent
from shared.errors import ActionRefused, InvalidInput
from shared.planrules import commitment_standing, overdue_since


class Commitment(Aggregate):
    """Cam kết: an agency's promise made at a session, with a due date and progress.

    Status: open (0 %), in progress, done (100 %, completed), overdue. Overdue is never
    typed: the scheduler detects it the day after the due date and it stays overdue until
    done or reopened with a new due date. A commitment is overdue once per due date.
    """

    aggregate_type = "commitment"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.status: CommitmentStatus = "open"
        self.progress_pct = 0
        self.due_on: date = date.min
        self.made_on: date = date.min
        self.last_update_on: date = date.min
        self.unit_code = ""
        self.overdue_flagged = False
        #: The latest progress update (percent, date, note): a row repeating it is no news.
        self.last_update: tuple[int, date, str] | None = None

    def allowed_actions(self) -> list[str]:
        """Progress is updated until done; a done or overdue commitment may be reopened."""
        return {"done": ["reopen"], "overdue": ["update_progress", "reopen"]}.get(
            self.status, ["update_progress"])

    def require_allowed(self, action: str, on: date | None = None) -> None:
        """The commitment's status allows `action`, else 409 (COMMITMENT_DONE for a progress
        update, CANNOT_REOPEN for a reopening): the state, which its handler asks before
        anything about the day the body carries (docs/api-conventions.md, "The order of the
        refusals"). With `on`, the status it has at that day: overdue once its due date has
        passed, as the handler's `detect_overdue(on)` records before acting."""
        status = "overdue" if on is not None and self.overdue_on(on) else self.status
        if status == "done" and action == "update_progress":
            raise self._refused("COMMITMENT_DONE", action)
        if status not in ("done", "overdue") and action == "reopen":
            raise self._refused("CANNOT_REOPEN", action)

    def _refused(self, code: str, action: str) -> ActionRefused:
        return ActionRefused(
            code, messages.COMMITMENT, action=action,
            subject=messages.COMMITMENT_SUBJECT.format(id=self.id), state=self.status,
            allowed=self.allowed_actions(),
        )

    def make(self, event: CommitmentMade) -> None:
        if self.exists:
            raise self._refused("COMMITMENT_EXISTS", "make")
        if event.due_on < event.made_on:
            raise InvalidInput(
                "DUE_BEFORE_MADE",
                messages.DUE_BEFORE_MADE.format(made_on=format_date_vn(event.made_on)),
            )
        self.record(event, event.made_on, unit_code=event.unit_code)

    def _status_for(self, progress_pct: int) -> CommitmentStatus:
        if progress_pct >= 100:
            return "done"
        if self.overdue_flagged:
            return "overdue"
        return "in_progress" if progress_pct > 0 else "open"

    def repeats_last_update(self, progress_pct: int, on: date, note: str) -> bool:
        """Whether an update is the latest one again (same percent, date and note): a file
        imported twice, a retried upload. Recording it would put in the history an update
        that did not happen (G4)."""
        return self.last_update == (progress_pct, on, note)

    def update_progress(self, progress_pct: int, on: date, note: str = "") -> None:
        self.require_allowed("update_progress")
        if on < self.last_update_on:
            raise InvalidInput(
                "UPDATE_BEFORE_LAST",
                messages.UPDATE_BEFORE_LAST.format(last=format_date_vn(self.last_update_on)),
            )
        status = self._status_for(progress_pct)
        self.record(
            CommitmentProgressUpdated(
                commitment_id=self.id,
                progress_pct=progress_pct,
                status=status,
                updated_on=on,
                previous_progress_pct=self.progress_pct,
                note=note,
            ),
            on,
            unit_code=self.unit_code,
        )
        if status == "done":
            self.record(
                CommitmentCompleted(commitment_id=self.id, completed_on=on),
                on,
                unit_code=self.unit_code,
            )

    def overdue_on(self, on: date) -> bool:
        """Whether an overdue is to be recorded as of the end of day `on`: the kernel's
        standing of the commitment at `on` (`commitment_standing`), not yet recorded."""
        # A date before the last event judges nothing: a command so dated is refused.
        return self.exists and not self.overdue_flagged and on >= self.last_update_on and (
            commitment_standing(self.status == "done", self.due_on, on) == "overdue")

    def detect_overdue(self, on: date) -> bool:
        """On the due date itself the commitment is still on time; the day after, overdue,
        or from its last event if later (reopened after its due date: overdue from the
        reopening, the kernel's `overdue_since`). A command dated `on` judges at `on`, never
        at the day it is recorded: judged at today, a completion dated before the due date
        but recorded after it would follow an overdue dated after it."""
        if not self.overdue_on(on):
            return False
        since = overdue_since(self.due_on, self.last_update_on)
        self.record(
            CommitmentOverdue(
                commitment_id=self.id,
                due_on=self.due_on,
                overdue_since=since,
                progress_pct=self.progress_pct,
            ),
            since,
            unit_code=self.unit_code,
        )
        return True

    def reopen(
        self, reason: str, on: date, new_due_on: date | None, progress_pct: int | None
    ) -> None:
        """Reopen a completed commitment (the result did not hold) or extend an overdue one."""
        self.require_allowed("reopen")
        if self.status == "overdue" and new_due_on is None:
            raise InvalidInput("NEW_DUE_DATE_REQUIRED", messages.NEW_DUE_DATE_REQUIRED)
        if on < self.last_update_on:
            raise InvalidInput(
                "UPDATE_BEFORE_LAST",
                messages.UPDATE_BEFORE_LAST.format(last=format_date_vn(self.last_update_on)),
            )
        due_on = new_due_on or self.due_on
        if due_on < on and new_due_on is not None:
            raise InvalidInput(
                "DUE_BEFORE_REOPENED",
                messages.DUE_BEFORE_REOPENED.format(on=format_date_vn(on)),
            )
        # A reopened commitment is by definition not finished.
        progress = min(self.progress_pct if progress_pct is None else progress_pct, 99)
        self.record(
            CommitmentReopened(
                commitment_id=self.id,
                reason=reason,
                reopened_on=on,
                due_on=due_on,
                status="in_progress" if progress > 0 else "open",
                progress_pct=progress,
            ),
            on,
            unit_code=self.unit_code,
        )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, CommitmentMade):
            self.due_on = event.due_on
            self.made_on = self.last_update_on = event.made_on
            self.unit_code = event.unit_code
        elif isinstance(event, CommitmentProgressUpdated):
            self.progress_pct = event.progress_pct
            self.status = event.status
            self.last_update_on = event.updated_on
            self.last_update = (event.progress_pct, event.updated_on, event.note)
        elif isinstance(event, CommitmentCompleted):
            self.status = "done"
        elif isinstance(event, CommitmentOverdue):
            self.overdue_flagged = True
            self.status = "overdue"
        elif isinstance(event, CommitmentReopened):
            self.overdue_flagged = False
            self.status = event.status
            self.due_on = event.due_on
            self.progress_pct = event.progress_pct
            self.last_update_on = event.reopened_on
            self.last_update = None  # the reopening is the newer fact
