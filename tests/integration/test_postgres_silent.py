"""A PostgreSQL that stops answering gives an error in bounded time, never a request held for
ever (examiner's outage round: with the server frozen, /readyz and every command hung for the
whole outage, each holding a worker thread, and none got its 503)."""

from __future__ import annotations

import contextvars
import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from shared.db import POSTGRES_CONNECT_ARGS, create_db_engine
from shared.outage import is_infrastructure_failure
from shared.requestbound import begin_request, end_request, outside_requests, service_work

# Far above the 5 s connect_timeout; libpq's default waits as long as the server keeps the
# connection open, which is for ever here.
GIVE_UP_S = 60.0


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port whose kernel accepts connections and that never says a word, as a hung
    PostgreSQL (or one behind a dropped route once the handshake went through) does."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_server_that_never_answers_is_an_error_not_a_wait(silent_server: int) -> None:
    engine = create_db_engine(f"postgresql://danvan@127.0.0.1:{silent_server}/danvan")
    outcome: list[BaseException] = []

    def connect() -> None:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(GIVE_UP_S)
    try:
        assert not thread.is_alive(), "the connection attempt still waits on a silent server"
        [error] = outcome
        assert isinstance(error, OperationalError)
        assert "timeout" in str(error).lower()
    finally:
        engine.dispose()


def test_every_postgresql_connection_carries_the_bounds(postgres_admin_url: str) -> None:
    """keepalives and tcp_user_timeout drop a connection whose path died silently mid-query
    (no test here can cut a route); checked on the connections the engine makes."""
    engine = create_db_engine(postgres_admin_url)
    try:
        with engine.connect() as conn:
            parameters = conn.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
        for name, value in POSTGRES_CONNECT_ARGS.items():
            assert parameters.get(name) == str(value), name
    finally:
        engine.dispose()
    # A bound the operator writes in DATABASE_URL wins.
    given = make_url(postgres_admin_url).update_query_dict({"connect_timeout": "9"})
    engine = create_db_engine(given.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            parameters = conn.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
        assert parameters["connect_timeout"] == "9"
        assert parameters["tcp_user_timeout"] == "20000"
    finally:
        engine.dispose()


def test_a_request_call_is_cut_at_its_bound_and_the_service_work_is_not(
    postgres_admin_url: str,
) -> None:
    """A call made for a request that gets no answer within its bound (here a server busy in
    pg_sleep, as a stopped backend is silent; tests/fault/test_postgres_answers.py stops one)
    fails as an outage and its connection leaves the pool; the same wait outside a request
    (a rebuild's task a request started, work after the request) runs to its end."""
    engine = create_db_engine(postgres_admin_url)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        bound, token = begin_request(0.5)
        try:
            with pytest.raises(OperationalError) as raised, engine.connect() as conn:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == first
                conn.execute(text("SELECT pg_sleep(3)"))
            assert raised.value.connection_invalidated
            assert is_infrastructure_failure(raised.value)
            with engine.connect() as conn:  # the pool's next connection is another
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != first
            with outside_requests():
                started_outside = contextvars.copy_context()  # what a task started here copies
            with engine.connect() as conn:
                assert started_outside.run(
                    conn.execute, text("SELECT pg_sleep(1), 1")).one()[1] == 1
            # A task started by the request copied its bound...
            started_inside = contextvars.copy_context()
        finally:
            end_request(bound, token)
        # ...which no longer holds once the request has ended.
        with engine.connect() as conn:
            assert started_inside.run(conn.execute, text("SELECT pg_sleep(1), 2")).one()[1] == 2
    finally:
        engine.dispose()


def test_the_service_work_call_is_cut_at_its_own_bound(postgres_admin_url: str) -> None:
    """The relay's and the consumers' tasks are created inside `service_work`: a call of
    theirs that gets no answer within DATABASE_WORK_WAIT_S fails as an outage and its
    connection leaves the pool, even inside a request's context; 0 leaves them unbounded
    (the fault suite stops their backends: tests/fault/test_postgres_answers.py)."""
    engine = create_db_engine(postgres_admin_url)
    try:
        with service_work(0.5):
            relay_like = contextvars.copy_context()
        bound, token = begin_request(30)
        try:
            with service_work(0.5):
                started_by_request = contextvars.copy_context()
            with service_work(0):
                unbounded = contextvars.copy_context()
        finally:
            end_request(bound, token)
        for context in (relay_like, started_by_request):
            with pytest.raises(OperationalError) as raised, engine.connect() as conn:
                context.run(conn.execute, text("SELECT pg_sleep(3)"))
            assert raised.value.connection_invalidated
            assert is_infrastructure_failure(raised.value)
        with engine.connect() as conn:
            assert unbounded.run(conn.execute, text("SELECT pg_sleep(1), 3")).one()[1] == 3
    finally:
        engine.dispose()
