"""The HTTP side of a database outage: PostgreSQL stopped under load.

Every request gets an answer (none closed without one): 503 with Retry-After in the project's
error format, one warning line each and no traceback; /readyz says 503; when PostgreSQL is back
the service answers again by itself, and its event store holds exactly the commands that were
answered 2xx.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from shared.db import normalise_url
from shared.eventstore import events_table
from shared.natsserver import NatsServer, free_port
from tests.deploy.processes import ServiceProcess
from tests.fault.postgres import ThrowawayPostgres
from tests.fault.system import Load
from tests.integration.helpers import wait_until

# Mostly PostgreSQL stopped for a while: run beside the workers (tools/testlanes.py).
pytestmark = pytest.mark.waits

OUTAGE_S = 6.0


def _request(
    port: int, path: str, body: dict[str, Any] | None = None, timeout: float = 15
) -> tuple[int, Any, Any]:
    """(status, JSON body, headers); a connection closed without an answer raises."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def _site(code: str) -> dict[str, Any]:
    return {"code": code, "name": f"Chùa {code}", "religion": "Phật giáo",
            "commune_code": "11755", "registered_on": "2023-02-01"}


def test_postgresql_stopped_gives_503_with_retry_after_then_the_service_recovers_by_itself(
    tmp_path: Path, throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer
) -> None:
    database = throwaway_postgres.create_database(f"religion_{uuid.uuid4().hex[:8]}")
    env = {
        "NATS_URL": nats_server.url,
        "SUBJECT_ROOT": f"h{uuid.uuid4().hex[:8]}",
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "INFO",
        "RELIGION_DATABASE_URL": database,
    }
    religion = ServiceProcess("religion", free_port(), env, tmp_path / "religion.log").start()
    try:
        religion.wait_healthy()
        wait_until(lambda: _request(religion.port, "/readyz")[0] == 200, timeout=30)
        # The first command loads the unit catalogue (seconds on a busy machine): before the
        # load, whose clients give up after 15 s.
        assert _request(religion.port, "/api/v1/sites", _site("WARM-1"), timeout=120)[0] == 201
        load = Load(religion, clients=8).start()
        wait_until(lambda: len(load.accepted) >= 20, timeout=30)

        throwaway_postgres.stop()
        try:
            stopped = time.monotonic()
            status, body, headers = _request(religion.port, "/api/v1/sites", _site("DOWN-1"))
            assert status == 503, body
            assert body["error"]["code"] == "DATABASE_UNAVAILABLE"
            assert body["error"]["message"].startswith("Cơ sở dữ liệu tạm thời")
            assert int(headers["Retry-After"]) > 0
            status, body, _ = _request(religion.port, "/api/v1/sites/DOWN-1")
            assert (status, body["error"]["code"]) == (503, "DATABASE_UNAVAILABLE")
            assert _request(religion.port, "/readyz")[0] == 503
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
        finally:
            throwaway_postgres.start()

        # Back by itself: no restart of the service.
        wait_until(lambda: _request(religion.port, "/readyz")[0] == 200, timeout=30)
        recovered = time.monotonic()
        wait_until(
            lambda: _request(religion.port, "/api/v1/sites", _site(f"UP-{uuid.uuid4().hex[:6]}"))[0]
            == 201,
            timeout=15,
        )
        assert time.monotonic() - recovered < 15
        before_stop = sum(load.statuses.values())
        wait_until(lambda: sum(load.statuses.values()) > before_stop + 20, timeout=30)
        load.stop()
    finally:
        religion.stop()

    # Every client request got an answer: 201, 422 (one in ten is invalid) or 503.
    assert load.statuses[0] == 0, load.statuses
    assert set(load.statuses) <= {201, 422, 503}, load.statuses
    assert load.statuses[503] > 0
    log = (tmp_path / "religion.log").read_text(errors="replace")
    warnings = [line for line in log.splitlines() if '"event": "database_unavailable"' in line]
    # One line per refused request (the load's and the two probes), and no traceback.
    assert len(warnings) == load.statuses[503] + 2
    assert "Traceback" not in log
    assert '"unhandled_error"' not in log
    # Nothing half-written: the sites stored are those the clients were told were registered.
    engine = create_engine(normalise_url(database))
    try:
        with engine.connect() as conn:
            stored = set(
                conn.execute(
                    select(events_table.c.aggregate_id).where(
                        events_table.c.event_type == "SiteRegistered",
                        events_table.c.aggregate_id.like("F%"),
                    )
                ).scalars()
            )
    finally:
        engine.dispose()
    # Every 2xx is stored. A commit in flight when the server went down may have been applied
    # with its answer lost (the client saw 503; its retry would get 409): at most one a client.
    assert set(load.accepted) <= stored
    assert len(stored - set(load.accepted)) <= 8
