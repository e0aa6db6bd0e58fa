"""Corrections of a session recorded as held (G18): a new event naming the fact it corrects,
with a reason; the read models and the rule's evaluation as if the right fact had been
recorded; a replay gives the same; bad corrections refused with a Vietnamese 4xx."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.dialogue.adapters.projection import rebuild
from services.dialogue.adapters.tables import READ_MODELS
from tests.dialogue.conftest import (
    TIEN_LANG,
    TIEN_LANG_TOWN,
    FakeToday,
    event_types,
    held_session,
    ok,
    runtime_of,
    take_office,
)

CORRECTED = "Biên bản hội nghị ghi ngày khác; ghi nhầm khi nhập"


def _post(client: TestClient, url: str, json: dict[str, Any],
           headers: dict[str, str] | None = None) -> Any:
    """A correction as a client sends it: If-Match, the ETag of the record it read (a
    correction never runs blind: 428 without it), unless the test names its own."""
    if headers is None:
        record = client.get(url.rsplit("/", 2)[0])
        headers = {"If-Match": record.headers["ETag"]} if record.status_code == 200 else {}
    return client.post(url, json=json, headers=headers)


def _dump(client: TestClient) -> dict[str, list[tuple[Any, ...]]]:
    with runtime_of(client).engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in READ_MODELS}


def _compliance(client: TestClient, head_id: str, start: str, end: str) -> dict[str, Any]:
    body = ok(client.get("/api/v1/rule-compliance", params={
        "unit_code": TIEN_LANG, "date_from": start, "date_to": end}))
    found: dict[str, Any] = next(h for h in body["items"] if h["head_id"] == head_id)
    return found


def test_a_wrong_holding_day_is_corrected_and_both_facts_stay_in_the_history(
    client: TestClient,
) -> None:
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    session_id = held_session(client, TIEN_LANG, [secretary], "2023-03-15")
    before = ok(client.get(f"/api/v1/sessions/{session_id}"))
    held_event = next(h for h in before["history"] if h["event_type"] == "SessionHeld")
    corrected = client.post(
        f"/api/v1/sessions/{session_id}/holding/corrections",
        json={"held_on": "2023-03-14", "reason": CORRECTED},
        headers={"If-Match": f'"{before["version"]}"'},
    )
    assert corrected.status_code == 200, corrected.text
    event = corrected.json()["events"][0]
    assert event["event_type"] == "SessionHeldCorrected"
    detail = ok(client.get(f"/api/v1/sessions/{session_id}"))
    assert (detail["status"], detail["held_on"]) == ("held", "2023-03-14")
    correction = detail["history"][-1]
    assert correction["event_type"] == "SessionHeldCorrected"
    assert correction["corrects"] == held_event["event_id"]
    assert (correction["previous_held_on"], correction["held_on"]) == ("2023-03-15", "2023-03-14")
    assert correction["reason"] == CORRECTED and correction["on"] == "2023-03-14"
    # Both facts stay: the holding as first recorded, then its correction.
    assert [h["event_type"] for h in detail["history"]] == [
        "SessionPlanned", "SessionHeld", "SessionHeldCorrected"]
    # Correcting again names the correction now in force.
    again = ok(_post(client, f"/api/v1/sessions/{session_id}/holding/corrections",
                     json={"held_on": "2023-03-13", "reason": CORRECTED}))
    history = ok(client.get(f"/api/v1/sessions/{session_id}"))["history"]
    assert history[-1]["corrects"] == history[-2]["event_id"]
    assert again["version"] == 4


def test_a_session_held_by_mistake_goes_back_to_planned_and_stops_counting(
    client: TestClient, clock: FakeToday
) -> None:
    """The head met the rule only by the session recorded by mistake: after the correction
    they do not, as if it had never been recorded; the session can be held later."""
    chair = take_office(client, TIEN_LANG, "people_committee_chair", "Lê Thị Bích",
                        "2023-01-01")
    first = held_session(client, TIEN_LANG, [chair], "2023-02-10")
    second = held_session(client, TIEN_LANG, [chair], "2023-05-10")
    assert _compliance(client, chair, "2023-01-01", "2023-12-31")["sessions_held"] == 2
    ok(_post(client, f"/api/v1/sessions/{second}/holding/corrections",
             json={"void": True, "reason": "Ghi nhầm: hội nghị chưa tổ chức"}))
    detail = ok(client.get(f"/api/v1/sessions/{second}"))
    assert (detail["status"], detail["held_on"], detail["planned_on"]) == (
        "planned", None, "2023-05-10")
    assert _compliance(client, chair, "2023-01-01", "2023-12-31")["sessions_held"] == 1
    assert ok(client.get("/api/v1/sessions", params={"status": "held"}))["total"] == 1
    # Planned again, it is held on its real day.
    ok(client.post(f"/api/v1/sessions/{second}/hold", json={"held_on": "2023-06-02"}))
    assert _compliance(client, chair, "2023-01-01", "2023-12-31")["sessions_held"] == 2
    assert first != second
    assert event_types(client, "SessionHeld") == ["SessionHeld"] * 3


def test_corrections_are_rebuilt_by_replay(client: TestClient) -> None:
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    chair = take_office(client, TIEN_LANG, "people_committee_chair", "Lê Thị Bích", "2021-06-01")
    moved = held_session(client, TIEN_LANG, [secretary], "2023-03-15")
    unheld = held_session(client, TIEN_LANG, [secretary], "2023-04-15")
    ok(_post(client, f"/api/v1/sessions/{moved}/holding/corrections",
             json={"held_on": "2023-03-16", "head_ids": [secretary, chair],
                   "reason": CORRECTED}))
    ok(_post(client, f"/api/v1/sessions/{unheld}/holding/corrections",
             json={"void": True, "reason": CORRECTED}))
    live = _dump(client)
    runtime = runtime_of(client)
    with runtime.engine.begin() as conn:
        rebuild(conn, runtime.store)
    assert _dump(client) == live


def _refused(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    message: str = error["message"]
    return message


def test_bad_corrections_are_refused_in_vietnamese_and_write_nothing(
    client: TestClient,
) -> None:
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2023-03-01")
    town = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Phạm Văn Cường", "2021-07-01")
    session_id = held_session(client, TIEN_LANG, [secretary], "2023-03-15")
    url = f"/api/v1/sessions/{session_id}/holding/corrections"
    before = event_types(client)
    # No reason; a blank one; held false with a date.
    _refused(_post(client, url, json={"held_on": "2023-03-14"}), 422, "VALIDATION_ERROR")
    _refused(_post(client, url, json={"held_on": "2023-03-14", "reason": "  "}), 422,
             "VALIDATION_ERROR")
    both = _post(client, url, json={"void": True, "held_on": "2023-03-14", "reason": CORRECTED})
    _refused(both, 422, "VALIDATION_ERROR")
    assert "không kèm ngày" in both.text
    # The clock of these tests stands at 31/12/2023: a later day has not come yet.
    _refused(_post(client, url, json={"held_on": "2024-01-05", "reason": CORRECTED}), 422,
             "DATE_IN_FUTURE")
    # Before the head took office; by a head of another unit.
    assert "không giữ chức" in _refused(
        _post(client, url, json={"held_on": "2023-02-20", "reason": CORRECTED}), 422,
        "HEAD_NOT_IN_OFFICE")
    _refused(_post(client, url, json={"head_ids": [town], "reason": CORRECTED}), 422,
             "HEAD_NOT_OF_UNIT")
    # The same values again.
    assert "không có gì để đính chính" in _refused(
        _post(client, url, json={"held_on": "2023-03-15", "reason": CORRECTED}), 422,
        "CORRECTION_CHANGES_NOTHING")
    # A stale If-Match.
    _refused(_post(client, url, json={"held_on": "2023-03-14", "reason": CORRECTED},
                         headers={"If-Match": '"1"'}), 412, "PRECONDITION_FAILED")
    assert event_types(client) == before
    # A session never held has no holding to correct.
    planned = ok(client.post("/api/v1/sessions", json={
        "unit_code": TIEN_LANG, "head_ids": [secretary], "planned_on": "2023-06-01",
        "topic": "Chuyển đổi số"}), 201)["session_id"]
    _refused(_post(client, f"/api/v1/sessions/{planned}/holding/corrections",
                   json={"void": True, "reason": CORRECTED}), 409, "SESSION_NOT_HELD")
    _refused(client.post("/api/v1/sessions/00000000-0000-0000-0000-000000000000/"
                         "holding/corrections", json={"void": True, "reason": CORRECTED}),
             404, "SESSION_NOT_FOUND")


def test_a_session_with_commitments_or_its_report_keeps_its_holding(
    client: TestClient,
) -> None:
    """Commitments are dated by the holding: a session with any is neither un-held nor moved
    (its heads still may be corrected); a session with its report filed took place."""
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    chair = take_office(client, TIEN_LANG, "people_committee_chair", "Lê Thị Bích", "2021-06-01")
    session_id = held_session(client, TIEN_LANG, [secretary], "2023-03-15")
    ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
        "text": "Sửa đường liên xã", "due_on": "2023-09-30",
        "responsible_agency": "UBND huyện Tiên Lãng"}), 201)
    url = f"/api/v1/sessions/{session_id}/holding/corrections"
    message = _refused(_post(client, url, json={"void": True, "reason": CORRECTED}), 409,
                       "SESSION_HAS_RECORDS")
    assert "1 cam kết" in message and "15/03/2023" in message
    _refused(_post(client, url, json={"held_on": "2023-03-16", "reason": CORRECTED}), 409,
             "SESSION_HAS_RECORDS")
    ok(_post(client, url, json={"head_ids": [chair], "reason": CORRECTED}))
    reported = held_session(client, TIEN_LANG, [secretary], "2023-04-15")
    ok(client.post(f"/api/v1/sessions/{reported}/report", json={
        "attendance": 80, "summary": "Dân chủ", "filed_on": "2023-04-18"}))
    url = f"/api/v1/sessions/{reported}/holding/corrections"
    _refused(_post(client, url, json={"void": True, "reason": CORRECTED}), 409,
             "REPORT_ALREADY_FILED")
    assert "18/04/2023" not in _refused(
        _post(client, url, json={"held_on": "2023-04-20", "reason": CORRECTED}), 422,
        "REPORT_BEFORE_SESSION")
    ok(_post(client, url, json={"held_on": "2023-04-17", "reason": CORRECTED}))
    assert ok(client.get(f"/api/v1/sessions/{reported}"))["status"] == "closed"


# --- a head's mistyped from_date -----------------------------------------------------------


def test_a_mistyped_from_date_is_corrected_and_the_rule_counts_the_right_days(
    client: TestClient,
) -> None:
    chair = take_office(client, TIEN_LANG, "people_committee_chair", "Lê Thị Bích",
                        "2023-03-01")
    assert _compliance(client, chair, "2023-01-01", "2023-12-31")["in_office_from"] == (
        "2023-03-01")
    url = f"/api/v1/heads/{chair}/took-office/corrections"
    post_version = ok(client.get(f"/api/v1/heads/{chair}"))["version"]
    corrected = _post(client, url, json={"from_date": "2023-01-15", "reason": CORRECTED},
                            headers={"If-Match": f'"{post_version}"'})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["events"][0]["event_type"] == "HeadTookOfficeCorrected"
    head = ok(client.get(f"/api/v1/heads/{chair}"))
    assert head["from_date"] == "2023-01-15"
    took, correction = head["history"]
    assert (took["event_type"], took["from_date"]) == ("HeadTookOffice", "2023-03-01")
    assert correction["event_type"] == "HeadTookOfficeCorrected"
    assert (correction["corrects"], correction["previous_from_date"]) == (
        took["event_id"], "2023-03-01")
    assert correction["reason"] == CORRECTED
    assert _compliance(client, chair, "2023-01-01", "2023-12-31")["in_office_from"] == (
        "2023-01-15")
    # A session on a day now in office is held; the correction stays in the post's stream.
    held_session(client, TIEN_LANG, [chair], "2023-02-10")
    assert event_types(client, "HeadTookOfficeCorrected") == ["HeadTookOfficeCorrected"]
    assert event_types(client, "HeadTookOffice") == ["HeadTookOffice"]
    live = _dump(client)
    runtime = runtime_of(client)
    with runtime.engine.begin() as conn:
        rebuild(conn, runtime.store)
    assert _dump(client) == live


def test_bad_from_date_corrections_are_refused_and_write_nothing(client: TestClient) -> None:
    first = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    second = ok(client.post(f"/api/v1/heads/{first}/successor", json={
        "full_name": "Trần Văn Bình", "from_date": "2023-01-10"}), 201)["head_id"]
    held_session(client, TIEN_LANG, [second], "2023-02-10")
    url = f"/api/v1/heads/{second}/took-office/corrections"
    before = event_types(client)
    _refused(_post(client, url, json={"from_date": "2023-01-12"}), 422, "VALIDATION_ERROR")
    _refused(_post(client, url, json={"from_date": "2024-02-01", "reason": CORRECTED}), 422,
             "DATE_IN_FUTURE")
    assert "10/02/2023" in _refused(
        _post(client, url, json={"from_date": "2023-02-11", "reason": CORRECTED}), 422,
        "SESSION_HELD_BEFORE_OFFICE")
    # The hand-over's day moves the predecessor's leaving (L2), but not before their start.
    assert "Nguyễn Văn An" in _refused(
        _post(client, url, json={"from_date": "2020-10-01", "reason": CORRECTED}), 422,
        "SUCCESSOR_BEFORE_INCUMBENT")
    _refused(_post(client, url, json={"from_date": "2023-01-10", "reason": CORRECTED}), 422,
             "CORRECTION_CHANGES_NOTHING")
    # A past term cannot start after its last day.
    assert "thôi giữ chức" in _refused(
        _post(client, f"/api/v1/heads/{first}/took-office/corrections",
              json={"from_date": "2023-01-20", "reason": CORRECTED}), 422,
        "TERM_ENDS_BEFORE_IT_STARTS")
    _refused(_post(client, url, json={"from_date": "2023-01-12", "reason": CORRECTED},
                         headers={"If-Match": '"1"'}), 412, "PRECONDITION_FAILED")
    _refused(client.post("/api/v1/heads/no-such-head/took-office/corrections",
                         json={"from_date": "2023-01-12", "reason": CORRECTED}), 404,
             "HEAD_NOT_FOUND")
    assert event_types(client) == before
    ok(_post(client, url, json={"from_date": "2023-01-12", "reason": CORRECTED}))


def test_a_correction_without_if_match_is_refused_428_after_the_scope(
    client: TestClient,
) -> None:
    """Finding J6: a correction restates a fact another desk may have just restated; sent
    blind (no If-Match, or `*`), the last of several would silently win. 428, nothing
    written; a board outside the record's district gets its 403 first."""
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    session_id = held_session(client, TIEN_LANG, [secretary], "2023-03-15")
    board = {"X-Unit-Scope": "303", "X-Scopes": "dialogue:read dialogue:write"}
    corrections = (
        (f"/api/v1/sessions/{session_id}/holding/corrections",
         {"held_on": "2023-03-14", "reason": CORRECTED},
         {"held_on": "2023-03-13", "reason": "Bàn thứ hai"}),
        (f"/api/v1/heads/{secretary}/took-office/corrections",
         {"from_date": "2020-09-01", "reason": CORRECTED},
         {"from_date": "2020-08-01", "reason": "Bàn thứ hai"}),
    )
    before = event_types(client)
    for url, body, _ in corrections:
        for headers in ({}, {"If-Match": "*"}):
            _refused(client.post(url, json=body, headers=headers), 428, "PRECONDITION_REQUIRED")
        _refused(client.post(url, json=body, headers=board), 403, "UNIT_OUT_OF_SCOPE")
    assert event_types(client) == before
    for url, body, other in corrections:
        # Two desks read the same version: the second is told (412), not overwritten.
        tag = {"If-Match": client.get(url.rsplit("/", 2)[0]).headers["ETag"]}
        ok(client.post(url, json=body, headers=tag))
        _refused(client.post(url, json=other, headers=tag), 412, "PRECONDITION_FAILED")


