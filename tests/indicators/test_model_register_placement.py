"""The models' register filtered by a unit lists the models a figure of its day counts at the
unit (finding N1): by the kernel's placement, with the successors officials recorded, as I1's
drill-down and reporting's rows count them. Filtered by the model's own code in the
catalogue of `on`, a model of a commune merged away (11794 Xã Toàn Thắng, Tiên Lãng, merged
on 01/01/2025, successor unknown in the data) left every list, the city's included, while
I1 and the 2025 reports counted it. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.indicators.conftest import get_json
from tests.integration.helpers import wait_until

TOAN_THANG, TIEN_THANG, TIEN_CUONG, TIEN_LANG, CITY = "11794", "11797", "11761", "315", "31"
SPRING_2025 = "2025-03-14"


def _listed(client: TestClient, **params: str) -> list[str]:
    body = get_json(client, "/api/v1/models", **params)
    return [item["model_id"] for item in body["items"]]


def test_a_merged_communes_model_is_listed_where_the_figures_count_it(
    client: TestClient,
) -> None:
    for model_id, unit in (("MH-G", TOAN_THANG), ("MH-C", TIEN_CUONG)):
        created = client.post("/api/v1/models", json={
            "model_id": model_id, "unit_code": unit, "field": "urban",
            "title": f"Mô hình {model_id}", "started_on": "2024-06-01"})
        assert created.status_code == 201, created.text
    # The register is a read model the service's own events fill.
    wait_until(lambda: len(get_json(client, "/api/v1/models")["items"]) == 2)

    # The city lists every model of the city, today and on a day of 2025.
    assert _listed(client, unit=CITY) == ["MH-C", "MH-G"]
    assert _listed(client, unit=CITY, on=SPRING_2025) == ["MH-C", "MH-G"]
    # Its successor unrecorded, 11794's model counts at its district in 2025.
    assert _listed(client, unit=TIEN_LANG, on=SPRING_2025) == ["MH-C", "MH-G"]
    assert _listed(client, unit=TOAN_THANG, on="2024-09-30") == ["MH-G"]
    assert _listed(client, unit=TIEN_THANG, on=SPRING_2025) == []

    before = datetime.now(UTC).isoformat()
    recorded = client.post("/api/v1/units/successions", json={
        "predecessor_code": TOAN_THANG, "successor_code": TIEN_THANG,
        "legal_basis": "Nghị quyết 1232/NQ-UBTVQH15"})
    assert recorded.status_code == 201, recorded.text

    # Recorded, it counts at the successor: the register for it lists it.
    assert _listed(client, unit=TIEN_THANG, on=SPRING_2025) == ["MH-G"]
    assert _listed(client, unit=TIEN_CUONG, on=SPRING_2025) == ["MH-C"]
    assert _listed(client, unit=TIEN_LANG, on=SPRING_2025) == ["MH-C", "MH-G"]
    # As of before the recording, the register places as the figures of that moment did.
    assert _listed(client, unit=TIEN_THANG, on=SPRING_2025, as_of=before) == []
    assert _listed(client, unit=TIEN_LANG, on=SPRING_2025, as_of=before) == ["MH-C", "MH-G"]
    # A day before the merger, each at its own commune.
    assert _listed(client, unit=TOAN_THANG, on="2024-12-31") == ["MH-G"]
    assert _listed(client, unit=TIEN_THANG, on="2024-12-31") == []


def test_a_successor_boards_register_and_page_hold_the_merged_communes_model(
    client: TestClient,
) -> None:
    """Finding N7: after a successor in another district is recorded (11794 → 11824 Thị trấn
    Vĩnh Bảo, Vĩnh Bảo 316), that district's board lists and opens the model its figures
    count at 11824; Tiên Lãng (315) keeps the model of its commune."""
    created = client.post("/api/v1/models", json={
        "model_id": "MH-G", "unit_code": TOAN_THANG, "field": "urban",
        "title": "Mô hình Toàn Thắng", "started_on": "2024-06-01"})
    assert created.status_code == 201, created.text
    wait_until(lambda: len(get_json(client, "/api/v1/models")["items"]) == 1)

    def board(scope: str) -> dict[str, str]:
        return {"X-Unit-Scope": scope, "X-Actor": f"bdv-{scope}"}

    def listed(scope: str, **params: str) -> list[str]:
        response = client.get("/api/v1/models", params=params, headers=board(scope))
        assert response.status_code == 200, response.text
        return [item["model_id"] for item in response.json()["items"]]

    assert client.get("/api/v1/models/MH-G", headers=board("316")).status_code == 403
    assert listed("316") == []
    recorded = client.post("/api/v1/units/successions", json={
        "predecessor_code": TOAN_THANG, "successor_code": "11824",
        "legal_basis": "xã kế thừa thuộc huyện Vĩnh Bảo"})
    assert recorded.status_code == 201, recorded.text

    assert listed("31", unit="11824", on=SPRING_2025) == ["MH-G"]
    assert listed("316", unit="11824", on=SPRING_2025) == ["MH-G"]
    assert listed("316") == ["MH-G"]
    assert client.get("/api/v1/models/MH-G", headers=board("316")).status_code == 200
    assert client.get("/api/v1/models/MH-G", headers=board(TIEN_LANG)).status_code == 200
    assert listed(TIEN_LANG) == ["MH-G"]
    assert client.get("/api/v1/models/MH-G", headers=board("314")).status_code == 403
    assert listed("314") == []
