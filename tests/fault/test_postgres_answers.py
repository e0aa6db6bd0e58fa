"""A service and a PostgreSQL that does not answer: not there yet when the service starts, or
stopped (SIGSTOP) while its host still acknowledges TCP, so no socket error ever comes.

Started first, the service waits for its database instead of exiting: /healthz alive, /readyz
503 DATABASE_NOT_READY, its commands 503 DATABASE_UNAVAILABLE, then it migrates and works once
PostgreSQL answers. A request whose backend stops gets 503 DATABASE_UNAVAILABLE after
DATABASE_REQUEST_WAIT_S, its transaction never committed, and the service goes on through new
connections (shared/requestbound.py).
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select

from services.dialogue.app import create_app as create_dialogue
from shared.consumer import processed_events_table
from shared.db import aggregate_lock_key, normalise_url
from shared.eventstore import events_table, outbox_table
from shared.natsserver import NatsServer, free_port
from shared.settings import Settings
from tests.deploy.processes import ServiceProcess
from tests.dialogue.conftest import runtime_of
from tests.fault.postgres import ThrowawayPostgres
from tests.fault.test_http_outage import _request, _site
from tests.integration.helpers import wait_until

# Mostly PostgreSQL stopped for a bound: run beside the workers (tools/testlanes.py).
pytestmark = pytest.mark.waits

#: The bound of a request's database calls in these tests (DATABASE_REQUEST_WAIT_S).
REQUEST_WAIT_S = 3


def _religion(
    tmp_path: Path, postgres: ThrowawayPostgres, nats_server: NatsServer, name: str,
    **extra: str,
) -> ServiceProcess:
    env = {
        "NATS_URL": nats_server.url,
        "SUBJECT_ROOT": f"p{uuid.uuid4().hex[:8]}",
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "INFO",
        "RELIGION_DATABASE_URL": postgres.database_url(name),
        **extra,
    }
    return ServiceProcess("religion", free_port(), env, tmp_path / "religion.log").start()


def _count(url: str, query: Any) -> int:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def _registered(url: str, code: str) -> int:
    return _count(url, select(func.count()).select_from(events_table).where(
        events_table.c.event_type == "SiteRegistered", events_table.c.aggregate_id == code))


def _clean_log(religion: ServiceProcess) -> str:
    log = religion.log_file.read_text(errors="replace")
    assert "Traceback" not in log
    assert '"unhandled_error"' not in log
    return log


@contextmanager
def _stopped(*pids: int) -> Iterator[None]:
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def test_a_service_started_before_its_postgresql_waits_for_it_then_migrates_and_works(
    tmp_path: Path, throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer
) -> None:
    name = f"religion_{uuid.uuid4().hex[:8]}"
    url = throwaway_postgres.create_database(name)
    throwaway_postgres.stop()
    religion = _religion(tmp_path, throwaway_postgres, nats_server, name)
    try:
        try:
            # Before: the start's migrations failed and uvicorn exited (code 3) at once.
            religion.wait_healthy()
            status, body, _ = _request(religion.port, "/readyz")
            assert (status, body["code"]) == (503, "DATABASE_NOT_READY"), body
            assert body["message"].startswith("cơ sở dữ liệu chưa sẵn sàng")
            status, body, headers = _request(religion.port, "/api/v1/sites", _site("WAIT-1"))
            assert (status, body["error"]["code"]) == (503, "DATABASE_UNAVAILABLE"), body
            assert body["error"]["message"].startswith("Cơ sở dữ liệu tạm thời")
            assert int(headers["Retry-After"]) > 0
            status, body, _ = _request(religion.port, "/api/v1/sites/WAIT-1")
            assert (status, body["error"]["code"]) == (503, "DATABASE_UNAVAILABLE"), body
            # It tries again (and says so) while it waits.
            wait_until(lambda: religion.log_file.read_text().count('"database_wait_retry"') >= 2,
                       timeout=30)
            assert religion.process is not None and religion.process.poll() is None
        finally:
            throwaway_postgres.start()
        # Migrated and running by itself once PostgreSQL answers: relay and NATS link too.
        wait_until(lambda: _request(religion.port, "/readyz")[0] == 200, timeout=60)
        assert _request(religion.port, "/api/v1/sites", _site("WAIT-2"))[0] == 201
        unpublished = select(func.count()).select_from(outbox_table).where(
            outbox_table.c.published_at.is_(None))
        wait_until(lambda: _count(url, unpublished) == 0, timeout=30)
    finally:
        religion.stop()
    assert _registered(url, "WAIT-1") == 0
    assert _registered(url, "WAIT-2") == 1
    log = _clean_log(religion)
    assert log.count('"database_waiting"') == 1
    assert log.count('"database_ready"') == 1


def test_a_service_told_to_wait_so_long_for_its_postgresql_exits_after_that(
    tmp_path: Path, throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer
) -> None:
    name = f"religion_{uuid.uuid4().hex[:8]}"
    throwaway_postgres.create_database(name)
    throwaway_postgres.stop()
    try:
        religion = _religion(tmp_path, throwaway_postgres, nats_server, name,
                             DATABASE_START_WAIT_S="4")
        try:
            religion.wait_healthy()
            assert religion.process is not None
            # The exit code of a failed start, for the supervisor's restart policy.
            assert religion.process.wait(60) == 3
        finally:
            religion.stop()
    finally:
        throwaway_postgres.start()
    log = religion.log_file.read_text(errors="replace")
    assert log.count('"database_wait_retry"') >= 1
    assert log.count('"database_wait_gave_up"') == 1
    assert '"service_started"' not in log


def test_a_command_whose_backend_stops_gets_503_within_the_bound_and_writes_nothing(
    tmp_path: Path, throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer
) -> None:
    name = f"religion_{uuid.uuid4().hex[:8]}"
    url = throwaway_postgres.create_database(name)
    religion = _religion(tmp_path, throwaway_postgres, nats_server, name,
                         DATABASE_REQUEST_WAIT_S=str(REQUEST_WAIT_S))
    try:
        religion.wait_healthy()
        wait_until(lambda: _request(religion.port, "/readyz")[0] == 200, timeout=60)
        # The first command loads the unit catalogue (seconds on a busy machine).
        assert _request(religion.port, "/api/v1/sites", _site("WARM-1"), timeout=120)[0] == 201

        # The command is held at its site's lock, in its transaction; its backend is stopped
        # there, then the lock let go: from the service's side a backend that stopped
        # answering in the middle of a command, the host acknowledging everything.
        answer: dict[str, Any] = {}

        def send() -> None:
            answer["got"] = _request(religion.port, "/api/v1/sites", _site("HOLD-1"), timeout=90)

        sender = threading.Thread(target=send, daemon=True)
        with psycopg.connect(url, connect_timeout=5) as holder:
            holder.execute("SELECT pg_advisory_xact_lock(%s)",
                           (aggregate_lock_key("site", "HOLD-1"),))
            sender.start()
            waiting: list[int] = []

            def command_waits() -> bool:
                waiting[:] = throwaway_postgres.backend_pids(
                    name, "wait_event_type = 'Lock'"
                    " AND position('pg_advisory_xact_lock' in query) > 0")
                return len(waiting) == 1

            wait_until(command_waits, timeout=30)
            backend = waiting[0]
            os.kill(backend, signal.SIGSTOP)
            stopped = time.monotonic()
            holder.rollback()
        try:
            sender.join(REQUEST_WAIT_S + 20)
            # Before: no answer while the backend stays stopped (its host acknowledges).
            assert not sender.is_alive(), "the command hung on its stopped backend"
            status, body, headers = answer["got"]
            assert (status, body["error"]["code"]) == (503, "DATABASE_UNAVAILABLE"), body
            assert int(headers["Retry-After"]) > 0
            assert time.monotonic() - stopped >= REQUEST_WAIT_S - 0.5
            # The service goes on while that backend stays stopped: its connection was
            # dropped from the pool, a read gets a new one.
            status, body, _ = _request(religion.port, "/api/v1/sites/WARM-1")
            assert status == 200, body
        finally:
            os.kill(backend, signal.SIGCONT)
        # Resumed, the backend finds its client gone and ends, its transaction rolled back:
        # nothing of the 503's command was written, and it can be sent again.
        wait_until(lambda: backend not in throwaway_postgres.backend_pids(name), timeout=30)
        assert _registered(url, "HOLD-1") == 0
        assert _request(religion.port, "/api/v1/sites", _site("HOLD-1"))[0] == 201
    finally:
        religion.stop()
    assert _registered(url, "HOLD-1") == 1
    log = _clean_log(religion)
    assert '"database_unavailable"' in log  # the 503's one warning line


def test_requests_while_the_whole_server_is_stopped_get_503_and_the_service_recovers(
    tmp_path: Path, throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer
) -> None:
    name = f"religion_{uuid.uuid4().hex[:8]}"
    throwaway_postgres.create_database(name)
    religion = _religion(tmp_path, throwaway_postgres, nats_server, name,
                         DATABASE_REQUEST_WAIT_S=str(REQUEST_WAIT_S))
    try:
        religion.wait_healthy()
        wait_until(lambda: _request(religion.port, "/readyz")[0] == 200, timeout=60)
        assert _request(religion.port, "/api/v1/sites", _site("WARM-2"), timeout=120)[0] == 201
        # Every process of the server, the postmaster first: the pooled connections' pre-ping
        # gets no answer, nor does a new connection (connect_timeout).
        processes = [throwaway_postgres.postmaster_pid(), *throwaway_postgres.backend_pids(name)]
        with _stopped(*processes):
            # Before: each hung on a pooled connection for as long as the server stayed
            # stopped (the client's 30 s here).
            status, body, _ = _request(religion.port, "/api/v1/sites/WARM-2", timeout=30)
            assert (status, body["error"]["code"]) == (503, "DATABASE_UNAVAILABLE"), body
            status, body, _ = _request(religion.port, "/api/v1/sites", _site("FROZEN-1"),
                                       timeout=30)
            assert (status, body["error"]["code"]) == (503, "DATABASE_UNAVAILABLE"), body
            assert _request(religion.port, "/readyz", timeout=30)[0] == 503
        wait_until(lambda: _request(religion.port, "/readyz")[0] == 200, timeout=60)
        assert _request(religion.port, "/api/v1/sites/WARM-2")[0] == 200
        assert _request(religion.port, "/api/v1/sites", _site("FROZEN-2"))[0] == 201
    finally:
        religion.stop()
    _clean_log(religion)


def _applied_by(url: str, event_id: str) -> set[str]:
    """The durables of a consumer's database that applied `event_id`."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return {str(row[0]) for row in conn.execute(
                select(processed_events_table.c.consumer).where(
                    processed_events_table.c.event_id == event_id))}
    finally:
        engine.dispose()


