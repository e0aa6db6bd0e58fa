"""A conference cut-off the Commission moved in the reporting service (PeriodAdjusted) is the
one the indicators service measures the plan against (finding G20): the district boards'
filings (the deadline's window, no filing before the cut-off) and the items owed "by
conference", as known at a time and the same after a rebuild. It checked them against the
default calendar (14/06 for the 6 months) whatever reporting had moved. SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from shared.adminunits import HAI_PHONG
from shared.envelope import EventEnvelope, utcnow
from shared.runtime import ServiceRuntime
from tests.indicators.conftest import Upstream, apply, get_json, status_events_in
from tests.indicators.scenario import Events
from tests.indicators.test_plan_service import TON_GIAO, board, post, progress, refused
from tests.integration.helpers import rebuild_and_wait, wait_until

NGO_QUYEN = "303"
TIEN_LANG_TOWN = "11755"
DUTY = "/api/v1/reporting-duties/2023-6m"
ITEM = "/api/v1/plans/2023/items/II.1.3"  # owed "by conference"


def _move_6m_cutoff(upstream: Upstream, cutoff: date) -> None:
    upstream.publish(upstream.event(
        "reporting", "period", "2023-6m", "PeriodAdjusted",
        {"period_id": "2023-6m", "data_from": "2022-12-15", "cutoff_on": cutoff.isoformat(),
         "reason": "Hội nghị sơ kết lùi lịch"},
        date(2023, 6, 1), recorded_at=utcnow(),
    ))


def _status(client: TestClient, on: str, **params: str) -> str:
    status: str = get_json(client, ITEM, on=on, **params)["status"]
    return status


def test_filings_and_items_follow_the_moved_cutoff(
    client: TestClient, upstream: Upstream
) -> None:
    post(client, "/api/v1/plans/2023/load", {})
    # Progress in the first quarter's window and on 17/06: after the default 6-month cut-off
    # (14/06), within the moved one (20/06).
    post(client, f"{ITEM}/progress", progress("2023-03-10"), headers=TON_GIAO)
    post(client, f"{ITEM}/progress", progress("2023-06-17"), headers=TON_GIAO)
    # By the default calendar, on 18/06 the 6-month occurrence (due 14/06) was missed.
    assert _status(client, "2023-06-18") == "overdue"

    # A read as of before reporting recorded the move knows the default cut-off.
    before = utcnow().isoformat()
    _move_6m_cutoff(upstream, date(2023, 6, 20))
    wait_until(lambda: _status(client, "2023-06-18") == "in_progress", timeout=30)
    item = get_json(client, ITEM, on="2023-06-18")
    assert item["status_due_on"] == "2023-06-20"
    # As known before reporting moved it, the default calendar's answer stands.
    assert _status(client, "2023-06-18", as_of=before) == "overdue"
    # After the moved cut-off with no progress since 17/06: kept; the 9 months next.
    assert get_json(client, ITEM, on="2023-06-21")["status_due_on"] == "2023-09-14"

    # The deadline is set after the cut-off that applies: 18/06 lies before 20/06.
    error = refused(client, f"{DUTY}/deadline", {"deadline": "2023-06-18"}, 422,
                    "DEADLINE_OUTSIDE")
    assert "20/06/2023" in error["message"]
    post(client, f"{DUTY}/deadline", {"deadline": "2023-06-25", "district_codes": [NGO_QUYEN]})
    submit = {"summary": "Báo cáo 6 tháng", "figures": {"hoi_nghi_doi_thoai": 4}}
    early = refused(client, f"{DUTY}/districts/{NGO_QUYEN}/submit",
                    {**submit, "submitted_on": "2023-06-16"}, 422, "SUBMITTED_BEFORE_PERIOD",
                    board(NGO_QUYEN))
    assert "20/06/2023" in early["message"]
    post(client, f"{DUTY}/districts/{NGO_QUYEN}/submit",
         {**submit, "submitted_on": "2023-06-21", "backdated_reason": "Báo cáo giấy"})

    # Moved again (later event wins), and a rebuild by replay gives the same answers.
    _move_6m_cutoff(upstream, date(2023, 6, 16))
    wait_until(lambda: get_json(client, ITEM, on="2023-06-15")["status_due_on"]
               == "2023-06-16", timeout=30)
    rebuild_and_wait(client)
    assert get_json(client, ITEM, on="2023-06-15")["status_due_on"] == "2023-06-16"
    # 17/06 now falls after the 6 months' cut-off (16/06): that occurrence was missed.
    moved_earlier = get_json(client, ITEM, on="2023-06-18")
    assert (moved_earlier["status"], moved_earlier["status_due_on"]) == ("overdue", "2023-06-16")
    assert _status(client, "2023-06-18", as_of=before) == "overdue"


def test_a_cutoff_moved_past_the_deadline_judges_against_the_cutoff(
    client: TestClient, upstream: Upstream
) -> None:
    """Finding K11: the deadline set (20/06) before the cut-off was moved past it (30/06)
    made every district late by construction: nothing can be filed before 30/06. The duty is
    judged against the deadline in force, the cut-off; the deadline set is still shown."""
    post(client, "/api/v1/plans/2023/load", {})
    post(client, f"{ITEM}/progress", progress("2023-03-10"), headers=TON_GIAO)
    post(client, f"{DUTY}/deadline", {"deadline": "2023-06-20", "district_codes": [NGO_QUYEN]})
    _move_6m_cutoff(upstream, date(2023, 6, 30))
    wait_until(lambda: get_json(client, ITEM, on="2023-06-25")["status_due_on"]
               == "2023-06-30", timeout=30)
    post(client, f"{DUTY}/districts/{NGO_QUYEN}/submit",
         {"summary": "Báo cáo 6 tháng", "figures": {}, "submitted_on": "2023-06-30",
          "backdated_reason": "Báo cáo giấy"})
    duty = get_json(client, DUTY, on="2023-07-05")
    assert (duty["deadline"], duty["deadline_set"]) == ("2023-06-30", "2023-06-20")
    assert (duty["on_time"], duty["late"]) == (1, 0)
    assert duty["districts"][0]["status"] == "nop_dung_han"


def _moved(ev: Events, period: str, cutoff: date) -> EventEnvelope:
    """Reporting's `PeriodAdjusted`, recorded long after the year it moves (as in life)."""
    year = int(period[:4])
    return ev.event("reporting", "period", period, "PeriodAdjusted", {
        "period_id": period, "data_from": date(year - 1, 12, 15).isoformat(),
        "cutoff_on": cutoff.isoformat(), "reason": "Hội nghị tổng kết lùi lịch",
    }, date(2024, 2, 1), recorded_at=datetime(2024, 2, 1, 3, tzinfo=UTC))


