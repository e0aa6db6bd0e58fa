"""The SQL event store and its transactional outbox.

`events` is append-only: rows are never updated or deleted. `outbox` holds one row per event,
written in the same transaction, and is the relay's work list; `published_at` is set only
after JetStream acknowledged the publish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
)

from shared.clock import in_utc
from shared.db import BIG_ID
from shared.driversql import RowsInsert, bind_processor, driver_of, in_lists, placeholder
from shared.envelope import STORED_FIELDS, EventEnvelope, fields_of_type
from shared.errors import ConcurrencyError

kernel_metadata = MetaData()

events_table = Table(
    "events",
    kernel_metadata,
    Column("position", BIG_ID, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("aggregate_type", String(50), nullable=False),
    Column("aggregate_id", String(100), nullable=False),
    Column("aggregate_version", Integer, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("department", String(200)),
    Column("unit_code", String(10)),
    Column("correlation_id", String(100)),
    Column("causation_id", String(100)),
    Column("payload", Text, nullable=False),
    # The guard against concurrent writers: two appends of the same version cannot both commit.
    UniqueConstraint(
        "aggregate_type", "aggregate_id", "aggregate_version", name="uq_event_version"
    ),
)
Index("ix_events_recorded_at", events_table.c.recorded_at)
Index("ix_events_unit_actor", events_table.c.unit_code, events_table.c.actor)

outbox_table = Table(
    "outbox",
    kernel_metadata,
    Column("position", BIG_ID, primary_key=True, autoincrement=False),
    Column("subject", String(250), nullable=False),
    Column("published_at", DateTime(timezone=True)),
)
Index(
    "ix_outbox_pending",
    outbox_table.c.position,
    sqlite_where=outbox_table.c.published_at.is_(None),
    postgresql_where=outbox_table.c.published_at.is_(None),
)


def _row_to_envelope(row: Any, service: str) -> EventEnvelope:
    stored = row._mapping
    values = {name: stored[name] for name in STORED_FIELDS}
    for name, decode in _FROM_ROW:
        values[name] = decode(values[name])
    return EventEnvelope(service=service, **values)


def _payload_text(payload: dict[str, Any]) -> str:
    return orjson.dumps(payload).decode()


# What an append writes: every stored field but the position the database gives.
_EVENT_COLUMNS = [name for name in STORED_FIELDS if name != "position"]
_TIMES = fields_of_type("datetime")
#: The columns an envelope may leave empty (its optional fields).
_NULLABLE = fields_of_type("str | None")
_pick_stored = itemgetter(*_EVENT_COLUMNS)
# The fields stored otherwise than the envelope holds them (the rest are stored as they are).
_TO_ROW: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    *((name, str) for name in fields_of_type("UUID")),
    *((name, _payload_text) for name in fields_of_type("dict[str, Any]")),
)
_FROM_ROW: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    *((name, UUID) for name in fields_of_type("UUID")),
    # In UTC, as stored: SQLite answers naive datetimes, PostgreSQL aware ones in its
    # session's time zone (the server's, the role's or DATABASE_URL's `options`), where a
    # business date's midnight UTC is the evening of the day before west of UTC, and every
    # `.date()` of it a day early (shared.clock.in_utc).
    *((name, in_utc) for name in fields_of_type("datetime")),
    *((name, orjson.loads) for name in fields_of_type("dict[str, Any]")),
)


#: Business times whose stored text `_remembered` keeps, at most (then it starts again).
REMEMBERED_TIMES = 4096


def _remembered(encode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`encode` of an event's business time, its texts remembered: a business date is stored
    as midnight UTC (`as_business_time`), the same days again and again, and formatting one
    (datetime.isoformat) costs a tenth of an event's Python on SQLite. Only UTC values are
    remembered: equal aware datetimes of other zones are one instant with different
    wall-clock texts, and the text is the wall clock."""
    texts: dict[datetime, Any] = {}

    def encode_remembered(value: Any) -> Any:
        if type(value) is not datetime or value.tzinfo is not UTC:
            return encode(value)
        text = texts.get(value)
        if text is None:
            if len(texts) >= REMEMBERED_TIMES:
                texts.clear()
            text = texts[value] = encode(value)
        return text

    return encode_remembered


