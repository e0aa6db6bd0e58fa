"""The command routes' threads (shared/commandthreads.py): at most `workers` at once, a call's
result or exception handed back with the caller's context, idle threads ending."""

from __future__ import annotations

import ast
import asyncio
import contextvars
import sqlite3
import threading
from pathlib import Path

import pytest

import shared.db as db_module
from shared.commandthreads import CommandThreads, in_command_threads, writer_thread
from shared.db import create_db_engine, writers_waiting
from tests.integration.helpers import wait_until

who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")


def _command_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "command"}


def test_calls_run_in_at_most_workers_threads_with_the_callers_context() -> None:
    threads = CommandThreads(workers=3, idle_s=30)
    release = threading.Event()
    running: list[str] = []
    lock = threading.Lock()

    def call() -> tuple[int, str]:
        with lock:
            running.append(threading.current_thread().name)
        release.wait(10)
        return threading.get_ident(), who.get()

    async def one(n: int) -> tuple[int, str]:
        who.set(f"caller-{n}")
        return await threads.run(call)

    async def main() -> list[tuple[int, str]]:
        calls = [asyncio.ensure_future(one(n)) for n in range(8)]
        await asyncio.sleep(0)
        # Three run; the five others wait for one of the three threads.
        await asyncio.to_thread(wait_until, lambda: len(running) == 3, 5)
        assert len(running) == 3
        release.set()
        return await asyncio.gather(*calls)

    try:
        answers = asyncio.run(main())
    finally:
        threads.close()
    assert [context for _, context in answers] == [f"caller-{n}" for n in range(8)]
    assert len({ident for ident, _ in answers}) == 3  # the eight calls shared three threads
    assert set(running) == {"command"} and len(running) == 8


def test_an_exception_in_a_call_is_raised_to_its_caller() -> None:
    threads = CommandThreads(workers=2, idle_s=30)

    def failing() -> None:
        raise LookupError("nothing here")

    async def main() -> None:
        with pytest.raises(LookupError, match="nothing here"):
            await threads.run(failing)
        assert await threads.run(lambda: 41 + 1) == 42  # the thread goes on serving

    try:
        asyncio.run(main())
    finally:
        threads.close()


def test_idle_threads_end_and_new_ones_start_for_the_next_calls() -> None:
    before = _command_threads()  # another test's app may have some, ending on their own
    threads = CommandThreads(workers=4, idle_s=0.05)
    gate = threading.Barrier(4)

    def call() -> int:
        gate.wait(10)  # four at once: four threads
        return 1

    async def burst() -> list[int]:
        return await asyncio.gather(*(threads.run(call) for _ in range(4)))

    assert asyncio.run(burst()) == [1, 1, 1, 1]
    wait_until(lambda: not _command_threads() - before, 5)
    gate.reset()
    assert asyncio.run(burst()) == [1, 1, 1, 1]
    threads.close()
    wait_until(lambda: not _command_threads() - before, 5)


def test_a_route_function_keeps_its_signature_and_runs_in_the_threads() -> None:
    threads = CommandThreads(workers=1, idle_s=30)

    def route(code: str, count: int = 2) -> str:
        """The route's text."""
        return f"{code}*{count} in {threading.current_thread().name}"

    wrapped = in_command_threads(route, threads)
    assert wrapped.__name__ == "route" and wrapped.__doc__ == "The route's text."
    assert asyncio.iscoroutinefunction(wrapped)
    try:
        assert asyncio.run(wrapped(code="A", count=3)) == "A*3 in command"
    finally:
        threads.close()


def test_a_call_not_begun_within_its_wait_is_refused_without_running() -> None:
    """The writer thread of an SQLite database (shared.commandthreads.writer_thread): a command
    queued behind others longer than the busy timeout gets the refusal, as a writer waiting
    that long for its turn does, and is not run late."""
    now = [100.0]
    threads = CommandThreads(workers=1, idle_s=30, wait_s=5.0,
                             refusal=lambda: TimeoutError("waited too long"),
                             clock=lambda: now[0])
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def first() -> str:
        started.set()
        release.wait(30)
        ran.append("first")
        return "first"

    def later() -> str:
        ran.append("later")
        return "later"

    async def main() -> None:
        one = asyncio.ensure_future(threads.run(first))
        await asyncio.to_thread(started.wait, 30)
        two = asyncio.ensure_future(threads.run(later))
        await asyncio.to_thread(wait_until, lambda: threads.queued() == 1, 5)
        now[0] += 5.5  # the second call has waited past its 5 s
        release.set()
        assert await one == "first"
        with pytest.raises(TimeoutError, match="waited too long"):
            await two
        assert threads.queued() == 0
        # One sent now is within its wait: it runs.
        assert await threads.run(later) == "later"

    try:
        asyncio.run(main())
    finally:
        threads.close()
    assert ran == ["first", "later"]


def test_a_call_sent_after_close_while_every_thread_is_busy_still_runs() -> None:
    """An app's lifespan ends (`close`, perhaps twice: the database's one thread is closed by
    each app over it) while its one thread is busy, and the app, started again, sends a
    command: it is run by a thread started for it, not left queued behind the end."""
    before = _command_threads()
    threads = CommandThreads(workers=1, idle_s=30)
    started, release = threading.Event(), threading.Event()

    def busy() -> str:
        started.set()
        release.wait(30)
        return "busy"

    async def main() -> list[str]:
        one = asyncio.ensure_future(threads.run(busy))
        await asyncio.to_thread(started.wait, 30)
        threads.close()
        threads.close()
        two = asyncio.ensure_future(threads.run(lambda: "after"))
        await asyncio.sleep(0)
        release.set()
        return list(await asyncio.wait_for(asyncio.gather(one, two), 30))

    try:
        assert asyncio.run(main()) == ["busy", "after"]
    finally:
        threads.close()
    wait_until(lambda: not _command_threads() - before, 5)


def test_the_writer_thread_is_asked_of_the_engine(tmp_path: Path) -> None:
    """The app asks the engine (shared.db.writer_turns) whether its commands need one thread:
    an SQLite engine's writers take turns, so every app on it gets the same one-worker
    threads, refusing with the writers' own "database is locked" after the busy timeout, and
    a call queued there counts among the writers waiting; the storage layer knows nothing of
    these threads."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'w.db'}", busy_timeout_s=7.0)
    try:
        writer = writer_thread(engine)
        assert writer is not None and writer_thread(engine) is writer
        assert writer._workers == 1 and writer._wait_s == 7.0
        refusal = writer._refusal() if writer._refusal is not None else None
        assert isinstance(refusal, sqlite3.OperationalError)
        assert "database is locked" in str(refusal)
        started, release = threading.Event(), threading.Event()

        def hold() -> None:
            started.set()
            release.wait(30)

        async def main() -> None:
            one = asyncio.ensure_future(writer.run(hold))
            await asyncio.to_thread(started.wait, 30)
            two = asyncio.ensure_future(writer.run(lambda: None))
            await asyncio.to_thread(wait_until, lambda: writers_waiting(engine) == 1, 5)
            release.set()
            await one
            await two
            assert writers_waiting(engine) == 0

        asyncio.run(main())
        writer.close()
    finally:
        engine.dispose()
    assert "shared.commandthreads" not in ast_imports(Path(db_module.__file__ or ""))
    assert writer_thread(create_db_engine("postgresql://u@127.0.0.1:1/none")) is None


def ast_imports(path: Path) -> set[str]:
    """The modules a source file imports."""
    tree = ast.parse(path.read_text())
    names = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    return names | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
