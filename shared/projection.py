"""Inline projections: a service's read models follow its own events in the transaction that
stores them, and are rebuilt by replaying its `events` table through the same handlers.

One convention for every service (each in its `adapters/projection.py`):

- handlers are keyed by event CLASS (a renamed or mistyped event fails at import, not at
  run time) and read only the event and its envelope, never the clock, so a replay gives
  the same rows;
- every event type of the service's registry is either handled or listed as changing no
  read model (`ignored`): checked when the projection is made, so a new event type cannot
  be forgotten silently. An ignored event is passed over without being decoded;
- an event of a type the registry does not know is an error (`UnknownEventTypeError`):
  the store holds only the service's own events, so it means a missing registration.

A consumed stream (another service's events, through NATS) is a `shared.consumer.Projection`
instead: see docs/architecture.md for which to use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, delete, func, select
from sqlalchemy.pool import StaticPool

from shared.clock import in_utc
from shared.envelope import DomainEvent, EventEnvelope, EventRegistry, UnknownEventTypeError
from shared.errors import AsOfBusy
from shared.eventstore import EventStore, events_table

Apply = Callable[[Connection, Any, EventEnvelope], None]

_REPLAY_BATCH = 1000

#: One replay "as known at" a moment per process (`InlineProjection.known_at`).
_AS_OF_TURN = threading.Lock()
#: Where a replay as known at a moment reads the store, in its private database's
#: `Connection.info`: the store's connection and the moment (`stored_events`).
_REPLAYED_STORE = "danvan_replayed_store"
#: What a refused replay tells the caller to wait: about one replay at a city's size.
AS_OF_RETRY_AFTER_S = 10


class InlineProjection:
    """The handlers of a service's own events onto its read models (`tables`)."""

    def __init__(
        self,
        registry: EventRegistry,
        tables: Sequence[Table],
        handlers: Mapping[type[DomainEvent], Apply],
        *,
        ignored: Iterable[type[DomainEvent]] = (),
    ) -> None:
        self.registry = registry
        self.tables = tuple(tables)
        ignored = tuple(ignored)
        both = set(handlers) & set(ignored)
        if both:
            raise ValueError(f"handled and ignored: {_names(both)}")
        listed = {cls.event_type for cls in (*handlers, *ignored)}
        unlisted = set(registry.types) - listed
        if unlisted:
            raise ValueError(f"neither handled nor ignored: {sorted(unlisted)}")
        strangers = listed - set(registry.types)
        if strangers:
            raise ValueError(f"not registered with {registry.service}: {sorted(strangers)}")
        # Looked up by the envelope's type name: an ignored event is never decoded.
        self._by_name: dict[str, Apply | None] = {
            cls.event_type: apply for cls, apply in handlers.items()}
        self._by_name.update({cls.event_type: None for cls in ignored})
        #: The last replay as known at a moment, kept for the next read of the same events
        #: (`known_at`, `_replayed_key`), and the key it was made for.
        self._last: tuple[tuple[Any, ...], Engine] | None = None

    def project(self, conn: Connection, envelopes: Iterable[EventEnvelope]) -> None:
        for envelope in envelopes:
            if envelope.event_type not in self._by_name:
                raise UnknownEventTypeError(envelope.event_type)
            apply = self._by_name[envelope.event_type]
            if apply is not None:
                apply(conn, self.registry.decode(envelope), envelope)

    def rebuild(self, conn: Connection, store: EventStore) -> int:
        """Empty the read models and replay every stored event into them (in the caller's
        transaction); returns the number of events replayed."""
        for table in reversed(self.tables):
            conn.execute(delete(table))
        count = 0
        batch: list[EventEnvelope] = []
        for envelope in store.iter_all(conn):
            batch.append(envelope)
            if len(batch) >= _REPLAY_BATCH:
                self.project(conn, batch)
                count += len(batch)
                batch = []
        self.project(conn, batch)
        return count + len(batch)

    @contextmanager
    def known_at(self, conn: Connection, moment: datetime) -> Iterator[Connection]:
        """The read models as they stood at `moment` (what a list said then): the events
        recorded up to it (`recorded_at`, the rule of `EventStore.load(recorded_until=)`)
        replayed through the same handlers, as a rebuild does, into a private in-memory
        SQLite database whose connection is yielded, the same tables under the same names, so
        a service's list reads it with its own query, filters and paging. The read models
        keep no recorded-at stamps; the store does, and a replay gives the rows the live
        projection gave (the convention above). The service's tables are neither written nor
        locked, provided `conn` is a `shared.db.read_connection`: on SQLite another connection
        of the service's engine holds the writers' turn, and every command waits, for the
        whole replay. The price is a replay of the store up to `moment`, for a check of a signed
        figure rather than for the desk's everyday list; the last replay is kept for the
        next read of the same events (`_replayed_key`: a list's next page as known at the
        same moment), so a process holds one such private database besides its own.

        The events are streamed from the store page by page (`_REPLAY_BATCH`, by position),
        not copied: the private database holds the read models only, and the process one
        page of events besides (review RV4: a copy of a city's store beside its read models
        doubled the replay's memory). A handler that reads the store back (a correction's, a
        placement's) reads it through `stored_events`, which answers from `conn` up to the
        moment, what a copy would have held.

        Such a replay costs seconds of CPU and tens of MB at a city's size, so the process
        runs one at a time (`_AS_OF_TURN`): another is refused at once with `AsOfBusy` (503 +
        Retry-After) rather than queued on the threads and database connections the desks'
        requests need. A caller checks its access before entering, so a refusal costs none.

        On PostgreSQL the pages of events, the handlers' reads of the store and whatever the
        caller reads on `conn` (the unit successions of the moment) come from ONE snapshot:
        `known_at` opens `conn`'s transaction in REPEATABLE READ, so an import committing
        meanwhile is seen whole or not at all. It must therefore be entered before anything is
        read on `conn`."""
        if not _AS_OF_TURN.acquire(blocking=False):
            raise AsOfBusy(retry_after_s=AS_OF_RETRY_AFTER_S)
        try:
            _one_snapshot(conn)
            key = _replayed_key(conn, moment)
            if self._last is None or self._last[0] != key:
                self._forget_last()
                self._last = (key, self._replay(conn, moment))
            with self._last[1].connect() as memory:
                yield memory
        finally:
            _AS_OF_TURN.release()

    def _replay(self, conn: Connection, moment: datetime) -> Engine:
        """A private database holding the read models replayed up to `moment`."""
        # Kept for the next read, which another of the service's threads may serve (one
        # at a time: `_AS_OF_TURN`).
        engine = create_engine("sqlite://", poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
        try:
            with engine.begin() as memory:
                for table in self.tables:
                    table.create(memory)
                memory.info[_REPLAYED_STORE] = (conn, moment)
                store = EventStore(self.registry.service, "")
                self.project(memory, map(_in_utc, store.iter_all(
                    conn, recorded_until=moment, batch_size=_REPLAY_BATCH)))
                # The handlers' way to the store is theirs only while they replay.
                del memory.info[_REPLAYED_STORE]
        except BaseException:
            engine.dispose()
            raise
        return engine

    def _forget_last(self) -> None:
        if self._last is not None:
            self._last[1].dispose()
            self._last = None

    @contextmanager
    def reading(self, conn: Connection, moment: datetime | None) -> Iterator[Connection]:
        """The read models now (`conn` itself) or, with a moment, as they stood then
        (`known_at`): what a list with the kernel's `as_of` reads."""
        if moment is None:
            yield conn
            return
        with self.known_at(conn, moment) as then:
            yield then


def _replayed_key(conn: Connection, moment: datetime) -> tuple[Any, ...]:
    """What a replay up to `moment` holds, named by its store (the database), how many
    events were recorded by the moment, the last recorded of them (its time: any moment from
    it to `moment` replays the same events) and the last stored. The store only grows and
    its events are never changed: an event recorded by then that commits later changes the
    count, so an equal key is an equal replay, and a read of the same events again (the
    next page of a list as known at a moment, the same link opened again, a moment after
    the last event) reads the replay already made instead of paying a replay of the whole
    store each time: 4 to 11 s at 100,000 sites (examiner-hostile)."""
    recorded = events_table.c.recorded_at <= moment
    count, last, latest = conn.execute(select(
        func.count(), func.max(events_table.c.position), func.max(events_table.c.recorded_at),
    ).where(recorded)).one()
    last_id = None if last is None else conn.execute(
        select(events_table.c.event_id).where(events_table.c.position == last)).scalar_one()
    return (conn.engine.url.render_as_string(hide_password=False), latest, count, last_id)


def _one_snapshot(conn: Connection) -> None:
    """Make `conn`'s coming transaction read one snapshot throughout (PostgreSQL: READ
    COMMITTED takes a new one per statement, so the pages of events would each see a
    different store). SQLite's read transaction is one WAL snapshot already."""
    if conn.dialect.name != "postgresql":
        return
    if conn.in_transaction():
        # Too late to choose the level: something read before the replay, at another snapshot.
        raise RuntimeError("known_at must be entered before anything is read on its connection")
    conn.execution_options(isolation_level="REPEATABLE READ")


def stored_events(
    conn: Connection, service: str, aggregate_type: str, aggregate_id: str
) -> list[EventEnvelope]:
    """An aggregate's stored events as a handler reads them back (`EventStore.load`): from
    `conn`'s own store, live and in a rebuild; in a replay as known at a moment, where `conn`
    is the private database, which holds no events (`InlineProjection.known_at`), from the
    store being replayed, those recorded up to the moment: the events a copy of the store
    replayed would have held, so a handler reads the same as when the row was made live."""
    store = EventStore(service, "")
    replayed: tuple[Connection, datetime] | None = conn.info.get(_REPLAYED_STORE)
    if replayed is None:
        return store.load(conn, aggregate_type, aggregate_id)
    source, moment = replayed
    return store.load(source, aggregate_type, aggregate_id, recorded_until=moment)


def _in_utc(envelope: EventEnvelope) -> EventEnvelope:
    """The envelope with its times in UTC, as the live projection's are: PostgreSQL gives them
    in the session's zone, and SQLite (the private database) keeps a time's wall clock and
    drops its zone."""
    if not envelope.occurred_at.utcoffset() and not envelope.recorded_at.utcoffset():
        return envelope
    return replace(envelope, occurred_at=in_utc(envelope.occurred_at),
                   recorded_at=in_utc(envelope.recorded_at))


def _names(classes: Iterable[type[DomainEvent]]) -> list[str]:
    return sorted(cls.event_type for cls in classes)
