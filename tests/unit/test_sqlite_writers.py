"""SQLite engines: writers of one process take turns, readers do not queue behind them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from shared.db import create_db_engine, read_connection
from shared.driversql import RowsInsert


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    return engine


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT n FROM counter")).scalar_one())


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
    done = threading.Event()

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert done.wait(timeout=5), "the rolled-back writer kept the turn"
    thread.join()
    assert _count(engine) == 1


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
