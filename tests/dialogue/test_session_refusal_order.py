"""A session whose state refuses an action answers 409 whatever day the body carries: the
state before the body's content, as docs/api-conventions.md orders the refusals (the inversion
of finding M1, seen in the session's handlers). Each body carries a day in the future, which
a session that allowed the action would refuse 422 DATE_IN_FUTURE."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.dialogue.conftest import TIEN_LANG_TOWN, event_types, held_session, ok, take_office

FUTURE = "2024-02-01"  # after the tests' business day, 31/12/2023 (conftest's clock)


def _head(client: TestClient) -> str:
    return take_office(client, TIEN_LANG_TOWN, "party_secretary", "Trần Văn Hai", "2020-01-01")


def _cancelled(client: TestClient) -> str:
    session_id: str = ok(client.post("/api/v1/sessions", json={
        "unit_code": TIEN_LANG_TOWN, "head_ids": [_head(client)], "planned_on": "2023-05-20",
        "topic": "Vệ sinh môi trường khu dân cư"}), 201)["session_id"]
    ok(client.post(f"/api/v1/sessions/{session_id}/cancel",
                   json={"reason": "Mưa bão", "cancelled_on": "2023-05-19"}))
    return session_id


def _refused_409(client: TestClient, url: str, body: dict[str, Any], code: str) -> None:
    before = event_types(client)
    response = client.post(url, json=body)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == code
    assert event_types(client) == before


def test_cancelling_a_cancelled_session_on_a_future_day_is_409(client: TestClient) -> None:
    session_id = _cancelled(client)
    _refused_409(client, f"/api/v1/sessions/{session_id}/cancel",
                 {"reason": "Lần hai", "cancelled_on": FUTURE}, "SESSION_STATE")


def test_rescheduling_a_cancelled_session_decided_on_a_future_day_is_409(
    client: TestClient,
) -> None:
    session_id = _cancelled(client)
    _refused_409(client, f"/api/v1/sessions/{session_id}/reschedule",
                 {"planned_on": "2023-06-10", "reason": "Dời", "decided_on": FUTURE},
                 "SESSION_STATE")


def test_holding_a_cancelled_session_on_a_future_day_is_409(client: TestClient) -> None:
    session_id = _cancelled(client)
    _refused_409(client, f"/api/v1/sessions/{session_id}/hold", {"held_on": FUTURE},
                 "SESSION_STATE")


def test_a_report_filed_twice_on_a_future_day_is_409(client: TestClient) -> None:
    session_id = held_session(client, TIEN_LANG_TOWN, [_head(client)], "2023-03-14")
    url = f"/api/v1/sessions/{session_id}/report"
    ok(client.post(url, json={"attendance": 120, "summary": "Dân chủ",
                              "filed_on": "2023-03-16"}))
    _refused_409(client, url, {"attendance": 1, "summary": "Lần hai", "filed_on": FUTURE},
                 "REPORT_ALREADY_FILED")


def test_a_report_on_a_cancelled_session_on_a_future_day_is_409(client: TestClient) -> None:
    session_id = _cancelled(client)
    _refused_409(client, f"/api/v1/sessions/{session_id}/report",
                 {"attendance": 1, "summary": "Không họp", "filed_on": FUTURE},
                 "SESSION_STATE")


def test_correcting_the_holding_of_a_session_never_held_to_a_future_day_is_409(
    client: TestClient,
) -> None:
    session_id = _cancelled(client)
    version = client.get(f"/api/v1/sessions/{session_id}").headers["ETag"]
    before = event_types(client)
    response = client.post(f"/api/v1/sessions/{session_id}/holding/corrections",
                           json={"held_on": FUTURE, "reason": "Ghi nhầm ngày"},
                           headers={"If-Match": version})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "SESSION_NOT_HELD"
    assert event_types(client) == before