def _ready(port: int) -> bool:
    return _request(port, "/readyz")[0] == 200


def _event_of(url: str, code: str) -> str:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return str(conn.execute(select(events_table.c.event_id).where(
                events_table.c.event_type == "SiteRegistered",
                events_table.c.aggregate_id == code)).scalar_one())
    finally:
        engine.dispose()


def test_the_relay_and_the_consumers_go_on_past_their_stopped_backends(
    tmp_path: Path, throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer
) -> None:
    """Every backend serving religion (its relay among them) and reporting (its consumers) is
    stopped, the postmaster left running: the relay and the consumers give each call up after
    DATABASE_WORK_WAIT_S and go on through new connections, so an event committed meanwhile is
    published and applied while those backends stay stopped (before: the relay waited for
    ever on its stopped pooled connection, the consumers on theirs, until SIGCONT)."""
    religion_db, reporting_db = (f"{service}_{uuid.uuid4().hex[:8]}"
                                 for service in ("religion", "reporting"))
    religion_url = throwaway_postgres.create_database(religion_db)
    reporting_url = throwaway_postgres.create_database(reporting_db)
    bounds = {"DATABASE_REQUEST_WAIT_S": str(REQUEST_WAIT_S),
              "DATABASE_WORK_WAIT_S": str(REQUEST_WAIT_S), "RELAY_POLL_INTERVAL_S": "0.2"}
    root = f"w{uuid.uuid4().hex[:8]}"
    religion = _religion(tmp_path, throwaway_postgres, nats_server, religion_db,
                         SUBJECT_ROOT=root, **bounds)
    reporting = ServiceProcess("reporting", free_port(), {
        "NATS_URL": nats_server.url, "SUBJECT_ROOT": root, "ENVIRONMENT": "test",
        "LOG_LEVEL": "INFO", "REPORTING_DATABASE_URL": reporting_url, **bounds,
    }, tmp_path / "reporting.log").start()
    try:
        religion.wait_healthy()
        reporting.wait_healthy()
        for port in (religion.port, reporting.port):
            wait_until(partial(_ready, port), timeout=90)
        assert _request(religion.port, "/api/v1/sites", _site("WARM-3"), timeout=120)[0] == 201
        warm = _event_of(religion_url, "WARM-3")
        wait_until(lambda: bool(_applied_by(reporting_url, warm)), timeout=60)
        durables = _applied_by(reporting_url, warm)

        unpublished = select(func.count()).select_from(outbox_table).where(
            outbox_table.c.published_at.is_(None))
        backends = [*throwaway_postgres.backend_pids(religion_db),
                    *throwaway_postgres.backend_pids(reporting_db)]
        with _stopped(*backends):
            time.sleep(2)  # the relay's next rounds reach a stopped pooled connection
            status, body, _ = _request(religion.port, "/api/v1/sites", _site("STOP-1"),
                                       timeout=60)
            assert status == 201, body
            stopped = _event_of(religion_url, "STOP-1")
            # Before: the relay never published it, nor reporting applied it, while its
            # backends stayed stopped.
            wait_until(lambda: _count(religion_url, unpublished) == 0, timeout=60)
            wait_until(lambda: _applied_by(reporting_url, stopped) == durables, timeout=60)
        # Resumed, the backends whose client gave up find it gone; the others serve on.
        assert _request(religion.port, "/api/v1/sites", _site("STOP-2"))[0] == 201
        after = _event_of(religion_url, "STOP-2")
        wait_until(lambda: _applied_by(reporting_url, after) == durables, timeout=60)
        wait_until(lambda: _count(religion_url, unpublished) == 0, timeout=30)
    finally:
        religion.stop()
        reporting.stop()
    assert _registered(religion_url, "STOP-1") == 1
    for service in (religion, reporting):
        _clean_log(service)


