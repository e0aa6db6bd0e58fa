"""Command handlers of commitment follow-up."""

from __future__ import annotations

from datetime import date

from services.dialogue import messages
from services.dialogue.application.commands import ReopenCommitment, UpdateProgress
from services.dialogue.application.common import save, to_write
from services.dialogue.domain.commitments import Commitment
from shared.aggregate import UnitOfWork
from shared.envelope import EventEnvelope
from shared.errors import NotFound
from shared.validation import not_in_future


def load_commitment(
    uow: UnitOfWork, commitment_id: str, expected_version: int | None = None,
    on: date | None = None,
) -> Commitment:
    not_found = NotFound(
        "COMMITMENT_NOT_FOUND", messages.COMMITMENT_NOT_FOUND.format(id=commitment_id)
    )
    return to_write(uow, Commitment, commitment_id, not_found, expected_version, on)


def update_progress(
    uow: UnitOfWork,
    commitment_id: str,
    command: UpdateProgress,
    today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    on = command.updated_on or today
    commitment = load_commitment(uow, commitment_id, expected_version, on)
    # The latest update sent again (a retry, its day already accepted): nothing written, the
    # answer says so, even when that update completed the commitment.
    if commitment.repeats_last_update(command.progress_pct, on, command.note):
        return []
    commitment.require_allowed("update_progress", on)  # the state (409) before the day (422)
    not_in_future(on, today)  # after 403, 404, 412: docs/api-conventions.md
    # An update dated after the due date finds the commitment already overdue, even if the
    # scheduler has not passed yet: the status in the event must be the true one at its date.
    # Judged at the update's date, not today: a completion dated before the due date but
    # recorded after it is not preceded by an overdue dated after it.
    commitment.detect_overdue(on)
    commitment.update_progress(command.progress_pct, on, command.note)
    follow_up(commitment, today)
    return save(uow, commitment)


def follow_up(commitment: Commitment, today: date) -> None:
    """After a backdated update or reopening, what the commitment is today: overdue now
    when not done and its due date has passed (recorded after the update, dated after it),
    as the scheduler's next pass would record it."""
    commitment.detect_overdue(today)


def reopen(
    uow: UnitOfWork,
    commitment_id: str,
    command: ReopenCommitment,
    today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    on = command.reopened_on or today
    commitment = load_commitment(uow, commitment_id, expected_version, on)
    commitment.require_allowed("reopen", on)  # the state (409) before the day's content (422)
    not_in_future(on, today)
    commitment.detect_overdue(on)
    commitment.reopen(command.reason, on, command.new_due_on, command.progress_pct)
    follow_up(commitment, today)
    return save(uow, commitment)
