"""The event store on SQLite and PostgreSQL: versions, conflicts, outbox."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from uuid import uuid4

import orjson
import pytest
from sqlalchemy import Engine, func, select

from shared.aggregate import CommandContext, UnitOfWork
from shared.db import create_db_engine, create_schema
from shared.envelope import HEAD_FIELDS, STORED_FIELDS, EventEnvelope, as_business_time
from shared.errors import ConcurrencyError, PreconditionFailed
from shared.eventstore import EventStore, events_table, kernel_metadata, outbox_table
from shared.natsconn import NatsLink
from shared.relay import OutboxRelay
from tests.conftest import DatabaseUrls
from tests.integration.counter import Counter, registry
from tests.integration.helpers import PACIFIC, session_in_zone, session_zone


def _uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine, EventStore("test", "danvan"), registry, CommandContext(actor="a"))


def _write_once(engine: Engine, counter_id: str) -> None:
    """Someone else's command: the counter at version 1."""
    with _uow(engine) as uow:
        counter = uow.load(Counter, counter_id)
        counter.add(1)
        uow.save(counter)
        uow.commit()


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_aggregate_round_trip_and_outbox_written_with_events(engine: Engine) -> None:
    with _uow(engine) as uow:
        counter = uow.load(Counter, "c1")
        counter.add(2)
        counter.add(3)
        stored = uow.save(counter)
        uow.commit()
    assert [e.aggregate_version for e in stored] == [1, 2]
    with _uow(engine) as uow:
        again = uow.load(Counter, "c1")
    assert (again.total, again.version) == (5, 2)
    assert _count(engine, events_table) == _count(engine, outbox_table) == 2


def test_saved_events_carry_the_positions_the_store_gave_them(engine: Engine) -> None:
    """Each event of a save learns its own position (on SQLite the row number the insert
    took, elsewhere RETURNING): the one its row and its outbox row hold, also for the second
    and third event of one save and after other aggregates' events."""
    _write_once(engine, "c0")
    _write_once(engine, "c9")
    with _uow(engine) as uow:
        counter = uow.load(Counter, "c1")
        for amount in (1, 2, 3):
            counter.add(amount)
        stored = uow.save(counter)
        uow.commit()
    with engine.connect() as conn:
        rows = conn.execute(
            select(events_table.c.event_id, events_table.c.position, outbox_table.c.position)
            .outerjoin(outbox_table, outbox_table.c.position == events_table.c.position)
            .where(events_table.c.aggregate_id == "c1")
            .order_by(events_table.c.aggregate_version)).all()
    assert [(str(e.event_id), e.position, e.position) for e in stored] == [
        tuple(row) for row in rows]
    assert len({e.position for e in stored}) == 3


def test_rolled_back_command_leaves_no_event_and_no_outbox_row(engine: Engine) -> None:
    with _uow(engine) as uow:
        counter = uow.load(Counter, "c1")
        counter.add(1)
        uow.save(counter)
        # no commit: an exception or an early return must write nothing
    assert _count(engine, events_table) == 0
    assert _count(engine, outbox_table) == 0


def test_stale_writer_gets_412_with_the_current_version(engine: Engine) -> None:
    _write_once(engine, "c1")
    with _uow(engine) as second, pytest.raises(PreconditionFailed) as info:
        # The caller last saw version 0 (If-Match: 0); someone has written since.
        second.load(Counter, "c1", expected_version=0)
    assert (info.value.expected, info.value.current, info.value.status_code) == (0, 1, 412)
    with _uow(engine) as uow:
        assert uow.load(Counter, "c1").total == 1


def test_append_at_a_stale_version_is_refused_by_the_store(engine: Engine) -> None:
    _write_once(engine, "c1")
    with _uow(engine) as uow:
        stale = Counter.rehydrate("c1", [])  # as if loaded before the first write
        stale.add(5)
        with pytest.raises(ConcurrencyError) as info:
            uow.save(stale)
    assert info.value.current == 1
    assert _count(engine, events_table) == 1


