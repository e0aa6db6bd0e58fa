"""The one summary of the district boards' period reports (shared/taskrules.py)."""

from __future__ import annotations

from datetime import date

from shared.taskrules import deadline_in_force, duty_summary


def test_the_most_urgent_first_and_every_standing_counted() -> None:
    rows = [
        {"district_code": "315", "status": "nop_dung_han"},
        {"district_code": "303", "status": "qua_han_chua_nop"},
        {"district_code": "304", "status": "nop_muon"},
        {"district_code": "302", "status": "tra_lai"},
        {"district_code": "301", "status": "qua_han_chua_nop"},
    ]
    summary = duty_summary("2023-6m", date(2023, 6, 20), date(2023, 6, 25), rows)
    assert [d["district_code"] for d in summary["districts"]] == [
        "301", "303", "302", "304", "315"]
    assert (summary["owed"], summary["submitted"], summary["on_time"], summary["late"],
            summary["returned"], summary["missing_overdue"]) == (5, 2, 1, 1, 1, 2)
    assert sum(summary["status_counts"].values()) == len(rows)
    assert (summary["deadline"], summary["judged_on"]) == ("2023-06-20", "2023-06-25")
    assert "on" not in summary  # one name for the day in the kernel's shape


def test_a_report_judges_against_the_deadline_in_force() -> None:
    """Finding K11: a deadline (20/06) left before the cut-off as it stands (30/06, moved
    while the services crossed) is judged as the cut-off: a report filed on 30/06, the first
    day it could be, is on time, in the report's plan section as in the indicators service."""
    from services.reporting.domain.plan import PlanRow, fold, submissions_section

    rows = [
        PlanRow("PlanIssued", "plan", "2023", 1, {"title": "KH", "items": []}),
        PlanRow("ReportingDeadlineSet", "reporting_duty", "2023-6m", 1,
                {"period_id": "2023-6m", "deadline": "2023-06-20", "district_codes": ["303"]}),
        PlanRow("DistrictReportSubmitted", "district_report", "2023-6m:303", 1,
                {"period_id": "2023-6m", "district_code": "303", "submitted_on": "2023-06-30",
                 "revision": 1, "figures": {}, "summary": "x"}),
    ]
    plan = fold(rows, 2023)
    assert plan is not None
    part = submissions_section(plan, "2023-6m", date(2023, 7, 5), lambda code: True,
                               lambda code: code, cutoff=date(2023, 6, 30))
    assert part is not None
    assert (part["deadline"], part["deadline_set"]) == ("2023-06-30", "2023-06-20")
    assert (part["on_time"], part["late"]) == (1, 0)


def test_the_deadline_in_force_is_never_before_the_cutoff() -> None:
    assert deadline_in_force(date(2023, 6, 20), date(2023, 6, 14)) == date(2023, 6, 20)
    assert deadline_in_force(date(2023, 6, 20), date(2023, 6, 30)) == date(2023, 6, 30)
