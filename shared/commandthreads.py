"""The threads a command route's blocking work runs in, reached without AnyIO's round trip.

FastAPI runs a plain `def` route through Starlette's `run_in_threadpool`, i.e. AnyIO's
`to_thread.run_sync`: per call it looks up the async library (sniffio), the default limiter
(a RunVar), takes a limiter token on behalf of the current task, opens a shielded cancel
scope, queues the call to an AnyIO worker through a `queue.Queue` (a Condition) and checks
the clock. At 16 clients that was about a tenth of the event loop's samples on POST /sites
(py-spy --gil, bench/http.py); a round trip cost 49 µs of CPU against 7 µs here (16 callers
of a function doing nothing, on the development machine). A command route's function is
instead wrapped once, when the app makes it its own route (shared/web.py), into an
`async def` that hands it, with the request's context variables (the correlation id bound to
the log lines), to threads of the app's own: a `SimpleQueue` to them, one
`call_soon_threadsafe` back.

What stays the same: every command still runs in a worker thread, never on the loop, with at
most `WORKERS` at once (AnyIO's default limiter allowed 40 for all sync work), and an idle
thread ends after `IDLE_S`, as AnyIO's do; its exception reaches FastAPI's handlers as
before; a request cancelled while its command runs does not stop the command (a thread
cannot be stopped), which commits or rolls back as it would have.
Code run by a command that needs the event loop reaches it through the runtime's loop
(`ServiceRuntime.loop`), not AnyIO's worker-thread token: these are not AnyIO's workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: As many commands at once as AnyIO's default limiter let plain routes run.
WORKERS = 40
#: A thread left without a command this long ends, as AnyIO's idle workers do (10 s): a
#: burst's threads do not stay for good (tests/e2e/test_soak.py).
IDLE_S = 10.0

_Call = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", contextvars.Context,
              Callable[[], Any]]


class CommandThreads:
    """One app's threads for its command routes: started as commands need them (at most
    `workers`, an app never sent a command starts none), each ending after `idle_s` without
    one; `close` lets them all end."""

    def __init__(self, workers: int = WORKERS, idle_s: float = IDLE_S) -> None:
        self._workers = workers
        self._idle_s = idle_s
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._live = 0  # threads started and not ended
        self._waiting = 0  # of those, waiting for a call
        self._queued = 0  # calls put and not yet taken

    async def run(self, call: Callable[[], T]) -> T:
        """`call()` in one of the threads, with the caller's context variables; its result,
        or its exception raised here."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            self._calls.put((loop, future, contextvars.copy_context(), call))
            self._queued += 1
            # Every call put and not taken has a thread waiting for it, else one is started.
            start = self._queued > self._waiting and self._live < self._workers
            if start:
                self._live += 1
        if start:
            threading.Thread(target=self._work, name="command", daemon=True).start()
        return await future

    def close(self) -> None:
        """Let every thread end once it has finished its call (a command sent after, to an
        app started again, starts new ones)."""
        with self._lock:
            for _ in range(self._live):
                self._calls.put(None)
                self._queued += 1

    def _work(self) -> None:
        while True:
            with self._lock:
                self._waiting += 1
            try:
                item = self._calls.get(timeout=self._idle_s)
            except queue.Empty:
                with self._lock:
                    self._waiting -= 1
                    # A call put meanwhile counted on this thread: it stays to take it.
                    if self._queued == 0:
                        self._live -= 1
                        return
                continue
            with self._lock:
                self._waiting -= 1
                self._queued -= 1
                if item is None:
                    self._live -= 1
                    return
            loop, future, context, call = item
            try:
                result = context.run(call)
            except BaseException as exc:
                _answer(loop, future, None, exc)
            else:
                _answer(loop, future, result, None)


def _answer(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], result: Any,
    error: BaseException | None,
) -> None:
    def settle() -> None:
        if future.cancelled():  # the request was cancelled: the command ran all the same
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    # A loop closed meanwhile (RuntimeError) has nobody waiting for the answer.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(settle)


def in_command_threads(endpoint: Callable[..., Any], threads: CommandThreads) -> Callable[..., Any]:
    """`endpoint` (a plain `def` route function) as an `async def` running it in `threads`.
    `functools.wraps` keeps what FastAPI reads off it (its signature and the module whose
    names its annotations use, through `__wrapped__`; its name and docstring)."""

    @functools.wraps(endpoint)
    async def route(**arguments: Any) -> Any:
        return await threads.run(functools.partial(endpoint, **arguments))

    return route
