"""A weak If-Match never lets a write run (finding O16), in every service that takes one.

RFC 9110 §13.1.1: If-Match compares entity tags strongly, and a weak tag (`W/"3"`) matches
no state. It was read as `"3"`, so a client sending back a tag a proxy had weakened wrote
as if it had named the version. Now: 412 PRECONDITION_FAILED with a Vietnamese message
naming the tag, nothing written, and the write runs with the strong tag. The 412 comes where
a stale version's comes: after the 403 of a caller out of scope.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.auth.conftest import (
    QUAN_TOAN,
    Idp,
    Services,
    head_body,
    model_body,
    site_body,
)
from tests.integration.helpers import event_count


def _religion(client: TestClient, city: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    assert client.post("/api/v1/sites", json=site_body("CS-W1"), headers=city).status_code == 201
    return "PATCH", "/api/v1/sites/CS-W1", {"address": "Khu 2", "amended_on": "2023-04-01"}


def _dialogue(client: TestClient, city: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    taken = client.post("/api/v1/heads", json=head_body(), headers=city)
    assert taken.status_code == 201, taken.text
    return ("POST", f"/api/v1/heads/{taken.json()['head_id']}/took-office/corrections",
            {"from_date": "2021-01-02", "reason": "Gõ nhầm"})


def _indicators(client: TestClient, city: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    made = client.post("/api/v1/models", json={**model_body(), "model_id": "MH-W1"},
                       headers=city)
    assert made.status_code == 201, made.text
    return ("POST", "/api/v1/models/MH-W1/registration/corrections",
            {"started_on": "2023-03-01", "reason": "Nhầm ngày bắt đầu"})


def _reporting(client: TestClient, city: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    return ("PUT", "/api/v1/periods/2023-6m",
            {"data_from": "2022-12-15", "cutoff_on": "2023-06-20", "reason": "Lùi giao ban"})


WRITES = {"religion": _religion, "dialogue": _dialogue, "indicators": _indicators,
          "reporting": _reporting}
READS = {"religion": "/api/v1/sites/CS-W1", "indicators": "/api/v1/models/MH-W1",
         "reporting": "/api/v1/periods/2023-6m"}


@pytest.mark.parametrize("service", sorted(WRITES))
def test_a_weak_if_match_is_refused_412_and_writes_nothing(
    services: Services, idp: Idp, service: str
) -> None:
    client = services[service]
    city = idp.headers("city_staff")
    method, url, body = WRITES[service](client, city)
    read = READS.get(service) or url.removesuffix("/took-office/corrections")
    tag = client.get(read, headers=city).headers["ETag"]
    before = event_count(client)
    weak = client.request(method, url, json=body, headers={**city, "If-Match": f"W/{tag}"})
    assert weak.status_code == 412, weak.text
    error = weak.json()["error"]
    assert error["code"] == "PRECONDITION_FAILED"
    assert f"W/{tag}" in error["message"] and "ETag yếu" in error["message"], error
    assert error["details"]["current_version"] == int(tag.strip('"'))
    assert event_count(client) == before
    # The same version, strong, is the write.
    strong = client.request(method, url, json=body, headers={**city, "If-Match": tag})
    assert strong.status_code in (200, 201), strong.text
    assert event_count(client) == before + 1


def test_a_weak_if_match_out_of_scope_is_the_403_first(services: Services, idp: Idp) -> None:
    """The order of a command's refusals holds for a weak tag: the scope before the version."""
    religion = services["religion"]
    city = idp.headers("city_staff")
    assert religion.post("/api/v1/sites", json=site_body("CS-W2", QUAN_TOAN),
                         headers=city).status_code == 201
    board = idp.headers("district_board")  # Tiên Lãng's: the site is Hồng Bàng's
    refused = religion.patch("/api/v1/sites/CS-W2", json={"address": "Khu 9",
                                                          "amended_on": "2023-04-01"},
                             headers={**board, "If-Match": 'W/"1"'})
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] != "PRECONDITION_FAILED"


def test_a_weak_if_match_with_the_same_version_in_the_body_is_the_412(
    services: Services, idp: Idp
) -> None:
    """Review RV-P5: `W/"1"` with the deprecated body `expected_version: 1` answered 422
    VERSION_DISAGREES «hai phiên bản khác nhau», 1 and 1: they name the same version; the
    tag being weak is what refuses it."""
    religion = services["religion"]
    city = idp.headers("city_staff")
    assert religion.post("/api/v1/sites", json=site_body("CS-W3"), headers=city).status_code == 201
    before = event_count(religion)
    weak = religion.post("/api/v1/sites/CS-W3/close",
                         json={"closed_on": "2023-05-01", "reason": "Giải thể",
                               "expected_version": 1},
                         headers={**city, "If-Match": 'W/"1"'})
    assert weak.status_code == 412, weak.text
    assert weak.json()["error"]["code"] == "PRECONDITION_FAILED"
    assert event_count(religion) == before
    # Two versions that really differ still disagree.
    other = religion.post("/api/v1/sites/CS-W3/close",
                          json={"closed_on": "2023-05-01", "reason": "Giải thể",
                                "expected_version": 2},
                          headers={**city, "If-Match": 'W/"1"'})
    assert (other.status_code, other.json()["error"]["code"]) == (422, "VERSION_DISAGREES")


@pytest.mark.parametrize("tag", ['"0"', '"1"', 'W/"1"'])
def test_an_if_match_that_a_command_does_not_compare_is_refused_412(
    services: Services, idp: Idp, tag: str
) -> None:
    """examiner-hostile: a command whose route takes no version (a creation, where there is no
    record yet to match; a plan's document, which compares none) ran as if If-Match had not
    been sent, a weak tag's included (201). Now 412 IF_MATCH_NOT_CHECKED naming the tag,
    nothing written, after the operation's own refusals; without If-Match, or with `*`, it
    runs."""
    city = idp.headers("city_staff")
    religion, indicators = services["religion"], services["indicators"]
    assert indicators.post("/api/v1/plans/2023/load", headers=city).status_code == 201
    document = {"document_number": "15-KH/BDVTU", "issued_on": "2023-01-10"}
    for client, path, body in (
        (religion, "/api/v1/sites", site_body("CS-U1")),
        (indicators, "/api/v1/models", model_body()),
        (indicators, "/api/v1/plans/2023/document", document),
    ):
        before = event_count(client)
        refused = client.post(path, json=body, headers=city | {"If-Match": tag})
        assert refused.status_code == 412, (path, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "IF_MATCH_NOT_CHECKED" and tag in error["message"], error
        assert not error["message"].isascii() and error["details"] == {"tag": tag}
        assert event_count(client) == before, path
    # The operation's own refusal first: a caller out of scope learns its 403.
    outside = religion.post("/api/v1/sites", json=site_body("CS-U2", QUAN_TOAN),
                            headers=idp.headers("district_board") | {"If-Match": tag})
    assert outside.status_code == 403, outside.text
    assert religion.post("/api/v1/sites", json=site_body("CS-U1"),
                         headers=city | {"If-Match": "*"}).status_code == 201
    assert indicators.post("/api/v1/plans/2023/document", json=document,
                           headers=city).status_code in (200, 201)
