"""A decision about a session (a reschedule, a cancellation) is dated no earlier than what it
follows: its last reschedule, else the first day in office of its heads (finding M7)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.dialogue.adapters.tables import READ_MODELS
from services.dialogue.application.common import SEEDER, save
from services.dialogue.application.sessions import load_session
from tests.dialogue.conftest import (
    TIEN_LANG_TOWN,
    FakeToday,
    event_types,
    ok,
    runtime_of,
    take_office,
)


def _plan(client: TestClient, head: str, planned_on: str) -> str:
    session_id: str = ok(client.post("/api/v1/sessions", json={
        "unit_code": TIEN_LANG_TOWN, "head_ids": [head], "planned_on": planned_on,
        "topic": "Hủy sớm"}), 201)["session_id"]
    return session_id


def _refused(response: Any, previous: str) -> str:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "DATE_BEFORE_PREVIOUS_STEP"
    assert error["details"]["previous"] == previous
    message: str = error["message"]
    return message


def _dump(client: TestClient) -> dict[str, list[tuple[Any, ...]]]:
    with runtime_of(client).engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in READ_MODELS}


def test_a_cancellation_before_its_heads_took_office_is_refused(
    client: TestClient, clock: FakeToday
) -> None:
    clock.set(date(2024, 3, 1))
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Nguyễn Văn Hai",
                       "2020-01-01")
    session_id = _plan(client, head, "2024-05-01")
    written = len(event_types(client))
    early = client.post(f"/api/v1/sessions/{session_id}/cancel",
                        json={"reason": "Hủy", "cancelled_on": "2015-02-01"})
    message = _refused(early, "2020-01-01")
    assert "01/02/2015" in message and "01/01/2020" in message and "nhận chức" in message
    moved = client.post(f"/api/v1/sessions/{session_id}/reschedule", json={
        "planned_on": "2024-05-10", "reason": "Trùng lịch", "decided_on": "2019-12-31"})
    _refused(moved, "2020-01-01")
    # Nothing written: the session is still planned for its day.
    assert len(event_types(client)) == written
    assert ok(client.get(f"/api/v1/sessions/{session_id}"))["status"] == "planned"
    # On the head's first day it can be called off (before the day it was planned for).
    ok(client.post(f"/api/v1/sessions/{session_id}/cancel",
                   json={"reason": "Hủy", "cancelled_on": "2020-01-01"}))


def test_a_decision_before_the_last_reschedule_is_refused(
    client: TestClient, clock: FakeToday
) -> None:
    clock.set(date(2024, 3, 1))
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Nguyễn Văn Hai",
                       "2020-01-01")
    session_id = _plan(client, head, "2024-05-01")
    url = f"/api/v1/sessions/{session_id}"
    ok(client.post(f"{url}/reschedule", json={
        "planned_on": "2024-04-02", "reason": "Trùng lịch", "decided_on": "2024-02-10"}))
    backwards = client.post(f"{url}/reschedule", json={
        "planned_on": "2024-04-20", "reason": "x", "decided_on": "2024-02-09"})
    message = _refused(backwards, "2024-02-10")
    assert "dời lịch" in message and "09/02/2024" in message and "10/02/2024" in message
    _refused(client.post(f"{url}/cancel", json={"reason": "Hủy", "cancelled_on": "2023-03-01"}),
             "2024-02-10")
    assert event_types(client, "SessionCancelled") == []
    # The same day as the last decision, or later, follows it.
    ok(client.post(f"{url}/reschedule", json={
        "planned_on": "2024-04-20", "reason": "x", "decided_on": "2024-02-10"}))
    ok(client.post(f"{url}/cancel", json={"reason": "Hủy", "cancelled_on": "2024-02-11"}))


def test_a_stored_cancellation_dated_earlier_still_replays(
    client: TestClient, clock: FakeToday
) -> None:
    """One recorded before the rule (as the aggregate took it then) stays, and the read models
    rebuilt from the events are the same rows."""
    clock.set(date(2024, 3, 1))
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Nguyễn Văn Hai",
                       "2020-01-01")
    session_id = _plan(client, head, "2024-05-01")
    runtime = runtime_of(client)
    with runtime.uow(SEEDER) as uow:
        session = load_session(uow, session_id)
        session.cancel("Hủy", date(2015, 2, 1))  # no bound: as it was stored before M7
        save(uow, session)
        uow.commit()
    detail = ok(client.get(f"/api/v1/sessions/{session_id}"))
    assert detail["status"] == "cancelled"
    before = _dump(client)
    ok(client.post("/api/v1/admin/rebuild-read-models"))
    assert _dump(client) == before


def test_a_holding_before_the_last_reschedule_is_refused(
    client: TestClient, clock: FakeToday
) -> None:
    """Review item 3a: a session moved on 10/02 cannot have taken place before that day; the
    holding, and a correction moving it there, follow the last reschedule by the same rule as
    a cancellation (shared.steporder.not_before), nothing written."""
    clock.set(date(2024, 3, 1))
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Nguyễn Văn Hai",
                       "2020-01-01")
    session_id = _plan(client, head, "2024-05-01")
    url = f"/api/v1/sessions/{session_id}"
    ok(client.post(f"{url}/reschedule", json={
        "planned_on": "2024-02-20", "reason": "Trùng lịch", "decided_on": "2024-02-10"}))
    written = len(event_types(client))
    early = client.post(f"{url}/hold", json={"held_on": "2024-02-09"})
    message = _refused(early, "2024-02-10")
    assert "tổ chức" in message and "09/02/2024" in message and "10/02/2024" in message
    assert len(event_types(client)) == written
    ok(client.post(f"{url}/hold", json={"held_on": "2024-02-10"}))
    etag = client.get(url).headers["etag"]
    moved = client.post(f"{url}/holding/corrections", headers={"If-Match": etag},
                        json={"held_on": "2024-02-05", "reason": "Ghi nhầm ngày"})
    _refused(moved, "2024-02-10")
    assert event_types(client, "SessionHeldCorrected") == []
    ok(client.post(f"{url}/holding/corrections", headers={"If-Match": etag},
                   json={"held_on": "2024-02-11", "reason": "Ghi nhầm ngày"}))


def _correct_took_office(client: TestClient, head: str, from_date: str) -> Any:
    version = ok(client.get(f"/api/v1/heads/{head}"))["version"]
    return client.post(f"/api/v1/heads/{head}/took-office/corrections",
                       headers={"If-Match": f'"{version}"'},
                       json={"from_date": from_date, "reason": "Ghi nhầm ngày nhận chức"})


def test_a_first_day_corrected_after_its_sessions_decisions_is_refused(
    client: TestClient, clock: FakeToday
) -> None:
    """Review item 3b: a head's first day in office corrected to after a decision about a
    session the head chairs (its reschedule, its cancellation) or after the day a session not
    held is planned for put the session before any of its heads held office, which M7 and the
    plan refuse when recorded. 422 SESSION_DECIDED_BEFORE_OFFICE in Vietnamese naming the
    session and the day, nothing written; a day before them is accepted."""
    clock.set(date(2024, 3, 1))
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Nguyễn Văn Hai",
                       "2020-01-01")
    moved = _plan(client, head, "2024-05-01")
    ok(client.post(f"/api/v1/sessions/{moved}/reschedule", json={
        "planned_on": "2024-05-10", "reason": "Trùng lịch", "decided_on": "2024-02-10"}))
    called_off = _plan(client, head, "2024-06-01")
    ok(client.post(f"/api/v1/sessions/{called_off}/cancel",
                   json={"reason": "Bão", "cancelled_on": "2024-02-05"}))
    written = len(event_types(client))
    for from_date, session_id, step, on in (
            ("2024-02-11", moved, "rescheduled", "10/02/2024"),
            ("2024-02-06", called_off, "cancelled_on", "05/02/2024")):
        refused = _correct_took_office(client, head, from_date)
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "SESSION_DECIDED_BEFORE_OFFICE", error
        assert (error["details"]["session_id"], error["details"]["step"]) == (session_id, step)
        assert on in error["message"] and "nhận chức" in error["message"], error["message"]
    assert len(event_types(client)) == written
    ok(_correct_took_office(client, head, "2024-02-05"))


def test_a_first_day_corrected_after_a_planned_sessions_day_is_refused(
    client: TestClient, clock: FakeToday
) -> None:
    clock.set(date(2024, 3, 1))
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Nguyễn Văn Hai",
                       "2020-01-01")
    planned = _plan(client, head, "2024-02-20")  # never held
    refused = _correct_took_office(client, head, "2024-02-21")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"]["step"] == "planned_on"
    assert "20/02/2024" in refused.json()["error"]["message"]
    assert ok(client.get(f"/api/v1/sessions/{planned}"))["status"] == "planned"
    ok(_correct_took_office(client, head, "2024-02-20"))


def test_a_first_day_corrected_past_a_held_or_a_decided_session_is_refused_alike(
    client: TestClient, clock: FakeToday
) -> None:
    """Review R3: a first day corrected past a session the head held answered 422 after the
    day's own checks, past a session planned or decided 409 before them. Both are the day
    against the sessions recorded: one status, one place in the order, so a day in the
    future is DATE_IN_FUTURE whichever sessions the head has."""
    clock.set(date(2024, 3, 1))
    held_by = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Nguyễn Văn Hai",
                          "2020-01-01")
    held = _plan(client, held_by, "2024-02-10")
    ok(client.post(f"/api/v1/sessions/{held}/hold", json={"held_on": "2024-02-10"}))
    planning = take_office(client, TIEN_LANG_TOWN, "people_committee_chair",
                           "Trần Thị Ba", "2020-01-01")
    _plan(client, planning, "2024-02-20")
    written = len(event_types(client))
    answers = {}
    for head, from_date in ((held_by, "2024-02-11"), (planning, "2024-02-21"),
                            (held_by, "2024-03-02"), (planning, "2024-03-02")):
        refused = _correct_took_office(client, head, from_date)
        answers[(head, from_date)] = (refused.status_code, refused.json()["error"]["code"])
    assert answers == {
        (held_by, "2024-02-11"): (422, "SESSION_HELD_BEFORE_OFFICE"),
        (planning, "2024-02-21"): (422, "SESSION_DECIDED_BEFORE_OFFICE"),
        (held_by, "2024-03-02"): (422, "DATE_IN_FUTURE"),
        (planning, "2024-03-02"): (422, "DATE_IN_FUTURE"),
    }
    assert len(event_types(client)) == written


def test_cancelled_sessions_are_listed_by_the_day_of_their_cancellation(
    client: TestClient, clock: FakeToday
) -> None:
    """Review item 3c: `GET /sessions?status=cancelled&date_from=&date_to=` read the day the
    session had been planned for, so the cancellations of February (counted in February's
    report, `sessions_cancelled`) were listed under May and missing from February."""
    clock.set(date(2024, 3, 1))
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Nguyễn Văn Hai",
                       "2020-01-01")
    called_off = _plan(client, head, "2024-05-01")
    ok(client.post(f"/api/v1/sessions/{called_off}/cancel",
                   json={"reason": "Bão", "cancelled_on": "2024-02-05"}))
    _plan(client, head, "2024-05-02")  # still planned: listed by its planned day

    def listed(status: str, date_from: str, date_to: str) -> list[str]:
        body = ok(client.get("/api/v1/sessions", params={
            "status": status, "date_from": date_from, "date_to": date_to}))
        return [item["session_id"] for item in body["items"]]

    assert listed("cancelled", "2024-02-01", "2024-02-28") == [called_off]
    assert listed("cancelled", "2024-05-01", "2024-05-31") == []
    assert len(listed("planned", "2024-05-01", "2024-05-31")) == 1


def test_a_reschedule_to_a_day_before_its_decision_is_refused(
    client: TestClient, clock: FakeToday
) -> None:
    """Finding N9: a session planned for 10/05/2024 was moved, by a decision of 01/05/2024, to
    01/04/2024, a day already past; reporting then counted it planned in a period whose
    cut-off came before the decision. The day moved to comes no earlier than the decision
    (shared.steporder.not_before), 422 DATE_BEFORE_PREVIOUS_STEP, nothing written."""
    clock.set(date(2024, 6, 1))
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Nguyễn Văn Hai",
                       "2024-01-10")
    session_id = _plan(client, head, "2024-05-10")
    url = f"/api/v1/sessions/{session_id}"
    written = len(event_types(client))
    before = _dump(client)
    backwards = client.post(f"{url}/reschedule", json={
        "planned_on": "2024-04-01", "reason": "Dời", "decided_on": "2024-05-01"})
    message = _refused(backwards, "2024-05-01")
    assert "01/04/2024" in message and "01/05/2024" in message and "dời" in message
    # Without a decision day, the decision is today's: a day before it is refused too.
    _refused(client.post(f"{url}/reschedule", json={"planned_on": "2024-05-31",
                                                     "reason": "Dời"}), "2024-06-01")
    assert len(event_types(client)) == written and _dump(client) == before
    assert ok(client.get(url))["planned_on"] == "2024-05-10"
    # Moved to the decision's own day, or later: accepted.
    ok(client.post(f"{url}/reschedule", json={
        "planned_on": "2024-05-01", "reason": "Dời", "decided_on": "2024-05-01"}))
    ok(client.post(f"{url}/reschedule", json={
        "planned_on": "2024-06-20", "reason": "Dời", "decided_on": "2024-05-02"}))