class _DriverSql:
    """The write path's statements, compiled once per dialect and run on the driver's cursor.

    At one event per transaction SQLAlchemy's per-statement work costs more than SQLite's own
    insert, and this path carries every command of every service.
    """

    def __init__(self, dialect: Dialect) -> None:
        mark = self.mark = placeholder(dialect)
        columns = ", ".join(_EVENT_COLUMNS)
        # SQLite numbers the row itself (position is its rowid) and the cursor tells which
        # number it took: RETURNING would cost a result row to step and fetch per event.
        self.position_from_rowid = dialect.name == "sqlite"
        returning = "" if self.position_from_rowid else " RETURNING position"
        # sqlite3 binds a None only after asking its adapters about it (the module looks up
        # `__adapt__` on its protocol, building an AttributeError, and `__conform__` on None):
        # ~3,000 instructions a None, and an event leaves two or three optional fields empty.
        # On SQLite an empty optional field is written NULL in the statement instead, one
        # statement per pattern of them (`insert`): the same row. PostgreSQL's driver binds
        # None as it is, one statement.
        nullable = (
            [i for i, name in enumerate(_EVENT_COLUMNS) if name in _NULLABLE]
            if dialect.name == "sqlite" else []
        )
        #: (bit, index) of each nullable column, from the last to the first (`insert`
        #: deletes their values from a list of them all).
        self.nullable = tuple((1 << n, index) for n, index in enumerate(nullable))[::-1]
        self.inserts: dict[int, str] = {}
        for nulls in range(1 << len(nullable)):
            empty = {index for n, index in enumerate(nullable) if nulls >> n & 1}
            marks = ", ".join(
                "NULL" if index in empty else mark for index in range(len(_EVENT_COLUMNS)))
            self.inserts[nulls] = f"INSERT INTO events ({columns}) VALUES ({marks}){returning}"
        self.insert_outbox = f"INSERT INTO outbox (position, subject) VALUES ({mark}, {mark})"
        # Several aggregates' events at once (`EventStore.append_checked`): the positions come
        # back with the event ids, since neither database promises RETURNING's row order.
        self.insert_events = RowsInsert(
            dialect, f"INSERT INTO events ({columns})", len(_EVENT_COLUMNS),
            returning="RETURNING position, event_id")
        self.insert_outboxes = RowsInsert(
            dialect, "INSERT INTO outbox (position, subject)", 2)
        self.load = (
            "SELECT event_type, schema_version, payload FROM events"
            f" WHERE aggregate_type = {mark} AND aggregate_id = {mark}"
            " ORDER BY aggregate_version"
        )
        self.time = time = bind_processor(events_table.c.recorded_at, dialect)
        # An event's parameters in one pass: the stored fields picked from the envelope, then
        # those stored otherwise converted in place (by position, the same conversions as
        # `EventStore._row` and the datetime columns' bind processor).
        encoders = dict(_TO_ROW)
        encoders.update((name, time) for name in _TIMES)
        if dialect.name == "sqlite":  # PostgreSQL's driver takes the datetime as it is
            encoders["occurred_at"] = _remembered(time)
        self.encoders = tuple(
            (index, encoders[name])
            for index, name in enumerate(_EVENT_COLUMNS)
            if name in encoders
        )
        self.integrity_error: type[Exception] = dialect.dbapi.IntegrityError  # type: ignore[union-attr]

    def params(self, envelope: EventEnvelope) -> list[Any]:
        """The INSERT's values of one envelope, in `_EVENT_COLUMNS` order."""
        values = list(_pick_stored(envelope.__dict__))
        for index, encode in self.encoders:
            values[index] = encode(values[index])
        return values

    def insert(self, envelope: EventEnvelope) -> tuple[str, list[Any]]:
        """The INSERT of one envelope and its values: on SQLite, the optional fields it
        leaves empty are NULL in the statement, not parameters (see `__init__`)."""
        values = self.params(envelope)
        nulls = 0
        for bit, index in self.nullable:
            if values[index] is None:
                del values[index]
                nulls |= bit
        return self.inserts[nulls], values


