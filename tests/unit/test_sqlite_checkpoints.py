"""SQLite engines checkpoint the WAL in a thread of their own, not in a writer's commit (where
the copy and the two fsyncs held up every command queued for the writers' turn)."""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from shared.db import WalCheckpointer, checkpointer_of, create_db_engine

#: Bytes per row: each row takes about 25 pages of 4 KiB (overflow pages) in the WAL.
ROW = 100_000
#: Bound on how long a background checkpoint may take to show on a loaded machine.
WAIT_S = 20.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'checkpoints.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)"))
    yield engine
    engine.dispose()


def _commit_rows(engine: Engine, count: int) -> None:
    for _ in range(count):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO blobs (body) VALUES (:body)"), {"body": b"x" * ROW})


def _database_file(tmp_path: Path) -> int:
    return (tmp_path / "checkpoints.db").stat().st_size


def _wait_until(done: threading.Event | None = None, check: object = None) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if done is not None and done.is_set():
            return
        if callable(check) and check():
            return
        time.sleep(0.01)
    raise AssertionError("not done in time")


def test_a_commit_past_a_thousand_wal_pages_does_not_checkpoint(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None
    woken: list[int] = []
    monkeypatch.setattr(checkpointer, "checkpoint", lambda: woken.append(1))
    before = _database_file(tmp_path)
    # About 1,500 pages of WAL in 60 commits: SQLite's own checkpoint (at 1,000 pages) would
    # have copied them into the database file inside one of those commits.
    _commit_rows(engine, 60)
    assert _database_file(tmp_path) == before
    with sqlite3.connect(tmp_path / "checkpoints.db") as other:
        assert other.execute("SELECT count(*) FROM blobs").fetchone()[0] == 60
    checkpointer.__class__.checkpoint(checkpointer)  # the real one, as the thread runs it
    assert _database_file(tmp_path) > before + 60 * ROW


def test_the_checkpoint_runs_in_another_thread_after_enough_commits(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None
    monkeypatch.setattr(WalCheckpointer, "EVERY_COMMITS", 10)
    real = checkpointer.checkpoint
    ran_in: list[int] = []
    done = threading.Event()

    def checkpoint() -> None:
        real()
        ran_in.append(threading.get_ident())
        done.set()

    monkeypatch.setattr(checkpointer, "checkpoint", checkpoint)
    monkeypatch.setattr(checkpointer, "_commits", 0)  # the fixture's CREATE TABLE counted one
    before = _database_file(tmp_path)
    _commit_rows(engine, 9)
    assert not ran_in
    _commit_rows(engine, 1)
    _wait_until(done)
    assert ran_in[0] != threading.get_ident()
    assert _database_file(tmp_path) > before + 10 * ROW
    assert checkpointer.checkpoints == 1


def test_one_commit_of_many_rows_wakes_the_thread(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A consumer's catch-up batch: thousands of rows in one commit. Counted as one commit, it
    # left the WAL to SQLite's backstop, a checkpoint with its fsyncs inside a later commit.
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None
    real = checkpointer.checkpoint
    ran_in: list[int] = []
    done = threading.Event()

    def checkpoint() -> None:
        real()
        ran_in.append(threading.get_ident())
        done.set()

    monkeypatch.setattr(checkpointer, "checkpoint", checkpoint)
    before = _database_file(tmp_path)
    small = [{"body": b"x" * 10}] * (WalCheckpointer.EVERY_ROWS - 1)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO blobs (body) VALUES (:body)"), small)
    assert not ran_in  # one row short, and two commits of a hundred
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO blobs (body) VALUES (:body)"), [{"body": b"y" * ROW}])
    _wait_until(done)
    assert ran_in[0] != threading.get_ident()
    assert _database_file(tmp_path) > before + ROW
    assert checkpointer.checkpoints == 1


def test_the_thread_ends_when_idle_and_starts_again_when_woken(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None
    monkeypatch.setattr(WalCheckpointer, "IDLE_S", 0.05)

    def threads() -> int:
        return sum(t.name == "sqlite-wal-checkpoint" and t.is_alive()
                   for t in threading.enumerate())

    baseline = threads()
    checkpointer.wake()
    _wait_until(check=lambda: checkpointer.checkpoints == 1)
    _wait_until(check=lambda: threads() == baseline)
    checkpointer.wake()
    _wait_until(check=lambda: checkpointer.checkpoints == 2)


def test_a_process_forked_with_the_thread_set_starts_its_own(engine: Engine) -> None:
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None
    # What a child made by fork() inherits: the parent's thread object, no thread behind it.
    gone = threading.Thread(target=lambda: None)
    gone.start()
    gone.join()
    checkpointer._thread = gone
    checkpointer.wake()
    _wait_until(check=lambda: checkpointer.checkpoints == 1)


def test_a_checkpoint_of_a_file_gone_creates_nothing(tmp_path: Path) -> None:
    checkpointer = WalCheckpointer(str(tmp_path / "gone.db"))
    checkpointer.checkpoint()
    assert not (tmp_path / "gone.db").exists()
    assert checkpointer.checkpoints == 0


def test_a_database_in_memory_has_no_checkpointer() -> None:
    engine = create_db_engine("sqlite://")
    try:
        assert checkpointer_of(engine) is None
    finally:
        engine.dispose()


def test_the_thread_checkpoints_on_one_connection_and_closes_it_when_it_ends(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A connection opened per checkpoint read the file's schema again each time.
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None
    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def counted(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn: sqlite3.Connection = connect(*args, **kwargs)  # type: ignore[call-overload]
        opened.append(conn)
        return conn

    monkeypatch.setattr(sqlite3, "connect", counted)
    monkeypatch.setattr(WalCheckpointer, "IDLE_S", 1.0)
    for times in (1, 2, 3):
        checkpointer.wake()
        _wait_until(check=lambda times=times: checkpointer.checkpoints == times)
    assert len(opened) == 1
    thread = checkpointer._thread
    assert thread is not None
    thread.join(timeout=WAIT_S)  # idle: it ends, and closes its connection
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0].execute("SELECT 1")


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own nice value is Linux's")
def test_the_checkpoint_runs_nicer_than_the_commands(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checkpoint takes milliseconds of CPU nobody waits for: at a lower priority than
    the process's other threads, a command waking beside it gets the core first."""
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None
    real = checkpointer.checkpoint
    seen: list[int] = []

    def checkpoint() -> None:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        real()

    monkeypatch.setattr(checkpointer, "checkpoint", checkpoint)
    process = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    if process >= 19:
        pytest.skip("the process runs at the lowest priority already")
    checkpointer.wake()
    _wait_until(check=lambda: checkpointer.checkpoints == 1)
    assert seen == [min(19, process + WalCheckpointer.NICER_BY)]
    # Only its own thread: the caller's priority is as it was.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == process
