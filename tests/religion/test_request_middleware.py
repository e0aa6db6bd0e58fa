"""What the request middleware gives every answer of a service, whichever part of the app
gives it: the security headers (shared.securityheaders) on a success, a refusal by a handler,
by validation, by the control-character guard, by the body limit, by the router; the
caller's correlation id back on each of those that reached the app; each request timed by
route; the documentation pages under their own policy. (The correlation id itself, the
counters and the refusal's log line: tests/religion/test_request_context.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from structlog.testing import capture_logs

from services.religion.app import create_app
from shared.securityheaders import CONTENT_SECURITY_POLICY, DOCS_CONTENT_SECURITY_POLICY
from shared.settings import Settings
from tests.integration.helpers import event_count, runtime_of
from tests.religion.conftest import site_body

LIMIT = 5_000
CORRELATION = {"X-Correlation-Id": "kiem-tra-7"}


@pytest.fixture
def small_limit(settings_factory: Callable[..., Settings]) -> TestClient:
    settings = settings_factory("religion", max_body_bytes=LIMIT, max_upload_bytes=LIMIT * 2)
    client = TestClient(create_app(settings), headers={"X-Actor": "can.bo.tg"})
    runtime_of(client).create_schema()
    return client


def _secured(response: Response, policy: str = CONTENT_SECURITY_POLICY) -> None:
    assert response.headers["Content-Security-Policy"] == policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # Each added once, whatever else the answer carries.
    names = [name.lower() for name, _ in response.headers.multi_items()]
    assert len(names) == len(set(names)), names


def _code(response: Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


def test_every_kind_of_answer_carries_the_headers_and_the_correlation_id(
    small_limit: TestClient,
) -> None:
    client = small_limit
    created = client.post("/api/v1/sites", json=site_body("MW-1"), headers=CORRELATION)
    taken = client.post("/api/v1/sites", json=site_body("MW-1"), headers=CORRELATION)
    invalid = client.post("/api/v1/sites", json={"code": "MW-2"}, headers=CORRELATION)
    control = client.get("/api/v1/sites?q=a%01", headers=CORRELATION)
    not_json = client.post("/api/v1/sites", content=b"code=MW-3", headers={
        **CORRELATION, "content-type": "application/x-www-form-urlencoded"})
    missing = client.get("/api/v1/khong-co", headers=CORRELATION)
    method = client.put("/api/v1/sites", json={}, headers=CORRELATION)
    assert [r.status_code for r in (created, taken, invalid, control, not_json, missing, method)] \
        == [201, 409, 422, 422, 415, 404, 405]
    assert _code(taken) == "SITE_EXISTS"
    assert _code(control) == "VALIDATION_ERROR"
    # A body in another format than JSON is not read at all: 415 (finding J10).
    assert _code(not_json) == "UNSUPPORTED_MEDIA_TYPE"
    for response in (created, taken, invalid, control, not_json, missing, method):
        _secured(response)
        assert response.headers["X-Correlation-Id"] == "kiem-tra-7"


def test_a_body_over_the_limit_is_a_413_with_the_headers(small_limit: TestClient) -> None:
    client = small_limit
    big = site_body("MW-4", address="x" * LIMIT)
    declared = client.post("/api/v1/sites", json=big)
    assert declared.status_code == 413
    assert _code(declared) == "PAYLOAD_TOO_LARGE"
    _secured(declared)

    def chunks() -> list[bytes]:
        return [b'{"code": "MW-5", "address": "', b"x" * LIMIT, b'"}']

    streamed = client.post("/api/v1/sites", content=iter(chunks()),
                           headers={"content-type": "application/json"})
    assert "content-length" not in {k.lower() for k in streamed.request.headers}
    assert streamed.status_code == 413
    assert _code(streamed) == "PAYLOAD_TOO_LARGE"
    _secured(streamed)
    # An upload has its own, larger limit: the same size passes it (and is then read).
    upload = client.post("/api/v1/sites/import", files={"file": ("ds.csv", b"x" * (LIMIT + 1))})
    assert upload.status_code != 413
    _secured(upload)
    assert event_count(client) == 0


def test_the_documentation_pages_have_their_own_policy(religion: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = religion.get(path)
        assert page.status_code == 200
        _secured(page, DOCS_CONTENT_SECURITY_POLICY)
    _secured(religion.get("/openapi.json"))


def test_each_request_is_timed_by_route_and_a_guard_refusal_counted_and_logged(
    religion: TestClient,
) -> None:
    registry = runtime_of(religion).metrics.registry

    def timed(route: str) -> float:
        count = registry.get_sample_value(
            "danvan_http_request_seconds_count", {"method": "POST", "route": route})
        return count or 0.0

    assert religion.post("/api/v1/sites", json=site_body("MW-6")).status_code == 201
    assert religion.post("/api/v1/sites", json=site_body("MW-6")).status_code == 409
    assert timed("/api/v1/sites") == 2
    with capture_logs() as logs:
        refused = religion.post("/api/v1/sites?x=%00", json=site_body("MW-7"))
    assert refused.status_code == 422
    # Refused before any route was matched: counted as unmatched, nothing written.
    assert timed("unmatched") == 1
    assert registry.get_sample_value(
        "danvan_http_requests_total", {"method": "POST", "route": "unmatched", "status": "422"}
    ) == 1
    assert [line for line in logs if line["event"] == "http_refused"] == [{
        "event": "http_refused", "log_level": "info", "method": "POST",
        "path": "unmatched", "status": 422,
    }]
    assert event_count(religion) == 1


def test_lifespan_passes_through(settings_factory: Callable[..., Settings]) -> None:
    """A non-HTTP scope (the lifespan) goes to the app untouched: startup and shutdown run."""
    with TestClient(create_app(settings_factory("religion"))) as client:
        runtime_of(client).create_schema()
        assert client.get("/healthz").status_code == 200


def test_fastapis_opentelemetry_stays_off_even_with_a_provider_configured(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The services export no OpenTelemetry: FastAPI's own instrumentation does not run on a
    request (nor asks the providers on each one), whatever a library configures globally."""
    from fastapi.telemetry import _asgi

    monkeypatch.setattr(_asgi, "_unconfigured", lambda provider: False)
    instrumented: list[object] = []

    async def record(self: object, **kwargs: object) -> None:
        instrumented.append(kwargs)
        raise AssertionError("FastAPI's telemetry ran")

    monkeypatch.setattr(_asgi.NativeTelemetry, "__call__", record)
    assert religion.get("/healthz").status_code == 200
    assert religion.post("/api/v1/sites", json=site_body("MW-8")).status_code == 201
    assert instrumented == []


def test_an_unexpected_error_is_a_500_with_the_headers_logged_once(
    settings_factory: Callable[..., Settings],
) -> None:
    """An error no handler answers reaches the client as the error format's 500 with the
    security headers and the correlation id (Starlette's own 500 went out without them), and
    is logged once, as before."""
    app = create_app(settings_factory("religion"))

    def broken() -> None:
        raise RuntimeError("hỏng")

    app.router.add_api_route("/api/v1/hong", broken)
    client = TestClient(app, raise_server_exceptions=False)
    with capture_logs() as logs:
        response = client.get("/api/v1/hong", headers=CORRELATION)
    assert response.status_code == 500
    assert _code(response) == "INTERNAL_ERROR"
    assert "hỏng" not in response.text
    _secured(response)
    assert response.headers["X-Correlation-Id"] == "kiem-tra-7"
    assert [line["event"] for line in logs if line["log_level"] == "error"] == ["unhandled_error"]