def test_the_background_jobs_go_on_past_their_stopped_backends(
    throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer
) -> None:
    """dialogue's scheduler (a pass every 0.3 s here) whose backends are all stopped goes on
    through new connections after DATABASE_WORK_WAIT_S, as the relay and the consumers do
    (before: its pass waited for ever on a stopped pooled connection, no reminder nor overdue
    mark made until SIGCONT; indicators' status sweeper the same)."""
    name = f"dialogue_{uuid.uuid4().hex[:8]}"
    url = throwaway_postgres.create_database(name)
    settings = Settings.for_service(
        "dialogue", nats_url=nats_server.url, subject_root=f"b{uuid.uuid4().hex[:8]}",
        environment="test", database_url=url, database_request_wait_s=REQUEST_WAIT_S,
        database_work_wait_s=REQUEST_WAIT_S)
    with TestClient(create_dialogue(settings, scan_interval_s=0.3)) as client:
        runtime = runtime_of(client)
        wait_until(lambda: runtime.scans_completed >= 2, timeout=60)
        with _stopped(*throwaway_postgres.backend_pids(name)):
            time.sleep(1)  # a pass reaches a stopped pooled connection
            done = runtime.scans_completed
            wait_until(lambda: runtime.scans_completed >= done + 2,
                       timeout=3 * REQUEST_WAIT_S + 20)