# --- a hand-over's day, a leaving's day (finding L2) ----------------------------------------


def _terms(client: TestClient) -> list[tuple[str, str, str | None]]:
    body = ok(client.get(f"/api/v1/units/{TIEN_LANG_TOWN}/heads"))
    return [(t["full_name"], t["from_date"], t["to_date"]) for t in body["items"]
            if t["role"] == "people_committee_chair"]


def test_a_hand_over_on_the_wrong_day_is_corrected_both_ways_and_the_post_stays_held(
    client: TestClient,
) -> None:
    """Finding L2: the successor's first day recorded by a hand-over is the hand-over's day;
    corrected, the predecessor's leaving moves with it to the eve (earlier: it was refused
    HEAD_POST_OCCUPIED; later: the post was left empty between), and I2's rule follows."""
    first = take_office(client, TIEN_LANG_TOWN, "people_committee_chair", "Vũ Văn Sáu",
                        "2021-01-01")
    second = ok(client.post(f"/api/v1/heads/{first}/successor", json={
        "full_name": "Hoàng Thị Bảy", "from_date": "2023-07-01"}), 201)["head_id"]
    url = f"/api/v1/heads/{second}/took-office/corrections"
    corrected = ok(_post(client, url, json={"from_date": "2023-06-01",
                                            "reason": "QĐ ngày 01/06/2023"}))
    assert [e["event_type"] for e in corrected["events"]] == [
        "HeadLeftOfficeCorrected", "HeadTookOfficeCorrected"]
    assert _terms(client) == [("Vũ Văn Sáu", "2021-01-01", "2023-05-31"),
                              ("Hoàng Thị Bảy", "2023-06-01", None)]
    assert _compliance(client, first, "2023-01-01", "2023-12-31")["in_office_to"] == (
        "2023-05-31")
    assert _compliance(client, second, "2023-01-01", "2023-12-31")["in_office_from"] == (
        "2023-06-01")
    ok(_post(client, url, json={"from_date": "2023-07-10", "reason": CORRECTED}))
    assert _terms(client) == [("Vũ Văn Sáu", "2021-01-01", "2023-07-09"),
                              ("Hoàng Thị Bảy", "2023-07-10", None)]
    history = ok(client.get(f"/api/v1/heads/{first}"))["history"]
    assert [(h["event_type"], h.get("to_date")) for h in history[1:]] == [
        ("HeadLeftOffice", "2023-06-30"), ("HeadLeftOfficeCorrected", "2023-05-31"),
        ("HeadLeftOfficeCorrected", "2023-07-09")]
    assert history[-1]["previous_to_date"] == "2023-05-31"
    before = event_types(client)
    # Not on or before the predecessor's first day.
    _refused(_post(client, url, json={"from_date": "2021-01-01", "reason": CORRECTED}), 422,
             "SUCCESSOR_BEFORE_INCUMBENT")
    # A session the predecessor held on 05/07 keeps them in office through it.
    held_session(client, TIEN_LANG_TOWN, [first], "2023-07-05")
    before = event_types(client)
    assert "05/07/2023" in _refused(
        _post(client, url, json={"from_date": "2023-07-01", "reason": CORRECTED}), 422,
        "SESSION_HELD_AFTER_LEAVING")
    assert event_types(client) == before
    live = _dump(client)
    runtime = runtime_of(client)
    with runtime.engine.begin() as conn:
        rebuild(conn, runtime.store)
    assert _dump(client) == live


