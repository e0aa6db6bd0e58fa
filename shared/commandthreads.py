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

On SQLite a service's commands run in ONE thread of the database's own (`writer_thread`:
the engine says its writers take turns, shared.db.writer_turns): they write one at a time
anyway, and handing the writers' turn from one command's thread to the next cost each
hand-over the next thread's wake-up, which waits for the GIL while the event loop holds it
(up to the 5 ms switch interval): p99 at 16 clients was 2.8x the bare app's
(bench/http.py). The one thread goes from a command straight to the next queued, its turn
never changing hands. A call that waited for it longer than the database's busy timeout is
refused without running, with the error a writer gets after waiting that long for its turn
(503 DATABASE_UNAVAILABLE). A command that waits for something other than its database
(`waits_outside_database`) keeps to the many threads, so it holds up no other command
meanwhile; so does every command on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine

from shared.db import writer_turns, writers_locked

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: As many commands at once as AnyIO's default limiter let plain routes run.
WORKERS = 40
#: A thread left without a command this long ends, as AnyIO's idle workers do (10 s): a
#: burst's threads do not stay for good (tests/e2e/test_soak.py).
IDLE_S = 10.0

_Call = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", contextvars.Context,
              Callable[[], Any], float]

#: The attribute `waits_outside_database` sets on a route's function.
WAITS_OUTSIDE_DATABASE = "_danvan_waits_outside_database"


def waits_outside_database(endpoint: F) -> F:
    """Mark a command route's function that may wait, outside its transaction, for something
    other than its database (reporting's finalisation waits up to FINALISE_CATCH_UP_S for
    its sources): on SQLite it runs in the many threads, not the database's one, which
    would serve no other command meanwhile (shared/web.py)."""
    setattr(endpoint, WAITS_OUTSIDE_DATABASE, True)
    return endpoint


class CommandThreads:
    """One app's threads for its command routes: started as commands need them (at most
    `workers`, an app never sent a command starts none), each ending after `idle_s` without
    one; `close` lets them all end.

    `wait_s`: a call not begun this long after it was sent is answered `refusal()` instead
    of run (the writer thread of an SQLite database, `writer_thread`; `clock` tells the
    time)."""

    def __init__(
        self,
        workers: int = WORKERS,
        idle_s: float = IDLE_S,
        *,
        name: str = "command",
        wait_s: float | None = None,
        refusal: Callable[[], BaseException] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (wait_s is None) != (refusal is None):
            raise ValueError("wait_s and refusal go together")
        self._workers = workers
        self._idle_s = idle_s
        self._name = name
        self._wait_s = wait_s
        self._refusal = refusal
        self._clock = clock
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._live = 0  # threads started and not ended
        self._waiting = 0  # of those, waiting for a call
        self._queued = 0  # calls put and not yet taken
        self._stopping = 0  # ends (`close`) put and not yet taken

    def queued(self) -> int:
        """Calls sent and not yet begun (for tests and diagnostics)."""
        with self._lock:
            return self._queued

    async def run(self, call: Callable[[], T]) -> T:
        """`call()` in one of the threads, with the caller's context variables; its result,
        or its exception raised here."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        sent = self._clock() if self._wait_s is not None else 0.0
        with self._lock:
            self._calls.put((loop, future, contextvars.copy_context(), call, sent))
            self._queued += 1
            start = self._short()
        if start:
            self._start()
        return await future

    def close(self) -> None:
        """Let every thread end once it has finished its call (a command sent after, to an
        app started again, starts new ones). Closing again before they end changes nothing."""
        with self._lock:
            for _ in range(self._live - self._stopping):
                self._calls.put(None)
                self._stopping += 1

    def _short(self) -> bool:
        """Under the lock: whether a thread must be started so that every call put and not
        taken has one waiting for it. The ends put by `close` are taken first (the queue is
        first in, first out), each by a waiting thread or the next free one, which then
        ends."""
        if (self._queued > self._waiting - self._stopping
                and self._live - self._stopping < self._workers):
            self._live += 1
            return True
        return False

    def _start(self) -> None:
        threading.Thread(target=self._work, name=self._name, daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._lock:
                self._waiting += 1
            try:
                item = self._calls.get(timeout=self._idle_s)
            except queue.Empty:
                with self._lock:
                    self._waiting -= 1
                    # A call (or an end) put meanwhile counted on this thread: it stays.
                    if self._queued == 0 and self._stopping == 0:
                        self._live -= 1
                        return
                continue
            with self._lock:
                self._waiting -= 1
                if item is None:
                    self._stopping -= 1
                    self._live -= 1
                    return
                self._queued -= 1
            loop, future, context, call, sent = item
            if self._wait_s is not None and self._clock() - sent > self._wait_s:
                assert self._refusal is not None
                _answer(loop, future, None, self._refusal())
                continue
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


_WRITERS: weakref.WeakKeyDictionary[Engine, CommandThreads] = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


def writer_thread(engine: Engine) -> CommandThreads | None:
    """The one thread the command routes of `engine` run in when its writers take turns in
    this process (SQLite, shared.db.writer_turns), made at the first ask and the same for
    every app on the engine; None on a server database, whose commands run in the many.
    The writers' turn goes from one command to the next without changing threads. A command
    it has not begun after the busy timeout is refused as a writer waiting that long for its
    turn is, and the commands queued for it count among the writers waiting."""
    turns = writer_turns(engine)
    if turns is None:
        return None
    with _WRITERS_LOCK:
        threads = _WRITERS.get(engine)
        if threads is None:
            threads = CommandThreads(workers=1, name="command-writer", wait_s=turns.timeout_s,
                                     refusal=writers_locked)
            turns.also_waiting(threads.queued)
            _WRITERS[engine] = threads
    return threads
