"""A board opens exactly the records its lists show, a merged commune's at a successor in
another district included (finding N7). 11794 Xã Toàn Thắng (Tiên Lãng 315) merged on
01/01/2025 with no successor in the catalogue's data; an official records 11824 Thị trấn Vĩnh
Bảo (Vĩnh Bảo 316). Reporting then counts Toàn Thắng's site in 316's rows, and the list of
11824 places it there, but the scope rule read the site's own commune only: 316's lists
left it out and its page answered 403. Now a record is a board's when its own unit is, or
when the unit a list or figure places it at is (`shared.auth.units.covers_during` with the
service's placing catalogue); 315 keeps it for the days it had the commune. SQLite and
PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.religion.conftest import site_body
from tests.successions import feed_successions, indicators, record

__all__ = ["indicators"]

TOAN_THANG, VINH_BAO_TOWN, TIEN_LANG, VINH_BAO, KIEN_THUY = "11794", "11824", "315", "316", "314"


def _board(district: str) -> dict[str, str]:
    return {"X-Unit-Scope": district, "X-Scopes": "religion:read", "X-Actor": f"bdv-{district}"}


def _listed(religion: TestClient, district: str, **params: str) -> list[str]:
    response = religion.get("/api/v1/sites", params=params, headers=_board(district))
    assert response.status_code == 200, response.text
    return sorted(s["code"] for s in response.json()["items"])


def _opens(religion: TestClient, district: str) -> int:
    status: int = religion.get("/api/v1/sites/TL-G", headers=_board(district)).status_code
    return status


def test_a_successor_boards_lists_and_reads_hold_the_merged_communes_site(
    religion: TestClient, indicators: TestClient,
) -> None:
    assert religion.post("/api/v1/sites", json=site_body(
        "TL-G", TOAN_THANG, registered_on="2023-01-05")).status_code == 201
    assert _opens(religion, VINH_BAO) == 403
    assert _listed(religion, VINH_BAO, unit=VINH_BAO_TOWN, as_of="2025-03-14") == []

    succession = record(indicators, TOAN_THANG, VINH_BAO_TOWN, "xã kế thừa thuộc huyện Vĩnh Bảo")
    feed_successions(religion, [succession])

    # 316's list of 11824 on a day of 2025 shows the site (as the city's does, and as
    # reporting's row of 11824 counts it), its whole list too, and it opens the site.
    assert _listed(religion, "31", unit=VINH_BAO_TOWN, as_of="2025-03-14") == ["TL-G"]
    assert _listed(religion, VINH_BAO, unit=VINH_BAO_TOWN, as_of="2025-03-14") == ["TL-G"]
    assert _listed(religion, VINH_BAO) == ["TL-G"]
    assert _opens(religion, VINH_BAO) == 200
    assert religion.get("/api/v1/sites/TL-G/history",
                        headers=_board(VINH_BAO)).status_code == 200
    # Tiên Lãng keeps the site it had in its care until the merger.
    assert _opens(religion, TIEN_LANG) == 200
    assert _listed(religion, TIEN_LANG, unit=TOAN_THANG, as_of="2024-06-14") == ["TL-G"]
    # A third district has it neither way.
    assert _opens(religion, KIEN_THUY) == 403
    assert _listed(religion, KIEN_THUY) == []


def _cases(religion: TestClient, district: str, **params: str) -> list[str]:
    response = religion.get("/api/v1/compliance-cases", params=params, headers=_board(district))
    assert response.status_code == 200, response.text
    return sorted(c["case_id"] for c in response.json()["items"])


def test_the_case_register_of_a_successor_lists_the_merged_communes_cases(
    religion: TestClient, indicators: TestClient,
) -> None:
    """The compliance cases' list for a commune places as the sites' list for it does (the
    kernel's placement, `codes_placed_in`, as reporting's row of the commune counts the case's
    `cases_pending`): after 11824 is recorded as 11794's successor, `?unit=11824` lists the
    case of Toàn Thắng's site, as `GET /sites?unit=11824` lists the site."""
    assert religion.post("/api/v1/sites", json=site_body(
        "TL-G", TOAN_THANG, registered_on="2023-01-05")).status_code == 201
    opened = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "build_without_permit", "description": "Xây dựng không phép",
        "detected_on": "2024-06-01", "site_code": "TL-G"})
    assert opened.status_code == 201, opened.text
    case = opened.json()["aggregate_id"]
    assert _cases(religion, "31", unit=VINH_BAO_TOWN) == []

    feed_successions(religion, [record(indicators, TOAN_THANG, VINH_BAO_TOWN,
                                       "xã kế thừa thuộc huyện Vĩnh Bảo")])

    assert _listed(religion, "31", unit=VINH_BAO_TOWN) == ["TL-G"]
    for reader in ("31", VINH_BAO):
        assert _cases(religion, reader, unit=VINH_BAO_TOWN) == [case], reader
        assert _cases(religion, reader, commune=VINH_BAO_TOWN) == [case], reader
    # Its own commune keeps it.
    assert _cases(religion, "31", unit=TOAN_THANG) == [case]
