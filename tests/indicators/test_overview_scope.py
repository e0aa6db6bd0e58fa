"""A district board reads its own unit's figures in the summaries too (finding J4): the year
overview (`GET /indicators?year=`) and the table of units (`/{year}/{id}/units`) gave it the
whole city's total (numerator, denominator, register count, status) that the indicator's own
route and reporting refuse it with 403: less its own, the rest of the city's counts."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.indicators.scenario import HAI_PHONG, HONG_BANG, TIEN_LANG
from tests.integration.helpers import wait_until

BOARD = {"X-Unit-Scope": HONG_BANG, "X-Scopes": "indicators:read indicators:write"}
ON = "2023-12-14"


def _get(client: TestClient, url: str, headers: dict[str, str] | None = None,
         **params: Any) -> Any:
    response = client.get(url, params=params, headers=headers or {})
    assert response.status_code == 200, (url, response.text)
    return response.json()


def _totals(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, Any]:
    overview = _get(client, "/api/v1/indicators", headers, year=2023, on=ON)
    return {i["indicator"]["indicator_id"]: i["total"] for i in overview["items"]}


def test_a_board_reads_its_own_unit_in_the_overview_and_the_table(client: TestClient) -> None:
    wait_until(lambda: len(_totals(client)) == 4)
    city, board = _totals(client), _totals(client, BOARD)
    for indicator in ("I1", "I2", "I3", "I4"):
        url = f"/api/v1/indicators/2023/{indicator}"
        assert city[indicator] == _get(client, url, on=ON)["unit"], indicator
        # The board's overview is its unit's figure, the one its indicator route opens by
        # default; the city's figure stays refused to it.
        own = _get(client, url, BOARD, on=ON)["unit"]
        assert own["unit_code"] == HONG_BANG
        assert board[indicator] == own, indicator
        refused = client.get(url, params={"on": ON, "unit": HAI_PHONG}, headers=BOARD)
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            403, "UNIT_OUT_OF_SCOPE")
        table = _get(client, f"{url}/units", BOARD, level="commune", on=ON)
        assert table["total"] == own, indicator
        assert _get(client, f"{url}/units", level="commune", on=ON)["total"] == city[indicator]


def test_a_definition_of_another_district_shows_a_board_no_figure(client: TestClient) -> None:
    defined = client.post("/api/v1/indicators", json={
        "indicator_id": "CT7", "year": 2023, "name": "Cơ quan được đánh giá tốt công tác dân vận",
        "target": 90, "numerator": "Số cơ quan xếp loại tốt", "denominator": "Số cơ quan",
        "scope_unit_codes": [TIEN_LANG]})
    assert defined.status_code == 201, defined.text
    wait_until(lambda: "CT7" in _totals(client))
    assert _totals(client)["CT7"]["unit_code"] == TIEN_LANG
    assert _totals(client, {**BOARD, "X-Unit-Scope": TIEN_LANG})["CT7"]["unit_code"] == TIEN_LANG
    assert _totals(client, BOARD)["CT7"] is None


def test_the_total_of_a_scope_of_several_units_is_named_by_them(client: TestClient) -> None:
    """A definition over two districts has no one unit at its top: its total (the overview's,
    the indicator's own route without a unit) was named «Chưa xác định được đơn vị hành chính»,
    the name of a unit the catalogue cannot place, as if the figure were of no known unit
    (examiner-figures, Low). It names the units of its scope."""
    defined = client.post("/api/v1/indicators", json={
        "indicator_id": "CT8", "year": 2023, "name": "Cơ quan được đánh giá tốt công tác dân vận",
        "target": 90, "numerator": "Số cơ quan xếp loại tốt", "denominator": "Số cơ quan",
        "scope_unit_codes": [HONG_BANG, TIEN_LANG]})
    assert defined.status_code == 201, defined.text
    wait_until(lambda: "CT8" in _totals(client))
    total = _totals(client)["CT8"]
    assert total == _get(client, "/api/v1/indicators/2023/CT8", on=ON)["unit"]
    assert total["unit_code"] == "*"
    assert total["unit_name"] == "Toàn phạm vi chỉ tiêu: Quận Hồng Bàng, Huyện Tiên Lãng"
