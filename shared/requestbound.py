"""How long a database call made for an HTTP request may wait for PostgreSQL's answer.

A PostgreSQL backend that stops (SIGSTOP of the backend or of the whole server, a process
swapped out or stuck in the kernel) while its host still acknowledges TCP leaves a call on an
open connection waiting for ever: the kernel acknowledges the query and the keepalives, so
neither tcp_user_timeout nor the keepalives of shared.db.POSTGRES_CONNECT_ARGS end it,
statement_timeout is the stopped backend's own to enforce, and a cancel request is served by
the server's processes (a stopped postmaster never reads it; a stopped backend only on
resuming). psycopg offers no bound of its own on a synchronous call, nor SQLAlchemy on a
statement (its pool_timeout bounds a checkout, pool_pre_ping is a statement like any other).

So a call made for a request is bounded on the client: every blocking step of a psycopg
connection (a statement, a fetch, a commit, a rollback, the pool's pre-ping) goes through
`Connection.wait`, which the engine's connections (`BoundedConnection`) give psycopg's own
deadline when a request's bound is in force. Past it the connection is closed: the call
raises OperationalError, SQLAlchemy sees the connection closed and drops it from the pool
(invalidated), and the request is answered 503 DATABASE_UNAVAILABLE (shared/web.py). Its
transaction was never committed: the server, once it goes on, finds the connection gone and
rolls back. The one exception is a COMMIT already sent when the wait ran out, whose fate the
client cannot know, as with any connection lost at that moment: a command sent again with
its Idempotency-Key, or refused 409, says which.

The bound is per call, not per request: a request that runs long by doing many short calls
(an import, a finalisation waiting for NATS) is not cut. `outside_requests` keeps the tasks a
request starts out of its bound.

The relay, the consumers (the live ones and a rebuild's) and the background jobs (dialogue's
scheduler, indicators' sweeper, reporting's warm-up) are bounded the same way by their own
wait, DATABASE_WORK_WAIT_S (`service_work`, set around the creation of their tasks, which
copy it): a stopped backend held them for ever as it held requests, publishing, applying and
scanning nothing for as long as it stayed stopped, /readyz none the wiser (examiner-outage).
Past it their call raises the same OperationalError, an outage for all: the relay retries
after its backoff, a consumer pauses holding its batch, a scan is retried, each on a new
connection. The migrations and a rebuild's own steps (its index builds, the switch) are
never bounded: one long statement of theirs is not a stopped server.
Settings: DATABASE_REQUEST_WAIT_S, DATABASE_WORK_WAIT_S (docs/reliability.md).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from sqlalchemy import Engine, event


class RequestBound:
    """A bound on each database call: a request's, in force while the request runs (`open`),
    or the service work's (`service_work`), always open."""

    __slots__ = ("open", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.open = True


_BOUND: ContextVar[RequestBound | None] = ContextVar("danvan_request_bound", default=None)


def begin_request(seconds: float) -> tuple[RequestBound, Token[RequestBound | None]]:
    """The bound of the request about to run in this context (shared.web.RequestMiddleware);
    `end_request` with what it returns. The threads its routes and commands run in copy the
    context and so see it."""
    bound = RequestBound(seconds)
    return bound, _BOUND.set(bound)


def end_request(bound: RequestBound, token: Token[RequestBound | None]) -> None:
    # A task the request started copied the context: closed, the bound no longer applies
    # to the calls it makes from now on.
    bound.open = False
    _BOUND.reset(token)


@contextmanager
def outside_requests() -> Iterator[None]:
    """Tasks created inside (consumers a rebuild starts from its request) copy a context
    without the request's bound: their work is the service's, not the request's."""
    token = _BOUND.set(None)
    try:
        yield
    finally:
        _BOUND.reset(token)


@contextmanager
def service_work(seconds: float) -> Iterator[None]:
    """Tasks created inside (the relay, the consumers) copy a context whose database calls
    wait at most `seconds` for PostgreSQL (0: without bound); a request's bound is not theirs
    either."""
    token = _BOUND.set(RequestBound(seconds) if seconds > 0 else None)
    try:
        yield
    finally:
        _BOUND.reset(token)


def current_bound_s() -> float | None:
    """The bound of the request or service work this code runs for, in seconds (None:
    unbounded)."""
    bound = _BOUND.get()
    return bound.seconds if bound is not None and bound.open else None


@functools.cache
def bounded_connection_class() -> type[Any]:
    """psycopg's Connection whose waits for the server honour the call's bound (built on
    first use: the embedded default needs no PostgreSQL driver)."""
    import psycopg
    from psycopg import errors

    class BoundedConnection(psycopg.Connection[Any]):
        def wait(self, gen: Any, interval: float | None = None,
                 timeout: float | None = None) -> Any:
            bound = _BOUND.get()
            bounded = timeout is None and bound is not None and bound.open
            if bounded:
                assert bound is not None
                timeout = bound.seconds
            try:
                if interval is None:  # psycopg's own default
                    return super().wait(gen, timeout=timeout)
                return super().wait(gen, interval, timeout)
            except errors._WaitTimeout as exc:
                if not bounded:
                    raise
                # The call is half way through the protocol: the connection cannot be used
                # again. Closed as psycopg closes one it gave up cancelling: SQLAlchemy finds
                # it so (is_disconnect) and drops it from the pool; the server, once it goes
                # on, finds the client gone and rolls back.
                self.pgconn.finish()
                raise psycopg.OperationalError(
                    f"PostgreSQL did not answer within {timeout:g} s "
                    "(DATABASE_REQUEST_WAIT_S, DATABASE_WORK_WAIT_S): connection closed"
                ) from exc

    return BoundedConnection


def bound_requests(engine: Engine) -> None:
    """Make the PostgreSQL engine's connections BoundedConnection."""
    connection_class = bounded_connection_class()

    @event.listens_for(engine, "do_connect")
    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        return connection_class.connect(*cargs, **cparams)
