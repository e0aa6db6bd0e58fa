"""SQLite engines: writers of one process take turns, readers do not queue behind them."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from shared.db import _TURNS, FairTurn, create_db_engine, read_connection
from shared.driversql import RowsInsert
from shared.outage import is_infrastructure_failure


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    return engine


@contextlib.contextmanager
def writers_queue(engine: Engine) -> Iterator[None]:
    """The units of work's wait for the writers' turn, as shared.aggregate.UnitOfWork takes
    and gives it back (WriterTurns.enter_queue, leave_queue), around a block of the test."""
    turns = _TURNS[engine]
    queued = turns.enter_queue()
    try:
        yield
    finally:
        if queued:
            turns.leave_queue()


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT n FROM counter")).scalar_one())


def _another_thread_writes(engine: Engine, *, queued: bool, failed: str) -> None:
    """After a failed writer, a writer of another thread (through the units of work's queue
    when `queued`) gets its turn and its write counts."""
    done = threading.Event()

    def write() -> None:
        with writers_queue(engine) if queued else contextlib.nullcontext(), \
                engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert done.wait(timeout=5), f"{failed} kept the turn"
    thread.join()
    assert _count(engine) == 1


def test_a_transaction_begun_from_an_execution_options_copy_takes_the_writers_turn(
    engine: Engine,
) -> None:
    copy = engine.execution_options(logging_token="copy")
    for each in (copy, copy.execution_options(logging_token="copy of the copy")):
        with each.begin():
            assert _TURNS[engine]._holder_thread == threading.get_ident()
        assert _TURNS[engine]._holder_thread is None
    _another_thread_writes(engine, queued=False, failed="the copy's transaction")


def test_no_connection_event_is_dispatched(engine: Engine) -> None:
    """The writers' turn is no event listener: with one, SQLAlchemy dispatches every
    connection event of every statement (bench/platform.py's append pays it per event)."""
    assert not engine._has_events
    with engine.connect() as conn:
        assert not conn._has_events


def test_concurrent_writers_take_turns_and_lose_no_update(engine: Engine) -> None:
    def add(times: int) -> None:
        for _ in range(times):
            with engine.begin() as conn:
                # Read, then write: only correct when no other writer is in between.
                n = conn.execute(text("SELECT n FROM counter")).scalar_one()
                conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

    threads = [threading.Thread(target=add, args=(50,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _count(engine) == 200


def test_a_failed_transaction_hands_the_turn_on(engine: Engine) -> None:
    with pytest.raises(ZeroDivisionError), engine.begin() as conn:
        conn.execute(text("UPDATE counter SET n = 99"))
        raise ZeroDivisionError
    _another_thread_writes(engine, queued=False, failed="the rolled-back writer")


def test_a_reader_neither_waits_for_nor_holds_up_a_writer(engine: Engine) -> None:
    with read_connection(engine) as reader:
        assert reader.execute(text("SELECT n FROM counter")).scalar_one() == 0
        # The reader's transaction is open; a writer goes ahead at once...
        started = time.monotonic()
        with engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = 5"))
        assert time.monotonic() - started < 5
        # ...and the reader keeps its snapshot until its transaction ends.
        assert reader.execute(text("SELECT n FROM counter")).scalar_one() == 0
    assert _count(engine) == 5


def test_a_write_on_a_read_connection_fails_rather_than_jumping_the_queue(
    engine: Engine,
) -> None:
    with read_connection(engine) as reader:
        reader.execute(text("SELECT n FROM counter")).scalar_one()
        with engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = 7"))
        # Its snapshot is stale: SQLite refuses the upgrade instead of losing the update.
        with pytest.raises(OperationalError):
            reader.execute(text("UPDATE counter SET n = n + 1"))
    assert _count(engine) == 7


def _until_waiting(turn: FairTurn, count: int) -> None:
    """Until `count` threads wait for `turn` (a give-up time, not a timing assert)."""
    deadline = time.monotonic() + 10
    while turn.waiting() != count:
        assert time.monotonic() < deadline, "the other thread never got in the queue"
        time.sleep(0.001)


def _queue_up(turn: FairTurn, order: list[int], how_many: int) -> list[threading.Thread]:
    """Threads 0..how_many-1 wait for `turn` one after another (each in the queue before the
    next starts), note their number when they get it and hand it on."""
    def wait_then_note(n: int) -> None:
        assert turn.acquire(timeout=30)
        order.append(n)
        turn.release()

    threads = []
    for n in range(how_many):
        thread = threading.Thread(target=wait_then_note, args=(n,))
        thread.start()
        _until_waiting(turn, n + 1)
        threads.append(thread)
    return threads


def test_the_turn_goes_to_waiters_in_arrival_order() -> None:
    turn = FairTurn()
    assert turn.acquire(timeout=1)
    order: list[int] = []
    threads = _queue_up(turn, order, 8)
    turn.release()
    for thread in threads:
        thread.join(timeout=30)
    assert order == list(range(8))
    # The last one handed it on to nobody: free again, at once.
    assert turn.acquire(timeout=0)


def test_a_release_hands_the_turn_over_rather_than_letting_a_newcomer_take_it() -> None:
    turn = FairTurn()
    assert turn.acquire(timeout=1)
    order: list[int] = []
    threads = _queue_up(turn, order, 1)
    turn.release()
    # The waiter holds it now even if it has not run yet: a thread arriving after it waits.
    assert not turn.acquire(timeout=0)
    threads[0].join(timeout=30)
    assert order == [0]


def test_a_waiter_that_gives_up_leaves_the_queue_and_the_others_keep_their_turn() -> None:
    turn = FairTurn()
    assert turn.acquire(timeout=1)
    order: list[int] = []
    threads = _queue_up(turn, order, 2)
    assert not turn.acquire(timeout=0.01)  # held all along: this one gives up
    assert turn.waiting() == 2
    turn.release()
    for thread in threads:
        thread.join(timeout=30)
    assert order == [0, 1]
    assert turn.acquire(timeout=0)


def test_releasing_a_turn_nobody_holds_is_refused() -> None:
    with pytest.raises(RuntimeError):
        FairTurn().release()


def test_units_of_work_get_the_writers_turn_in_arrival_order(engine: Engine) -> None:
    queue = _TURNS[engine]._queue
    order: list[int] = []

    def command(n: int) -> None:
        with writers_queue(engine), engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))
            order.append(n)

    with writers_queue(engine):
        threads = []
        for n in range(6):
            thread = threading.Thread(target=command, args=(n,))
            thread.start()
            _until_waiting(queue, n + 1)
            threads.append(thread)
        # The thread holding the turn passes its own queue again (a unit of work inside
        # another) instead of waiting behind the others for itself.
        with writers_queue(engine), engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = 100"))
    for thread in threads:
        thread.join(timeout=30)
    assert order == list(range(6))
    assert _count(engine) == 106


def test_a_failed_unit_of_work_hands_the_queue_on(engine: Engine) -> None:
    with pytest.raises(ZeroDivisionError), writers_queue(engine):
        raise ZeroDivisionError
    _another_thread_writes(engine, queued=True, failed="the failed unit of work")


def test_a_writer_waiting_past_the_busy_timeout_is_told_the_database_is_unavailable(
    tmp_path: Path,
) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'busy.db'}", busy_timeout_s=0.05)
    outcome: list[BaseException] = []

    def wait_in_vain() -> None:
        try:
            with writers_queue(engine):
                pass
        except BaseException as exc:
            outcome.append(exc)

    with writers_queue(engine):
        thread = threading.Thread(target=wait_in_vain)
        thread.start()
        thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], sqlite3.OperationalError)
    # The message the outage rule reads as "unavailable" (503 DATABASE_UNAVAILABLE).
    assert is_infrastructure_failure(outcome[0])
    assert _TURNS[engine]._queue.waiting() == 0
    with writers_queue(engine):  # and the turn is free again
        pass


@pytest.mark.parametrize("rows", [0, 1, 5, 64, 300, 1100])
def test_rows_insert_writes_every_row_once(engine: Engine, rows: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE pairs (a INTEGER PRIMARY KEY, b TEXT)"))
        insert = RowsInsert(conn.dialect, "INSERT INTO pairs (a, b)", 2)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        insert.run(cursor, [(i, f"v{i}") for i in range(rows)])
        cursor.close()
        found = conn.execute(text("SELECT a, b FROM pairs ORDER BY a")).all()
    assert [tuple(row) for row in found] == [(i, f"v{i}") for i in range(rows)]


def test_rows_insert_adds_up_on_conflict(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE sums (k TEXT PRIMARY KEY, n INTEGER)"))
        upsert = RowsInsert(conn.dialect, "INSERT INTO sums (k, n)", 2,
                            "ON CONFLICT (k) DO UPDATE SET n = sums.n + excluded.n")
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        upsert.run(cursor, [("a", 1), ("b", 2)])
        upsert.run(cursor, [("a", 10), ("c", 3)])
        cursor.close()
        found = {k: n for k, n in conn.execute(text("SELECT k, n FROM sums")).all()}
    assert found == {"a": 11, "b": 2, "c": 3}
