"""K15: a model started in 2019 is registered with its real start (the unit catalogue's first
era reaches back to 01/01/1990)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.indicators.conftest import get_json

VINH_BAO_COMMUNE = "11863"  # a commune of Huyện Vĩnh Bảo (316), in the data from 2020


def test_a_model_started_in_2019_is_registered_with_that_date(client: TestClient) -> None:
    created = client.post("/api/v1/models", json={
        "model_id": "MH-CU", "unit_code": VINH_BAO_COMMUNE, "field": "new_rural",
        "title": "Mô hình cũ", "started_on": "2019-05-01"})
    assert created.status_code == 201, created.text
    model = get_json(client, "/api/v1/models/MH-CU")
    assert (model["unit_code"], model["started_on"]) == (VINH_BAO_COMMUNE, "2019-05-01")
