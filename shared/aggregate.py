"""Aggregates and the unit of work that loads and saves them through the event store."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar
from uuid import uuid4

from sqlalchemy import Column, Connection, Dialect, Engine, String, Table, insert, select
from sqlalchemy.exc import IntegrityError

# Registers the API key tables on the kernel metadata, beside the event store's.
import shared.auth.tables  # noqa: F401
from shared.auth.principal import SYSTEM, Principal
from shared.db import WriterTurns, aggregate_lock_key, read_connection, writer_turns
from shared.driversql import driver_of, placeholder
from shared.envelope import (
    DomainEvent,
    EventEnvelope,
    EventRegistry,
    PendingEvent,
    as_business_time,
    new_envelope,
    utcnow,
)
from shared.errors import ClaimCrossed, ConcurrencyError, Conflict, PreconditionFailed
from shared.eventstore import EventStore, events_table, kernel_metadata
from shared.ids import code_key
from shared.inflight import in_flight_of

if TYPE_CHECKING:
    from shared.adminunits import UnitCatalogue


@dataclass(frozen=True)
class CommandContext:
    """Who asks, on whose behalf, and the ids that tie a chain of messages together.

    `principal` carries the scopes and the unit scope that handlers check (shared.auth.checks).
    Contexts built inside the process (scheduler, seeders, benches) default to `SYSTEM`;
    every HTTP request gets the principal its credentials prove (shared.web).
    """

    actor: str
    department: str | None = None
    correlation_id: str = field(default_factory=lambda: uuid4().hex)
    causation_id: str | None = None
    principal: Principal = SYSTEM


class Aggregate:
    """State rebuilt from its own events; decisions append new ones through `record`."""

    aggregate_type: ClassVar[str]

    def __init__(self, aggregate_id: str) -> None:
        self.id = aggregate_id
        self.version = 0
        self.loaded_version = 0
        self.pending: list[PendingEvent] = []

    @property
    def exists(self) -> bool:
        return self.version > 0

    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError

    def record(
        self, event: DomainEvent, occurred_at: date | datetime, unit_code: str | None = None
    ) -> None:
        self.apply(event)
        self.version += 1
        self.pending.append(PendingEvent(event, as_business_time(occurred_at), unit_code))

    @classmethod
    def rehydrate(cls, aggregate_id: str, events: Sequence[DomainEvent]) -> Self:
        aggregate = cls(aggregate_id)
        for event in events:
            aggregate.apply(event)
            aggregate.version += 1
        aggregate.loaded_version = aggregate.version
        return aggregate


A = TypeVar("A", bound=Aggregate)


def expect_version(aggregate: Aggregate, expected_version: int | None) -> None:
    """The version the caller last saw (If-Match): a command on a stale read is refused (412)
    before it decides. For an aggregate loaded another way than `UnitOfWork.load(...,
    expected_version=)` (with a business date, or after a lookup)."""
    if expected_version is not None and expected_version != aggregate.version:
        raise PreconditionFailed(aggregate.id, expected_version, aggregate.version)


class ConnectionSource:
    """Hands units of work their connection, and always takes it back.

    On SQLite a few open connections are kept beside the pool, the last returned handed out
    first: a checkout and return through the pool (with its reset-on-return rollback) costs
    about as much as the insert itself, and the last writer's connection still holds the
    event tables' pages in its cache (SQLite drops a connection's cache when another one has
    committed). Kept connections belong to no thread: however many threads come and go, at
    most `keep` wait idle here and every other connection goes back to the pool on release.
    Server databases use the pool as usual: its pre-ping replaces a connection the server
    dropped, which one kept here would not be.
    """

    def __init__(self, engine: Engine, keep: int = 4) -> None:
        self._engine = engine
        self._keep = keep if engine.dialect.name == "sqlite" else 0
        #: The engine's writers' turns (SQLite), looked up once rather than per unit of work.
        self.turns = writer_turns(engine)
        #: The engine's tracker of write transactions (shared/inflight.py), the same: its
        #: look-up takes a lock of the process and a weak dictionary's, twice a command.
        self.in_flight = in_flight_of(engine)
        self._lock = threading.Lock()
        self._idle: list[Connection] = []
        self._closed = False

    @property
    def idle(self) -> int:
        """Open connections waiting here for the next unit of work."""
        return len(self._idle)

    def acquire(self) -> Connection:
        if self._keep:
            with self._lock:
                if self._idle:
                    return self._idle.pop()
        return self._engine.connect()

    def release(self, conn: Connection) -> None:
        """Take a connection back; one still in a transaction, or broken, goes to the pool's
        reset (rollback) or is discarded instead of being kept."""
        if self._keep and _reusable(conn):
            with self._lock:
                if not self._closed and len(self._idle) < self._keep:
                    self._idle.append(conn)
                    return
        try:
            conn.close()
        except Exception:
            # One that cannot even roll back is dropped, so its pool slot is freed all the same.
            with contextlib.suppress(Exception):
                conn.invalidate()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction that commits on success and rolls back on error."""
        conn = self.acquire()
        try:
            with conn.begin():
                yield conn
        finally:
            self.release(conn)

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for conn in idle:
            with contextlib.suppress(Exception):
                conn.close()


