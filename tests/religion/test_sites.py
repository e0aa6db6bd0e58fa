"""The site register over HTTP: register, amend, close; list with filters, diacritics-free
search and pagination; bad input refused with nothing written."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.religion.application.queries import SiteFilter
from tests.integration.helpers import event_count, runtime_of
from tests.religion.conftest import (
    DAI_THANG,
    QUAN_TOAN,
    TIEN_LANG_TOWN,
    VINH_BAO_TOWN,
    act,
    error_of,
    register,
    site_body,
)
from tests.religion.sitereads import site_reads


def _codes(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/api/v1/sites", params=params)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


def test_register_amend_close_and_the_views_follow_at_once(religion: TestClient) -> None:
    register(religion, "TL-01", name="Chùa Tiên Lãng", address="Khu 2, thị trấn Tiên Lãng")
    read = religion.get("/api/v1/sites/TL-01")
    assert read.headers["ETag"] == '"1"'
    detail = read.json()
    assert detail["district"] == {"code": "315", "name": "Huyện Tiên Lãng"}
    # Named as of today, as every service names it (Thị trấn Tiên Lãng until 30/06/2025).
    assert detail["commune"]["name"] == "Xã Tiên Lãng"
    [then] = religion.get("/api/v1/sites", params={"as_of": "2023-06-30"}).json()["items"]
    assert then["commune"]["name"] == "Thị trấn Tiên Lãng"
    assert detail["dossier"]["state"] == "not_started"
    assert detail["version"] == 1

    # An amendment overwrites fields: without If-Match it is refused, nothing written.
    before = event_count(religion)
    blind = religion.patch("/api/v1/sites/TL-01", json={"name": "Chùa Mới",
                                                        "amended_on": "2023-03-01"})
    assert blind.status_code == 428 and error_of(blind)["code"] == "PRECONDITION_REQUIRED"
    assert "If-Match" in error_of(blind)["message"] and event_count(religion) == before

    moved = religion.patch("/api/v1/sites/TL-01", json={
        "commune_code": VINH_BAO_TOWN, "land_area_m2": 1300, "amended_on": "2023-03-01",
        "note": "Đo đạc lại",
    }, headers={"If-Match": read.headers["ETag"]})
    assert moved.status_code == 200, moved.text
    assert moved.headers["ETag"] == '"2"' and moved.json()["version"] == 2
    detail = religion.get("/api/v1/sites/TL-01").json()
    assert detail["district"]["code"] == "316"
    assert detail["land_area_m2"] == 1300
    assert detail["version"] == 2
    assert _codes(religion, district="316") == ["TL-01"]
    assert _codes(religion, district="315") == []

    # A stale ETag: 412 naming the current version, nothing written.
    stale = religion.patch("/api/v1/sites/TL-01", json={
        "name": "Chùa Mới", "amended_on": "2023-03-02"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert error_of(stale)["code"] == "PRECONDITION_FAILED"
    assert error_of(stale)["details"]["current_version"] == 2
    assert "phiên bản hiện tại là 2" in error_of(stale)["message"]
    # The deprecated body field means the same, and must agree with If-Match when both come.
    stale_body = religion.patch("/api/v1/sites/TL-01", json={
        "name": "Chùa Mới", "amended_on": "2023-03-02", "expected_version": 1})
    assert stale_body.status_code == 412
    disagree = religion.patch("/api/v1/sites/TL-01", json={
        "name": "Chùa Mới", "amended_on": "2023-03-02", "expected_version": 2},
        headers={"If-Match": '"1"'})
    assert disagree.status_code == 422 and error_of(disagree)["code"] == "VERSION_DISAGREES"
    garbled = religion.patch("/api/v1/sites/TL-01", json={
        "name": "Chùa Mới", "amended_on": "2023-03-02"}, headers={"If-Match": "v2"})
    assert garbled.status_code == 422 and error_of(garbled)["code"] == "BAD_IF_MATCH"
    assert event_count(religion) == before + 1
    same = religion.patch("/api/v1/sites/TL-01", json={
        "land_area_m2": 1300, "amended_on": "2023-03-02", "expected_version": 2})
    assert same.status_code == 422 and error_of(same)["code"] == "NO_CHANGES"

    closed = religion.post("/api/v1/sites/TL-01/close",
                           json={"closed_on": "2023-04-01", "reason": "Sáp nhập cơ sở"})
    assert closed.status_code == 200, closed.text
    assert _codes(religion) == []
    assert _codes(religion, status="closed") == ["TL-01"]
    again = religion.patch("/api/v1/sites/TL-01", json={"name": "X", "amended_on": "2023-04-02"},
                           headers={"If-Match": '"3"'})
    assert again.status_code == 409 and error_of(again)["code"] == "SITE_CLOSED"
    lodge = religion.post("/api/v1/sites/TL-01/dossier/lodge", json={"acted_on": "2023-04-03"})
    assert lodge.status_code == 409 and error_of(lodge)["code"] == "SITE_CLOSED"


def test_filters_search_without_diacritics_and_pagination(religion: TestClient) -> None:
    register(religion, "TL-01", TIEN_LANG_TOWN, name="Chùa Đông Khê")
    register(religion, "TL-02", DAI_THANG, name="Giáo xứ Đại Thắng", religion="Công giáo")
    register(religion, "HB-01", QUAN_TOAN, name="Chùa Quán Toan")
    register(religion, "VB-01", VINH_BAO_TOWN, name="Chi hội Tin lành Vĩnh Bảo",
             religion="Tin lành")
    assert _codes(religion) == ["HB-01", "TL-01", "TL-02", "VB-01"]
    assert _codes(religion, district="315") == ["TL-01", "TL-02"]
    assert _codes(religion, commune=DAI_THANG) == ["TL-02"]
    assert _codes(religion, religion="Công giáo") == ["TL-02"]
    assert _codes(religion, q="tien lang") == ["TL-01", "TL-02"]  # by district name
    assert _codes(religion, q="TIÊN LÃNG") == ["TL-01", "TL-02"]
    assert _codes(religion, q="dong khe") == ["TL-01"]
    assert _codes(religion, q="chua quan") == ["HB-01"]
    assert _codes(religion, q="ong khe") == []  # words match at word starts
    assert _codes(religion, q="%") == []  # nothing searchable: nothing found (Q5)
    assert _codes(religion, has_certificate="true") == []
    assert _codes(religion, has_certificate="false", district="315") == ["TL-01", "TL-02"]
    assert _codes(religion, dossier_state="not_started", religion="Tin lành") == ["VB-01"]
    assert _codes(religion, dossier_state=["lodged", "accepted"]) == []

    page = religion.get("/api/v1/sites", params={"page_size": 3, "page": 2}).json()
    assert (page["total"], page["pages"], [i["code"] for i in page["items"]]) == (4, 2, ["VB-01"])


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("unknown commune", site_body("X-1", "99999"), "UNKNOWN_UNIT"),
    # 11948 Đặc khu Bạch Long Vĩ is a commune of the July 2025 structure only.
    ("commune not yet created", site_body("X-2", "11948", registered_on="2023-06-01"),
     "UNKNOWN_UNIT"),
    ("district code as commune", site_body("X-3", "315"), "VALIDATION_ERROR"),
    ("control character", site_body("X-4", name="Chùa\u0007"), "VALIDATION_ERROR"),
    ("blank name", site_body("X-5", name="   "), "VALIDATION_ERROR"),
    ("zero area", site_body("X-6", land_area_m2=0), "VALIDATION_ERROR"),
    ("bad code", site_body("có dấu"), "VALIDATION_ERROR"),
    ("slash in code", site_body("TL/01"), "VALIDATION_ERROR"),
    ("future date", site_body("X-7", registered_on="2099-01-01"), "DATE_IN_FUTURE"),
    # A wrong type is bad input, not a number to guess: true was taken as 1 m², "250" as 250.
    ("boolean area", site_body("X-8", land_area_m2=True), "VALIDATION_ERROR"),
    ("area as text", site_body("X-9", land_area_m2="250"), "VALIDATION_ERROR"),
    ("direction override", site_body("X-10", name="Chùa\u202elivE"), "VALIDATION_ERROR"),
]


def test_a_search_with_nothing_searchable_finds_nothing(religion: TestClient) -> None:
    """Q5: a `q` that folds to no word ("---", an emoji, bytes that are no UTF-8) answers an
    empty page, as the units' search does, not the whole register; an empty `q=` is no search."""
    register(religion, "TL-01", name="Chùa 🙏 Đông Khê")
    register(religion, "TL-02", name="Giáo xứ Đại Thắng", religion="Công giáo")
    for raw in ("---", "!!!", "%F0%9F%99%8F", "%ED%A0%80", "%C0%AF", "%20%20", "%E2%80%94"):
        response = religion.get(f"/api/v1/sites?q={raw}")
        assert response.status_code == 200, (raw, response.text)
        assert (response.json()["total"], response.json()["items"]) == (0, []), raw
    assert _codes(religion, q="") == ["TL-01", "TL-02"]
    assert _codes(religion, q="🙏 khe") == ["TL-01"]  # the words that are there still count


