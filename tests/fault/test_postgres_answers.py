"""A service started while its PostgreSQL does not answer (down, or still starting).

It waits for its database instead of exiting: /healthz alive, /readyz 503 DATABASE_NOT_READY,
its commands 503 DATABASE_UNAVAILABLE, then it migrates and works once PostgreSQL answers; told
to wait so long (DATABASE_START_WAIT_S), it exits after that with a failed start's code.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from shared.db import normalise_url
from shared.eventstore import events_table, outbox_table
from shared.natsserver import NatsServer, free_port
from tests.deploy.processes import ServiceProcess
from tests.fault.postgres import ThrowawayPostgres
from tests.fault.test_http_outage import _request, _site
from tests.integration.helpers import wait_until


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
