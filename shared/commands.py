"""The one way to run a command: the runner owns the unit of work.

Handlers stay plain functions of (unit of work, ...) that load, decide and save; `execute`
opens the transaction, calls the handler, commits when it returns and rolls back when it
raises. Routes, the scheduler, imports and seeders all go through it, so none can forget to
commit or leave a transaction open (Cosmic Python's handlers owning the unit of work, with the
opening written once instead of in every handler).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.aggregate import CommandContext, UnitOfWork
from shared.envelope import EventEnvelope
from shared.errors import ClaimCrossed, CommandsCrossed
from shared.logs import get_logger
from shared.outage import is_deadlock

log = get_logger("danvan.commands")
P = ParamSpec("P")
#: How many times a command deadlocked by another is run before the caller is told (`run`).
DEADLOCK_TRIES = 3
T = TypeVar("T")


class UnitOfWorkSource(Protocol):
    def uow(self, context: CommandContext, clock: datetime | None = None) -> UnitOfWork: ...


def execute(
    source: UnitOfWorkSource,
    context: CommandContext,
    handler: Callable[Concatenate[UnitOfWork, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run `handler(uow, *args, **kwargs)` in one transaction, committed when it returns."""
    return run(source, context, lambda uow: handler(uow, *args, **kwargs))


def run(
    source: UnitOfWorkSource,
    context: CommandContext,
    work: Callable[[UnitOfWork], T],
    *,
    commit: Callable[[T], bool] = lambda _: True,
    before_commit: Callable[[UnitOfWork, T], None] | None = None,
    clock: datetime | None = None,
) -> T:
    """The general form: `commit(result)` False rolls back (a dry run); `before_commit` writes
    what must commit with the events (an idempotency key's response).

    A transaction PostgreSQL aborted to break a deadlock (two commands holding the same
    aggregates in opposite orders, `UnitOfWork.hold`) wrote nothing: the work runs again
    from the start, in a new transaction that reads what the other committed. After
    `DEADLOCK_TRIES` the caller is told to send it again (409 COMMANDS_CROSSED), not a 500.
    So is one whose claim of codes another transaction committed first (`ClaimCrossed`): the
    run again reads them as the other wrote them."""
    for tries in range(1, DEADLOCK_TRIES + 1):
        try:
            with source.uow(context, clock) as uow:
                result = work(uow)
                if commit(result):
                    if before_commit is not None:
                        before_commit(uow, result)
                    uow.commit()
            return result
        except Exception as exc:
            crossed = isinstance(exc, ClaimCrossed)
            if not (crossed or is_deadlock(exc)):
                raise
            log.warning("command_crossed" if crossed else "command_deadlock", tries=tries,
                        error=str(exc.__cause__ if crossed else exc)[:300])
            if tries == DEADLOCK_TRIES:
                raise CommandsCrossed(retry_after_s=1) from exc
    raise AssertionError("unreachable")  # the last try returned or raised


# -- the answer to a command ----------------------------------------------------------------------


class EventRef(BaseModel):
    event_id: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    version: int = Field(description="Phiên bản của đối tượng sau sự kiện này")


class CommandResponse(BaseModel):
    """The answer to every command of every service. A route may add fields of its own (the
    new state, the id under the name its clients know: `session_id`, `issue_id`...)."""

    model_config = ConfigDict(extra="allow")

    aggregate_type: str | None = Field(description="Loại đối tượng mà lệnh thay đổi")
    aggregate_id: str | None = Field(description="Mã đối tượng mà lệnh thay đổi")
    version: int | None = Field(
        description="Phiên bản mới của đối tượng; gửi lại trong If-Match ở lệnh sau (ETag)"
    )
    event_ids: list[str] = Field(description="Mã các sự kiện đã ghi, theo thứ tự")
    events: list[EventRef]


@dataclass(frozen=True)
class CommandResult:
    """What a command recorded: the events, the last one naming the aggregate it changed."""

    events: list[EventEnvelope]

    @property
    def last(self) -> EventEnvelope | None:
        return self.events[-1] if self.events else None

    @property
    def aggregate_id(self) -> str | None:
        return self.last.aggregate_id if self.last else None

    @property
    def version(self) -> int | None:
        return self.last.aggregate_version if self.last else None

    @property
    def created(self) -> bool:
        """Whether the command started an aggregate (recorded some aggregate's first event)."""
        return any(e.aggregate_version == 1 for e in self.events)

    def body(self, **extra: Any) -> dict[str, Any]:
        last = self.last
        ids = [str(e.event_id) for e in self.events]  # each UUID written out once
        return {
            "aggregate_type": last.aggregate_type if last else None,
            "aggregate_id": self.aggregate_id,
            "version": self.version,
            "event_ids": ids,
            "events": [
                {
                    "event_id": event_id,
                    "event_type": e.event_type,
                    "aggregate_type": e.aggregate_type,
                    "aggregate_id": e.aggregate_id,
                    "version": e.aggregate_version,
                }
                for event_id, e in zip(ids, self.events, strict=True)
            ],
            **extra,
        }