def test_a_search_tests_each_row_once_for_each_word_that_narrows_it(religion: TestClient) -> None:
    """examiner-hostile, Low: every word of `q` was one more LIKE over every row, a word given
    twice or the start of another word given too, though neither can narrow the search:
    «so so so ...» 60 times (within the 200 characters taken) read the city's 100,000 sites
    60 times, 2.5 to 7 s on SQLite (0.3 s once). The same sites are found."""
    register(religion, "TL-01", name="Chùa Đông Khê")
    register(religion, "TL-02", name="Chùa Đông Sơn")
    register(religion, "TL-03", name="Giáo xứ Đại Thắng", religion="Công giáo")
    searches = {"chua chua chua dong c ch d": ["TL-01", "TL-02"], "d dong kh khe": ["TL-01"],
                "chua " * 39: ["TL-01", "TL-02"], "giao xu dai": ["TL-03"], "xu khe": []}
    with runtime_of(religion).engine.connect() as conn:
        for q, codes in searches.items():
            assert _codes(religion, q=q) == codes, q
            [count, _] = site_reads(conn, SiteFilter(q=q), date(2026, 12, 7))
            statement, parameters = count
            # One LIKE for each word not implied by another.
            needed = set(q.split()) - {"c", "ch", "d", "kh"}
            assert statement.count("LIKE") == len(needed), (q, statement)
            values = parameters.values() if isinstance(parameters, dict) else parameters
            assert {v.strip(" %") for v in values if isinstance(v, str)} >= needed


