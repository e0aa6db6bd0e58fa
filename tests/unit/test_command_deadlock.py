"""A command PostgreSQL aborted to break a deadlock (shared.commands.run): run again from the
start, and after `DEADLOCK_TRIES` a 409 the client may send again, never a 500 or a 503."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from shared.aggregate import CommandContext, UnitOfWork
from shared.commands import DEADLOCK_TRIES, run
from shared.errors import ClaimCrossed, CommandsCrossed
from shared.outage import is_deadlock


class _Uow:
    def commit(self) -> None:
        pass


class _Source:
    """Hands out units of work whose work PostgreSQL aborts `deadlocks` times."""

    def __init__(self, deadlocks: int) -> None:
        self.deadlocks = deadlocks
        self.tries = 0

    @contextlib.contextmanager
    def _uow(self) -> Iterator[_Uow]:
        self.tries += 1
        yield _Uow()

    def uow(self, context: CommandContext, clock: datetime | None = None) -> Any:
        return self._uow()


def _work(source: _Source) -> Any:
    def work(uow: UnitOfWork) -> str:
        if source.tries <= source.deadlocks:
            # As the lock's statement raises it, on the driver's cursor (UnitOfWork.hold).
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        return "done"
    return work


def test_a_deadlocked_command_runs_again_and_succeeds() -> None:
    source = _Source(deadlocks=DEADLOCK_TRIES - 1)
    assert run(source, CommandContext(actor="t"), _work(source)) == "done"
    assert source.tries == DEADLOCK_TRIES


def test_a_command_deadlocked_at_every_try_is_a_409_to_send_again() -> None:
    source = _Source(deadlocks=DEADLOCK_TRIES)
    with pytest.raises(CommandsCrossed) as raised:
        run(source, CommandContext(actor="t"), _work(source))
    assert source.tries == DEADLOCK_TRIES
    assert raised.value.status_code == 409
    assert raised.value.details == {"retry_after_s": 1}
    assert "gửi lại" in raised.value.message


def test_only_a_deadlock_is_run_again() -> None:
    source = _Source(deadlocks=0)

    def work(uow: UnitOfWork) -> str:
        raise psycopg.errors.UniqueViolation("dup")

    with pytest.raises(psycopg.errors.UniqueViolation):
        run(source, CommandContext(actor="t"), work)
    assert source.tries == 1


def test_a_deadlock_is_told_however_it_is_wrapped() -> None:
    deadlock = psycopg.errors.DeadlockDetected("deadlock detected")
    assert is_deadlock(deadlock)
    assert is_deadlock(OperationalError("SELECT pg_advisory_xact_lock(%s)", {}, deadlock))
    assert not is_deadlock(psycopg.errors.SerializationFailure("could not serialize"))
    assert not is_deadlock(psycopg.OperationalError("server closed"))


def test_a_claim_crossed_by_another_commit_runs_again_then_is_commands_crossed() -> None:
    """Q1: codes a concurrent transaction claimed and committed after this one's read
    (`UnitOfWork.claim_codes`): run again, reading them; out of tries the documented 409
    COMMANDS_CROSSED with Retry-After, never a refusal naming the code as taken."""
    source = _Source(deadlocks=0)

    def work(uow: UnitOfWork) -> str:
        if source.tries < DEADLOCK_TRIES:
            raise ClaimCrossed() from psycopg.errors.UniqueViolation("dup")
        return "done"

    assert run(source, CommandContext(actor="t"), work) == "done"
    assert source.tries == DEADLOCK_TRIES

    always = _Source(deadlocks=0)

    def crossed(uow: UnitOfWork) -> str:
        raise ClaimCrossed()

    with pytest.raises(CommandsCrossed) as raised:
        run(always, CommandContext(actor="t"), crossed)
    assert always.tries == DEADLOCK_TRIES
    assert (raised.value.code, raised.value.details) == ("COMMANDS_CROSSED", {"retry_after_s": 1})
