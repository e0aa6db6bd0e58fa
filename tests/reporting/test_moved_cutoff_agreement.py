"""The plan's items judged the same by both services when the Commission moved a conference's
cut-off (finding G20): reporting records the move (PeriodAdjusted), the indicators service
consumes it, and every item's status at each conference's cut-off is the same in the
indicators service's plan and in the report's "Kết quả thực hiện nhiệm vụ". The indicators
service judged items owed "by conference" by the default calendar (14/06) while the report
was cut on the moved day. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.helpers import wait_until
from tests.reporting.conftest import Reporting
from tests.reporting.test_plan_report import (
    TON_GIAO,
    indicators,  # noqa: F401 (fixture)
    post,
    progress,
    report,
    statuses,
    wait_projected,
)

MOVED_6M = "2023-06-20"


def _indicators_statuses(client: TestClient, on: str) -> dict[str, str]:
    response = client.get("/api/v1/plans/2023", params={"on": on})
    assert response.status_code == 200, response.text
    return {i["number"]: i["status"] for i in response.json()["items"]}


def _move(reporting: Reporting, period: str, cutoff: str) -> None:
    read = reporting.client.get(f"/api/v1/periods/{period}")
    moved = reporting.client.put(
        f"/api/v1/periods/{period}", headers={"if-match": read.headers["ETag"]},
        json={"data_from": "2022-12-15", "cutoff_on": cutoff,
              "reason": "Hội nghị sơ kết lùi lịch"})
    assert moved.status_code == 200, moved.text


def test_items_agree_at_a_moved_cutoff(
    indicators: TestClient, reporting: Reporting  # noqa: F811 (fixture)
) -> None:
    post(indicators, "/api/v1/plans/2023/load", {})
    # II.1.3 (owed by conference) reported in the first quarter and on 17/06: after the
    # default 6-month cut-off, before the moved one.
    progress(indicators, "II.1.3", "2023-03-10", "Quý I: 40 hồ sơ", TON_GIAO)
    progress(indicators, "II.1.3", "2023-06-17", "6 tháng: 95 hồ sơ", TON_GIAO)
    _move(reporting, "2023-6m", MOVED_6M)
    wait_projected(indicators, reporting)
    # The indicators service has consumed the move once its answer for 20/06 changes.
    wait_until(lambda: _indicators_statuses(indicators, MOVED_6M)["II.1.3"] == "in_progress",
               timeout=30)

    compared: dict[str, Any] = {}
    for period, cutoff in (("2023-3m", "2023-03-14"), ("2023-6m", MOVED_6M),
                           ("2023-9m", "2023-09-14")):
        plan = report(reporting, period)["plan"]
        assert plan["items"]["judged_on"] == cutoff
        in_report = statuses(plan)
        assert in_report == _indicators_statuses(indicators, cutoff), period
        compared[period] = in_report
    # Hand-checked: due on the moved 20/06, II.1.3 is in progress at it (17/06 in its
    # window; by the default 14/06 it had missed the 6 months), and still at 14/09 (the 9
    # months' occurrence is due that day, not passed).
    assert compared["2023-6m"]["II.1.3"] == "in_progress"
    assert compared["2023-9m"]["II.1.3"] == "in_progress"
    # II.1.1, owed by conference with nothing reported, is overdue from the first cut-off.
    assert compared["2023-6m"]["II.1.1"] == "overdue"


def test_a_cutoff_is_not_moved_past_the_reporting_deadline(
    indicators: TestClient, reporting: Reporting  # noqa: F811 (fixture)
) -> None:
    """Finding K11: the deadline of the district boards' reports (20/06) is set from the
    cut-off; moving the cut-off past it (25/06) left every district late by construction.
    Refused, naming the deadline, nothing written; a move up to the deadline is accepted."""
    post(indicators, "/api/v1/plans/2023/load", {})
    post(indicators, "/api/v1/reporting-duties/2023-6m/deadline",
         {"deadline": "2023-06-20", "district_codes": ["303"]})
    wait_projected(indicators, reporting)
    read = reporting.client.get("/api/v1/periods/2023-6m")
    moved = reporting.client.put(
        "/api/v1/periods/2023-6m", headers={"if-match": read.headers["ETag"]},
        json={"data_from": "2022-12-15", "cutoff_on": "2023-06-25",
              "reason": "Hội nghị sơ kết lùi lịch"})
    assert moved.status_code == 422, moved.text
    error = moved.json()["error"]
    assert error["code"] == "CUTOFF_AFTER_DEADLINE"
    assert "20/06/2023" in error["message"] and "25/06/2023" in error["message"]
    again = reporting.client.get("/api/v1/periods/2023-6m")
    assert (again.json()["cutoff_on"], again.headers["ETag"]) == (
        "2023-06-14", read.headers["ETag"])
    _move(reporting, "2023-6m", "2023-06-20")
