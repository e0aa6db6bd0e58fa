"""A report against the previous period as it was signed (DOMAIN: "Finalising a report freezes
its figures"; "each against the previous period"): the previous column of a report whose
previous period was finalised shows the signed figures, marked restated when a backdated fact
moved them since; a finalised period's window can no longer be moved."""

from __future__ import annotations

from typing import Any

from tests.integration.helpers import event_count
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import two_quarter_scenario

WINDOW = {"data_from": "2022-12-15", "cutoff_on": "2023-03-20",
          "reason": "Hội nghị giao ban lùi một tuần"}


def _get(reporting: Reporting, url: str, **params: str) -> dict[str, Any]:
    response = reporting.client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _finalise(reporting: Reporting, period_id: str) -> str:
    finalised = reporting.client.post(f"/api/v1/reports/{period_id}/finalise",
                                      json={"scope": "31"}, headers={"x-actor": "vp"})
    assert finalised.status_code == 201, finalised.text
    digest: str = finalised.json()["content_hash"]
    return digest


def _put_window(reporting: Reporting, period_id: str, window: dict[str, str]) -> Any:
    version = reporting.client.get(f"/api/v1/periods/{period_id}").headers["ETag"]
    return reporting.client.put(f"/api/v1/periods/{period_id}", json=window,
                                headers={"if-match": version})


def test_the_window_of_a_finalised_period_is_not_moved(reporting: Reporting) -> None:
    reporting.feed(two_quarter_scenario())
    _finalise(reporting, "2023-3m")
    before = event_count(reporting.client)
    refused = _put_window(reporting, "2023-3m", WINDOW)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "PERIOD_FINALISED"
    assert "2023-3m@31" in error["message"]
    assert error["details"]["reports"] == ["2023-3m@31"]
    assert event_count(reporting.client) == before, "nothing written"
    assert _get(reporting, "/api/v1/periods/2023-3m")["cutoff_on"] == "2023-03-14"
    # A period nothing was finalised for stays editable: the one after, and the one before
    # (the finalised report keeps the previous column it was frozen with).
    frozen = _get(reporting, "/api/v1/reports/2023-3m")
    moved = _put_window(reporting, "2023-6m", {
        "data_from": "2022-12-15", "cutoff_on": "2023-06-20", "reason": "Lùi sơ kết"})
    assert moved.status_code == 200, moved.text
    earlier = _put_window(reporting, "2022-12m", {
        "data_from": "2021-12-15", "cutoff_on": "2022-11-30", "reason": "Tổng kết sớm"})
    assert earlier.status_code == 200, earlier.text
    again = _get(reporting, "/api/v1/reports/2023-3m")
    assert again["content_hash"] == frozen["content_hash"]
    assert [i["previous"] for i in again["indicators"]] == [
        i["previous"] for i in frozen["indicators"]]
    assert [s["figures"] for s in again["sections"]] == [s["figures"] for s in frozen["sections"]]