class EventStore:
    """Append and read the events of one service."""

    def __init__(self, service: str, subject_root: str) -> None:
        self.service = service
        self.subject_root = subject_root
        self._sql: dict[str, _DriverSql] = {}

    def _driver(self, conn: Connection) -> tuple[_DriverSql, Any]:
        return self._statements(conn), driver_of(conn).cursor()

    def _statements(self, conn: Connection) -> _DriverSql:
        sql = self._sql.get(conn.dialect.name)
        if sql is None:
            sql = self._sql[conn.dialect.name] = _DriverSql(conn.dialect)
        return sql

    def current_version(self, conn: Connection, aggregate_type: str, aggregate_id: str) -> int:
        version = conn.execute(
            select(func.max(events_table.c.aggregate_version)).where(
                events_table.c.aggregate_type == aggregate_type,
                events_table.c.aggregate_id == aggregate_id,
            )
        ).scalar_one_or_none()
        return int(version or 0)

    def last_recorded_at(self, conn: Connection) -> datetime | None:
        """When the store's latest event was recorded (its index answers), in UTC."""
        last = conn.execute(select(func.max(events_table.c.recorded_at))).scalar_one_or_none()
        return None if last is None else in_utc(last)

    def require_version(
        self, conn: Connection, aggregate_type: str, aggregate_id: str, expected: int
    ) -> None:
        """ConcurrencyError (with the current version) unless the aggregate is at `expected`
        in this transaction."""
        current = self.current_version(conn, aggregate_type, aggregate_id)
        if current != expected:
            raise ConcurrencyError(aggregate_id, expected, current)

    def append(
        self,
        conn: Connection,
        envelopes: Sequence[EventEnvelope],
        expected_version: int,
        *,
        loaded_in_transaction: bool = False,
        cursor: Any = None,
    ) -> list[EventEnvelope]:
        """Store events of one aggregate and their outbox rows in the caller's transaction.

        Raises ConcurrencyError when the aggregate is no longer at `expected_version`. When the
        caller loaded the aggregate in this same transaction the version read is skipped: the
        unique (aggregate, version) constraint still refuses a concurrent writer. `cursor`: a
        cursor of `conn`'s driver connection the caller keeps (a unit of work's), else one is
        opened and closed here.
        """
        if not envelopes:
            return []
        first = envelopes[0]
        if not loaded_in_transaction:
            self.require_version(conn, first.aggregate_type, first.aggregate_id,
                                 expected_version)
        sql = self._statements(conn)
        own = cursor is None
        if own:
            cursor = driver_of(conn).cursor()
        stored: list[EventEnvelope] = []
        try:
            for envelope in envelopes:
                statement, values = sql.insert(envelope)
                cursor.execute(statement, values)
                position = int(cursor.lastrowid if sql.position_from_rowid
                               else cursor.fetchone()[0])
                cursor.execute(sql.insert_outbox, (position, envelope.subject(self.subject_root)))
                stored.append(_with_position(envelope, position))
        except sql.integrity_error as exc:
            # A concurrent writer committed the same version between our read and our insert.
            raise ConcurrencyError(first.aggregate_id, expected_version) from exc
        finally:
            if own:
                cursor.close()
        return stored

    def append_checked(
        self, conn: Connection, envelopes: Sequence[EventEnvelope]
    ) -> list[EventEnvelope]:
        """Store events of several aggregates and their outbox rows in the caller's transaction,
        in a few multi-row statements rather than two per event (`append` one aggregate at a
        time, loaded in this transaction: here no version is read).

        The caller made sure each aggregate was at the version before its first envelope; the
        unique (aggregate, version) constraint still refuses a concurrent writer: raises
        ConcurrencyError (of the first envelope's aggregate, without the current version:
        which one clashed is not told).
        """
        if not envelopes:
            return []
        sql, cursor = self._driver(conn)
        try:
            returned = sql.insert_events.run_returning(
                cursor, [sql.params(envelope) for envelope in envelopes])
            positions = {str(event_id): int(position) for position, event_id in returned}
            stored = [_with_position(envelope, positions[str(envelope.event_id)])
                      for envelope in envelopes]
            sql.insert_outboxes.run(cursor, [
                (envelope.position, envelope.subject(self.subject_root)) for envelope in stored])
        except sql.integrity_error as exc:
            first = envelopes[0]
            raise ConcurrencyError(first.aggregate_id, first.aggregate_version - 1) from exc
        finally:
            cursor.close()
        return stored

    def load_payloads(
        self, conn: Connection, aggregate_type: str, aggregate_id: str, cursor: Any = None
    ) -> list[tuple[str, int, dict[str, Any]]]:
        """(event type, schema version, payload) of an aggregate's events, for rehydration;
        `cursor` as `append` takes it."""
        sql = self._statements(conn)
        own = cursor is None
        if own:
            cursor = driver_of(conn).cursor()
        try:
            cursor.execute(sql.load, (aggregate_type, aggregate_id))
            return [(t, int(v), orjson.loads(p)) for t, v, p in cursor.fetchall()]
        finally:
            if own:
                cursor.close()

    def load_payloads_many(
        self, conn: Connection, aggregate_type: str, aggregate_ids: Sequence[str]
    ) -> dict[str, list[tuple[str, int, dict[str, Any]]]]:
        """`load_payloads` of many aggregates of one type in a few queries (every id is a key,
        empty for an aggregate without events)."""
        found: dict[str, list[tuple[str, int, dict[str, Any]]]] = {
            aggregate_id: [] for aggregate_id in aggregate_ids}
        sql, cursor = self._driver(conn)
        try:
            for some in in_lists(list(found)):
                cursor.execute(
                    "SELECT aggregate_id, event_type, schema_version, payload FROM events"
                    f" WHERE aggregate_type = {sql.mark}"
                    f" AND aggregate_id IN ({', '.join([sql.mark] * len(some))})"
                    " ORDER BY aggregate_version", [aggregate_type, *some])
                for aggregate_id, event_type, version, payload in cursor.fetchall():
                    found[aggregate_id].append((event_type, int(version), orjson.loads(payload)))
        finally:
            cursor.close()
        return found

    def append_many(self, conn: Connection, envelopes: Sequence[EventEnvelope]) -> None:
        """Bulk append of new aggregates (imports): every envelope must start its stream.

        `append_checked`'s multi-row statements on the driver's cursor (through SQLAlchemy's
        executemany, building each row's parameters cost a 30,000-row import seconds in the
        write turn); a clash on any version refuses the whole batch (ConcurrencyError at 0).
        """
        self.append_checked(conn, envelopes)

    def load(
        self,
        conn: Connection,
        aggregate_type: str,
        aggregate_id: str,
        recorded_until: datetime | None = None,
    ) -> list[EventEnvelope]:
        query = (
            select(events_table)
            .where(
                events_table.c.aggregate_type == aggregate_type,
                events_table.c.aggregate_id == aggregate_id,
            )
            .order_by(events_table.c.aggregate_version)
        )
        if recorded_until is not None:
            query = query.where(events_table.c.recorded_at <= recorded_until)
        return [_row_to_envelope(row, self.service) for row in conn.execute(query)]

    def load_each(
        self, conn: Connection, aggregate_type: str, aggregate_ids: Sequence[str]
    ) -> dict[str, list[EventEnvelope]]:
        """`load` of many aggregates of one type in a few queries (every id is a key, empty
        for an aggregate without events): a report replaying thousands of aggregates to a
        past day would otherwise send a query for each (finding of examiner-hostile)."""
        found: dict[str, list[EventEnvelope]] = {aggregate_id: [] for aggregate_id in aggregate_ids}
        for some in in_lists(list(found)):
            query = (
                select(events_table)
                .where(events_table.c.aggregate_type == aggregate_type,
                       events_table.c.aggregate_id.in_(some))
                .order_by(events_table.c.aggregate_version)
            )
            for row in conn.execute(query):
                envelope = _row_to_envelope(row, self.service)
                found[envelope.aggregate_id].append(envelope)
        return found

    def read_all(
        self, conn: Connection, after_position: int = 0, limit: int = 1000,
        recorded_until: datetime | None = None,
    ) -> list[EventEnvelope]:
        """The next `limit` events after `after_position`, in the store's order (those
        recorded up to `recorded_until` only, when given: the rule of `load`)."""
        query = (
            select(events_table)
            .where(events_table.c.position > after_position)
            .order_by(events_table.c.position)
            .limit(limit)
        )
        if recorded_until is not None:
            query = query.where(events_table.c.recorded_at <= recorded_until)
        return [_row_to_envelope(row, self.service) for row in conn.execute(query)]

    def iter_all(
        self, conn: Connection, after_position: int = 0, recorded_until: datetime | None = None,
        batch_size: int = 1000,
    ) -> Iterator[EventEnvelope]:
        """Every event after `after_position` (recorded up to `recorded_until`), read page by
        page by position: no more than one page is held at a time (a store of a city's size
        does not fit beside what its caller builds; review RV4)."""
        position = after_position
        while True:
            batch = self.read_all(conn, position, batch_size, recorded_until)
            if not batch:
                return
            position = batch[-1].position or position
            yield from batch
            del batch  # not held while the next page is read

    @staticmethod
    def _row(envelope: EventEnvelope) -> dict[str, Any]:
        values = envelope.__dict__
        row = {name: values[name] for name in _EVENT_COLUMNS}
        for name, encode in _TO_ROW:
            row[name] = encode(row[name])
        return row


def _with_position(envelope: EventEnvelope, position: int) -> EventEnvelope:
    if envelope.position is None:
        # The envelope was built for this append and nobody else holds it yet: filling in
        # its position in place saves a copy on the hottest path.
        object.__setattr__(envelope, "position", position)
        return envelope
    return replace(envelope, position=position)
