"""A commune that changed district: a district board's model register and its reads of one
model say the same thing (F20). Xã Đại Bản (11587) was in Huyện An Dương (312) until
31/12/2024 and in Quận Hải An (303) from 01/01/2025; Phường An Hồng (11602) too, and kept its
code after 01/07/2025. A model is the board's whose unit was the board's on some day of the
model's life (from its start until it closed)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.indicators.conftest import get_json
from tests.integration.helpers import wait_until

AN_DUONG = "312"
HAI_AN = "303"
DAI_BAN = "11587"
AN_HONG = "11602"
MODELS = {
    "DB-2023": (DAI_BAN, "2023-02-01", None),
    "DB-2023-CLOSED": (DAI_BAN, "2023-02-01", "2024-06-01"),
    "DB-2025": (DAI_BAN, "2025-03-01", None),
    "AH-2025-08": (AN_HONG, "2025-08-01", None),
}
EXPECTED = {
    AN_DUONG: {"DB-2023", "DB-2023-CLOSED"},
    HAI_AN: {"DB-2023", "DB-2025", "AH-2025-08"},
}


def _board(district: str) -> dict[str, str]:
    return {"X-Unit-Scope": district, "X-Scopes": "indicators:read"}


def _listed(client: TestClient, headers: dict[str, str], **params: str) -> set[str]:
    response = client.get("/api/v1/models", params={"page_size": 100, **params},
                          headers=headers)
    assert response.status_code == 200, response.text
    return {item["model_id"] for item in response.json()["items"]}


def test_a_board_opens_exactly_the_models_its_register_lists(client: TestClient) -> None:
    for model_id, (unit, started, closed) in MODELS.items():
        registered = client.post("/api/v1/models", json={
            "model_id": model_id, "unit_code": unit, "field": "urban",
            "title": "Dân vận khéo chỉnh trang đô thị", "started_on": started})
        assert registered.status_code == 201, registered.text
        if closed:
            done = client.post(f"/api/v1/models/{model_id}/close",
                               json={"closed_on": closed, "reason": "Đã hoàn thành"})
            assert done.status_code == 200, done.text
    wait_until(lambda: len(get_json(client, "/api/v1/models")["items"]) == len(MODELS)
               and any(i["closed_on"] for i in get_json(client, "/api/v1/models")["items"]))
    for district, expected in EXPECTED.items():
        board = _board(district)
        assert _listed(client, board) == expected, district
        for model_id in MODELS:
            read = client.get(f"/api/v1/models/{model_id}", headers=board)
            assert read.status_code == (200 if model_id in expected else 403), (
                district, model_id)
        # On a past day the register holds the models of that day, none the board cannot open
        # (a model closed since counts by its whole life, as its page does).
        for day in ("2023-06-30", "2025-03-15"):
            assert _listed(client, board, on=day) <= expected, (district, day)
        assert _listed(client, board, unit=DAI_BAN) == {
            m for m in expected if m.startswith("DB-")}
    refused = client.get("/api/v1/models", params={"unit": "11296"}, headers=_board(AN_DUONG))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "UNIT_OUT_OF_SCOPE"


def test_a_board_opens_a_figure_on_exactly_the_units_its_table_lists(
    client: TestClient,
) -> None:
    """A unit's figure, its evidence and its status history are opened as of the figure's
    day, the day the table of communes lists units by: Đại Bản is in An Dương's 2023 table
    and not in Hải An's."""
    on = "2023-12-31"
    for district in (AN_DUONG, HAI_AN):
        board = _board(district)
        table = client.get("/api/v1/indicators/2023/I3/units",
                           params={"level": "commune", "on": on}, headers=board)
        assert table.status_code == 200, table.text
        listed = {row["unit_code"] for row in table.json()["items"]}
        assert (DAI_BAN in listed) is (district == AN_DUONG)
        expected = 200 if DAI_BAN in listed else 403
        for path in ("/api/v1/indicators/2023/I3", "/api/v1/indicators/2023/I3/evidence",
                     "/api/v1/indicators/2023/I3/status-history"):
            page = client.get(path, params={"unit": DAI_BAN, "on": on}
                              if not path.endswith("history") else {"unit": DAI_BAN},
                              headers=board)
            assert page.status_code == expected, (district, path, page.text)
