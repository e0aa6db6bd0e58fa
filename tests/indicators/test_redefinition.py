"""Redefining an indicator (POST /indicators for an id the year has) is an overwrite of what
the Commission or another desk may have changed (finding K16): it needs If-Match (428 without,
412 stale), as every correction, and a field it leaves out keeps its value, so leaving out
`denominator_fixed` no longer drops I3's plan base of 239 from every unsigned report; only an
explicit null drops it. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.indicators.conftest import get_json

I3 = "/api/v1/indicators/2023/I3"
# The probe's redefinition: a new name and target, no `denominator_fixed`.
REDEFINED = {"indicator_id": "I3", "year": 2023, "name": "Hồ sơ đất đai (sửa)",
             "method": "sites_with_dossier", "comparator": "ge", "target": 60, "plan_ref": "x"}


def _definition(client: TestClient) -> dict[str, Any]:
    found: dict[str, Any] = get_json(client, I3, on="2023-09-14")["indicator"]
    return found


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    code: str = response.json()["error"]["code"]
    return code


def test_a_redefinition_needs_if_match_and_keeps_what_it_leaves_out(
    client: TestClient,
) -> None:
    before = _definition(client)
    assert before["denominator_fixed"] == 239
    blind = client.post("/api/v1/indicators", json=REDEFINED)
    assert _error(blind, 428) == "PRECONDITION_REQUIRED"
    assert _definition(client) == before  # nothing written
    stale = client.post("/api/v1/indicators", json=REDEFINED, headers={"If-Match": '"9"'})
    assert _error(stale, 412) == "PRECONDITION_FAILED"

    version = client.post("/api/v1/indicators", json={**REDEFINED, "expected_version": 0})
    assert _error(version, 412) == "PRECONDITION_FAILED"
    etag = client.get(I3).headers["ETag"]
    redefined = client.post("/api/v1/indicators", json=REDEFINED, headers={"If-Match": etag})
    assert redefined.status_code == 200, redefined.text
    after = _definition(client)
    assert (after["name"], after["target_percent"]) == ("Hồ sơ đất đai (sửa)", 60.0)
    assert after["denominator_fixed"] == 239  # left out: kept

    # Dropping the base is said, not implied.
    dropped = client.post("/api/v1/indicators", json={**REDEFINED, "denominator_fixed": None},
                          headers={"If-Match": client.get(I3).headers["ETag"]})
    assert dropped.status_code == 200, dropped.text
    assert _definition(client)["denominator_fixed"] is None


def test_a_field_or_unit_named_twice_is_defined_once(client: TestClient) -> None:
    """A list naming a model field (or a unit) twice defines the indicator with it once, as
    it means: the field was stored twice in the event and the definition (cosmetic leftover),
    shown twice by every read of it."""
    defined = client.post("/api/v1/indicators", json={
        "indicator_id": "I9", "year": 2023, "name": "Xã có mô hình (thử)",
        "method": "model_coverage", "comparator": "ge", "target": 50, "plan_ref": "x",
        "scope_unit_codes": ["31", "31"],
        "qualifying_fields": ["new_rural", "urban", "new_rural"]})
    assert defined.status_code in (200, 201), defined.text
    found = get_json(client, "/api/v1/indicators/2023/I9", on="2023-09-14")["indicator"]
    assert found["qualifying_fields"] == ["new_rural", "urban"]
    assert found["scope_unit_codes"] == ["31"]