def test_staged_events_of_many_aggregates_are_stored_as_saved_one_by_one(engine: Engine) -> None:
    """`stage` + `flush`: each event keeps the context it was staged in, its version and its
    outbox row; the positions follow the staging order (more rows than one statement takes)."""
    names = [f"s{n}" for n in range(70)]
    with _uow(engine) as uow:
        counters = uow.load_many(Counter, names)
        staged = []
        for n, name in enumerate(names):
            uow.context = CommandContext(actor="a", causation_id=f"cause-{n}")
            counters[name].add(n)
            staged.extend(uow.stage(counters[name]))
        counters["s0"].add(100)  # a second event of the same aggregate, later
        staged.extend(uow.stage(counters["s0"]))
        assert all(e.position is None for e in staged)
        stored = uow.flush()
        uow.commit()
    assert stored == staged and uow.appended == stored
    positions = [e.position or 0 for e in stored]
    assert 0 not in positions and positions == sorted(positions)
    with engine.connect() as conn:
        rows = conn.execute(
            select(events_table.c.position, events_table.c.aggregate_id,
                   events_table.c.aggregate_version, events_table.c.causation_id,
                   outbox_table.c.subject)
            .join(outbox_table, outbox_table.c.position == events_table.c.position)
            .order_by(events_table.c.position)).all()
    assert [(r.position, r.aggregate_id, r.aggregate_version, r.causation_id) for r in rows] == [
        (e.position, e.aggregate_id, e.aggregate_version, e.causation_id) for e in stored]
    assert stored[0].causation_id == "cause-0" and stored[-1].causation_id == "cause-69"
    assert [e.aggregate_version for e in stored if e.aggregate_id == "s0"] == [1, 2]
    assert [r.subject for r in rows] == [e.subject("danvan") for e in stored]
    with _uow(engine) as uow:
        assert (uow.load(Counter, "s0").total, uow.load(Counter, "s69").total) == (100, 69)


def test_commit_appends_what_was_staged_and_a_clash_names_the_moved_aggregate(
    engine: Engine,
) -> None:
    with _uow(engine) as uow:
        counter = uow.load(Counter, "c1")
        counter.add(1)
        uow.stage(counter)
        uow.commit()
    assert _count(engine, events_table) == _count(engine, outbox_table) == 1
    _write_once(engine, "c2")
    with _uow(engine) as uow:
        fresh = uow.load(Counter, "c3")
        stale = Counter.rehydrate("c2", [])  # as if loaded before someone else's write
        fresh.add(1)
        stale.add(5)
        uow.stage(fresh)
        with pytest.raises(ConcurrencyError) as info:
            uow.stage(stale)  # not loaded in this transaction: its version is read
        assert (info.value.aggregate_id, info.value.expected, info.value.current) == ("c2", 0, 1)
        uow.adopt(stale)  # wrongly said current: the store's constraint still refuses it
        uow.stage(stale)
        with pytest.raises(ConcurrencyError) as info:
            uow.flush()
        assert (info.value.aggregate_id, info.value.expected, info.value.current) == ("c2", 0, 1)
    assert _count(engine, events_table) == 2


def test_concurrent_appends_of_one_version_let_exactly_one_win(engine: Engine) -> None:
    """Read by `load_many`, which does not hold what it reads (a sweep of thousands), the
    writers all read version 0 and the unique version guard lets one append. (`load` holds the
    aggregate, so there the second writer waits and reads the first's event.)"""
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def writer(by: int) -> None:
        with _uow(engine) as uow:
            counter = uow.load_many(Counter, ["shared"])["shared"]
            counter.add(by)
            barrier.wait()
            try:
                uow.save(counter)
                uow.commit()
                result = "ok"
            except ConcurrencyError:
                result = "conflict"
        with lock:
            outcomes.append(result)

    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE: no two loads can interleave")
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1
    assert outcomes.count("conflict") == len(threads) - 1
    assert _count(engine, events_table) == 1


def test_outbox_order_follows_versions_of_each_aggregate(engine: Engine) -> None:
    for round_ in range(3):
        for name in ("a", "b"):
            with _uow(engine) as uow:
                counter = uow.load(Counter, name)
                counter.add(round_)
                uow.save(counter)
                uow.commit()
    with engine.connect() as conn:
        rows = conn.execute(
            select(events_table.c.aggregate_id, events_table.c.aggregate_version)
            .join(outbox_table, outbox_table.c.position == events_table.c.position)
            .order_by(outbox_table.c.position)
        ).all()
    for name in ("a", "b"):
        assert [v for a, v in rows if a == name] == [1, 2, 3]


def test_events_are_read_back_in_position_order_from_any_position(engine: Engine) -> None:
    for name in ("x", "y", "z"):
        with _uow(engine) as uow:
            counter = uow.load(Counter, name)
            counter.add(1)
            uow.save(counter)
            uow.commit()
    store = EventStore("test", "danvan")
    with engine.connect() as conn:
        everything = store.read_all(conn)
        after_first = store.read_all(conn, after_position=everything[0].position or 0)
    assert [e.aggregate_id for e in everything] == ["x", "y", "z"]
    assert [e.aggregate_id for e in after_first] == ["y", "z"]


