"""Roles × endpoints: who may do what, with AUTH_MODE=required. A refusal is a 403 in the
error format naming the missing scope or unit, and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.auth.conftest import ROLES, Idp, Services, head_body, model_body, site_body
from tests.integration.helpers import event_count

Body = Callable[[str], dict[str, Any] | None]
A, D = True, False  # allowed, denied

# (name, service, method, path, body from a unique suffix)
ENDPOINTS: list[tuple[str, str, str, str, Body]] = [
    ("register site", "religion", "POST", "/api/v1/sites", lambda s: site_body(f"CS-{s}")),
    ("list sites", "religion", "GET", "/api/v1/sites", lambda s: None),
    ("take office", "dialogue", "POST", "/api/v1/heads",
     lambda s: head_body(name=f"Nguyễn Văn {s}")),
    ("list sessions", "dialogue", "GET", "/api/v1/sessions", lambda s: None),
    ("amend rule", "dialogue", "POST", "/api/v1/dialogue-rules",
     lambda s: {"level": "commune", "min_sessions_per_year": 2, "effective_from": "2023-01-01",
                "legal_basis": f"Quyết định 1738-QĐ/TU sửa đổi {s}"}),
    ("register model", "indicators", "POST", "/api/v1/models", lambda s: model_body()),
    ("list models", "indicators", "GET", "/api/v1/models", lambda s: None),
    ("finalise report", "reporting", "POST", "/api/v1/reports/2023-6m/finalise",
     lambda s: {"scope": "31"}),
    ("list periods", "reporting", "GET", "/api/v1/periods", lambda s: None),
    ("audit", "religion", "GET", "/api/v1/audit", lambda s: None),
    ("api keys", "religion", "GET", "/api/v1/admin/api-keys", lambda s: None),
]

EXPECTED: dict[str, list[bool]] = {
    #                  site list head sess rule model mods final pers audit keys
    "city_staff":     [A,   A,   A,   A,   A,   A,    A,   A,    A,   A,    D],
    "district_board": [A,   A,   A,   A,   D,   A,    A,   D,    A,   D,    D],
    "religion_desk":  [A,   A,   D,   D,   D,   D,    D,   D,    D,   D,    D],
    "dialogue_desk":  [D,   D,   A,   A,   A,   D,    D,   D,    D,   D,    D],
    "leadership":     [D,   A,   D,   A,   D,   D,    A,   D,    A,   D,    D],
    "auditor":        [D,   D,   D,   D,   D,   D,    D,   D,    D,   A,    D],
    "key_admin":      [A,   A,   D,   D,   D,   D,    D,   D,    D,   A,    A],
}

CASES = [
    pytest.param(role, endpoint, expected, id=f"{role}-{endpoint[0].replace(' ', '_')}")
    for role, row in EXPECTED.items()
    for endpoint, expected in zip(ENDPOINTS, row, strict=True)
]


@pytest.mark.parametrize(("role", "endpoint", "allowed"), CASES)
def test_role_endpoint_matrix(
    services: Services, idp: Idp, role: str,
    endpoint: tuple[str, str, str, str, Body], allowed: bool,
) -> None:
    name, service, method, path, body = endpoint
    client = services[service]
    before = event_count(client)
    response = client.request(method, path, json=body(role), headers=idp.headers(role))
    if allowed:
        assert response.status_code in (200, 201), (name, response.json())
        return
    assert response.status_code == 403, (name, response.status_code, response.json())
    error = response.json()["error"]
    assert error["code"] in ("MISSING_SCOPE", "UNIT_OUT_OF_SCOPE", "CITY_LEVEL_ONLY")
    missing = error["details"].get("required_scope") or error["details"].get(
        "required_unit_scope"
    )
    assert missing, error
    assert str(missing) in error["message"] or error["code"] == "CITY_LEVEL_ONLY"
    assert event_count(client) == before


def test_every_role_is_exercised_on_every_endpoint() -> None:
    assert set(EXPECTED) == set(ROLES)
    assert all(len(row) == len(ENDPOINTS) for row in EXPECTED.values())