@pytest.mark.parametrize(("case", "body", "code"), BAD, ids=[c for c, _, _ in BAD])
def test_bad_sites_are_refused_and_nothing_is_written(
    religion: TestClient, case: str, body: dict[str, Any], code: str
) -> None:
    response = religion.post("/api/v1/sites", json=body)
    assert response.status_code == 422, (case, response.text)
    assert error_of(response)["code"] == code
    assert not error_of(response)["message"].isascii()
    assert event_count(religion) == 0


def test_a_religion_typed_decomposed_is_the_same_religion(religion: TestClient) -> None:
    """"Phật giáo" typed on macOS or copied from a PDF arrives in NFD; it was refused as not
    one of the religions, with the same words listed as allowed."""
    decomposed = unicodedata.normalize("NFD", "Phật giáo")
    assert decomposed != "Phật giáo"
    register(religion, "NFD-01", religion=decomposed)
    assert religion.get("/api/v1/sites/NFD-01").json()["religion"] == "Phật giáo"
    assert _codes(religion, religion=decomposed) == ["NFD-01"]
    amended = religion.patch(
        "/api/v1/sites/NFD-01", headers={"If-Match": '"1"'},
        json={"religion": unicodedata.normalize("NFD", "Hồi giáo"), "amended_on": "2023-03-01"})
    assert amended.status_code == 200, amended.text
    assert religion.get("/api/v1/sites/NFD-01").json()["religion"] == "Hồi giáo"