def _reusable(conn: Connection) -> bool:
    """Open, sound and outside any transaction, SQLAlchemy's or the driver's (a BEGIN whose
    bookkeeping failed after it reached SQLite leaves only the driver knowing). SQLAlchemy's
    is asked whether it holds one at all, not whether it is active: a COMMIT that failed
    (SQLite's "database or disk is full", having rolled back itself) leaves it inactive until
    a rollback, and in_transaction() False; kept, every later statement on the connection
    raised PendingRollbackError (examiner-outage: each command a 500 after the disk filled,
    until the service was restarted). Closed instead, the pool's reset rolls it back."""
    if conn.closed or conn.invalidated or conn.get_transaction() is not None:
        return False
    return not getattr(driver_of(conn), "in_transaction", False)


# Uniqueness that spans aggregates (a site code, a certificate number) is claimed in the same
# transaction as the events, so two writers cannot both take the same value.
unique_keys_table = Table(
    "unique_keys",
    kernel_metadata,
    Column("kind", String(50), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("aggregate_id", String(100), nullable=False),
)


Item = TypeVar("Item")


def _chunks(items: list[Item], size: int) -> Iterator[list[Item]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _ClaimSql:
    """The statements of a claim (`UnitOfWork._claim`), written once per dialect for the
    driver's cursor."""

    def __init__(self, dialect: Dialect) -> None:
        mark = placeholder(dialect)
        table = unique_keys_table.name
        self.holder = f"SELECT aggregate_id FROM {table} WHERE kind = {mark} AND value = {mark}"
        self.claim = (f"INSERT INTO {table} (kind, value, aggregate_id)"
                      f" VALUES ({mark}, {mark}, {mark}) ON CONFLICT (kind, value) DO NOTHING")


_CLAIM_SQL: dict[str, _ClaimSql] = {}


def _claim_sql(conn: Connection) -> _ClaimSql:
    sql = _CLAIM_SQL.get(conn.dialect.name)
    if sql is None:
        sql = _CLAIM_SQL[conn.dialect.name] = _ClaimSql(conn.dialect)
    return sql


def unique_holder(conn: Connection, kind: str, value: str) -> str | None:
    """The aggregate holding `value` of `kind` (`UnitOfWork.claim_unique`), if any: on the
    driver's cursor, as a claim reads it (`_ClaimSql`)."""
    sql = _claim_sql(conn)
    cursor = driver_of(conn).cursor()
    try:
        cursor.execute(sql.holder, (kind, value))
        row = cursor.fetchone()
    finally:
        cursor.close()
    return None if row is None else str(row[0])


def registered_code(conn: Connection, kind: str, code: str, aggregate_type: str) -> str:
    """A human code as the register spells it: "rc-1" names the site registered as RC-1
    (`claim_code` refuses a second spelling, so every spelling names one aggregate). A code
    nobody claimed comes back as typed, for the caller's own 404; so does one that is an
    aggregate of its own (a store written before the claim may hold PRB-S1 and prb-s1)."""
    holder = unique_holder(conn, kind, code_key(code))
    if holder is None or holder == code:
        return code
    own = conn.execute(
        select(events_table.c.aggregate_id).where(
            events_table.c.aggregate_type == aggregate_type,
            events_table.c.aggregate_id == code,
        ).limit(1)
    ).first()
    return code if own is not None else holder


class RecordingClock:
    """When a service's events are recorded (`recorded_at`): the host's time in UTC, never
    earlier than the last time this clock gave. A host clock stepped back (NTP correcting a
    clock that ran ahead, a virtual machine resumed from a snapshot) stamped a command's events
    before those of the commands before it, and every read "as known at" a moment between them
    held the later events without the earlier: religion's register as known at such a moment
    replayed a site's amendment without its registration and answered 500 (examiner-days).
    Stamped at the last time given instead, the events keep the order they were written in
    until the clock has caught up. One per service process (`ServiceRuntime.recording_clock`),
    shared by its threads, and started from the store's latest event (`not_before`): a
    process started again after its host's clock stepped back gives no earlier time than
    those its last run wrote. Several replicas' clocks are NTP's to keep together."""

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock
        self._last: datetime | None = None
        self._lock = threading.Lock()

    def not_before(self, moment: datetime) -> None:
        """No time given from now on is earlier than `moment` (an event already recorded)."""
        with self._lock:
            if self._last is None or moment > self._last:
                self._last = moment

    def __call__(self) -> datetime:
        now = self._clock()
        with self._lock:
            last = self._last
            if last is not None and now < last:
                return last
            self._last = now
            return now


class UnitOfWork:
    """One database transaction: load aggregates, save their new events, commit or roll back.

    What a command decides rests on aggregates that are still as it read them when it
    commits, those it writes and those it only checks (a contest entry checks its model is
    running, a closing of the model checks its entries): every aggregate `load`ed is held
    until the transaction ends (`hold`), so a command on it elsewhere waits, and reads it
    afterwards with this one's events. The version guard of `save` alone covers only the
    aggregates written: two commands each writing its own and checking the other's would
    both pass on the other's old state (write skew). docs/reliability.md, "Decisions on the
    current state".

    Given a `connection` already in a transaction (a consumer's batch: what it consumed and
    what it decided commit together), the unit of work JOINS it: that transaction, its commit
    and the hand-over of `appended` (to the relay and the metrics) belong to its owner, so
    `commit()` only says the unit's own part is done.
    """

    connection: Connection

    def __init__(
        self,
        engine: Engine,
        store: EventStore,
        registry: EventRegistry,
        context: CommandContext,
        on_commit: Callable[[list[EventEnvelope]], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
        connections: ConnectionSource | None = None,
        jurisdiction: str = "31",
        connection: Connection | None = None,
        placing: Callable[[Connection], UnitCatalogue] | None = None,
    ) -> None:
        self._engine = engine
        # The service's placing catalogue as its lists read it (the successors recorded so
        # far), for the write rule's merged communes (`shared.auth.units.covers_write`).
        self._placing = placing
        self._placed: UnitCatalogue | None = None
        self._joined = connection
        self._loaded: set[int] = set()
        # PostgreSQL: the aggregates' advisory lock keys this transaction holds (`hold`).
        # SQLite needs none: a writing transaction holds the file's write lock from its BEGIN
        # IMMEDIATE (shared.db.WriterTurns), across processes too.
        self._locks = engine.dialect.name == "postgresql"
        self._held: set[int] = set()
        if connection is not None:  # usable without `with`: the transaction is the owner's
            self.connection = connection
        # The deployment's province (Settings.jurisdiction), for the handlers' unit checks.
        self.jurisdiction = jurisdiction
        self._connections = connections or ConnectionSource(engine)
        self.store = store
        self.registry = registry
        self.context = context
        self._on_commit = on_commit
        self._clock = clock
        self.appended: list[EventEnvelope] = []
        self._staged: list[EventEnvelope] = []
        self._open = False  # the unit's own transaction, begun and not yet ended
        self._turns: WriterTurns | None = None  # SQLite's writers, when not joined
        # SQLite, when not joined: the driver's cursor of the unit's statements, its BEGIN,
        # reads, appends and COMMIT (a cursor each cost ~2,000 instructions a command).
        self._cursor: Any = None
        self._queued = False  # this unit holds the writers' queue (WriterTurns.enter_queue)

    def placing(self) -> UnitCatalogue | None:
        """The service's placing catalogue, read in this transaction; None for a service that
        places by none (its writes follow the units' own days only). Read once: an import
        checks it for each of its rows."""
        if self._placed is None and self._placing is not None:
            self._placed = self._placing(self.connection)
        return self._placed

    def __enter__(self) -> Self:
        if self._joined is not None:
            connection = self._joined
        else:
            # On SQLite the writers' turn is waited for before a connection is taken, and the
            # transaction is begun and ended on the driver (WriterTurns.begin_on_driver).
            turns = self._turns = self._connections.turns
            self._queued = turns is not None and turns.enter_queue()
            # Before any event is stamped, ended once committed or rolled back: a relay's
            # watermark waits for it (shared/inflight.py, finding L6).
            in_flight = self._in_flight = self._connections.in_flight
            self._ticket = in_flight.begin()
            try:
                connection = self._connections.acquire()
            except BaseException:
                in_flight.end(self._ticket)
                self._leave_queue()
                raise
            try:
                if turns is None:
                    self._transaction = connection.begin()
                else:
                    self._cursor = driver_of(connection).cursor()
                    turns.begin_on_driver(connection, self._cursor)
                self._open = True
            except BaseException:
                # No __exit__ follows a failed __enter__: give the connection back here.
                try:
                    self._close_cursor()
                    self._connections.release(connection)
                finally:
                    in_flight.end(self._ticket)
                    self._leave_queue()
                raise
        self.connection = connection
        self._loaded = set()
        self._held = set()
        return self

    def _close_cursor(self) -> None:
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            cursor.close()

    def _leave_queue(self) -> None:
        if self._queued:
            self._queued = False
            assert self._turns is not None
            self._turns.leave_queue()

    def _end(self, commit: bool) -> None:
        """Commit or roll back the unit's own transaction (not a joined one)."""
        self._open = False
        if self._turns is None:
            if commit:
                self._transaction.commit()
            elif self._transaction.is_active:
                self._transaction.rollback()
        else:
            self._turns.end_on_driver(self.connection, commit, self._cursor)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._joined is not None:
            return  # the owner of the transaction rolls it back or commits it
        try:
            if self._open:
                self._end(commit=False)
        finally:
            self._in_flight.end(self._ticket)
            try:
                self._close_cursor()
            finally:
                try:
                    self._connections.release(self.connection)
                finally:
                    self._leave_queue()

    def load(
        self,
        cls: type[A],
        aggregate_id: str,
        *,
        expected_version: int | None = None,
        recorded_until: datetime | None = None,
    ) -> A:
        """Rebuild an aggregate, held until the transaction ends (`hold`, taken before the
        read). `expected_version` is the version the caller last saw (HTTP If-Match): a
        command based on a stale read is refused (412), before it decides. One read as it was
        `recorded_until` is history, not a state to decide on: not held."""
        if recorded_until is None:
            if self._locks:
                self.hold(cls.aggregate_type, aggregate_id)
            rows = self.store.load_payloads(self.connection, cls.aggregate_type, aggregate_id,
                                            self._cursor)
            events = [self.registry.decode_payload(t, v, p) for t, v, p in rows]
        else:
            envelopes = self.store.load(
                self.connection, cls.aggregate_type, aggregate_id, recorded_until
            )
            events = [self.registry.decode(e) for e in envelopes]
        aggregate = cls.rehydrate(aggregate_id, events)
        if recorded_until is None:
            self._loaded.add(id(aggregate))
        if expected_version is not None and expected_version != aggregate.version:
            raise PreconditionFailed(aggregate_id, expected_version, aggregate.version)
        return aggregate

    def hold(self, aggregate_type: str, *aggregate_ids: str) -> None:
        """Until this transaction ends, any other transaction holding one of these aggregates
        waits for it, and what this one reads after the call includes what that one
        committed. Called by `load`, before its read: under PostgreSQL's READ COMMITTED each
        statement reads what was committed when it starts, so the read after the lock sees
        the commit of the transaction that held it before.

        PostgreSQL: a transaction advisory lock per aggregate (`shared.db.aggregate_lock_key`),
        so replicas are held too; one round trip per aggregate, the first time in the
        transaction. SQLite: nothing to do, see `__init__`.

        Two commands may hold the same aggregates in opposite orders (an award loads the entry
        then its model, a closing the model then its entries): PostgreSQL finds the deadlock
        within a second and aborts one, which `shared.commands.run` runs again from the start.
        """
        if not self._locks:
            return
        keys = sorted({aggregate_lock_key(aggregate_type, i) for i in aggregate_ids}
                      - self._held)
        if not keys:
            return
        cursor = driver_of(self.connection).cursor()
        try:
            for key in keys:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
        finally:
            cursor.close()
        self._held.update(keys)

    def serialise_on(self, cls: type[Aggregate], *aggregate_ids: str) -> None:
        """`hold` aggregates a command's checks rest on and reads otherwise than by `load`
        (through a read model: the posts of a session's heads), BEFORE it reads them."""
        self.hold(cls.aggregate_type, *aggregate_ids)

    def load_many(self, cls: type[A], aggregate_ids: Sequence[str]) -> dict[str, A]:
        """Rebuild many aggregates of one type with a few queries (an evaluation that looks at
        thousands of units' statuses at once), as `load` would one by one, but not held: an
        advisory lock each would take thousands of entries of PostgreSQL's shared lock table
        (64 per connection by default) for a national sweep. What such a caller decides is
        on the aggregates it writes, which the version guard of `save` and `stage` keeps."""
        found = self.store.load_payloads_many(self.connection, cls.aggregate_type, aggregate_ids)
        aggregates: dict[str, A] = {}
        for aggregate_id, rows in found.items():
            events = [self.registry.decode_payload(t, v, p) for t, v, p in rows]
            aggregate = aggregates[aggregate_id] = cls.rehydrate(aggregate_id, events)
            self._loaded.add(id(aggregate))
        return aggregates

    def adopt(self, aggregate: Aggregate) -> None:
        """Treat `aggregate` as loaded in this transaction: its caller kept it from an earlier
        one and made sure, inside this one, that nothing was appended to the store since (so
        it is current). Its append then skips the version read, as after `load`; the unique
        version constraint still refuses a concurrent writer."""
        self._loaded.add(id(aggregate))

    def recording_time(self) -> datetime:
        """The `recorded_at` of events this unit appends itself (an import's, in bulk)."""
        return self._clock()

    def _envelopes(self, aggregate: Aggregate) -> list[EventEnvelope]:
        """The aggregate's pending events as envelopes of its next versions, in this context."""
        now = self._clock()
        return [
            new_envelope(
                service=self.store.service,
                aggregate_type=aggregate.aggregate_type,
                aggregate_id=aggregate.id,
                aggregate_version=aggregate.loaded_version + offset,
                pending=pending,
                actor=self.context.actor,
                department=self.context.department,
                correlation_id=self.context.correlation_id,
                causation_id=self.context.causation_id,
                recorded_at=now,
            )
            for offset, pending in enumerate(aggregate.pending, start=1)
        ]

    def save(self, aggregate: Aggregate) -> list[EventEnvelope]:
        if not aggregate.pending:
            return []
        envelopes = self._envelopes(aggregate)
        try:
            stored = self.store.append(
                self.connection,
                envelopes,
                aggregate.loaded_version,
                loaded_in_transaction=id(aggregate) in self._loaded,
                cursor=self._cursor,
            )
        except ConcurrencyError as exc:
            if exc.current is not None:
                raise
            raise self._clash([(aggregate.id, aggregate.aggregate_type,
                                aggregate.loaded_version)]) from exc
        aggregate.pending.clear()
        aggregate.loaded_version = aggregate.version
        self.appended.extend(stored)
        return stored

    def stage(self, aggregate: Aggregate) -> list[EventEnvelope]:
        """`save` in two steps, for many aggregates saved one or two events at a time (a live
        batch's announcements): the envelopes are made now, as `save` would make them (this
        context, the next versions), and appended by `flush` with the others staged, in a few
        statements. Until then they have no position; `commit` flushes, the owner of a joined
        transaction must call `flush` before it commits."""
        if not aggregate.pending:
            return []
        if id(aggregate) not in self._loaded:
            self.store.require_version(self.connection, aggregate.aggregate_type, aggregate.id,
                                       aggregate.loaded_version)
            self._loaded.add(id(aggregate))  # its next versions are checked now, as if loaded
        envelopes = self._envelopes(aggregate)
        aggregate.pending.clear()
        aggregate.loaded_version = aggregate.version
        self._staged.extend(envelopes)
        return envelopes

    def flush(self) -> list[EventEnvelope]:
        """Append what `stage` left, in order; the stored envelopes (positions filled in)."""
        staged, self._staged = self._staged, []
        try:
            stored = self.store.append_checked(self.connection, staged)
        except ConcurrencyError as exc:
            expected: dict[tuple[str, str], int] = {}
            for e in staged:
                expected.setdefault((e.aggregate_id, e.aggregate_type), e.aggregate_version - 1)
            raise self._clash([(i, t, v) for (i, t), v in expected.items()]) from exc
        self.appended.extend(stored)
        return stored

    def _clash(self, expected: Sequence[tuple[str, str, int]]) -> ConcurrencyError:
        """The conflict of the first aggregate (id, type, version it was at) that another
        writer moved, with its current version (of the first one if none moved)."""
        # The failed insert may have aborted this transaction (PostgreSQL): ask another,
        # read-only so that on SQLite it does not queue behind this transaction's write turn.
        with read_connection(self._engine) as conn:
            currents = []
            for aggregate_id, aggregate_type, version in expected:
                current = self.store.current_version(conn, aggregate_type, aggregate_id)
                if current != version:
                    return ConcurrencyError(aggregate_id, version, current)
                currents.append(current)
        return ConcurrencyError(expected[0][0], expected[0][2], currents[0])

    def claim_unique(self, kind: str, value: str, aggregate_id: str, conflict: Conflict) -> None:
        """Reserve `value` of `kind` for `aggregate_id`; raise `conflict` if another holds it."""
        if self._claim(kind, value, aggregate_id) is not None:
            raise conflict

    def claim_code(self, kind: str, code: str, conflict: Callable[[str], Conflict]) -> None:
        """Reserve a human code (a site's, a model's) for the aggregate it names, whatever its
        case (`shared.ids.code_key`): `conflict(holder)` names the code that took it first.
        The claim is the insert, so two registrations at once cannot both pass."""
        holder = self._claim(kind, code_key(code), code)
        if holder is not None:
            raise conflict(holder)

    def _claim(self, kind: str, value: str, aggregate_id: str) -> str | None:
        """Claim `value` of `kind` for `aggregate_id` in this transaction: None when it is
        now (or was already) that aggregate's, else the aggregate holding it.

        Every registration claims its code, inside the writers' turn: the statements go to the
        driver's cursor (`_ClaimSql`), and the insert is `ON CONFLICT DO NOTHING`, so a claim
        taken meanwhile by another transaction is told by the row count, without a savepoint
        to survive the unique violation (SQLAlchemy's select, savepoint and insert were most
        of a site registration's work in the turn)."""
        sql = _claim_sql(self.connection)
        cursor = driver_of(self.connection).cursor()
        try:
            cursor.execute(sql.holder, (kind, value))
            row = cursor.fetchone()
            if row is not None:
                return None if row[0] == aggregate_id else str(row[0])
            cursor.execute(sql.claim, (kind, value, aggregate_id))
            if cursor.rowcount == 1:
                return None
            # Another transaction claimed it between our read and our insert (PostgreSQL; on
            # SQLite the writers take turns) and committed: the first claim wins, even one for
            # the same aggregate (that registration's events would clash with ours anyway).
            cursor.execute(sql.holder, (kind, value))
            row = cursor.fetchone()
            return str(row[0]) if row is not None else aggregate_id
        finally:
            cursor.close()

    def code_holders(self, kind: str, codes: Sequence[str]) -> dict[str, str]:
        """The codes among `codes` whose claim (`claim_code`) another code holds: code ->
        the holder, as the register spells it ("prb-s1" -> "PRB-S1")."""
        wanted = {code_key(code): code for code in codes}
        taken: dict[str, str] = {}
        for chunk in _chunks(list(wanted), 500):
            for value, holder in self.connection.execute(
                select(unique_keys_table.c.value, unique_keys_table.c.aggregate_id).where(
                    unique_keys_table.c.kind == kind, unique_keys_table.c.value.in_(chunk)
                )
            ):
                if holder != wanted[value]:
                    taken[wanted[value]] = holder
        return taken

    def claim_codes(
        self, kind: str, codes: Sequence[str], conflict: Callable[[str, str], Conflict]
    ) -> None:
        """`claim_code` for many codes not yet registered (an import's new rows), in a few
        statements: `conflict(code, holder)` for the first code another aggregate holds;
        `ClaimCrossed` (run again) when one was claimed after the read."""
        for code, holder in self.code_holders(kind, codes).items():
            raise conflict(code, holder)
        rows = [{"kind": kind, "value": code_key(c), "aggregate_id": c} for c in codes]
        try:
            with self.connection.begin_nested():
                for chunk in _chunks(rows, 500):
                    self.connection.execute(insert(unique_keys_table), chunk)
        except IntegrityError as exc:
            # Another writer claimed one of them since the check and committed (PostgreSQL;
            # on SQLite the writers take turns): whatever it registered was not there when
            # this command read the register, so the command runs again and reads it (Q1), as
            # if sent after the other, instead of refusing a code nobody held when it began.
            raise ClaimCrossed() from exc

    def release_unique(self, kind: str, value: str, aggregate_id: str) -> None:
        """Give back `value` of `kind` that `aggregate_id` held: a value recorded by mistake
        (a mistyped certificate number, corrected) was never really taken."""
        self.connection.execute(unique_keys_table.delete().where(
            unique_keys_table.c.kind == kind, unique_keys_table.c.value == value,
            unique_keys_table.c.aggregate_id == aggregate_id))

    def unique_holder(self, kind: str, value: str) -> str | None:
        return unique_holder(self.connection, kind, value)

    def commit(self) -> None:
        if self._staged:
            self.flush()
        if self._joined is not None:
            return
        self._end(commit=True)
        if self._on_commit and self.appended:
            self._on_commit(list(self.appended))
