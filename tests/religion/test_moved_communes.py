"""A commune that changed district: a district board's lists and its reads of one record say
the same thing (F20). Xã Đại Bản (11587) was in Huyện An Dương (312) until 31/12/2024 and in
Quận Hải An (303) from 01/01/2025 to the reform; Phường An Hồng (11602) did the same and kept
its code after 01/07/2025 (Phường Hồng An). A record is the board's whose commune was the
board's on some day of the record's life."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.religion.conftest import act, register

AN_DUONG = "312"
HAI_AN = "303"
DAI_BAN = "11587"  # 312 until 31/12/2024, then 303
AN_HONG = "11602"  # likewise; Phường Hồng An (31) from 01/07/2025
AN_DONG = "11605"  # Xã An Đồng (312), merged away on 01/01/2025

#: What each district board may read, and only that.
EXPECTED_SITES = {
    # In 312's care in 2023-2024: the 2023 sites of Đại Bản (one closed in 2024), An Đồng's.
    AN_DUONG: {"DB-2023", "DB-2023-CLOSED", "AD-2023"},
    # In 303's care from 2025: the 2023 site still open, those registered since, and An
    # Hồng's after the reform (the district is read as of its last day, as for a command).
    HAI_AN: {"DB-2023", "DB-2025", "AH-2025-08"},
}
EXPECTED_CASES = {AN_DUONG: {"2023"}, HAI_AN: {"2023", "2025"}}


def _board(district: str) -> dict[str, str]:
    return {"X-Unit-Scope": district, "X-Scopes": "religion:read"}


def _record(religion: TestClient) -> dict[str, str]:
    register(religion, "DB-2023", DAI_BAN, registered_on="2023-03-01")
    register(religion, "DB-2023-CLOSED", DAI_BAN, registered_on="2023-03-01")
    closed = religion.post("/api/v1/sites/DB-2023-CLOSED/close", json={
        "closed_on": "2024-06-01", "reason": "Sáp nhập vào chùa khác"},
        headers={"If-Match": '"1"'})
    assert closed.status_code == 200, closed.text
    register(religion, "AD-2023", AN_DONG, registered_on="2023-03-01")
    register(religion, "DB-2025", DAI_BAN, registered_on="2025-03-01")
    register(religion, "AH-2025-08", AN_HONG, registered_on="2025-08-01")
    for action, on in (("lodge", "2025-03-02"), ("accept", "2025-03-20")):
        step = act(religion, "DB-2025", action, on, note="Đủ điều kiện")
        assert step.status_code in (200, 201), step.text
    issued = religion.post("/api/v1/sites/DB-2025/certificate", json={
        "certificate_number": "CS 2025", "issued_on": "2025-04-01",
        "issuing_authority": "Sở Tài nguyên và Môi trường thành phố Hải Phòng",
        "certified_area_m2": 1200.0, "document_refs": ["QĐ 12/QĐ-UBND"]})
    assert issued.status_code == 201, issued.text
    cases = {}
    for label, detected in (("2023", "2023-04-02"), ("2025", "2025-04-02")):
        opened = religion.post("/api/v1/compliance-cases", json={
            "violation_type": "land_encroachment", "commune_code": DAI_BAN,
            "description": "Lấn chiếm đất", "detected_on": detected})
        assert opened.status_code == 201, opened.text
        cases[opened.json()["case_id"]] = label
    return cases


def _listed(religion: TestClient, path: str, key: str, headers: dict[str, str],
            **params: Any) -> set[str]:
    response = religion.get(path, params={"page_size": 100, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return {item[key] for item in response.json()["items"]}


def test_a_board_opens_exactly_the_records_its_lists_show(religion: TestClient) -> None:
    cases = _record(religion)
    every_site = set().union(*EXPECTED_SITES.values())
    for district, expected in EXPECTED_SITES.items():
        board = _board(district)
        listed = _listed(religion, "/api/v1/sites", "code", board, status="all")
        assert listed == expected, district
        for code in every_site:
            read = religion.get(f"/api/v1/sites/{code}", headers=board)
            assert read.status_code == (200 if code in expected else 403), (district, code)
            history = religion.get(f"/api/v1/sites/{code}/history", headers=board)
            assert history.status_code == read.status_code, (district, code)
        # The commune asked for lists the records of the board's time; it is not refused.
        asked = _listed(religion, "/api/v1/sites", "code", board, status="all", commune=DAI_BAN)
        assert asked == {c for c in expected if c.startswith("DB-")}, district
        certificate = religion.get("/api/v1/certificates/CS 2025", headers=board)
        assert certificate.status_code == (200 if "DB-2025" in expected else 403), district

        listed_cases = _listed(religion, "/api/v1/compliance-cases", "case_id", board)
        assert {cases[c] for c in listed_cases} == EXPECTED_CASES[district]
        for case_id, label in cases.items():
            read = religion.get(f"/api/v1/compliance-cases/{case_id}", headers=board)
            allowed = label in EXPECTED_CASES[district]
            assert read.status_code == (200 if allowed else 403), (district, label)

    # The city's district filter is the board's own reading, not the district stored with
    # the registration (DB-2023 was registered in 312 and is in 303's care too).
    for district, expected in EXPECTED_SITES.items():
        assert _listed(religion, "/api/v1/sites", "code", {}, status="all",
                       district=district) == expected


def test_a_commune_the_board_never_held_is_refused(religion: TestClient) -> None:
    _record(religion)
    refused = religion.get("/api/v1/sites", params={"commune": "11296"},
                           headers=_board(AN_DUONG))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "UNIT_OUT_OF_SCOPE"
    # A commune board reads its own commune only, by the same rule.
    own = _listed(religion, "/api/v1/sites", "code", _board(AN_HONG), status="all")
    assert own == {"AH-2025-08"}