def test_duplicates_unknown_sites_and_bad_queries(religion: TestClient) -> None:
    register(religion, "TL-01")
    twice = religion.post("/api/v1/sites", json=site_body("TL-01"))
    assert twice.status_code == 409 and error_of(twice)["code"] == "SITE_EXISTS"
    missing = religion.get("/api/v1/sites/NOPE")
    assert missing.status_code == 404 and error_of(missing)["code"] == "SITE_NOT_FOUND"
    for params in ({"page": 0}, {"page_size": 1000}, {"district": "31"},
                   {"has_certificate": "có lẽ"}, {"dossier_state": "lost"}, {"status": "x"}):
        response = religion.get("/api/v1/sites", params=params)
        assert response.status_code == 422, params
        assert error_of(response)["code"] == "VALIDATION_ERROR"
    assert event_count(religion) == 1


def test_an_area_refusal_prints_its_bound_and_nan_is_no_number(religion: TestClient) -> None:
    """K10: «Phải lớn hơn 0.0» for -5, and NaN (a literal the body parser takes) refused as
    «Phải nhỏ hơn hoặc bằng 100000000.0»."""
    def sent(area: str) -> Any:
        body = json.dumps(site_body("K10-1")).replace('"land_area_m2": 1250.5',
                                                       f'"land_area_m2": {area}')
        return religion.post("/api/v1/sites", content=body,
                             headers={"content-type": "application/json"})

    negative = sent("-5")
    assert negative.status_code == 422
    assert "Phải lớn hơn 0" in negative.text and "0.0" not in negative.text
    for area in ("NaN", "1e400"):
        refused = sent(area)
        assert refused.status_code == 422, refused.text
        assert "FINITE_NUMBER" in refused.text and "100000000.0" not in refused.text
    assert religion.get("/api/v1/sites/K10-1").status_code == 404


def test_an_area_is_from_a_tenth_of_a_square_metre_to_100_km2_in_tenths(
    religion: TestClient,
) -> None:
    """examiner-hostile, Low: 1e-320 (a denormal), 0.0001 m² and 1250.123456 m² were
    registered and certified as land areas (201). An area is read off a certificate, which
    writes it to 0,1 m²: below 0,1 m² or finer than that is refused 422, nothing written,
    the same rule for a site's area and a certificate's."""
    refusals = {"1e-320": "AREA_PRECISION", "0.0001": "AREA_PRECISION",
                "0.05": "AREA_PRECISION", "1250.123456": "AREA_PRECISION",
                "1250.55": "AREA_PRECISION", "0": "GREATER_THAN",
                "100000000.1": "LESS_THAN_EQUAL"}
    for area, code in refusals.items():
        body = json.dumps(site_body("A-1")).replace('"land_area_m2": 1250.5',
                                                     f'"land_area_m2": {area}')
        refused = religion.post("/api/v1/sites", content=body,
                                headers={"content-type": "application/json"})
        assert refused.status_code == 422, (area, refused.text)
        [detail] = error_of(refused)["details"]
        assert (detail["field"], detail["code"]) == ("land_area_m2", code), area
        assert not detail["message"].isascii()
    assert event_count(religion) == 0
    for n, taken in enumerate((0.1, 1250.5, 3052, 100_000_000)):
        register(religion, f"A-{n}", land_area_m2=taken)
        assert religion.get(f"/api/v1/sites/A-{n}").json()["land_area_m2"] == taken
    lodged = act(religion, "A-1", "lodge", "2023-03-01")
    assert lodged.status_code == 201, lodged.text
    assert act(religion, "A-1", "accept", "2023-04-01").status_code == 200
    certified = religion.post("/api/v1/sites/A-1/certificate", json={
        "certificate_number": "CS 1", "issued_on": "2023-05-02", "issuing_authority": "Sở TNMT",
        "certified_area_m2": 1e-320})
    assert certified.status_code == 422, certified.text
    assert religion.get("/api/v1/sites/A-1").json()["certificate"] is None
