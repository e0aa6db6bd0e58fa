"""A store written before G21 (0405e26): a lodging, a certificate and a compliance case dated
May for a site of Xã Đại Thắng (Tiên Lãng) moved to Phường Quán Toan (Hồng Bàng) on 01/07,
recorded after the move, took the commune of the day they were recorded (Quán Toan). Facts
are never edited; the read models place them where the site was on their date instead
(`shared.placements.placed_on`): religion's register of cases after a rebuild, reporting's
facts whether the events come one by one (live) or in one batch (a replay)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.religion.domain.model import ReligiousSite
from services.reporting.app import create_app as reporting_app
from shared.envelope import EventEnvelope
from shared.settings import Settings
from tests.integration.helpers import runtime_of
from tests.religion.conftest import DAI_THANG, QUAN_TOAN, issue, site_body

TIEN_LANG, HONG_BANG = "315", "303"
#: What a report counts of the May facts, by unit.
COUNTED = ("dossiers_lodged", "certificates_issued", "cases_opened", "cases_resolved")


def _today_s_commune(site: ReligiousSite, on: Any) -> tuple[str, str | None]:
    """How the handlers placed a dated fact before G21: the site's commune of today."""
    return site.commune_code, site.district_code


def _old_store(religion: TestClient, monkeypatch: pytest.MonkeyPatch) -> str:
    """The site, its move, and the May facts recorded after it the old way; the case's id."""
    assert religion.post("/api/v1/sites", json=site_body(
        "CS-MV", DAI_THANG, registered_on="2023-01-05")).status_code == 201
    moved = religion.patch("/api/v1/sites/CS-MV", headers={"If-Match": '"1"'},
                           json={"commune_code": QUAN_TOAN, "amended_on": "2023-07-01"})
    assert moved.status_code == 200, moved.text
    with monkeypatch.context() as old:
        old.setattr(ReligiousSite, "place_on", _today_s_commune)
        lodged = religion.post("/api/v1/sites/CS-MV/dossier/lodge",
                               json={"acted_on": "2023-05-02"})
        assert lodged.status_code == 201, lodged.text
        accepted = religion.post("/api/v1/sites/CS-MV/dossier/accept",
                                 json={"acted_on": "2023-05-10"})
        assert accepted.status_code in (200, 201), accepted.text
        issued = issue(religion, "CS-MV", "CS 777", "2023-05-20")
        assert issued.status_code == 201, issued.text
        case = religion.post("/api/v1/compliance-cases", json={
            "violation_type": "build_without_permit", "description": "Xây dựng không phép",
            "detected_on": "2023-05-03", "site_code": "CS-MV"})
        assert case.status_code == 201, case.text
        case_id: str = case.json()["aggregate_id"]
        for action, on in (("start_review", "2023-05-15"), ("resolve", "2023-06-01")):
            step = religion.post(f"/api/v1/compliance-cases/{case_id}/{action}",
                                 json={"acted_on": on, "note": "Đã tháo dỡ"})
            assert step.status_code in (200, 201), step.text
    return case_id


def _envelopes(client: TestClient) -> list[EventEnvelope]:
    with runtime_of(client).engine.connect() as conn:
        return list(runtime_of(client).store.iter_all(conn))


@pytest.fixture
def reporting_factory(settings_factory: Callable[..., Settings],
                      database_url_factory: Callable[[str], str]) -> Iterator[
                          Callable[[str], TestClient]]:
    made: list[TestClient] = []

    def make(name: str) -> TestClient:
        client = TestClient(reporting_app(settings_factory(
            "reporting", database_url=database_url_factory(name))))
        runtime_of(client).create_schema()
        made.append(client)
        return client

    yield make
    for client in made:
        runtime_of(client).engine.dispose()


def _counted(reporting: TestClient) -> dict[str, dict[str, int]]:
    response = reporting.get("/api/v1/reports/2023-6m/units")
    assert response.status_code == 200, response.text
    units = {row["code"]: row["figures"] for row in response.json()["units"]}
    return {code: {key: units[code][key] for key in COUNTED}
            for code in (TIEN_LANG, DAI_THANG, HONG_BANG, QUAN_TOAN)}


def test_a_rebuild_places_an_old_case_where_the_site_was_that_day(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_id = _old_store(religion, monkeypatch)
    stored = {e.event_type: e for e in _envelopes(religion)}
    opened = stored["ComplianceCaseOpened"]
    assert (opened.payload["commune_code"], opened.unit_code) == (QUAN_TOAN, QUAN_TOAN)
    assert stored["LandDossierLodged"].unit_code == QUAN_TOAN
    # As the old service kept it.
    assert religion.get(f"/api/v1/compliance-cases/{case_id}").json()["commune_code"] == (
        QUAN_TOAN)

    rebuilt = religion.post("/api/v1/admin/rebuild-read-models")
    assert rebuilt.status_code == 200, rebuilt.text
    case = religion.get(f"/api/v1/compliance-cases/{case_id}").json()
    assert case["commune_code"] == DAI_THANG
    listed = religion.get("/api/v1/compliance-cases", params={"district": TIEN_LANG}).json()
    assert [c["case_id"] for c in listed["items"]] == [case_id]
    assert religion.get("/api/v1/compliance-cases",
                        params={"district": HONG_BANG}).json()["items"] == []
    # The events are as they were written.
    assert {e.event_type: e.unit_code for e in _envelopes(religion)} == {
        e.event_type: e.unit_code for e in stored.values()}


def test_reporting_counts_an_old_stores_dated_facts_where_the_site_was(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    _old_store(religion, monkeypatch)
    envelopes = _envelopes(religion)
    by_batch, one_by_one = reporting_factory("reporting-batch"), reporting_factory("reporting-live")
    for reporting, batches in ((by_batch, [envelopes]), (one_by_one, [[e] for e in envelopes])):
        consumer = next(c for c in runtime_of(reporting).consumers
                        if c.durable.endswith("religion"))
        for batch in batches:
            consumer._apply(batch)
    counted = _counted(by_batch)
    assert counted[TIEN_LANG] == counted[DAI_THANG] == dict.fromkeys(COUNTED, 1), counted
    assert counted[HONG_BANG] == counted[QUAN_TOAN] == dict.fromkeys(COUNTED, 0), counted
    assert _counted(one_by_one) == counted


def test_an_old_case_is_acted_on_by_the_board_of_where_the_site_was(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Who may act on a case is who had its commune: for a case of an old store, the
    commune where its site was when it was found, not the one its opening named."""
    _old_store(religion, monkeypatch)
    with monkeypatch.context() as old:
        old.setattr(ReligiousSite, "place_on", _today_s_commune)
        case = religion.post("/api/v1/compliance-cases", json={
            "violation_type": "build_without_permit", "description": "Lấn chiếm đất",
            "detected_on": "2023-05-04", "site_code": "CS-MV"})
        assert case.status_code == 201, case.text
    case_id = case.json()["aggregate_id"]

    def review(district: str) -> Any:
        return religion.post(f"/api/v1/compliance-cases/{case_id}/start_review",
                             json={"acted_on": "2023-05-20", "note": "Xem xét"},
                             headers={"X-Unit-Scope": district,
                                      "X-Scopes": "religion:read religion:write"})

    refused = review(HONG_BANG)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "UNIT_OUT_OF_SCOPE"
    reviewed = review(TIEN_LANG)
    assert reviewed.status_code in (200, 201), reviewed.text
    step = [e for e in _envelopes(religion) if e.event_type == "ComplianceCaseReviewStarted"
            and e.aggregate_id == case_id]
    assert [e.unit_code for e in step] == [DAI_THANG]