def _i2(runtime: ServiceRuntime, unit: str) -> list[tuple[str | None, str, str | None]]:
    return [(e["previous_status"], e["status"], e["causation_id"])
            for e in status_events_in(runtime) if e["key"] == f"I2-2023@{unit}"]


def test_a_moved_year_cutoff_announces_the_i2_statuses_it_moves(
    runtime: ServiceRuntime,
) -> None:
    """Finding (examiner-figures) F1: I2 counts the sessions of the year's data window, which
    the year report's cut-off closes (O14), so moving that cut-off moves I2; the move was
    consumed for the plan's filings only, its statuses were never announced (the status
    history kept «chưa đạt» while every read said «đạt») until a rebuild found them, dated
    the rebuild's. The move is announced as the cause, in both directions; a 6-month move
    bounds no year's window and announces nothing. SQLite and PostgreSQL."""
    ev = Events()
    apply(runtime, [
        ev.rule("commune", 2, date(2015, 1, 27)),
        ev.head("H1", TIEN_LANG_TOWN, date(2020, 1, 1)),
        ev.session("S1", TIEN_LANG_TOWN, ["H1"], date(2023, 3, 1)),
        # After the default year cut-off (14/12/2023), before the one it is moved to.
        ev.session("S2", TIEN_LANG_TOWN, ["H1"], date(2023, 12, 18)),
    ])
    # 2 sessions owed over 15/12/2022-14/12/2023, one held in it: «chưa đạt».
    assert _i2(runtime, TIEN_LANG_TOWN)[-1][1] == "chua_dat"
    assert _i2(runtime, HAI_PHONG)[-1][1] == "chua_dat"
    six_months = _moved(ev, "2023-6m", date(2023, 6, 20))
    apply(runtime, [six_months])
    assert str(six_months.event_id) not in {e["causation_id"] for e in status_events_in(runtime)}

    later = _moved(ev, "2023-12m", date(2023, 12, 20))
    apply(runtime, [later])
    # 15/12/2022-20/12/2023 owes 2 (2 × 371/365, rounded) and holds both sessions: «đạt».
    assert _i2(runtime, TIEN_LANG_TOWN)[-1] == ("chua_dat", "dat", str(later.event_id))
    assert _i2(runtime, HAI_PHONG)[-1] == ("chua_dat", "dat", str(later.event_id))

    back = _moved(ev, "2023-12m", date(2023, 12, 14))
    apply(runtime, [back])
    assert _i2(runtime, TIEN_LANG_TOWN)[-1] == ("dat", "chua_dat", str(back.event_id))
