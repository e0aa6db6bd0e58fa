"""What every service tells a client about itself: its OpenAPI document (the real error body,
every refusal, bounded parameters, dated ranges), `Allow` on a 405, and the browser security
headers on every response, the dashboard's above all (issue 16, findings 8 and 10)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared.securityheaders import CONTENT_SECURITY_POLICY
from tests.auth.conftest import Idp, Services
from tests.conftest import SQLITE_ONLY

SERVICES = ("religion", "dialogue", "indicators", "reporting")
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def _schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object inside a document or a part of it."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def _resolved(document: dict[str, Any], roots: list[Any]) -> Iterator[dict[str, Any]]:
    """The schemas under `roots`, following $refs into the components (each once)."""
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        for schema in _schemas(pending.pop()):
            ref = schema.get("$ref")
            if isinstance(ref, str) and ref not in seen:
                seen.add(ref)
                pending.append(document["components"]["schemas"][ref.rsplit("/", 1)[1]])
            yield schema


@SQLITE_ONLY
@pytest.mark.parametrize("service", SERVICES)
def test_the_document_names_the_real_error_body_and_every_refusal(
    services: Services, service: str
) -> None:
    document = services[service].get("/openapi.json").json()
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    guarded = 0
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        label = f"{method} {path}"
        assert "422" in responses, label
        assert responses["422"]["content"]["application/json"]["schema"] == ERROR_REF, label
        if path.startswith("/api/v1/") and path not in ("/api/v1/auth/scopes",
                                                        "/api/v1/events/catalogue"):
            guarded += 1
            assert {"400", "401", "403", "503"} <= responses.keys(), label
            # Two credentials at once (AMBIGUOUS_CREDENTIALS), on a read as on a write.
            assert "AMBIGUOUS_CREDENTIALS" in responses["400"]["description"], label
        if "{" in path:
            assert "404" in responses, label
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            assert {"404", "409", "413", "415"} <= responses.keys(), label
        for status, response in responses.items():
            if status >= "400":
                assert response["content"]["application/json"]["schema"] == ERROR_REF, label
    assert guarded >= 10


@SQLITE_ONLY
@pytest.mark.parametrize("service", SERVICES)
def test_every_number_is_bounded_and_every_date_carries_its_range(
    services: Services, service: str
) -> None:
    document = services[service].get("/openapi.json").json()
    for path, method, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            label = f"{method} {path} {parameter['name']}"
            for schema in _schemas(parameter["schema"]):
                if schema.get("type") == "integer":
                    assert "maximum" in schema and "minimum" in schema, label
    # Every date a request carries, in a parameter or anywhere in a body, states its range.
    dated = 0
    for path, method, operation in _operations(document):
        taken = [p["schema"] for p in operation.get("parameters", [])]
        taken += [c["schema"] for c in operation.get("requestBody", {}).get("content", {}).values()]
        for schema in _resolved(document, taken):
            if schema.get("format") in ("date", "date-time"):
                dated += 1
                assert (schema.get("x-earliest"), schema.get("x-latest")) == (
                    "1990-01-01", "2100-12-31"), f"{method} {path}"
    assert dated > 0


@pytest.mark.parametrize("service", SERVICES)
def test_a_405_names_the_methods_allowed(services: Services, service: str) -> None:
    response = services[service].delete("/healthz")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    # Every method of the path, not only the first route's (a list read by GET and written
    # by POST answered `Allow: POST`) (G17).
    path, methods = {
        "religion": ("/api/v1/sites", "GET, HEAD, POST"),
        "dialogue": ("/api/v1/sessions", "GET, HEAD, POST"),
        "indicators": ("/api/v1/models", "GET, HEAD, POST"),
        "reporting": ("/api/v1/periods/2023-6m", "GET, HEAD, PUT"),
    }[service]
    assert services[service].delete(path).headers["Allow"] == methods


@pytest.mark.parametrize("service", SERVICES)
def test_head_answers_where_get_does(services: Services, service: str) -> None:
    """Monitoring probes and link checkers ask HEAD; every GET resource answered 405 (G17)."""
    client = services[service]
    got, head = client.get("/healthz"), client.head("/healthz")
    assert head.status_code == got.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"]
    assert client.head("/api/v1/khong-co").status_code == 404


@pytest.mark.parametrize("service", SERVICES)
def test_every_response_carries_the_security_headers(
    services: Services, idp: Idp, service: str
) -> None:
    client = services[service]
    answers = [
        client.get("/healthz"),
        client.get("/api/v1/auth/whoami", headers=idp.headers("city_staff")),
        client.get("/api/v1/auth/whoami"),  # a 401
        client.get("/no-such-page"),
    ]
    for response in answers:
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_dashboard_is_served_under_a_policy_without_inline_code_or_cdn(
    services: Services, idp: Idp
) -> None:
    reporting = services["reporting"]
    page = reporting.get("/?period=2023-3m", headers=idp.headers("city_staff"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy and "http" not in policy
    # The page itself keeps to it: its script and style are files of the service.
    html = page.text
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert 'src="/static/reporting/dashboard.js"' in html
    script = reporting.get("/static/reporting/dashboard.js")
    assert script.status_code == 200
    assert script.headers["X-Content-Type-Options"] == "nosniff"


def test_a_body_that_cannot_be_decoded_is_a_documented_400(services: Services, idp: Idp) -> None:
    # JSON that is not UTF-8: FastAPI cannot even parse it (the fuzz gate found this one).
    response = services["dialogue"].post(
        "/api/v1/heads", content=b'{"full_name": "\xff\xfe"}',
        headers=idp.headers("city_staff") | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_BODY"
    document = services["dialogue"].get("/openapi.json").json()
    assert "400" in document["paths"]["/api/v1/heads"]["post"]["responses"]
