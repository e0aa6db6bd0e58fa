"""Outage or poison: whether a failure comes from the infrastructure or from the work itself.

A consumer must not spend an event's attempts toward a dead letter while its database or NATS
is away: the event is fine, the infrastructure is not, and it comes back. This module states
once which exceptions mean "the infrastructure failed" (connection lost, server shutting
down, timeouts, a locked SQLite file, a deadlock or serialization failure that succeeds when
retried); anything else raised while the infrastructure answers is the work's own fault.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator

from nats import errors as nats_errors
from sqlalchemy import exc as sa_exc

# SQLite's SQLITE_FULL: one of the unavailable states below, and the one `is_disk_full` names.
_SQLITE_FULL = "database or disk is full"
# SQLite raises OperationalError for its busy/IO states and for programming errors alike
# ("no such table"): only these messages are the file being unavailable.
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "disk i/o error",
    "unable to open database file",
    _SQLITE_FULL,
)

_NATS_UNAVAILABLE: tuple[type[BaseException], ...] = (
    nats_errors.ConnectionClosedError,
    nats_errors.ConnectionDrainingError,
    nats_errors.ConnectionReconnectingError,
    nats_errors.NoServersError,
    nats_errors.StaleConnectionError,
    nats_errors.OutboundBufferLimitError,
    nats_errors.TimeoutError,
    nats_errors.NoRespondersError,
)


def _sqlite_unavailable(exc: BaseException) -> bool:
    message = str(exc).lower()
    return any(fragment in message for fragment in _SQLITE_UNAVAILABLE)


def _one_is_infrastructure(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc.orig, sqlite3.OperationalError):
            return _sqlite_unavailable(exc.orig)
        # On PostgreSQL (psycopg) OperationalError is the server's side: connection lost,
        # admin shutdown, statement cancelled, deadlock, serialization failure.
        return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True  # the pool gave no connection in time, or one was found dead
    if isinstance(exc, sqlite3.OperationalError):
        return _sqlite_unavailable(exc)
    if _is_psycopg_operational(exc):
        return True
    return isinstance(exc, (ConnectionError, TimeoutError, asyncio.TimeoutError,
                            *_NATS_UNAVAILABLE))


def _is_psycopg_operational(exc: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # the embedded default needs no PostgreSQL driver
        return False
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


def _causes(exc: BaseException, *, through_orig: bool = False) -> Iterator[BaseException]:
    """`exc` and the exceptions it was raised from (`raise ... from`), each once (a cycle of
    causes ends). With `through_orig`, an exception wrapping a driver's (SQLAlchemy's `orig`)
    leads to it rather than to its cause. The implicit context is not followed: a handler
    that fails while handling some error has failed on its own account."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None) if through_orig else None
        current = orig if isinstance(orig, BaseException) else current.__cause__


def is_infrastructure_failure(exc: BaseException) -> bool:
    """True when `exc`, or an exception it was raised from (`raise ... from`), says the
    infrastructure failed."""
    return any(_one_is_infrastructure(each) for each in _causes(exc))


#: After work lost to an outage, the next try comes this soon, the wait doubling up to the cap:
#: an outage is usually seconds long, so waiting a whole interval delays the work as much, and
#: trying at every turn of a loop only fails again (the dialogue scheduler's passes, the relay's
#: watermark).
OUTAGE_RETRY_FIRST_S = 1.0
OUTAGE_RETRY_MAX_S = 30.0
#: A connection to NATS, a publish, a consumer's fetch lost: tried again within a fraction of
#: a second (NATS back from a restart answers at once), the wait doubling up to a few seconds.
RECONNECT_FIRST_S = 0.2
RECONNECT_MAX_S = 5.0


class Backoff:
    """The waits between tries while something is away: `first_s`, doubling after each try up
    to `max_s`, back to `first_s` once the work goes through (`reset`). The one rule of the
    relay's publishes and watermarks, the consumers' retries and pauses, the NATS link's
    first connection and the dialogue scheduler's passes, each with its own bounds."""

    __slots__ = ("_next_s", "first_s", "max_s")

    def __init__(
        self, first_s: float = OUTAGE_RETRY_FIRST_S, max_s: float = OUTAGE_RETRY_MAX_S
    ) -> None:
        self.first_s = first_s
        self.max_s = max_s
        self._next_s = first_s

    def next(self) -> float:
        """The wait before the next try; the one after it is twice as long (to `max_s`)."""
        wait = self._next_s
        self._next_s = min(wait * 2, self.max_s)
        return wait

    def reset(self) -> None:
        """The work went through: the next trouble starts again from `first_s`."""
        self._next_s = self.first_s


#: PostgreSQL's SQLSTATE of a transaction it aborted to break a deadlock.
DEADLOCK_DETECTED = "40P01"


def is_deadlock(exc: BaseException) -> bool:
    """True when `exc` (or what it wraps: SQLAlchemy's `orig`, a `raise ... from`) is
    PostgreSQL aborting this transaction to break a deadlock: nothing of it was written, and
    the same work run again succeeds (shared.commands.run)."""
    return any(getattr(each, "sqlstate", None) == DEADLOCK_DETECTED
               for each in _causes(exc, through_orig=True))


#: PostgreSQL's SQLSTATE of a write refused for lack of disk space (class 53, disk_full).
DISK_FULL = "53100"


def is_disk_full(exc: BaseException) -> bool:
    """True when `exc` (or what it wraps) is the database refusing a write for lack of disk
    space: SQLite's SQLITE_FULL, PostgreSQL's disk_full. Reads still answer then, so a ping
    (/readyz, a consumer's outage probe) says nothing of it."""
    for each in _causes(exc, through_orig=True):
        if getattr(each, "sqlstate", None) == DISK_FULL:
            return True
        if isinstance(each, sqlite3.OperationalError) and _SQLITE_FULL in str(each).lower():
            return True
    return False


class DiskFullNotice:
    """When this process's database last refused a write for lack of disk space
    (`is_disk_full`): /readyz's database check says so for a while after, since its ping, a
    read, answers on a full disk. With the disk full under `make run` every command was
    answered 503 and /readyz said the database was fine (examiner-outage)."""

    __slots__ = ("_at", "_clock")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._at: float | None = None

    def note(self, exc: BaseException) -> None:
        """Take note of `exc` if it is a write refused for lack of space."""
        if is_disk_full(exc):
            self._at = self._clock()

    def seconds_since(self) -> float | None:
        """Seconds since the last refusal noted; None if none was."""
        return None if self._at is None else self._clock() - self._at
