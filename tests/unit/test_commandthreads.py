"""The command routes' threads (shared/commandthreads.py): at most `workers` at once, a call's
result or exception handed back with the caller's context, idle threads ending."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from shared.commandthreads import CommandThreads, in_command_threads
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
