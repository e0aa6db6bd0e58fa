"""Each OpenAPI document says how to authenticate and which scope each operation needs, and
the services hold to it: a credential holding every scope but the documented one is refused
with a 403 naming that scope (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared.auth.principal import SCOPES
from tests.auth.conftest import Idp, Role, Services
from tests.conftest import SQLITE_ONLY

SERVICES = ("religion", "dialogue", "indicators", "reporting")
SCHEMES = {"bearerAuth", "apiKeyAuth"}
PUBLIC = {"/healthz", "/readyz", "/api/v1/auth/scopes", "/api/v1/events/catalogue"}


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


@SQLITE_ONLY
@pytest.mark.parametrize("service", SERVICES)
def test_the_document_declares_both_ways_to_authenticate(
    services: Services, service: str
) -> None:
    document = services[service].get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == schemes["bearerAuth"] | {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["apiKeyAuth"] == schemes["apiKeyAuth"] | {
        "type": "apiKey", "in": "header", "name": "X-API-Key"}
    scoped = 0
    for path, method, operation in _operations(document):
        label = f"{method} {path}"
        security = operation["security"]
        if path in PUBLIC:
            assert security == [], label
            assert "401" not in operation["responses"], label
            continue
        assert [set(r) for r in security] == [{"bearerAuth"}, {"apiKeyAuth"}], label
        scopes = {tuple(scopes) for r in security for scopes in r.values()}
        assert len(scopes) == 1, label  # the same scope whichever way the caller comes
        (named,) = scopes
        if named:
            scoped += 1
            assert named[0] in SCOPES and operation["x-required-scope"] == named[0], label
            assert f"`{named[0]}`" in operation["description"], label
        assert {"401", "403"} <= operation["responses"].keys(), label
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], label
    assert scoped >= 10


def _without(scope: str) -> tuple[str, ...]:
    # "read" holds every service's reads: a caller without religion:read must not have it.
    return tuple(s for s in SCOPES if s != scope and not (scope.endswith(":read") and s == "read"))


@pytest.mark.parametrize("service", SERVICES)
def test_an_operation_guarded_by_its_dependencies_refuses_a_caller_without_its_scope(
    services: Services, idp: Idp, service: str
) -> None:
    """Reads and the operations declaring a RequiredScope check the scope before anything
    else: whatever the path and query, a caller lacking it gets 403 MISSING_SCOPE naming it."""
    client = services[service]
    document = client.get("/openapi.json").json()
    probed = 0
    for path, method, operation in _operations(document):
        scope = operation.get("x-required-scope")
        if scope is None or (method != "GET" and f"{service}:write" == scope):
            continue  # writes are authorised by their handlers, after the body is read
        if method != "GET" and "requestBody" in operation:
            continue  # bodies first: the command probe covers these with its examples
        role = Role("sans.scope", _without(scope), "31", "Thử quyền")
        url = path.replace("{", "").replace("}", "")  # any value: the guard speaks first
        response = client.request(method, url, headers=idp.headers(role))
        label = f"{method} {path}"
        assert response.status_code == 403, (label, response.text)
        error = response.json()["error"]
        assert error["code"] == "MISSING_SCOPE", label
        assert error["details"]["required_scope"] == scope, label
        probed += 1
    assert probed >= 8
