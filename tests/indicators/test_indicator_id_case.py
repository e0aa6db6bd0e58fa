"""An indicator id and a period id name one thing whatever their case, as a site code and a
model id do since G10 (`shared.ids.code_key`): "i3" is I3 and "2023-6M" is 2023-6m in every
path of the indicators service. Before, "i3" answered 404 INDICATOR_NOT_FOUND, "2023-6M" 422,
and defining "ct5" beside CT5 made a second indicator."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.indicators.conftest import get_json
from tests.indicators.scenario import HONG_BANG, TIEN_LANG
from tests.integration.helpers import wait_until

CT5 = {"indicator_id": "CT5", "year": 2023, "name": "Cơ quan được đánh giá tốt công tác dân vận",
       "target": 90, "numerator": "Số cơ quan xếp loại tốt", "denominator": "Số cơ quan"}


def _figure(client: TestClient, url: str, unit: str, numerator: int) -> Any:
    return client.post(url, json={"unit_code": unit, "numerator": numerator, "denominator": 20,
                                  "reported_on": "2023-12-15"})


def test_an_indicator_id_in_another_case_reads_the_same_indicator(client: TestClient) -> None:
    for path in ("", "/units", "/evidence", "/restated", "/status-history"):
        exact = client.get(f"/api/v1/indicators/2023/I3{path}")
        assert exact.status_code == 200, (path, exact.text)
        folded = client.get(f"/api/v1/indicators/2023/i3{path}")
        assert folded.status_code == 200, (path, folded.text)
        if path in ("", "/units"):
            assert folded.json()["indicator"]["indicator_id"] == "I3", path
        if path == "/status-history":
            assert folded.json()["indicator_id"] == "I3"
    # An id no spelling of which is defined is still not found.
    missing = client.get("/api/v1/indicators/2023/i9")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "INDICATOR_NOT_FOUND")


def test_figures_and_definitions_under_another_case_go_to_the_one_indicator(
    client: TestClient,
) -> None:
    assert client.post("/api/v1/indicators", json=CT5).status_code == 201
    assert _figure(client, "/api/v1/indicators/2023/ct5/reported-figures",
                   TIEN_LANG, 18).status_code == 201
    assert _figure(client, "/api/v1/indicators/2023/CT5/reported-figures",
                   HONG_BANG, 9).status_code == 201
    url = "/api/v1/indicators/2023/Ct5/reported-figures"
    wait_until(lambda: len(get_json(client, url)["items"]) == 2)
    listed = get_json(client, url)
    assert listed["indicator_id"] == "CT5"
    assert {i["unit_code"] for i in listed["items"]} == {TIEN_LANG, HONG_BANG}
    # Defining "ct5" again is a new definition of CT5 (after the definition and the two
    # figures), not a second indicator of the year.
    again = client.post("/api/v1/indicators", json={**CT5, "indicator_id": "ct5", "target": 95},
                        headers={"If-Match": '"3"'})
    assert again.status_code == 200, again.text
    assert again.json()["aggregate_id"] == "CT5-2023"
    ids = [i["indicator"]["indicator_id"] if "indicator" in i else i["indicator_id"]
           for i in get_json(client, "/api/v1/indicators", year=2023)["items"]]
    assert ids.count("CT5") == 1 and "ct5" not in ids, ids
    assert get_json(client, "/api/v1/indicators/2023/CT5")["indicator"]["target_percent"] == 95


def test_a_period_id_in_another_case_names_the_same_reporting_duty(client: TestClient) -> None:
    set_ = client.post("/api/v1/reporting-duties/2023-6M/deadline",
                       json={"deadline": "2023-06-20", "district_codes": [TIEN_LANG]})
    assert set_.status_code == 201, set_.text
    assert set_.json()["aggregate_id"] == "2023-6m"
    exact = get_json(client, "/api/v1/reporting-duties/2023-6m", on="2023-06-30")
    folded = get_json(client, "/api/v1/reporting-duties/2023-6M", on="2023-06-30")
    assert folded == exact
    assert [d["district_code"] for d in exact["districts"]] == [TIEN_LANG]
    invalid = client.get("/api/v1/reporting-duties/2023-5M")
    assert invalid.status_code == 422, invalid.text
