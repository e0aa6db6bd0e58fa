"""A model, a contest entry, a plan item, an inspection or a district report whose state
refuses an action answers 409 whatever day the body carries: the state before the body's
content, as docs/api-conventions.md orders the refusals (the inversion of finding M1, left in
these handlers). Each body carries a day in the future, which a record that allowed the
action would refuse 422 DATE_IN_FUTURE."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shared.clock import today_vn
from shared.eventstore import events_table
from tests.indicators.scenario import TIEN_LANG_TOWN
from tests.integration.helpers import runtime_of

TIEN_LANG = "315"
MAT_TRAN = {"X-Department": "phong-mat-tran-doan-the"}
MODEL = {"model_id": "MH-TT", "unit_code": TIEN_LANG_TOWN, "field": "urban",
         "title": "Dân vận khéo", "started_on": "2023-03-01"}
DUTY = "/api/v1/reporting-duties/2023-6m"


def _future() -> str:
    return (today_vn() + timedelta(days=30)).isoformat()


def _ok(client: TestClient, url: str, body: dict[str, Any],
        headers: dict[str, str] | None = None) -> None:
    response = client.post(url, json=body, headers=headers or {})
    assert response.status_code in (200, 201), response.text


def _written(client: TestClient, event_type: str) -> int:
    """How many `event_type` events the store holds: the service's own passes (statuses,
    reminders) write other events meanwhile."""
    with runtime_of(client).engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events_table).where(
            events_table.c.event_type == event_type)).scalar_one())


def _refused_409(client: TestClient, url: str, body: dict[str, Any], code: str,
                 event_type: str, headers: dict[str, str] | None = None) -> None:
    before = _written(client, event_type)
    response = client.post(url, json=body, headers=headers or {})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == code
    assert _written(client, event_type) == before


def test_recognising_a_model_at_its_level_on_a_future_day_is_409(client: TestClient) -> None:
    _ok(client, "/api/v1/models", MODEL)
    url = "/api/v1/models/MH-TT/recognise"
    _ok(client, url, {"recognition_level": "city", "recognised_on": "2023-06-01"})
    _refused_409(client, url, {"recognition_level": "city", "recognised_on": _future()},
                 "MODEL_ALREADY_AT_LEVEL", "ModelRecognised")


def test_closing_a_closed_model_on_a_future_day_is_409(client: TestClient) -> None:
    _ok(client, "/api/v1/models", MODEL)
    url = "/api/v1/models/MH-TT/close"
    _ok(client, url, {"closed_on": "2023-09-01", "reason": "Đã hoàn thành"})
    _refused_409(client, url, {"closed_on": _future(), "reason": "Lần hai"}, "MODEL_CLOSED",
                 "ModelClosed")


def test_awarding_an_awarded_entry_on_a_future_day_is_409(client: TestClient) -> None:
    _ok(client, "/api/v1/models", MODEL)
    _ok(client, "/api/v1/contests/2023/entries", {
        "entry_id": "DT-MH-TT-2023", "model_id": "MH-TT", "title": "Bài dự thi",
        "submitted_on": "2023-06-01", "author": "Hội LHPN"})
    url = "/api/v1/contests/2023/entries/DT-MH-TT-2023/award"
    _ok(client, url, {"award": "second", "awarded_on": "2023-07-01"})
    _refused_409(client, url, {"award": "first", "awarded_on": _future()},
                 "ENTRY_ALREADY_AWARDED", "ContestEntryAwarded")


def test_reopening_a_plan_item_not_done_on_a_future_day_is_409(client: TestClient) -> None:
    _ok(client, "/api/v1/plans/2023/load", {})
    _refused_409(client, "/api/v1/plans/2023/items/II.1.3/reopen",
                 {"reopened_on": _future(), "reason": "Kết quả chưa đủ hồ sơ"},
                 "PLAN_ITEM_NOT_DONE", "PlanItemReopened")


def test_concluding_a_planned_inspection_on_a_future_day_is_409(client: TestClient) -> None:
    _ok(client, "/api/v1/plans/2023/load", {})
    base = "/api/v1/plans/2023/items/III.3/inspections"
    _ok(client, base, {"inspection_id": "GS-1", "planned_on": "2023-04-03",
                       "subject": "Giám sát", "subject_units": [TIEN_LANG]}, MAT_TRAN)
    _refused_409(client, f"{base}/GS-1/conclude",
                 {"concluded_on": _future(), "findings": "x", "recommendations": "y"},
                 "ACTION_NOT_ALLOWED", "InspectionConcluded", MAT_TRAN)


def test_returning_a_report_never_submitted_on_a_future_day_is_409(client: TestClient) -> None:
    _ok(client, f"{DUTY}/deadline", {"deadline": "2023-06-20", "district_codes": [TIEN_LANG]})
    _refused_409(client, f"{DUTY}/districts/{TIEN_LANG}/return",
                 {"returned_on": _future(), "reason": "Thiếu số liệu"}, "ACTION_NOT_ALLOWED",
                 "DistrictReportReturned")


def test_submitting_a_report_already_submitted_on_a_future_day_is_409(
    client: TestClient,
) -> None:
    _ok(client, f"{DUTY}/deadline", {"deadline": "2023-06-20", "district_codes": [TIEN_LANG]})
    url = f"{DUTY}/districts/{TIEN_LANG}/submit"
    submit = {"submitted_on": "2023-06-19", "summary": "Báo cáo 6 tháng",
              "backdated_reason": "Báo cáo giấy"}
    _ok(client, url, submit)
    _refused_409(client, url, {**submit, "submitted_on": _future()}, "ACTION_NOT_ALLOWED",
                 "DistrictReportSubmitted")


def test_progress_on_a_done_plan_item_on_a_future_day_is_409(client: TestClient) -> None:
    _ok(client, "/api/v1/plans/2023/load", {})
    url = "/api/v1/plans/2023/items/II.1.3/progress"
    ton_giao = {"X-Department": "phong-ton-giao-dan-toc"}
    _ok(client, url, {"reported_on": "2023-06-01", "result": "Hoàn thành", "done": True},
        ton_giao)
    _refused_409(client, url, {"reported_on": _future(), "result": "Lần hai"},
                 "PLAN_ITEM_DONE", "PlanItemProgressRecorded", ton_giao)
