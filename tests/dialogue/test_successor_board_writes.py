"""A board writes a merged commune's records when it has the commune today (review R4), as it
reads them since finding N7: 11794 Xã Toàn Thắng (Tiên Lãng 315) ceased on 01/01/2025 and an
official records its successor 11824 Thị trấn Vĩnh Bảo (Vĩnh Bảo 316). Vĩnh Bảo's progress
template lists Toàn Thắng's open commitment, but its upload, `POST /commitments/{id}/progress`
and `/reopen` answered 403 UNIT_OUT_OF_SCOPE: after the merger only the city could write it.
Now a write is today's work of the board whose scope covers the unit the record is placed on
today (`shared.auth.units.covers_write`); Tiên Lãng keeps the writes dated on its own days,
a third district has none. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from shared import messages
from tests.dialogue.conftest import FakeToday, held_session, ok, take_office
from tests.dialogue.test_successor_lists import dialogue
from tests.successions import feed_successions, indicators, record

__all__ = ["dialogue", "indicators"]

TOAN_THANG, VINH_BAO_TOWN, TIEN_LANG, VINH_BAO, KIEN_THUY = "11794", "11824", "315", "316", "314"
IMPORT = "/api/v1/commitments/progress-import"


def _board(scope: str) -> dict[str, str]:
    return {"X-Unit-Scope": scope, "X-Scopes": "dialogue:read dialogue:write",
            "X-Actor": f"bdv-{scope}"}


def _progress(dialogue: TestClient, scope: str, commitment: str, pct: int, on: str) -> Any:
    return dialogue.post(f"/api/v1/commitments/{commitment}/progress",
                         json={"progress_pct": pct, "updated_on": on}, headers=_board(scope))


def _template(dialogue: TestClient, scope: str) -> list[str]:
    sheet = dialogue.get(f"{IMPORT}/template", params={"format": "csv"}, headers=_board(scope))
    assert sheet.status_code == 200, sheet.text
    return [line.split(",")[0] for line in sheet.text.lstrip("\ufeff").splitlines()[1:]]


def _upload(dialogue: TestClient, scope: str, commitment: str, pct: int, on: str) -> Any:
    content = (f"Mã cam kết,Tiến độ (%),Ngày cập nhật,Ghi chú\n{commitment},{pct},{on},x\n"
               ).encode()
    return dialogue.post(IMPORT, headers=_board(scope),
                         files={"file": ("tien-do.csv", content, "text/csv")})


def _refused(response: Any, scope: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "UNIT_OUT_OF_SCOPE"
    assert error["message"] == messages.RECORD_OUT_OF_SCOPE.format(scope=scope)


def test_the_successors_board_writes_the_merged_communes_commitment(
    dialogue: TestClient, clock: FakeToday, indicators: TestClient,
) -> None:
    clock.set(date(2025, 3, 20))
    head = take_office(dialogue, TOAN_THANG, "people_committee_chair", "Vũ Văn Toàn",
                       "2021-06-01")
    session = held_session(dialogue, TOAN_THANG, [head], "2024-12-20")
    commitment = ok(dialogue.post(f"/api/v1/sessions/{session}/commitments", json={
        "text": "Nạo vét kênh tưới", "due_on": "2025-06-30",
        "responsible_agency": "UBND xã Toàn Thắng"}), 201)["commitment_id"]

    # Before the successor is known, Vĩnh Bảo neither lists nor writes it.
    assert _template(dialogue, VINH_BAO) == []
    _refused(_progress(dialogue, VINH_BAO, commitment, 30, "2025-03-15"), VINH_BAO)

    feed_successions(dialogue, [record(indicators, TOAN_THANG, VINH_BAO_TOWN,
                                       "xã kế thừa thuộc huyện Vĩnh Bảo")])

    # Its template lists the commitment, and what it fills in is taken back; its own
    # commands too, one dated before the merger included; and the commune's own board.
    assert _template(dialogue, VINH_BAO) == [commitment]
    assert _progress(dialogue, VINH_BAO, commitment, 10, "2024-12-28").status_code == 200
    # Tiên Lãng keeps the days it had the commune...
    assert _progress(dialogue, TIEN_LANG, commitment, 20, "2024-12-30").status_code == 200
    uploaded = _upload(dialogue, VINH_BAO, commitment, 40, "15/03/2025")
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["errors"] == []
    assert _progress(dialogue, VINH_BAO, commitment, 50, "2025-03-18").status_code == 200
    assert _progress(dialogue, VINH_BAO_TOWN, commitment, 100, "2025-03-19").status_code == 200
    reopened = dialogue.post(f"/api/v1/commitments/{commitment}/reopen", headers=_board(VINH_BAO),
                             json={"reason": "Kênh bồi lắng lại", "reopened_on": "2025-03-20"})
    assert reopened.status_code == 200, reopened.text
    assert ok(dialogue.get(f"/api/v1/commitments/{commitment}"))["status"] != "done"
    # ... not the commune's writes of today.
    _refused(_progress(dialogue, TIEN_LANG, commitment, 60, "2025-03-20"), TIEN_LANG)
    # A third district has it neither way, over either route.
    _refused(_progress(dialogue, KIEN_THUY, commitment, 60, "2025-03-20"), KIEN_THUY)
    row = _upload(dialogue, KIEN_THUY, commitment, 60, "20/03/2025")
    assert row.status_code == 422, row.text
    [error] = row.json()["error"]["details"]["errors"]
    assert error["code"] == "UNIT_OUT_OF_SCOPE"
    assert error["message"] == messages.RECORD_OUT_OF_SCOPE.format(scope=KIEN_THUY)