def test_a_leaving_on_the_wrong_day_is_corrected_by_a_new_event(client: TestClient) -> None:
    """Finding L2: a leaving is restated by `HeadLeftOfficeCorrected`, refused only by a
    session held after the new last day or another holder's days; a 409 names the
    correction that frees the days instead of «không có»."""
    first = take_office(client, TIEN_LANG_TOWN, "people_committee_chair", "Vũ Văn Sáu",
                        "2021-01-01")
    ok(client.post(f"/api/v1/heads/{first}/leave", json={"to_date": "2023-06-30"},
                   headers={"If-Match": client.get(f"/api/v1/heads/{first}").headers["ETag"]}))
    second = take_office(client, TIEN_LANG_TOWN, "people_committee_chair", "Hoàng Thị Bảy",
                         "2023-08-01")
    held_session(client, TIEN_LANG_TOWN, [first], "2023-06-20")
    url = f"/api/v1/heads/{first}/left-office/corrections"
    before = event_types(client)
    again = _refused(client.post(f"/api/v1/heads/{first}/leave", json={"to_date": "2023-07-10"},
                                 headers={"If-Match": client.get(
                                     f"/api/v1/heads/{first}").headers["ETag"]}),
                     409, "HEAD_ALREADY_LEFT")
    assert "«Đính chính ngày thôi giữ chức»" in again and "không có" not in again
    assert "20/06/2023" in _refused(
        _post(client, url, json={"to_date": "2023-06-19", "reason": CORRECTED}), 422,
        "SESSION_HELD_AFTER_LEAVING")
    occupied = _refused(_post(client, url, json={"to_date": "2023-08-01", "reason": CORRECTED}),
                        409, "HEAD_POST_OCCUPIED")
    assert "Hoàng Thị Bảy" in occupied and "«Đính chính ngày nhận chức»" in occupied
    # The later holder's start corrected earlier meets the leaving: it names that correction.
    earlier = _refused(_post(client, f"/api/v1/heads/{second}/took-office/corrections",
                             json={"from_date": "2023-06-30", "reason": CORRECTED}),
                       409, "HEAD_POST_OCCUPIED")
    assert "«Đính chính ngày thôi giữ chức»" in earlier and "không có" not in earlier
    _refused(_post(client, url, json={"to_date": "2023-06-30", "reason": CORRECTED}), 422,
             "CORRECTION_CHANGES_NOTHING")
    _refused(_post(client, url, json={"to_date": "2024-01-05", "reason": CORRECTED}), 422,
             "DATE_IN_FUTURE")
    _refused(_post(client, url, json={"to_date": "2023-07-10"}), 422, "VALIDATION_ERROR")
    _refused(client.post(url, json={"to_date": "2023-07-10", "reason": CORRECTED}), 428,
             "PRECONDITION_REQUIRED")
    _refused(_post(client, f"/api/v1/heads/{second}/left-office/corrections",
                   json={"to_date": "2023-09-10", "reason": CORRECTED}), 409, "HEAD_NOT_LEFT")
    assert event_types(client) == before
    corrected = ok(_post(client, url, json={"to_date": "2023-07-31", "reason": CORRECTED}))
    assert [e["event_type"] for e in corrected["events"]] == ["HeadLeftOfficeCorrected"]
    assert _terms(client) == [("Vũ Văn Sáu", "2021-01-01", "2023-07-31"),
                              ("Hoàng Thị Bảy", "2023-08-01", None)]
    assert _compliance(client, first, "2023-01-01", "2023-12-31")["in_office_to"] == (
        "2023-07-31")
    ok(_post(client, url, json={"to_date": "2023-06-20", "reason": CORRECTED}))
    assert _terms(client)[0] == ("Vũ Văn Sáu", "2021-01-01", "2023-06-20")
    live = _dump(client)
    runtime = runtime_of(client)
    with runtime.engine.begin() as conn:
        rebuild(conn, runtime.store)
    assert _dump(client) == live


def test_a_leaving_correction_of_a_head_in_office_is_409_whatever_the_day(
    client: TestClient,
) -> None:
    """Finding M1: the state (no leaving to correct) is answered before the body's day, as
    docs/api-conventions.md orders the refusals: a day before a session the head held, after
    the unit's last day or in the future is still 409 HEAD_NOT_LEFT, not the 422 of the day."""
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Trần Văn Hai", "2020-01-01")
    held_session(client, TIEN_LANG_TOWN, [head], "2023-03-14")
    url = f"/api/v1/heads/{head}/left-office/corrections"
    before = event_types(client)
    for to_date in ("2022-12-25", "2025-08-01", "2024-01-05", "2023-06-01"):
        message = _refused(_post(client, url, json={"to_date": to_date, "reason": CORRECTED}),
                           409, "HEAD_NOT_LEFT")
        assert "Trần Văn Hai" in message, message
    assert event_types(client) == before
