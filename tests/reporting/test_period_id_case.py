"""A period id names one period whatever its case, as a site code and a model id do since G10
(`shared.ids.code_key`, `conferencedates.canonical_period_id`): "2023-6M" is 2023-6m in every
path and query of the reporting service. Before, "2023-6M" was refused INVALID_PERIOD (422)."""

from __future__ import annotations

from typing import Any

from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import two_quarter_scenario


def _ok(reporting: Reporting, url: str, **params: str) -> Any:
    response = reporting.client.get(url, params=params)
    assert response.status_code == 200, (url, response.text)
    return response


def test_a_period_id_in_another_case_is_the_same_period(reporting: Reporting) -> None:
    reporting.feed(two_quarter_scenario())
    period = _ok(reporting, "/api/v1/periods/2023-6M").json()
    assert period == _ok(reporting, "/api/v1/periods/2023-6m").json()
    assert period["id"] == "2023-6m"
    report = _ok(reporting, "/api/v1/reports/2023-6M").json()
    assert report["period"]["id"] == "2023-6m"
    exact = _ok(reporting, "/api/v1/reports/2023-6m").json()
    assert figure_values(report) == figure_values(exact)
    units = _ok(reporting, "/api/v1/reports/2023-6M/units").json()
    assert units["units"] == _ok(reporting, "/api/v1/reports/2023-6m/units").json()["units"]
    theme = _ok(reporting, "/api/v1/themes/dat-dai-ton-giao/2023-6M").json()
    assert theme["period"]["id"] == "2023-6m"
    docx = _ok(reporting, "/api/v1/reports/2023-6M/report.docx")
    assert "2023-6m.docx" in docx.headers["content-disposition"]
    for page in ("/", "/ke-hoach"):
        html = _ok(reporting, page, period="2023-6M").text
        assert '<option value="2023-6m" selected>' in html, page
    # Still refused: an id of no period in any case.
    refused = reporting.client.get("/api/v1/reports/2023-5M")
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "INVALID_PERIOD")


def test_a_period_written_in_another_case_moves_and_signs_the_one_period(
    reporting: Reporting,
) -> None:
    reporting.feed(two_quarter_scenario())
    client = reporting.client
    tag = client.get("/api/v1/periods/2023-12M").headers["ETag"]
    moved = client.put("/api/v1/periods/2023-12M", headers={"if-match": tag}, json={
        "data_from": "2022-12-15", "cutoff_on": "2023-12-31", "reason": "Chốt cả năm"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["events"][-1]["aggregate_id"] == "2023-12m"
    assert _ok(reporting, "/api/v1/periods/2023-12m").json()["cutoff_on"] == "2023-12-31"
    signed = client.post("/api/v1/reports/2023-6M/finalise", json={"scope": "31"})
    assert signed.status_code == 201, signed.text
    assert signed.json()["report_id"] == "2023-6m@31"
    assert signed.headers["location"] == "/api/v1/reports/2023-6m"
    again = client.post("/api/v1/reports/2023-6m/finalise", json={"scope": "31"})
    assert again.status_code == 409, again.text
    finalised = _ok(reporting, "/api/v1/reports/2023-6m").json()["finalised"]
    assert finalised["report_id"] == "2023-6m@31"
