"""The one summary of the district boards' period reports (shared/taskrules.py)."""

from __future__ import annotations

from datetime import date

from shared.taskrules import duty_summary


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