def _every_field_set() -> EventEnvelope:
    """An envelope whose every field holds a value of its own (none left to a default)."""
    at = datetime(2023, 5, 1, 7, 30, 15, 123456, tzinfo=UTC)
    return EventEnvelope(
        event_id=uuid4(), event_type="Counted", schema_version=2, service="test",
        aggregate_type="counter", aggregate_id="C9", aggregate_version=1, occurred_at=at,
        recorded_at=at + timedelta(seconds=3), actor="chủ tịch", payload={"by": 4},
        unit_code="11755", department="Ban Dân vận", correlation_id="corr-1",
        causation_id="cause-1",
    )


def test_every_envelope_field_survives_the_store_and_the_relay(engine: Engine) -> None:
    """The store, its load and the relay's message are derived from the envelope's one
    definition: a field added to it and missed by any of them fails here."""
    assert {c.name for c in events_table.columns} == set(STORED_FIELDS)
    envelope = _every_field_set()
    store = EventStore("test", "danvan")
    with engine.begin() as conn:
        (stored,) = store.append(conn, [envelope], 0)
    assert stored.position is not None
    with engine.connect() as conn:
        (loaded,) = store.load(conn, "counter", "C9")
    assert loaded == stored == replace(envelope, position=stored.position)
    relay = OutboxRelay(engine, cast(NatsLink, None), "test")
    (item,) = relay._fetch_pending(0)
    assert item.subject == "danvan.test.counter.Counted"
    assert EventEnvelope.from_json(item.body) == stored
    assert orjson.loads(item.body) == orjson.loads(stored.to_json())
    assert list(orjson.loads(item.body)) == [*HEAD_FIELDS, "payload"]


@pytest.mark.parametrize("empty", [
    frozenset(combination)
    for size in range(5)
    for combination in itertools.combinations(
        ("unit_code", "department", "correlation_id", "causation_id"), size)
])
def test_every_pattern_of_empty_optional_fields_is_stored_and_read_back(
    engine: Engine, empty: frozenset[str]
) -> None:
    """On SQLite an empty optional field is NULL in the INSERT's text, not a parameter
    (`_DriverSql.insert`): every pattern of them stores the envelope as it is."""
    fields: dict[str, Any] = dict.fromkeys(empty)
    envelope = replace(_every_field_set(), **fields)
    store = EventStore("test", "danvan")
    with engine.begin() as conn:
        (stored,) = store.append(conn, [envelope], 0)
    with engine.connect() as conn:
        (loaded,) = store.load(conn, "counter", "C9")
        nulls = conn.execute(select(*(
            events_table.c[name].is_(None) for name in sorted(empty | {"position"})))).one()
    assert loaded == stored == replace(envelope, position=stored.position)
    assert list(nulls) == [name != "position" for name in sorted(empty | {"position"})]


def test_times_are_read_back_in_utc_whatever_zone_the_sessions_speak(
    database_url_factory: DatabaseUrls,
) -> None:
    """A PostgreSQL whose sessions are in another zone (the server's, a role's or the URL's
    `timezone`) answers a timestamptz in that zone: west of UTC, a business date's midnight
    UTC came back as the evening before, and every reader taking its `.date()` (a rebuilt
    register, a site as of a day, a history) and the relay's message (published with the
    session's offset) read the day before. The store, its pages and the relay give UTC."""
    engine = create_db_engine(session_in_zone(database_url_factory("kernel"), PACIFIC))
    try:
        assert session_zone(engine) in (None, PACIFIC)
        create_schema(engine, kernel_metadata)
        # Registered on 01/01/2025; recorded at 06:30 that day in Vietnam.
        envelope = replace(_every_field_set(), occurred_at=as_business_time(date(2025, 1, 1)),
                           recorded_at=datetime(2024, 12, 31, 23, 30, tzinfo=UTC))
        store = EventStore("test", "danvan")
        with engine.begin() as conn:
            store.append(conn, [envelope], 0)
        with engine.connect() as conn:
            read = [*store.load(conn, "counter", "C9"), *store.read_all(conn),
                    *store.iter_all(conn)]
        assert [(e.occurred_at.isoformat(), e.recorded_at.isoformat()) for e in read] == [
            ("2025-01-01T00:00:00+00:00", "2024-12-31T23:30:00+00:00")] * 3
        (item,) = OutboxRelay(engine, cast(NatsLink, None), "test")._fetch_pending(0)
        body = orjson.loads(item.body)
        published = [body["occurred_at"], body["recorded_at"]]
        assert [text.endswith("+00:00") for text in published] == [True, True]
        assert [datetime.fromisoformat(text) for text in published] == [
            envelope.occurred_at, envelope.recorded_at]
    finally:
        engine.dispose()
