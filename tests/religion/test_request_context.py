"""What the request middleware (shared.web.RequestContext) does for every request: the
correlation id from the caller (or a new one) answered back and written into the events,
each request counted by route and status, one log line for a refusal."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from structlog.testing import capture_logs

from shared.eventstore import events_table
from tests.integration.helpers import runtime_of
from tests.religion.conftest import site_body


def _requests(client: TestClient, status: int) -> float:
    value = runtime_of(client).metrics.registry.get_sample_value(
        "danvan_http_requests_total",
        {"method": "POST", "route": "/api/v1/sites", "status": str(status)},
    )
    return value or 0.0


def test_the_callers_correlation_id_is_answered_and_recorded_in_the_event(
    religion: TestClient,
) -> None:
    response = religion.post(
        "/api/v1/sites", json=site_body("RC-1"), headers={"X-Correlation-Id": "doi-tac-42"}
    )
    assert response.status_code == 201
    assert response.headers["X-Correlation-Id"] == "doi-tac-42"
    with runtime_of(religion).engine.connect() as conn:
        recorded = conn.execute(
            select(events_table.c.correlation_id).where(events_table.c.aggregate_id == "RC-1")
        ).scalar_one()
    assert recorded == "doi-tac-42"


def test_without_one_each_request_gets_its_own(religion: TestClient) -> None:
    first = religion.post("/api/v1/sites", json=site_body("RC-2"))
    second = religion.post("/api/v1/sites", json=site_body("RC-3"))
    ids = [r.headers["X-Correlation-Id"] for r in (first, second)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert ids[0] != ids[1]


def test_each_request_is_counted_by_route_and_status_and_a_refusal_logged(
    religion: TestClient,
) -> None:
    assert religion.post("/api/v1/sites", json=site_body("RC-4")).status_code == 201
    with capture_logs() as logs:
        again = religion.post(
            "/api/v1/sites", json=site_body("RC-4"), headers={"X-Correlation-Id": "lan-hai"}
        )
    assert again.status_code == 409
    assert again.headers["X-Correlation-Id"] == "lan-hai"
    assert _requests(religion, 201) == 1
    assert _requests(religion, 409) == 1
    refused = [line for line in logs if line["event"] == "http_refused"]
    assert refused == [{
        "event": "http_refused", "log_level": "info", "method": "POST",
        "path": "/api/v1/sites", "status": 409,
    }]
