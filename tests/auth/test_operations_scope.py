"""A service's operations (dead letters, rebuilding read models, running a scan now) concern
every unit's records at once: an administrator of the city only. A district administrator
read the city's dead letters (whole events of other districts) and could start or give up a
rebuild of the central read models."""

from __future__ import annotations

import pytest

from tests.auth.conftest import ROLES, TIEN_LANG, Idp, Role, Services

DISTRICT_ADMIN = Role("quan.tri.huyen", ROLES["key_admin"].scopes, TIEN_LANG,
                      "Ban Dân vận Huyện ủy Tiên Lãng")

OPERATIONS = [
    ("reporting", "GET", "/api/v1/admin/dead-letters"),
    ("indicators", "GET", "/api/v1/admin/dead-letters"),
    ("religion", "GET", "/api/v1/admin/dead-letters"),
    ("reporting", "GET", "/api/v1/admin/rebuild-projections"),
    ("reporting", "POST", "/api/v1/admin/rebuild-projections"),
    ("reporting", "DELETE", "/api/v1/admin/rebuild-projections"),
    ("religion", "POST", "/api/v1/admin/rebuild-read-models"),
    ("dialogue", "POST", "/api/v1/admin/rebuild-read-models"),
    ("dialogue", "POST", "/api/v1/admin/scan"),
    ("indicators", "POST", "/api/v1/reporting-duties/reminders/scan"),
]


@pytest.mark.parametrize(("service", "method", "path"), OPERATIONS)
def test_operations_are_for_a_city_administrator(
    services: Services, idp: Idp, service: str, method: str, path: str
) -> None:
    refused = services[service].request(method, path, headers=idp.headers(DISTRICT_ADMIN))
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "CITY_LEVEL_ONLY"
    assert not refused.json()["error"]["message"].isascii()
    if method == "GET" or path.endswith(("/rebuild-read-models", "/scan")):
        allowed = services[service].request(method, path, headers=idp.headers("key_admin"))
        assert allowed.status_code == 200, allowed.text


def test_a_district_administrator_still_manages_its_own_keys(
    services: Services, idp: Idp
) -> None:
    listed = services["religion"].get("/api/v1/admin/api-keys",
                                      headers=idp.headers(DISTRICT_ADMIN))
    assert listed.status_code == 200, listed.text
