"""The headers every command reads (If-Match, Idempotency-Key, shared/commandapi.py) are
checked by the command dependency itself: one longer than its bound is a 422 naming the
header, as FastAPI's own check of a `Header` parameter answered, and nothing is written."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.helpers import event_count
from tests.religion.conftest import error_of, site_body


def test_a_header_longer_than_its_bound_is_a_422_naming_it_and_writes_nothing(
    religion: TestClient,
) -> None:
    cases = {
        "If-Match": ('"' + "1" * 70 + '"', 64),
        "Idempotency-Key": ("k" * 201, 200),
    }
    for name, (value, longest) in cases.items():
        response = religion.post("/api/v1/sites", json=site_body("TL-H1"), headers={name: value})
        assert response.status_code == 422, response.text
        error = error_of(response)
        assert error["code"] == "VALIDATION_ERROR"
        assert error["details"] == [{
            "field": f"header.{name}", "code": "STRING_TOO_LONG",
            "message": f"Chuỗi quá dài (tối đa {longest} ký tự)",
        }]
    both = religion.post("/api/v1/sites", json=site_body("TL-H1"),
                         headers={"If-Match": "y" * 65, "Idempotency-Key": "k" * 201})
    assert [d["field"] for d in error_of(both)["details"]] == [
        "header.If-Match", "header.Idempotency-Key"]
    assert event_count(religion) == 0
    # At their bounds they are read as they came: the key is taken, If-Match is not an ETag.
    bounded = religion.post("/api/v1/sites", json=site_body("TL-H1"),
                            headers={"Idempotency-Key": "k" * 200})
    assert bounded.status_code == 201, bounded.text
    stale = religion.post("/api/v1/sites/TL-H1/close", json={"closed_on": "2023-04-01"},
                          headers={"If-Match": "1" * 64})
    assert error_of(stale)["code"] == "BAD_IF_MATCH"
