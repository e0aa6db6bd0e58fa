"""A board writes a merged commune's site, dossier, certificate and cases when it has the
commune today (review R4), as it reads them since finding N7. 11794 Xã Toàn Thắng (Tiên Lãng
315) ceased on 01/01/2025; an official records its successor 11824 Thị trấn Vĩnh Bảo (Vĩnh
Bảo 316). Vĩnh Bảo lists and opens Toàn Thắng's site, but every write of it answered 403
UNIT_OUT_OF_SCOPE: after the merger only the city could write it, its old district no more
than the new one. Now a write is today's work of the board whose scope covers the unit the
record is placed on today (`shared.auth.units.covers_write`); Tiên Lãng keeps the writes dated
on its own days, a third district has none. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from shared import messages
from tests.religion.conftest import site_body
from tests.successions import feed_successions, indicators, record

__all__ = ["indicators"]

TOAN_THANG, VINH_BAO_TOWN, TIEN_LANG, VINH_BAO, KIEN_THUY = "11794", "11824", "315", "316", "314"
SITE = "TL-G"
HEADER = "Mã cơ sở;Tên cơ sở;Tôn giáo;Mã xã;Diện tích đất (m²);Ngày đăng ký;Ghi chú\n"


def _board(scope: str) -> dict[str, str]:
    return {"X-Unit-Scope": scope, "X-Scopes": "religion:read religion:write",
            "X-Actor": f"bdv-{scope}"}


def _act(religion: TestClient, scope: str, action: str, on: str) -> Any:
    return religion.post(f"/api/v1/sites/{SITE}/dossier/{action}", json={"acted_on": on},
                         headers=_board(scope))


def _issue(religion: TestClient, scope: str, number: str, on: str) -> Any:
    return religion.post(f"/api/v1/sites/{SITE}/certificate", headers=_board(scope), json={
        "certificate_number": number, "issued_on": on,
        "issuing_authority": "Sở Tài nguyên và Môi trường thành phố Hải Phòng",
        "certified_area_m2": 1200.0, "document_refs": ["QĐ 123/QĐ-UBND"]})


def _amend(religion: TestClient, scope: str, on: str) -> Any:
    version = religion.get(f"/api/v1/sites/{SITE}").headers["ETag"]
    return religion.patch(f"/api/v1/sites/{SITE}", headers={**_board(scope), "If-Match": version},
                          json={"address": f"Thôn Đông ({scope})", "amended_on": on})


def _open_case(religion: TestClient, scope: str, on: str) -> Any:
    return religion.post("/api/v1/compliance-cases", headers=_board(scope), json={
        "violation_type": "build_without_permit", "description": "Xây dựng không phép",
        "detected_on": on, "site_code": SITE})


def _import(religion: TestClient, scope: str) -> list[dict[str, Any]]:
    content = (HEADER + f"TT-02;Chùa Toàn Thắng;Phật giáo;{TOAN_THANG};900;05/03/2024;\n")
    dry = religion.post("/api/v1/sites/import", params={"dry_run": "true"},
                        headers=_board(scope),
                        files={"file": ("co-so.csv", content.encode(), "text/csv")})
    assert dry.status_code == 200, dry.text
    errors: list[dict[str, Any]] = dry.json()["errors"]
    return errors


def _refused(response: Any, scope: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "UNIT_OUT_OF_SCOPE"
    assert error["message"] == messages.RECORD_OUT_OF_SCOPE.format(scope=scope)


def test_the_successors_board_writes_the_merged_communes_site(
    religion: TestClient, indicators: TestClient,
) -> None:
    assert religion.post("/api/v1/sites", json=site_body(
        SITE, TOAN_THANG, registered_on="2023-01-05")).status_code == 201
    # Before the successor is known: Vĩnh Bảo does not have the commune.
    _refused(_act(religion, VINH_BAO, "lodge", "2025-03-02"), VINH_BAO)
    assert [e["code"] for e in _import(religion, VINH_BAO)] == ["UNIT_OUT_OF_SCOPE"]

    feed_successions(religion, [record(indicators, TOAN_THANG, VINH_BAO_TOWN,
                                       "xã kế thừa thuộc huyện Vĩnh Bảo")])

    # Tiên Lãng keeps a step of the days it had the commune.
    assert _act(religion, TIEN_LANG, "lodge", "2024-12-20").status_code == 201
    # Vĩnh Bảo writes the site's dossier, certificate, registration and cases, whatever day
    # they are dated (one of Tiên Lãng's days included); so does the commune's own board.
    assert _act(religion, VINH_BAO, "accept", "2024-12-27").status_code == 200
    assert _issue(religion, VINH_BAO, "CS TT-01", "2025-05-20").status_code == 201
    assert _amend(religion, VINH_BAO_TOWN, "2025-06-01").status_code == 200
    opened = _open_case(religion, VINH_BAO, "2025-06-10")
    assert opened.status_code == 201, opened.text
    case = opened.json()["aggregate_id"]
    reviewed = religion.post(f"/api/v1/compliance-cases/{case}/start_review",
                             json={"acted_on": "2025-06-12"}, headers=_board(VINH_BAO))
    assert reviewed.status_code == 200, reviewed.text
    # A new site of the commune, over the import too.
    assert religion.post("/api/v1/sites", headers=_board(VINH_BAO), json=site_body(
        "TT-01", TOAN_THANG, registered_on="2024-03-05")).status_code == 201
    assert _import(religion, VINH_BAO) == []

    # Tiên Lãng does not write the commune's records of the days after it.
    _refused(_amend(religion, TIEN_LANG, "2025-06-15"), TIEN_LANG)
    _refused(_open_case(religion, TIEN_LANG, "2025-06-15"), TIEN_LANG)
    # A third district has them neither way.
    for response in (_amend(religion, KIEN_THUY, "2025-06-15"),
                     religion.post(f"/api/v1/sites/{SITE}/certificate/revoke",
                                   headers=_board(KIEN_THUY), json={
                                       "certificate_number": "CS TT-01",
                                       "revoked_on": "2025-06-15", "reason": "Cấp sai"}),
                     _open_case(religion, KIEN_THUY, "2024-06-01")):
        _refused(response, KIEN_THUY)
    assert [e["code"] for e in _import(religion, KIEN_THUY)] == ["UNIT_OUT_OF_SCOPE"]
