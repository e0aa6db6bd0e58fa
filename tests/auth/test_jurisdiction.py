"""One jurisdiction per deployment (Settings.jurisdiction, Hai Phong "31" by default): a
site, session, head, model or report scope outside it is refused with 422
OUTSIDE_JURISDICTION naming the unit and the jurisdiction, and nothing is stored; the check
is of the unit as it was on the command's date."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.indicators.application.lifecycle import seed_plan_definitions
from shared.planrules import NO_TARGET_LABEL
from shared.settings import Settings
from tests.auth.conftest import TIEN_LANG_TOWN, Idp, Services, head_body, model_body, site_body
from tests.integration.helpers import event_count, runtime_of

BA_DINH = "00004"  # Phường Ba Đình, Hà Nội, from 1 July 2025 (Phường Trúc Bạch before)
BACH_DANG_TIEN_LANG = "11788"  # Xã Bạch Đằng (315): merged on 1 January 2025
AFTER_REFORM = "2025-08-01"


def _outside(response: Any, unit_name: str, jurisdiction_name: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "OUTSIDE_JURISDICTION", error
    assert unit_name in error["message"] and jurisdiction_name in error["message"], error


def test_units_outside_hai_phong_are_refused_by_every_service(
    services: Services, idp: Idp
) -> None:
    city = idp.headers("city_staff")
    religion, dialogue = services["religion"], services["dialogue"]
    indicators, reporting = services["indicators"], services["reporting"]
    hai_phong = "Thành phố Hải Phòng"
    site = {**site_body("CS-HN1", BA_DINH), "registered_on": AFTER_REFORM}
    _outside(religion.post("/api/v1/sites", json=site, headers=city), "Phường Ba Đình", hai_phong)
    head = {**head_body(BA_DINH), "from_date": AFTER_REFORM}
    _outside(dialogue.post("/api/v1/heads", json=head, headers=city), "Phường Ba Đình", hai_phong)
    session = {"unit_code": BA_DINH, "head_ids": ["H-1"], "planned_on": AFTER_REFORM,
               "topic": "Giải phóng mặt bằng"}
    _outside(dialogue.post("/api/v1/sessions", json=session, headers=city),
             "Phường Ba Đình", hai_phong)
    model = {**model_body(BA_DINH), "started_on": AFTER_REFORM}
    _outside(indicators.post("/api/v1/models", json=model, headers=city),
             "Phường Ba Đình", hai_phong)
    for client in (religion, dialogue, indicators):
        assert event_count(client) == 0
    for scope, name in (("01", "Thành phố Hà Nội"), ("VN", "Toàn quốc")):
        _outside(reporting.get("/api/v1/reports/2023-3m", params={"scope": scope},
                               headers=city), name, hai_phong)
        _outside(reporting.get("/", params={"scope": scope, "period": "2023-3m"},
                               headers=city), name, hai_phong)
        _outside(reporting.post("/api/v1/reports/2023-3m/finalise", json={"scope": scope},
                                headers=city), name, hai_phong)
    assert event_count(reporting) == 0
    # A code that never existed is still an unknown scope, not "outside".
    unknown = reporting.get("/api/v1/reports/2023-3m", params={"scope": "99"}, headers=city)
    assert unknown.json()["error"]["code"] == "UNKNOWN_SCOPE"


def test_a_unit_is_judged_as_it_was_on_the_commands_date(services: Services, idp: Idp) -> None:
    religion = services["religion"]
    city = idp.headers("city_staff")
    # A commune merged away on 1 January 2025 takes a site registered in 2023...
    old = {**site_body("CS-BD1", BACH_DANG_TIEN_LANG), "registered_on": "2023-03-01"}
    assert religion.post("/api/v1/sites", json=old, headers=city).status_code == 201
    # ...and none dated after its merger.
    late = {**site_body("CS-BD2", BACH_DANG_TIEN_LANG), "registered_on": "2025-03-01"}
    refused = religion.post("/api/v1/sites", json=late, headers=city)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "UNKNOWN_UNIT"
    # 10510 was in Hải Dương until 30/06/2025 and is in Hải Phòng since.
    before = {**site_body("CS-HD1", "10510"), "registered_on": "2024-05-01"}
    _outside(religion.post("/api/v1/sites", json=before, headers=city), "10510",
             "Thành phố Hải Phòng")
    after = {**site_body("CS-HD2", "10510"), "registered_on": AFTER_REFORM}
    assert religion.post("/api/v1/sites", json=after, headers=city).status_code == 201


@pytest.fixture
def hanoi(auth_settings: Callable[..., Settings]) -> Iterator[Services]:
    started = Services(lambda name: auth_settings(name, jurisdiction="01"))
    yield started
    started.close()


def test_the_jurisdiction_is_the_deployments_setting(hanoi: Services, idp: Idp) -> None:
    religion: TestClient = hanoi["religion"]
    city = idp.headers("city_staff")
    site = {**site_body("CS-HN2", BA_DINH), "registered_on": AFTER_REFORM}
    assert religion.post("/api/v1/sites", json=site, headers=city).status_code == 201
    _outside(religion.post("/api/v1/sites", json=site_body("CS-TL1", TIEN_LANG_TOWN),
                           headers=city), "Thị trấn Tiên Lãng", "Thành phố Hà Nội")
    # Unit search and listings default to the jurisdiction, on the date asked.
    found = hanoi["indicators"].get("/api/v1/units/search", headers=city,
                                    params={"q": "ba dinh", "on": AFTER_REFORM}).json()
    assert found["province"] == "01" and found["on"] == AFTER_REFORM
    assert {u["province_code"] for u in found["items"]} == {"01"}
    assert BA_DINH in {u["code"] for u in found["items"]}


def test_unit_search_defaults_to_hai_phong_and_the_date_asked(
    services: Services, idp: Idp
) -> None:
    units, city = services["indicators"], idp.headers("city_staff")
    found = units.get("/api/v1/units/search", headers=city,
                      params={"q": "ba dinh", "on": "2023-06-01"}).json()
    assert (found["province"], found["on"], found["items"]) == ("31", "2023-06-01", [])
    national = units.get("/api/v1/units/search", headers=city,
                         params={"q": "ba dinh", "on": "2023-06-01", "province": "VN"}).json()
    assert "001" in {u["code"] for u in national["items"]}  # Quận Ba Đình, Hà Nội
    tien_lang = units.get("/api/v1/units/search", headers=city,
                          params={"q": "tien lang", "on": "2023-06-01"}).json()["items"]
    assert [u["name"] for u in tien_lang[:2]] == ["Huyện Tiên Lãng", "Thị trấn Tiên Lãng"]
    tree = units.get("/api/v1/units/tree", headers=city,
                     params={"on": "2023-06-01"}).json()["tree"]
    assert tree["code"] == "31" and len(tree["children"]) == 15


def test_another_province_is_not_given_hai_phongs_plan(hanoi: Services, idp: Idp) -> None:
    """The plan is the Hải Phòng Commission's (its I1-I4 of 2023, their targets and its base of
    239 sites): a deployment serving Hà Nội neither defines them at its start nor judges its
    units by them (examiner figures2). Before, the indicators service of a Hà Nội deployment
    defined I1-I4 over «31» at its first start, so GET /api/v1/indicators/2023/I3 answered
    Thành phố Hải Phòng 0/239 «Có nguy cơ không đạt» with Hải Phòng's districts, units the
    deployment refuses everywhere else, and reporting judged Hà Nội's 0/579 communes against
    the plan's 100 % («Có nguy cơ không đạt»)."""
    indicators, city = hanoi["indicators"], idp.headers("city_staff")
    assert seed_plan_definitions(runtime_of(indicators)) == 0
    assert event_count(indicators) == 0
    listed = indicators.get("/api/v1/indicators", headers=city, params={"year": 2023})
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []
    assert indicators.get("/api/v1/indicators/2023/I3", headers=city).status_code == 404
    report = hanoi["reporting"].get("/api/v1/reports/2023-3m", headers=city)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["unit"]["code"] == "01"
    rows = {row["id"]: row for row in body["indicators"]}
    assert rows["I1"]["denominator"] == 579  # Hà Nội's communes of 2023, counted
    for row in rows.values():
        assert row["status"] is None, row
        assert row["status_label"] == NO_TARGET_LABEL.format(year=2023), row
