"""Units of work always give their connection back: bounded whatever the threads, their churn,
errors between BEGIN and commit, a failed BEGIN or a unit of work opened inside another."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, func, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool.base import _ConnectionFairy

from shared.aggregate import CommandContext, ConnectionSource, UnitOfWork, unique_keys_table
from shared.db import checked_out, create_db_engine, create_schema, writer_turns
from shared.eventstore import EventStore, events_table, kernel_metadata
from tests.integration.counter import Counter, registry


@pytest.fixture
def source(engine: Engine) -> Iterator[ConnectionSource]:
    source = ConnectionSource(engine)
    yield source
    source.close_all()


def _uow(engine: Engine, source: ConnectionSource) -> UnitOfWork:
    return UnitOfWork(
        engine, EventStore("test", "danvan"), registry, CommandContext(actor="a"),
        connections=source,
    )


def _events(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events_table)).scalar_one())


def _command(engine: Engine, source: ConnectionSource, key: str, fail: bool = False) -> None:
    with _uow(engine, source) as uow:
        counter = uow.load(Counter, key)
        counter.add(1)
        uow.save(counter)
        if fail:
            raise ValueError("refused between BEGIN and commit")
        uow.commit()


def test_many_short_lived_threads_leave_only_the_kept_connections_out(
    engine: Engine, source: ConnectionSource
) -> None:
    # More threads than the pool holds (8 + 10 overflow), each gone after one or two commands,
    # as anyio's worker threads come and go; one command in three fails before its commit.
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            _command(engine, source, f"t{n}-a")
            _command(engine, source, f"t{n}-b", fail=n % 3 == 0)
        except ValueError:
            pass
        except BaseException as exc:  # a pool timeout or a lock timeout would land here
            failures.append(exc)

    numbers = [[round_ * 100 + n for n in range(40)] for round_ in range(3)]
    for batch in numbers:
        threads = [threading.Thread(target=worker, args=(n,)) for n in batch]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    kept = source.idle
    assert kept <= 4 if engine.dialect.name == "sqlite" else kept == 0
    assert checked_out(engine) == kept
    # 120 threads, 240 commands, a third of the second ones refused: the others are all there.
    refused = sum(1 for batch in numbers for n in batch if n % 3 == 0)
    assert _events(engine) == 240 - refused
    started = time.monotonic()
    _command(engine, source, "after")
    assert time.monotonic() - started < 1


def test_a_failed_begin_gives_the_connection_back(
    engine: Engine, source: ConnectionSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_: Connection, *__: object) -> None:
        raise RuntimeError("no turn")

    turns = writer_turns(engine)
    if turns is not None:  # SQLite: a unit of work begins on the driver, in the writers' turn
        monkeypatch.setattr(turns, "begin_on_driver", refuse)
    else:
        event.listen(engine, "begin", refuse)
    try:
        with pytest.raises(RuntimeError), _uow(engine, source):
            pass
    finally:
        if turns is None:
            event.remove(engine, "begin", refuse)
        monkeypatch.undo()
    assert checked_out(engine) == source.idle
    if turns is not None:
        assert turns._queue_thread is None  # the queue's turn was given back too
    _command(engine, source, "later")
    assert _events(engine) == 1


def test_close_all_closes_the_kept_connections_and_later_returns_go_to_the_pool(
    engine: Engine, source: ConnectionSource
) -> None:
    _command(engine, source, "one")
    held = source.acquire()
    source.close_all()
    assert source.idle == 0
    source.release(held)  # returned after shutdown began: closed, not kept
    assert source.idle == 0
    assert checked_out(engine) == 0


@pytest.fixture
def sqlite_engine(tmp_path: object) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path}/nested.db")
    create_schema(engine, kernel_metadata)
    yield engine
    engine.dispose()


def test_a_unit_of_work_inside_another_reads_at_once_and_cannot_write(
    sqlite_engine: Engine,
) -> None:
    # The outer unit holds this process's SQLite write turn; waiting for it on the same thread
    # would wait for itself (30 s, then "database is locked").
    source = ConnectionSource(sqlite_engine)
    _command(sqlite_engine, source, "seen")
    started = time.monotonic()
    with _uow(sqlite_engine, source) as outer:
        outer_counter = outer.load(Counter, "outer")
        outer_counter.add(1)
        outer.save(outer_counter)
        with _uow(sqlite_engine, source) as inner:
            assert inner.load(Counter, "seen").version == 1
            inner_counter = inner.load(Counter, "inner")
            inner_counter.add(1)
            with pytest.raises(Exception, match="readonly"):
                inner.save(inner_counter)
        outer.commit()
    assert time.monotonic() - started < 5
    # The read-only switch went with the inner transaction: the connection it used (kept,
    # and handed out first) writes again.
    _command(sqlite_engine, source, "next")
    assert _events(sqlite_engine) == 3
    assert checked_out(sqlite_engine) == source.idle
    source.close_all()


def test_concurrent_units_of_work_on_sqlite_take_turns_on_one_kept_connection(
    sqlite_engine: Engine,
) -> None:
    # They write one at a time anyway: waiting for the turn before taking a connection keeps
    # them all on the last writer's connection (its page cache still valid), not one each.
    source = ConnectionSource(sqlite_engine)
    used: set[int] = set()
    start = threading.Barrier(8)

    def commands(n: int) -> None:
        start.wait()
        for i in range(15):
            with _uow(sqlite_engine, source) as uow:
                used.add(id(uow.connection.connection.driver_connection))
                counter = uow.load(Counter, f"c{n}-{i}")
                counter.add(1)
                uow.save(counter)
                uow.commit()

    threads = [threading.Thread(target=commands, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert _events(sqlite_engine) == 8 * 15
    assert len(used) == 1, f"{len(used)} connections for writers that take turns"
    source.close_all()


def test_a_unit_of_work_on_sqlite_begins_and_commits_on_the_driver(
    sqlite_engine: Engine,
) -> None:
    # SQLAlchemy's transaction objects cost a command more than its event's insert (bench
    # peer): on SQLite the unit's BEGIN IMMEDIATE and COMMIT go to the driver, in the writers'
    # turn, and SQLAlchemy never begins nor commits a transaction of its own.
    source = ConnectionSource(sqlite_engine)
    seen: list[str] = []
    for name in ("begin", "commit", "rollback"):
        event.listen(sqlite_engine, name, lambda _conn, name=name: seen.append(name))
    turns = writer_turns(sqlite_engine)
    assert turns is not None
    with _uow(sqlite_engine, source) as uow:
        assert uow.connection.connection.driver_connection.in_transaction  # type: ignore[union-attr]
        assert not uow.connection.in_transaction()
        assert turns._holder_thread == threading.get_ident()
        counter = uow.load(Counter, "driver")
        counter.add(1)
        uow.save(counter)
        uow.commit()
        assert turns._holder_thread is None  # handed on at the commit
    with pytest.raises(ValueError):
        _command(sqlite_engine, source, "refused", fail=True)
    assert seen == []
    assert _events(sqlite_engine) == 1
    assert turns._holder_thread is None and turns._queue_thread is None
    source.close_all()


@pytest.mark.parametrize("commit", [True, False])
def test_a_core_statement_in_a_unit_of_work_is_in_its_transaction(
    engine: Engine, source: ConnectionSource, commit: bool
) -> None:
    # A handler's SQLAlchemy statement (a claim's import, a read model row) joins the unit's
    # transaction, begun on the driver on SQLite: both commit, or neither.
    with contextlib.suppress(ValueError), _uow(engine, source) as uow:
        uow.connection.execute(
            insert(unique_keys_table).values(kind="k", value="v", aggregate_id="joined"))
        with uow.connection.begin_nested():  # a savepoint inside it works too
            uow.connection.execute(
                insert(unique_keys_table).values(kind="k", value="w", aggregate_id="joined"))
        counter = uow.load(Counter, "joined")
        counter.add(1)
        uow.save(counter)
        if not commit:
            raise ValueError("refused after its statements")
        uow.commit()
    with engine.connect() as conn:
        keys = conn.execute(select(func.count()).select_from(unique_keys_table)).scalar_one()
    assert (keys, _events(engine)) == ((2, 1) if commit else (0, 0))
    assert checked_out(engine) == source.idle
    _command(engine, source, "after")  # the writers' turn was handed on
    assert _events(engine) == (2 if commit else 1)


def test_a_command_reaches_its_driver_without_the_pools_driver_connection_property(
    engine: Engine, source: ConnectionSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    # shared.driversql.driver_of: the pool's `driver_connection`, a property of a property
    # read five times per command, cost more than the cursor it led to.
    _command(engine, source, "warm")  # the pool's first checkout is not the hot path

    def refused(_: object) -> None:
        raise AssertionError("driver_connection read on the command path")

    monkeypatch.setattr(_ConnectionFairy, "driver_connection", property(refused))
    _command(engine, source, "hot")
    with pytest.raises(ValueError):
        _command(engine, source, "refused", fail=True)
    monkeypatch.undo()
    assert _events(engine) == 2


def test_a_commit_refused_by_a_full_disk_leaves_the_next_commands_working(
    engine: Engine, source: ConnectionSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The disk filled up under `make run` (examiner-outage): SQLite refused a COMMIT with
    # "database or disk is full" and rolled the transaction back itself. SQLAlchemy had joined
    # the transaction (the Idempotency-Key's look-up runs through it) and, its commit failed,
    # kept its transaction object, inactive, until a rollback. That connection was kept for
    # the next unit of work (in_transaction() is False for an inactive transaction), whose
    # first statement then raised PendingRollbackError: every command of the service a 500,
    # for good, the disk freed or not.
    commit = engine.dialect.do_commit
    refused: list[bool] = []

    def full_disk(driver: Any) -> None:
        if refused:
            commit(driver)
            return
        refused.append(True)
        driver.rollback()  # what SQLite does to a transaction whose COMMIT met a full disk
        commit(driver)  # nothing left to commit: the writers' turn is handed on
        raise engine.dialect.loaded_dbapi.OperationalError("database or disk is full")

    monkeypatch.setattr(engine.dialect, "do_commit", full_disk)
    with pytest.raises(OperationalError, match="disk is full"), _uow(engine, source) as uow:
        uow.connection.execute(select(func.count()).select_from(events_table))
        counter = uow.load(Counter, "refused")
        counter.add(1)
        uow.save(counter)
        uow.commit()
    assert refused == [True]
    assert checked_out(engine) == source.idle
    for n in range(3):  # the kept connections are handed out last-returned-first
        with _uow(engine, source) as uow:
            uow.connection.execute(select(func.count()).select_from(events_table))
            counter = uow.load(Counter, f"after-{n}")
            counter.add(1)
            uow.save(counter)
            uow.commit()
    assert _events(engine) == 3
