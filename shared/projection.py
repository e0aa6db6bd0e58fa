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
  the store holds only the service's own events, so it means a missing registration;
- a handler that reads the store back (`stored_events`) takes from it only events stored
  before its own (by position, or its aggregate's up to its version): a replay as known at
  a later moment carries on a kept replay of an earlier one, whose handlers read the store
  as recorded by the earlier moment (`InlineProjection.known_at`, `_carries_on`).

A consumed stream (another service's events, through NATS) is a `shared.consumer.Projection`
instead: see docs/architecture.md for which to use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, Table, create_engine, delete, func, select
from sqlalchemy.pool import StaticPool

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
#: Replays as known at a moment a projection keeps (`InlineProjection.known_at`), each its
#: read models in a private in-memory database: 52 to 54 MB of SQLite pages at 100,000 sites
#: (`python -m bench asof`), so about 160 MB kept, and a fourth while a replay is made.
KEPT_REPLAYS = 3


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
        #: The replays as known at a moment kept for the next reads (`known_at`), the least
        #: recently read first, `KEPT_REPLAYS` at most.
        self._kept: list[_Replay] = []

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
        whole replay. It is for a check of a signed figure rather than for the desk's everyday
        list.

        What a replay costs. The last `KEPT_REPLAYS` replays are kept, each named by the
        events it holds (`_replayed_key`), so that:

        - a read of the same events again (a list's next page as known at the same moment,
          the same link opened again, a moment after the last event) reads the replay made;
        - a LATER moment carries on a copy of a kept replay of an earlier moment with the
          events recorded by it and stored after the kept replay's last (`_carried_on`): a
          desk stepping through dates, or a partner opening the list as of each conference
          (3, 6, 9, 12 months), pays about the events between, not the whole history
          (docs/api-conventions.md has the figures at 100,000 sites). The rows are the
          whole replay's, the events applied in the same order, and only when every event
          recorded by the later moment and stored up to the kept replay's last is one it
          holds (`_carries_on`: several writers store events out of their recording order,
          and on PostgreSQL a transaction commits after others that took later positions);
          otherwise, and for a moment earlier than every kept one, the store is replayed
          from its start. The copy leaves the earlier replay kept for its own next reads.

        The events are streamed from the store page by page (`_REPLAY_BATCH`, by position),
        not copied: the private database holds the read models only, and the process one
        page of events besides (review RV4: a copy of a city's store beside its read models
        doubled the replay's memory). A handler that reads the store back (a correction's, a
        placement's) reads it through `stored_events`, which answers from `conn` up to the
        moment, what a copy would have held. (A replay carried on has applied the earlier
        events with the earlier moment as that bound; a handler takes only events stored
        before its own, the same under either bound: `_carries_on`.)

        A replay costs seconds of CPU at a city's size, so the process runs one at a time
        (`_AS_OF_TURN`): another is refused at once with `AsOfBusy` (503 + Retry-After)
        rather than queued on the threads and database connections the desks' requests
        need. A caller checks its access before entering, so a refusal costs none.

        On PostgreSQL the pages of events, the handlers' reads of the store and whatever the
        caller reads on `conn` (the unit successions of the moment) come from ONE snapshot:
        `known_at` opens `conn`'s transaction in REPEATABLE READ, so an import committing
        meanwhile is seen whole or not at all. It must therefore be entered before anything is
        read on `conn`."""
        if not _AS_OF_TURN.acquire(blocking=False):
            raise AsOfBusy(retry_after_s=AS_OF_RETRY_AFTER_S)
        try:
            _one_snapshot(conn)
            replay = self._replay_for(conn, moment)
            with replay.engine.connect() as memory:
                yield memory
        finally:
            _AS_OF_TURN.release()

    def _replay_for(self, conn: Connection, moment: datetime) -> _Replay:
        """The replay up to `moment`: a kept one holding the same events, a kept one of an
        earlier moment carried on, or a replay of the whole store (`known_at`)."""
        recorded = _replayed_key(conn, moment)
        replay = next((kept for kept in self._kept if kept.recorded == recorded), None)
        if replay is None:
            replay = self._carried_on(conn, moment, recorded)
        if replay is None:
            replay = _Replay(moment, recorded, self._replay(conn, moment, None)[0])
        self._keep(replay)
        return replay

    def _carried_on(
        self, conn: Connection, moment: datetime, recorded: _Recorded
    ) -> _Replay | None:
        """A copy of a kept replay of an earlier moment that can be carried on to `moment`
        with the rows of a whole replay (`_carries_on`), carried on; None when none can. Of
        those that can, the one holding the most events: the fewest are left to apply."""
        earlier = sorted((kept for kept in self._kept
                          if kept.recorded.store == recorded.store and kept.moment < moment),
                         key=lambda kept: kept.recorded.events, reverse=True)
        for start in earlier:
            if not _carries_on(conn, start, moment):
                continue
            engine, applied = self._replay(conn, moment, start)
            if start.recorded.events + applied != recorded.events:
                # Not the events recorded by the moment, which `_carries_on` rules out: the
                # store is replayed from its start rather than a list given wrong.
                engine.dispose()
                return None
            return _Replay(moment, recorded, engine)
        return None

    def _replay(
        self, conn: Connection, moment: datetime, start: _Replay | None
    ) -> tuple[Engine, int]:
        """A private database holding the read models replayed up to `moment`: from the
        store's start, or from a copy of `start` with the events stored after its last; and
        how many events were applied."""
        # Kept for the next reads, which another of the service's threads may serve (one
        # at a time: `_AS_OF_TURN`).
        engine = create_engine("sqlite://", poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
        try:
            if start is not None:
                # Copied, not carried on in place: the earlier moment's rows stay kept for
                # its own next reads (its next page, a partner going back a conference).
                with start.engine.connect() as source, engine.connect() as target:
                    source.connection.driver_connection.backup(  # type: ignore[union-attr]
                        target.connection.driver_connection)
            with engine.begin() as memory:
                if start is None:
                    for table in self.tables:
                        table.create(memory)
                memory.info[_REPLAYED_STORE] = (conn, moment)
                store = EventStore(self.registry.service, "")
                after = 0 if start is None else start.recorded.last_position
                applied = _Counted(store.iter_all(conn, after_position=after,
                                                  recorded_until=moment,
                                                  batch_size=_REPLAY_BATCH))
                # The store gives times in UTC (as the live projection has them), which the
                # private SQLite database keeps as they are: it drops a time's zone.
                self.project(memory, applied)
                # The handlers' way to the store is theirs only while they replay.
                del memory.info[_REPLAYED_STORE]
        except BaseException:
            engine.dispose()
            raise
        return engine, applied.count

    def _keep(self, replay: _Replay) -> None:
        """`replay` kept as the last read, the least recently read given up beyond
        `KEPT_REPLAYS`."""
        if replay in self._kept:
            self._kept.remove(replay)
        self._kept.append(replay)
        while len(self._kept) > KEPT_REPLAYS:
            self._forget(self._kept[0])

    def _forget(self, replay: _Replay) -> None:
        self._kept.remove(replay)
        replay.engine.dispose()

    @contextmanager
    def reading(self, conn: Connection, moment: datetime | None) -> Iterator[Connection]:
        """The read models now (`conn` itself) or, with a moment, as they stood then
        (`known_at`): what a list with the kernel's `as_of` reads."""
        if moment is None:
            yield conn
            return
        with self.known_at(conn, moment) as then:
            yield then


class _Recorded(NamedTuple):
    """What a replay up to a moment holds (`_replayed_key`)."""

    #: The store (its database).
    store: str
    #: When the last of the events recorded by the moment was recorded: any moment from it
    #: on to the next recording replays the same events.
    latest: datetime | None
    #: How many events were recorded by the moment.
    events: int
    #: The position of the last stored of them (0: none), where a replay carried on from
    #: this one starts reading (`InlineProjection._carried_on`), and its id.
    last_position: int
    last_id: str | None


@dataclass(eq=False)
class _Replay:
    """A private database holding the read models replayed up to `moment` (`known_at`), and
    the events it holds."""

    moment: datetime
    recorded: _Recorded
    engine: Engine


def _replayed_key(conn: Connection, moment: datetime) -> _Recorded:
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
    return _Recorded(conn.engine.url.render_as_string(hide_password=False),
                     latest, int(count), int(last or 0), last_id)


def _carries_on(conn: Connection, start: _Replay, moment: datetime) -> bool:
    """Whether `start` carried on with the events stored after its last, recorded by
    `moment`, is the replay of the whole store up to `moment`: whether every event recorded
    by `moment` and stored up to `start`'s last is one `start` holds. A replay from the
    store's start applies the events recorded by `moment` in the order stored; `start` holds
    some of them (those recorded by its moment, an earlier one, which are still there: the
    store only grows), applied in that order; the others are applied after them, in that
    order too, so both orders are one when every other is stored after them.

    Not so when one of them is stored before `start`'s last: an event recorded between the
    two moments by a writer whose clock was behind another's, or recorded by `start`'s
    moment in a transaction that took its position before `start`'s last event was stored
    and committed after `start` was made (PostgreSQL's positions are given at insert, not at
    commit). An event recorded by `start`'s moment and stored after its last (a slow
    writer's, on SQLite) is applied in its place.

    A handler that reads the store back (`stored_events`) takes only events stored before
    its own (by position, as a placement does, or its aggregate's up to its version, as a
    correction does: an aggregate's versions are stored in order): `start`'s handlers read
    the store as recorded by its moment, a whole replay's as recorded by `moment`, and the
    events stored before theirs are the same under both when every event recorded by
    `moment` and stored up to `start`'s last is one of `start`'s."""
    last = start.recorded.last_position
    if last and conn.execute(select(events_table.c.event_id).where(
            events_table.c.position == last)).scalar_one_or_none() != start.recorded.last_id:
        return False  # another store under the same name (a database made again)
    up_to_last = conn.execute(select(func.count()).where(
        events_table.c.recorded_at <= moment, events_table.c.position <= last,
    )).scalar_one()
    return int(up_to_last) == start.recorded.events


class _Counted:
    """An iterator of events that counts those it gave."""

    def __init__(self, events: Iterator[EventEnvelope]) -> None:
        self._events = events
        self.count = 0

    def __iter__(self) -> Iterator[EventEnvelope]:
        for event in self._events:
            self.count += 1
            yield event


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


def _names(classes: Iterable[type[DomainEvent]]) -> list[str]:
    return sorted(cls.event_type for cls in classes)
