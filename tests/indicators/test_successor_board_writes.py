"""A board writes a merged commune's "Dân vận khéo" model and enters it in the contest when it
has the commune today (review R4), as it lists and opens it since finding N7. 11794 Xã Toàn
Thắng (Tiên Lãng 315) ceased on 01/01/2025; an official records its successor 11824 Thị trấn
Vĩnh Bảo (Vĩnh Bảo 316). Vĩnh Bảo's register held the model, but recognising it, entering it
in the 2025 contest or closing it answered 403 UNIT_OUT_OF_SCOPE: after the merger only the
city could. Now a write is today's work of the board whose scope covers the unit the record
is placed on today (`shared.auth.units.covers_write`); Tiên Lãng keeps the writes dated on
its own days, a third district has none. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from shared import messages
from tests.successions import indicators, record

__all__ = ["indicators"]

TOAN_THANG, VINH_BAO_TOWN, TIEN_LANG, VINH_BAO, KIEN_THUY = "11794", "11824", "315", "316", "314"
MODEL = "MH-G"


def _board(scope: str) -> dict[str, str]:
    return {"X-Unit-Scope": scope, "X-Actor": f"bdv-{scope}",
            "X-Scopes": "indicators:read indicators:write"}


def _recognise(indicators: TestClient, scope: str, on: str) -> Any:
    return indicators.post(f"/api/v1/models/{MODEL}/recognise", headers=_board(scope), json={
        "recognition_level": "district", "recognised_on": on})


def _enter(indicators: TestClient, scope: str, on: str) -> Any:
    return indicators.post("/api/v1/contests/2025/entries", headers=_board(scope), json={
        "model_id": MODEL, "title": "Dân vận khéo ở Toàn Thắng", "submitted_on": on})


def _close(indicators: TestClient, scope: str, on: str) -> Any:
    return indicators.post(f"/api/v1/models/{MODEL}/close", headers=_board(scope), json={
        "closed_on": on, "reason": "Mô hình đã nhân rộng"})


def _refused(response: Any, scope: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "UNIT_OUT_OF_SCOPE"
    assert error["message"] == messages.RECORD_OUT_OF_SCOPE.format(scope=scope)


def test_the_successors_board_writes_the_merged_communes_model(
    indicators: TestClient,
) -> None:
    created = indicators.post("/api/v1/models", json={
        "model_id": MODEL, "unit_code": TOAN_THANG, "field": "urban",
        "title": "Mô hình Toàn Thắng", "started_on": "2024-06-01"})
    assert created.status_code == 201, created.text
    _refused(_enter(indicators, VINH_BAO, "2025-03-10"), VINH_BAO)

    record(indicators, TOAN_THANG, VINH_BAO_TOWN, "xã kế thừa thuộc huyện Vĩnh Bảo")

    # A third district has it neither way; Tiên Lãng not after its days.
    _refused(_recognise(indicators, KIEN_THUY, "2024-11-01"), KIEN_THUY)
    _refused(_enter(indicators, TIEN_LANG, "2025-03-10"), TIEN_LANG)
    # Tiên Lãng keeps what it recognised on its own days ...
    recognised = _recognise(indicators, TIEN_LANG, "2024-11-01")
    assert recognised.status_code == 200, recognised.text
    # ... and the commune's writes of today are Vĩnh Bảo's, or its commune board's.
    entered = _enter(indicators, VINH_BAO, "2025-03-10")
    assert entered.status_code == 201, entered.text
    _refused(_close(indicators, TIEN_LANG, "2025-06-30"), TIEN_LANG)
    _refused(_close(indicators, KIEN_THUY, "2025-06-30"), KIEN_THUY)
    closed = _close(indicators, VINH_BAO_TOWN, "2025-06-30")
    assert closed.status_code == 200, closed.text
