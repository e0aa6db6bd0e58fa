"""Write transactions under way in this process, so that a relay's watermark also covers the
events stamped before a finalisation's ask and committed after it (finding L6, J13's
remainder).

An event's `recorded_at` is taken inside its transaction, before the commit. A watermark
says "every event committed before the ask is published" (shared/watermark.py), but a
transaction stamped just before the ask can commit just after the relay's outbox read: the
report signed "as of" a moment after that stamp then misses the event. So every write
transaction of the service (a command's unit of work, a consumer's batch) takes a ticket
when it begins and gives it back when it commits or rolls back; a relay writing a watermark
first reads the watermark stream's sequence (which orders it after the ask), then waits
until every ticket taken before that moment is given back, and only then reads its outbox.
An event stamped before the ask was stamped in a transaction begun before it: committed by
then, it is in that outbox read; rolled back, it never was an event.

One tracker per engine (a process runs one per service): the units of work and the relay
find it by their engine, nothing is passed around. A transaction that never ends holds the
watermark back: the finalisation then names the service (503 FIGURES_CATCHING_UP).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine


class InFlight:
    """Tickets of the write transactions under way, numbered in the order they began."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._issued = 0
        self._open: set[int] = set()
        # Rounds of a relay waiting now (for tests and the logs: whether a wait is under way).
        self.waiting = 0

    def begin(self) -> int:
        with self._lock:
            self._issued += 1
            self._open.add(self._issued)
            return self._issued

    def end(self, ticket: int) -> None:
        with self._lock:
            self._open.discard(ticket)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        ticket = self.begin()
        try:
            yield
        finally:
            self.end(ticket)

    def issued(self) -> int:
        """The last ticket taken so far: the transactions begun up to now."""
        with self._lock:
            return self._issued

    def open_up_to(self, mark: int) -> int:
        with self._lock:
            return sum(1 for ticket in self._open if ticket <= mark)

    async def settled(self, mark: int, bound_s: float, poll_s: float = 0.002) -> bool:
        """Wait up to `bound_s` until every transaction with a ticket up to `mark` has ended;
        False if one has not. Those begun later are not waited for (under a steady flow of
        commands the wait ends: only the few already under way are)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + bound_s
        self.waiting += 1
        try:
            while self.open_up_to(mark):
                if loop.time() >= deadline:
                    return False
                await asyncio.sleep(poll_s)
            return True
        finally:
            self.waiting -= 1


_TRACKERS: weakref.WeakKeyDictionary[Engine, InFlight] = weakref.WeakKeyDictionary()
_TRACKERS_LOCK = threading.Lock()


def in_flight_of(engine: Engine) -> InFlight:
    """The tracker of the write transactions on `engine` (made on first use)."""
    with _TRACKERS_LOCK:
        tracker = _TRACKERS.get(engine)
        if tracker is None:
            tracker = _TRACKERS[engine] = InFlight()
        return tracker
