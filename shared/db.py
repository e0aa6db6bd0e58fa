"""Engines for SQLite (embedded default) and PostgreSQL (when configured)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sqlite3
import sys
import threading
import weakref
import zlib
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Row,
    Select,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Dialect, RootTransaction, make_url
from sqlalchemy.engine.base import OptionEngine
from sqlalchemy.types import TypeDecorator

from shared.clock import in_utc
from shared.driversql import driver_of
from shared.errors import NotFound

if TYPE_CHECKING:
    from shared.settings import Settings


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and read back aware, on every database. SQLite keeps a
    datetime's wall-clock text and drops its zone, so an instant in Vietnam time (an API key's
    expiry at midnight there) was stored 7 hours late and read back as UTC; and it answers
    naive datetimes, which the API then printed without an offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value  # naive means UTC here, as everything stored is
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return in_utc(value)


def normalise_url(url: str) -> str:
    """Accept the plain `postgresql://` most operators write and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock key of a name: every replica derives the same one."""
    return zlib.crc32(name.encode())


def one_at_a_time(conn: Connection, name: str) -> None:
    """Until this transaction ends, no other transaction of any replica holds `name`
    (PostgreSQL: a transaction advisory lock; SQLite's writers queue at BEGIN already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(name)})


def aggregate_lock_key(aggregate_type: str, aggregate_id: str) -> int:
    """The PostgreSQL advisory lock key of an aggregate (shared.aggregate.UnitOfWork.load):
    64 bits of a stable hash of (type, id), the same in every replica and every release.
    Always negative, so never one of `advisory_key`'s (0 to 2**32, the relay's session lock
    among them: an aggregate sharing the relay's key would wait for the relay's whole life).
    Two aggregates sharing a key (about 1 in 2**63 a pair) only make each other wait."""
    digest = hashlib.blake2b(f"{aggregate_type}\0{aggregate_id}".encode(), digest_size=8)
    return -1 - (int.from_bytes(digest.digest(), "big") >> 1)


def engine_for(settings: Settings) -> Engine:
    """The engine of a service's database as its settings configure it."""
    return create_db_engine(settings.database_url, settings.database_busy_timeout_s,
                            settings.sqlite_synchronous_mode)


def create_db_engine(
    url: str, busy_timeout_s: float = 30.0, synchronous: Literal["FULL", "NORMAL"] = "NORMAL",
) -> Engine:
    """`busy_timeout_s` (SQLite): how long a writer waits for its turn before the request is
    refused as "database unavailable" (503); another process holding the file, for one.
    `synchronous` (SQLite): when the WAL is fsynced, at every commit (FULL) or at checkpoints
    (NORMAL); see Settings.sqlite_synchronous."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_s},
            # Let SQLAlchemy own BEGIN (see _begin_immediate): pysqlite's own handling
            # defers the write lock and turns concurrent writers into "database is locked".
            isolation_level=None,
            pool_size=8,
        )
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, synchronous))
        checkpointer = None
        if parsed.database and parsed.database != ":memory:" and not parsed.query:
            checkpointer = WalCheckpointer(parsed.database, synchronous)
        WriterTurns(engine, timeout_s=busy_timeout_s, checkpointer=checkpointer)
        return engine
    engine = create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10,
        connect_args=postgres_connect_args(parsed.query),
    )
    # A request's calls wait for the server no longer than DATABASE_REQUEST_WAIT_S.
    from shared.requestbound import bound_requests

    bound_requests(engine)
    return engine


# libpq's own defaults wait without limit on a server that stops answering: a connection
# attempt to a hung server or one whose replies are lost (no connect_timeout; examiner's outage
# round: with the PostgreSQL frozen, every request that needed a new connection, /readyz among
# them, hung for the whole outage holding a worker thread, and none got its 503), and a query
# or the pool's pre-ping over a connection the network dropped silently (TCP retransmits for
# ~15 minutes). With these such a server or path shows within ~30 s as an OperationalError,
# which the service answers 503 DATABASE_UNAVAILABLE and the consumers pause for. A live
# server's kernel acknowledges data and keepalives however long a query runs, so no long
# query is cut (nor, for the same reason, is a query to a backend that hangs while its host
# answers: shared/requestbound.py bounds a request's calls to such a backend). A parameter
# given in DATABASE_URL's query wins.
POSTGRES_CONNECT_ARGS: dict[str, int] = {
    "connect_timeout": 5,  # seconds, per host address tried
    "keepalives": 1,
    "keepalives_idle": 10,  # seconds of silence on an idle connection before probing
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 20_000,  # ms a sent byte (a query, a probe) may wait for its ack
}


def postgres_connect_args(given: Mapping[str, Any]) -> dict[str, int]:
    """POSTGRES_CONNECT_ARGS but those the URL's query sets itself."""
    return {k: v for k, v in POSTGRES_CONNECT_ARGS.items() if k not in given}


def _sqlite_pragmas(
    synchronous: Literal["FULL", "NORMAL"], dbapi_connection: Any, _: Any
) -> None:
    if synchronous not in ("FULL", "NORMAL"):  # written into SQL below
        raise ValueError(f"synchronous={synchronous!r}")
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Checkpoints are WalCheckpointer's, in a thread of their own; a commit checkpoints only
    # if that thread falls this far behind.
    cursor.execute(f"PRAGMA wal_autocheckpoint={WalCheckpointer.BACKSTOP_PAGES}")
    # A bigger page cache keeps the indexes of the events table in memory between commits.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


# An execution option for a connection that only reads: on SQLite its transaction begins
# deferred (a WAL snapshot that neither waits for nor holds up writers). A write in such a
# transaction may fail with "database is locked"; PostgreSQL ignores the option.
READ_ONLY = "danvan_read_only"


def read_connection(engine: Engine) -> Connection:
    """A connection for reads only (see READ_ONLY)."""
    return engine.connect().execution_options(**{READ_ONLY: True})


def writer_turns(engine: Engine) -> WriterTurns | None:
    """The writers' turns of an SQLite engine (None: a server database)."""
    return _TURNS.get(engine)


def writers_waiting(engine: Engine) -> int:
    """How many units of work of this process wait for their turn to write (SQLite; 0 on a
    server database): for tests and diagnostics."""
    turns = _TURNS.get(engine)
    return 0 if turns is None else turns.waiting()


class FairTurn:
    """A lock handed over in arrival order: the first thread to have waited gets it next.

    threading.Lock is not fair: a thread that releases it and asks again at once, or one that
    just arrived, usually takes it before a sleeper woken by the release gets to run, so some
    waiters are passed over again and again (the long tail of concurrent commands). Here a
    release hands the turn straight to the oldest waiter (nobody can take it in between),
    and a waiter that gives up leaves the queue, so no one is skipped or left holding it.
    It may be released by a thread other than the one that acquired it, as a Lock may."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        # Each waiter blocks on a lock of its own, taken before it queues and released by
        # the hand-over (a plain lock: an Event costs a Condition and more per wait).
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            mine = threading.Lock()
            mine.acquire()
            self._waiting.append(mine)
        if mine.acquire(timeout=timeout):
            return True
        with self._mutex:
            # Handed over between the wait's end and here: the turn is ours, keep it.
            if not mine.locked():
                return True
            self._waiting.remove(mine)
            return False

    def release(self) -> None:
        with self._mutex:
            if not self._held:
                raise RuntimeError("release of a turn nobody holds")
            if self._waiting:
                self._waiting.popleft().release()  # still held: now by the oldest waiter
            else:
                self._held = False

    def waiting(self) -> int:
        """How many threads wait for the turn (for tests and diagnostics)."""
        with self._mutex:
            return len(self._waiting)


class WriterTurns:
    """The writers of one SQLite database in this process, one at a time.

    Every other transaction begins IMMEDIATE: it takes the database's write lock at BEGIN,
    so two writers queue instead of failing on the read-to-write upgrade. Queued on
    SQLite's own busy handler, a waiting writer sleeps 1, 2, 5, 10... ms between polls and
    the lock sits free meanwhile (a fifth of a rebuild's time, three projections taking
    turns). Here writers wait on a lock of this process, handed over the moment the holder
    commits or rolls back, to the writer that has waited longest (FairTurn); the busy handler
    still covers other processes.
    """

    def __init__(
        self, engine: Engine, timeout_s: float, checkpointer: WalCheckpointer | None = None
    ) -> None:
        self._lock = FairTurn()
        self._holder: Any = None
        self._holder_thread: int | None = None
        self._nested: set[int] = set()
        #: How long a writer waits for its turn before it is refused (`writers_locked`).
        self.timeout_s = timeout_s
        self._queue = FairTurn()
        self._queue_thread: int | None = None
        # Writers waiting before they reach this class, counted by whoever queues them (the
        # commands queued for the database's one thread, shared/commandthreads.py).
        self._waiting_elsewhere: list[Callable[[], int]] = []
        _TURNS[engine] = self
        dialect = engine.dialect
        # The pool resets and closes connections through the same dialect methods.
        self.checkpointer = checkpointer
        dialect.do_commit = self._after(dialect.do_commit)  # type: ignore[method-assign,assignment]
        if checkpointer is not None:
            dialect.do_commit = _counted(dialect.do_commit, checkpointer.committed)  # type: ignore[method-assign,assignment]
        dialect.do_rollback = self._after(dialect.do_rollback)  # type: ignore[method-assign,assignment]
        dialect.do_close = self._after(dialect.do_close)  # type: ignore[method-assign,assignment]
        # Every transaction of the engine begins through `_begin`. Not as a "begin" event
        # listener: one connection event listener makes SQLAlchemy dispatch every connection
        # event (begin, commit, before and after each statement) to its empty lists too,
        # about 2 µs per transaction and 6 µs per Core statement. The engine's connections
        # (and those of its `execution_options` copies) are of a class that calls `_begin`
        # where SQLAlchemy dispatches "begin": first thing in `Connection._begin_impl`.
        turns = self

        class WriterTurnConnection(Connection):
            def _begin_impl(self, transaction: RootTransaction) -> None:
                turns._begin(self)
                super()._begin_impl(transaction)

        class WriterTurnOptionEngine(OptionEngine):
            _connection_cls = WriterTurnConnection

        WriterTurnOptionEngine._option_cls = WriterTurnOptionEngine  # a copy's copies too
        engine._connection_cls = WriterTurnConnection
        engine._option_cls = WriterTurnOptionEngine

    def enter_queue(self) -> bool:
        """Units of work wait here, one at a time, BEFORE they take a connection, rather than
        at BEGIN with a connection each: they would write one at a time anyway, and so they
        all write through the same kept connection (shared.aggregate.ConnectionSource), whose
        page cache the last commit left valid. Sixteen concurrent commands holding sixteen
        connections each found their cache dropped by the others' commits and read the
        tables' pages again, and most went through the pool's checkout and reset: a third
        more CPU in the writers' threads (bench/http.py). They are served in arrival order
        (FairTurn). A thread already writing (or queued) passes: waiting would wait for
        itself (see _begin). Two calls rather than a context manager, for the unit of work
        (a generator's context manager costs more than the rest of the wait): True when this
        thread took the queue's turn, to be given back by `leave_queue`; False when it passed.
        """
        me = threading.get_ident()
        if me == self._queue_thread or me == self._holder_thread:
            return False
        if not self._queue.acquire(timeout=self.timeout_s):
            raise writers_locked()
        self._queue_thread = me
        return True

    def leave_queue(self) -> None:
        self._queue_thread = None
        self._queue.release()

    def begin_on_driver(self, conn: Connection, cursor: Any) -> None:
        """Begin `conn`'s transaction as SQLAlchemy's begin would (the writers' turn, then
        BEGIN IMMEDIATE; a nested or read-only one as `_begin` says), but straight on the
        driver, on `cursor` (one of `conn`'s driver connection), without SQLAlchemy's
        transaction objects: a unit of work's begin and commit through them cost more than
        its event's insert (UnitOfWork on SQLite). A statement the unit then runs through
        SQLAlchemy makes it begin the transaction it thinks it has not: `_begin` sees the
        driver's open transaction and joins it. End it with `end_on_driver`."""
        self._begin(conn, cursor)

    def end_on_driver(self, conn: Connection, commit: bool, cursor: Any) -> None:
        """Commit or roll back a transaction `begin_on_driver` began, with a driver's error
        raised as SQLAlchemy raises it. When SQLAlchemy joined it (`_begin`), SQLAlchemy
        ends it.

        A rollback goes through the dialect's own do_rollback, as the pool's would; a commit
        is the COMMIT statement on `cursor`, then what the dialect's do_commit is wrapped in
        (`__init__`): the writers' turn handed on, the commit counted by the checkpointer.
        The driver's commit() prepared its COMMIT afresh each time, and the cursor keeps it
        prepared (~4,000 instructions a command, callgrind, bench peer); like commit(), it
        commits only a transaction the driver has open."""
        if conn.in_transaction():
            if commit:
                conn.commit()
            else:
                conn.rollback()
            return
        driver = cursor.connection
        try:
            if not commit:
                conn.dialect.do_rollback(driver)
                return
            try:
                if driver.in_transaction:
                    cursor.execute("COMMIT")
            finally:
                self._release(driver)
        except BaseException as exc:
            conn._handle_dbapi_exception(exc, None, None, None, None)
        if self.checkpointer is not None:
            self.checkpointer.committed(driver)

    def also_waiting(self, count: Callable[[], int]) -> None:
        """Count among the writers waiting (`waiting`) those `count()` says wait elsewhere:
        the commands queued for the database's one thread (shared/commandthreads.py)."""
        self._waiting_elsewhere.append(count)

    def waiting(self) -> int:
        """Writers waiting: commands for the command thread (`also_waiting`), units of work
        before a connection (`enter_queue`) or at BEGIN."""
        elsewhere = sum(count() for count in self._waiting_elsewhere)
        return elsewhere + self._queue.waiting() + self._lock.waiting()

    def _begin(self, conn: Connection, cursor: Any = None) -> None:
        """Begin `conn`'s transaction, on `cursor` if given (`begin_on_driver`)."""
        driver = driver_of(conn) if cursor is None else cursor.connection
        assert driver is not None
        if driver.in_transaction:
            # Begun on the driver by `begin_on_driver`: SQLAlchemy, about to run a statement
            # of that unit of work, joins the transaction (its turn is already held).
            return
        execute = driver.execute if cursor is None else cursor.execute
        if conn.get_execution_options().get(READ_ONLY):
            execute("BEGIN")
            return
        if self._holder_thread == threading.get_ident():
            # This thread holds the turn on another connection (a unit of work opened inside
            # another, a read through a fresh connection in the middle of a command): waiting
            # would wait for itself, and SQLite would refuse a second writer anyway. Such a
            # transaction reads a snapshot; a write in it fails at once as read-only.
            execute("PRAGMA query_only=ON")
            self._nested.add(id(driver))
            execute("BEGIN")
            return
        if not self._lock.acquire(timeout=self.timeout_s):
            raise writers_locked()
        self._holder = driver
        self._holder_thread = threading.get_ident()
        try:
            # Straight to the driver: this runs for every transaction.
            execute("BEGIN IMMEDIATE")
        except BaseException:
            self._release(driver)
            raise

    def _release(self, driver: Any) -> None:
        if self._nested and id(driver) in self._nested:
            self._nested.discard(id(driver))
            with contextlib.suppress(sqlite3.Error):
                driver.execute("PRAGMA query_only=OFF")
            return
        if self._holder is not None and self._holder is driver:
            self._holder = None
            self._holder_thread = None
            self._lock.release()

    def _after(self, method: Callable[[Any], None]) -> Callable[[Any], None]:
        def ended(connection: Any) -> None:
            try:
                method(connection)
            finally:
                self._release(getattr(connection, "dbapi_connection", connection))

        return ended


def writers_locked() -> sqlite3.OperationalError:
    """A writer of this process waited the busy timeout in vain: "database is locked", read
    as the database being unavailable (shared.outage, 503 DATABASE_UNAVAILABLE)."""
    return sqlite3.OperationalError("database is locked (writers of this process)")


def _counted(
    commit: Callable[[Any], None], committed: Callable[[Any], None]
) -> Callable[[Any], None]:
    def commit_and_count(connection: Any) -> None:
        commit(connection)
        committed(getattr(connection, "dbapi_connection", connection))

    return commit_and_count


_TURNS: weakref.WeakKeyDictionary[Engine, WriterTurns] = weakref.WeakKeyDictionary()


def checkpointer_of(engine: Engine) -> WalCheckpointer | None:
    """The WAL checkpointer of an SQLite file's engine (None: another database, or memory)."""
    turns = _TURNS.get(engine)
    return turns.checkpointer if turns is not None else None


class WalCheckpointer:
    """Checkpoints an SQLite file's WAL from a thread of its own, off the commit path.

    SQLite checkpoints by itself in the commit that takes the WAL past 1,000 pages (about a
    hundred commands): that commit copies the pages into the database file and fsyncs both
    files (even at synchronous=NORMAL), milliseconds on a busy disk, while it still holds the
    writers' turn and every queued command waits behind it. Here every `EVERY_COMMITS`-th
    commit only wakes a thread that runs the same checkpoint (PASSIVE: it never waits for
    a reader or a writer, and writers go on appending meanwhile), on a connection of its own,
    kept while the thread lives. The writers' connections keep SQLite's own checkpoint as a
    backstop at `BACKSTOP_PAGES`, should this thread fall behind. What a commit survives is as
    before: the WAL is fsynced at each checkpoint, at about the same cadence
    (docs/reliability.md).

    The thread ends after `IDLE_S` without work (closing its connection) and starts again at
    the next wake-up, so an engine nobody disposes of explicitly leaves no thread behind for
    long.
    """

    EVERY_COMMITS = 100
    # Or sooner, once the commits since the last wake-up changed this many rows: a consumer's
    # catch-up batch or an import writes thousands in one commit (a batch of 2,048 religion
    # events about 3,000 pages of WAL), and counted as one commit each, they reached the
    # backstop below first: every other batch copied the WAL and fsynced both files in its
    # own commit (a fifth of the batch's time), while the thread slept.
    EVERY_ROWS = 1000
    BACKSTOP_PAGES = 4000
    IDLE_S = 2.0
    # The thread runs this many steps of niceness below its process (Linux, where the nice
    # value is a thread's own): a checkpoint is milliseconds of CPU (2.6 ms at the median for a
    # hundred commands' pages, bench/http.py) that nothing waits for, and at the process's
    # own priority it took a core from the commands it ran beside: on two cores, the requests
    # it overlapped were a third of a desk's slowest 1.5 % (10 times their share). Lower, the
    # scheduler hands the core back to a command the moment one wakes, and the checkpoint
    # goes on in the gaps; under a load that leaves no gap it still has a share (a tenth of
    # a busy thread's at 10 steps), and should it fall behind, the backstop above holds.
    NICER_BY = 10

    def __init__(self, path: str, synchronous: str = "NORMAL") -> None:
        if synchronous not in ("FULL", "NORMAL"):  # written into SQL below
            raise ValueError(f"synchronous={synchronous!r}")
        # mode=rw: a file deleted meanwhile (a test's directory) is not created again.
        self._uri = f"{Path(path).resolve().as_uri()}?mode=rw"
        self._synchronous = synchronous
        self._commits = 0
        self._rows = 0
        # Each writer connection's sqlite3 total_changes at its last commit, by id(): the rows
        # a commit changed are the difference (a connection's count starts at 0 when opened).
        self._changes: dict[int, int] = {}
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        #: Checkpoints run so far (for tests and diagnostics).
        self.checkpoints = 0
        # The checkpoint thread's own connection (`_run`).
        self._local = threading.local()

    def committed(self, driver: Any = None) -> None:
        """Called after each commit of the engine's writers, with the driver's connection (in
        their turn: no lock needed for the counts, approximate ones would do anyway)."""
        self._commits += 1
        total = getattr(driver, "total_changes", None)
        if isinstance(total, int):
            key = id(driver)
            previous = self._changes.get(key, 0)
            # Lower: another connection at the address of a closed one, counting from 0.
            self._rows += total - previous if total >= previous else total
            self._changes[key] = total
        if self._commits >= self.EVERY_COMMITS or self._rows >= self.EVERY_ROWS:
            self._commits = 0
            self._rows = 0
            self.wake()

    def wake(self) -> None:
        self._wake.set()
        with self._lock:
            # Not alive though set: a thread of the parent of this (forked) process.
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-wal-checkpoint", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        # The thread keeps its connection from one checkpoint to the next (`checkpoint`):
        # opening one per checkpoint read the schema again each time, a fifth of the WAL's
        # upkeep per command (callgrind, bench peer). Thread-local: it is closed when the
        # thread ends, and a process forked meanwhile never sees it.
        self._local.keep = True
        _lower_own_priority(self.NICER_BY)
        try:
            while True:
                if not self._wake.wait(self.IDLE_S):
                    with self._lock:
                        if not self._wake.is_set():
                            self._thread = None
                            return
                    continue
                self._wake.clear()
                self.checkpoint()
        finally:
            kept, self._local.conn = getattr(self._local, "conn", None), None
            if kept is not None:
                kept.close()

    def checkpoint(self) -> None:
        """One PASSIVE checkpoint now; a file gone or unreadable is left alone (the writers'
        own commits report such a failure)."""
        conn = getattr(self._local, "conn", None)
        try:
            if conn is None:
                conn = sqlite3.connect(self._uri, uri=True,
                                       isolation_level=None, check_same_thread=False)
                conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
        except sqlite3.Error:
            if conn is not None:
                conn.close()
            conn = None
        if getattr(self._local, "keep", False):
            self._local.conn = conn
        elif conn is not None:
            conn.close()


def _lower_own_priority(steps: int) -> None:
    """The calling thread `steps` nicer than it is (at most 19), on Linux only: elsewhere the
    nice value is the whole process's. Raising one's own niceness needs no privilege; a
    refusal leaves the thread as it was."""
    if sys.platform != "linux" or steps <= 0:
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, thread,
                       min(19, os.getpriority(os.PRIO_PROCESS, thread) + steps))


def truncate_wal(engine: Engine, timeout_s: float = 5.0) -> bool:
    """Write every page of an SQLite file's WAL back into the file and cut the WAL to nothing:
    after a commit that erased personal data. `secure_delete` overwrites the row in the page
    the deletion writes, but the images of that page written before it stay frames of the WAL
    file until the WAL restarts from its beginning, which a busy file may not do for long
    (finding J19: an erased phone number still in `dialogue.db-wal` after 60 commands).
    A TRUNCATE checkpoint waits (up to `timeout_s`) for readers of an older snapshot. True when
    the WAL is empty (and on a server database, which has no such file); False when a reader
    outlasted the wait, for the caller to report."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return True
    uri = f"{Path(engine.url.database).resolve().as_uri()}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=timeout_s,
                               check_same_thread=False)
    except sqlite3.Error:
        return False
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return bool(busy == 0)
    except sqlite3.Error:
        return False
    finally:
        conn.close()


#: The type of a table's own numbering (an event's position, a row id): 64-bit on PostgreSQL,
#: and INTEGER on SQLite, where only an INTEGER PRIMARY KEY is the rowid that numbers itself.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


def create_schema(engine: Engine, *metadatas: MetaData) -> None:
    for metadata in metadatas:
        metadata.create_all(engine)


def checked_out(engine: Engine) -> int:
    """Connections taken from the engine's pool and not yet returned (0 for a pool that
    does not count, such as SQLite in memory)."""
    count = getattr(engine.pool, "checkedout", None)
    return int(count()) if callable(count) else 0


def ping(engine: Engine) -> None:
    # A read: /readyz answers beside a running command, not after its writers' turn.
    with read_connection(engine) as conn:
        conn.execute(text("SELECT 1"))


def row_or_not_found(conn: Connection, query: Select[Any], code: str, message: str) -> Row[Any]:
    """The row a read by key asks for, or the 404 (`code`, `message`) naming what was asked."""
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(code, message)
    return row
