"""Sessions, issues and commitments over HTTP: full lifecycles, refusals, rebuild by replay."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from services.dialogue.adapters.tables import READ_MODELS, commitments
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


def _dump(client: TestClient) -> dict[str, list[tuple[Any, ...]]]:
    with runtime_of(client).engine.connect() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(select(t)))
            for t in READ_MODELS
        }


def test_session_lifecycle_from_plan_to_report(client: TestClient) -> None:
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    chair = take_office(client, TIEN_LANG, "people_committee_chair", "Lê Thị Bích", "2021-06-01")
    planned = ok(client.post("/api/v1/sessions", json={
        "unit_code": TIEN_LANG, "head_ids": [secretary], "planned_on": "2023-03-10",
        "topic": "Bồi thường, hỗ trợ tái định cư dự án cầu Tiên Lãng",
        "place": "Hội trường Huyện ủy Tiên Lãng",
    }), 201)
    session_id = planned["session_id"]
    assert planned["events"][0]["event_type"] == "SessionPlanned"
    ok(client.post(f"/api/v1/sessions/{session_id}/reschedule",
                   json={"planned_on": "2023-03-15", "reason": "Trùng lịch tiếp công dân",
                         "decided_on": "2023-03-01"}))
    stale = client.post(f"/api/v1/sessions/{session_id}/hold", json={"held_on": "2023-03-15"},
                        headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "PRECONDITION_FAILED"
    assert stale.json()["error"]["details"]["current_version"] == 2
    read = client.get(f"/api/v1/sessions/{session_id}")
    assert read.headers["ETag"] == '"2"'
    held = client.post(f"/api/v1/sessions/{session_id}/hold",
                       json={"held_on": "2023-03-15", "head_ids": [secretary, chair]},
                       headers={"If-Match": read.headers["ETag"]})
    assert held.status_code == 200 and held.headers["ETag"] == '"3"', held.text
    on_spot = ok(client.post(f"/api/v1/sessions/{session_id}/issues", json={
        "category": "social_policy", "text": "Đề nghị giải quyết chế độ cho người có công",
        "handling": "answered_on_spot", "answer": "Đã giải thích chính sách tại hội nghị",
    }), 201)
    assigned = ok(client.post(f"/api/v1/sessions/{session_id}/issues", json={
        "category": "land_and_site_clearance",
        "text": "Chậm chi trả tiền bồi thường đất nông nghiệp",
        "handling": "assigned", "assigned_agency": "Ban Quản lý dự án huyện",
    }), 201)
    promise = ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
        "text": "Chi trả dứt điểm tiền bồi thường cho 12 hộ", "due_on": "2023-06-30",
        "responsible_agency": "Ban Quản lý dự án huyện", "issue_id": assigned["issue_id"],
    }), 201)
    closed = ok(client.post(f"/api/v1/sessions/{session_id}/report", json={
        "attendance": 215, "summary": "Hội nghị diễn ra dân chủ, thẳng thắn",
        "organisations": ["Ủy ban MTTQ Việt Nam huyện", "Hội Nông dân huyện"],
        "filed_on": "2023-03-17",
    }))
    assert closed["version"] == 4
    detail = ok(client.get(f"/api/v1/sessions/{session_id}"))
    assert detail["status"] == "closed"
    assert (detail["planned_on"], detail["held_on"], detail["rescheduled_count"]) == (
        "2023-03-15", "2023-03-15", 1)
    assert detail["report"]["attendance"] == 215
    assert detail["report"]["organisations"][1] == "Hội Nông dân huyện"
    assert sorted(h["role"] for h in detail["heads"]) == ["party_secretary",
                                                         "people_committee_chair"]
    assert {i["issue_id"] for i in detail["issues"]} == {on_spot["issue_id"],
                                                         assigned["issue_id"]}
    assert detail["commitments"][0]["commitment_id"] == promise["commitment_id"]
    assert detail["commitments"][0]["made_on"] == "2023-03-15"
    # Lists filter by unit (a district finds its own sessions), status and head.
    assert ok(client.get("/api/v1/sessions", params={"unit_code": TIEN_LANG,
                                                     "status": "closed"}))["total"] == 1
    assert ok(client.get("/api/v1/sessions", params={"head_id": chair}))["total"] == 1
    assert ok(client.get("/api/v1/sessions", params={"status": "planned"}))["total"] == 0
    # The kernel's paging: page/page_size, and the former limit/offset read the same rows.
    every_issue = ok(client.get("/api/v1/issues"))
    second = ok(client.get("/api/v1/issues", params={"page": 2, "page_size": 1}))
    assert (second["total"], second["page"], second["page_size"], second["pages"]) == (
        every_issue["total"], 2, 1, every_issue["total"])
    assert second["items"] == every_issue["items"][1:2]
    assert ok(client.get("/api/v1/issues", params={"limit": 1, "offset": 1}))["items"] \
        == second["items"]
    issues = ok(client.get("/api/v1/issues", params={"category": "land_and_site_clearance"}))
    assert [i["assigned_agency"] for i in issues["items"]] == ["Ban Quản lý dự án huyện"]
    # After the report nothing else moves the session.
    again = client.post(f"/api/v1/sessions/{session_id}/report",
                        json={"attendance": 1, "summary": "Lần hai"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "REPORT_ALREADY_FILED"
    types = [t for t in event_types(client) if not t.startswith(("Head", "DialogueRule"))]
    assert types == ["SessionPlanned", "SessionRescheduled", "SessionHeld", "IssueRaised",
                     "IssueRaised", "CommitmentMade", "SessionReportFiled"]


def test_a_cancelled_session_cannot_be_held_and_takes_no_issues(client: TestClient) -> None:
    chair = take_office(client, TIEN_LANG_TOWN, "people_committee_chair", "Phạm Văn Cường",
                        "2021-07-01")
    session_id = ok(client.post("/api/v1/sessions", json={
        "unit_code": TIEN_LANG_TOWN, "head_ids": [chair], "planned_on": "2023-05-20",
        "topic": "Vệ sinh môi trường khu dân cư",
    }), 201)["session_id"]
    ok(client.post(f"/api/v1/sessions/{session_id}/cancel",
                   json={"reason": "Mưa bão", "cancelled_on": "2023-05-19"}))
    held = client.post(f"/api/v1/sessions/{session_id}/hold", json={"held_on": "2023-05-20"})
    assert held.status_code == 409 and held.json()["error"]["code"] == "SESSION_STATE"
    assert "đã hủy" in held.json()["error"]["message"]
    issue = client.post(f"/api/v1/sessions/{session_id}/issues", json={
        "category": "environment", "text": "Rác thải", "handling": "answered_on_spot"})
    assert issue.status_code == 409 and issue.json()["error"]["code"] == "SESSION_NOT_HELD"
    assert ok(client.get(f"/api/v1/sessions/{session_id}"))["cancel_reason"] == "Mưa bão"


def test_commitment_lifecycle_progress_done_reopen_overdue(
    client: TestClient, clock: FakeToday
) -> None:
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    session_id = held_session(client, TIEN_LANG, [secretary], "2023-03-15")
    made = ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
        "text": "Nạo vét kênh Đông", "responsible_agency": "UBND xã Tiên Thanh",
        "due_on": "2023-06-30"}), 201)
    url = f"/api/v1/commitments/{made['commitment_id']}"
    clock.set(date(2023, 6, 1))
    ok(client.post(f"{url}/progress", json={"progress_pct": 30, "updated_on": "2023-04-01",
                                            "note": "Đã khảo sát"}))
    assert ok(client.get(url))["status"] == "in_progress"
    done = ok(client.post(f"{url}/progress", json={"progress_pct": 100,
                                                   "updated_on": "2023-05-20"}))
    assert [e["event_type"] for e in done["events"]] == ["CommitmentProgressUpdated",
                                                          "CommitmentCompleted"]
    body = ok(client.get(url))
    assert (body["status"], body["completed_on"]) == ("done", "2023-05-20")
    refused = client.post(f"{url}/progress", json={"progress_pct": 50})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "COMMITMENT_DONE"
    ok(client.post(f"{url}/reopen", json={"reason": "Kênh bồi lắng trở lại",
                                          "reopened_on": "2023-05-25", "progress_pct": 80}))
    body = ok(client.get(url))
    assert (body["status"], body["progress_pct"], body["completed_on"]) == (
        "in_progress", 80, None)
    # Overdue is detected, not typed: a late update finds it overdue first.
    clock.set(date(2023, 7, 3))
    late = ok(client.post(f"{url}/progress", json={"progress_pct": 90}))
    assert [e["event_type"] for e in late["events"]] == ["CommitmentOverdue",
                                                          "CommitmentProgressUpdated"]
    body = ok(client.get(url))
    assert (body["status"], body["overdue_since"], body["progress_pct"]) == (
        "overdue", "2023-07-01", 90)
    extended = client.post(f"{url}/reopen", json={"reason": "Gia hạn"})
    assert extended.json()["error"]["code"] == "NEW_DUE_DATE_REQUIRED"
    ok(client.post(f"{url}/reopen", json={"reason": "Gia hạn do mưa lũ",
                                          "new_due_on": "2023-08-31"}))
    body = ok(client.get(url))
    assert (body["status"], body["due_on"], body["overdue_since"]) == (
        "in_progress", "2023-08-31", None)
    assert [h["event_type"] for h in body["history"]] == [
        "CommitmentMade", "CommitmentProgressUpdated", "CommitmentProgressUpdated",
        "CommitmentCompleted", "CommitmentReopened", "CommitmentOverdue",
        "CommitmentProgressUpdated", "CommitmentReopened"]
    listed = ok(client.get("/api/v1/commitments", params={"unit_code": TIEN_LANG,
                                                          "status": "in_progress"}))
    assert [c["commitment_id"] for c in listed["items"]] == [made["commitment_id"]]

    # The read models are a function of the events: wipe one, rebuild all, same rows.
    before = _dump(client)
    with runtime_of(client).engine.begin() as conn:
        conn.execute(delete(commitments))
    assert ok(client.get("/api/v1/commitments"))["total"] == 0
    rebuilt = ok(client.post("/api/v1/admin/rebuild-read-models"))
    assert rebuilt["events_replayed"] == len(event_types(client))
    assert _dump(client) == before


BAD: list[tuple[str, str, dict[str, Any], str]] = [
    ("missing fields", "/api/v1/heads", {"unit_code": TIEN_LANG}, "VALIDATION_ERROR"),
    ("unknown unit", "/api/v1/heads", {"unit_code": "99999", "role": "party_secretary",
                                       "full_name": "A", "from_date": "2023-01-01"},
     "UNKNOWN_UNIT"),
    ("unit outside Hai Phong", "/api/v1/heads",
     {"unit_code": "01", "role": "party_secretary", "full_name": "A",
      "from_date": "2023-01-01"}, "OUTSIDE_JURISDICTION"),
    ("unknown role", "/api/v1/heads", {"unit_code": TIEN_LANG, "role": "mayor",
                                       "full_name": "A", "from_date": "2023-01-01"},
     "VALIDATION_ERROR"),
    ("NUL in name", "/api/v1/heads", {"unit_code": TIEN_LANG, "role": "party_secretary",
                                      "full_name": "Nguyễn\u0000An",
                                      "from_date": "2023-01-01"}, "VALIDATION_ERROR"),
    ("future date", "/api/v1/heads", {"unit_code": TIEN_LANG, "role": "party_secretary",
                                      "full_name": "A", "from_date": "2024-05-01"},
     "DATE_IN_FUTURE"),
    ("term ends before it starts", "/api/v1/heads",
     {"unit_code": TIEN_LANG, "role": "party_secretary", "full_name": "A",
      "from_date": "2023-01-01", "to_date": "2022-01-01"}, "TERM_ENDS_BEFORE_IT_STARTS"),
    ("session without heads", "/api/v1/sessions",
     {"unit_code": TIEN_LANG, "head_ids": [], "planned_on": "2023-01-01", "topic": "Đất"},
     "VALIDATION_ERROR"),
    ("session with an unknown head", "/api/v1/sessions",
     {"unit_code": TIEN_LANG, "head_ids": ["khong-co"], "planned_on": "2023-01-01",
      "topic": "Đất"}, "UNKNOWN_HEAD"),
    ("session with blank topic", "/api/v1/sessions",
     {"unit_code": TIEN_LANG, "head_ids": ["x"], "planned_on": "2023-01-01", "topic": "  "},
     "VALIDATION_ERROR"),
    ("rule with a negative minimum", "/api/v1/dialogue-rules",
     {"level": "commune", "min_sessions_per_year": -1, "effective_from": "2023-07-01",
      "legal_basis": "Dự thảo"}, "VALIDATION_ERROR"),
    ("rule of an unknown level", "/api/v1/dialogue-rules",
     {"level": "hamlet", "min_sessions_per_year": 1, "effective_from": "2023-07-01",
      "legal_basis": "Dự thảo"}, "VALIDATION_ERROR"),
]


def test_bad_input_gets_a_4xx_in_vietnamese_and_writes_nothing(
    client: TestClient, clock: FakeToday
) -> None:
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    other = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Vũ Văn Dũng", "2020-10-01")
    session_id = held_session(client, TIEN_LANG, [secretary], "2023-03-15")
    per_session: list[tuple[str, str, dict[str, Any], str]] = [
        ("head of another unit", "/api/v1/sessions",
         {"unit_code": TIEN_LANG, "head_ids": [other], "planned_on": "2023-01-01",
          "topic": "Đất"}, "HEAD_NOT_OF_UNIT"),
        ("head not yet in office", "/api/v1/sessions",
         {"unit_code": TIEN_LANG, "head_ids": [secretary], "planned_on": "2020-06-01",
          "topic": "Đất"}, "HEAD_NOT_IN_OFFICE"),
        ("negative attendance", f"/api/v1/sessions/{session_id}/report",
         {"attendance": -1, "summary": "Tóm tắt"}, "VALIDATION_ERROR"),
        ("report before the session", f"/api/v1/sessions/{session_id}/report",
         {"attendance": 10, "summary": "Tóm tắt", "filed_on": "2023-03-01"},
         "REPORT_BEFORE_SESSION"),
        ("assigned issue without agency", f"/api/v1/sessions/{session_id}/issues",
         {"category": "infrastructure", "text": "Đường hỏng", "handling": "assigned"},
         "AGENCY_REQUIRED"),
        ("unknown category", f"/api/v1/sessions/{session_id}/issues",
         {"category": "weather", "text": "Mưa", "handling": "answered_on_spot"},
         "VALIDATION_ERROR"),
        ("empty citizen contact", f"/api/v1/sessions/{session_id}/issues",
         {"category": "other", "text": "Ý kiến", "handling": "answered_on_spot",
          "citizen": {}}, "VALIDATION_ERROR"),
        ("commitment due before the session", f"/api/v1/sessions/{session_id}/commitments",
         {"text": "Sửa đường", "responsible_agency": "Phòng Kinh tế - Hạ tầng",
          "due_on": "2023-01-01"}, "DUE_BEFORE_MADE"),
        # U+FFFE cannot be written in a .docx or .xlsx: accepted, it made documents a 500.
        ("noncharacter in a commitment", f"/api/v1/sessions/{session_id}/commitments",
         {"text": "Sửa đường \ufffe", "responsible_agency": "Phòng Kinh tế - Hạ tầng",
          "due_on": "2023-12-01"}, "VALIDATION_ERROR"),
        ("commitment on another session's issue", f"/api/v1/sessions/{session_id}/commitments",
         {"text": "Sửa đường", "responsible_agency": "Phòng Kinh tế - Hạ tầng",
          "due_on": "2023-12-01", "issue_id": "khong-co"}, "ISSUE_NOT_OF_SESSION"),
        ("progress above 100", "/api/v1/commitments/khong-co/progress",
         {"progress_pct": 101}, "VALIDATION_ERROR"),
        # A wrong type is bad input: true was recorded as 1 %, "50" as 50 %.
        ("progress as a boolean", "/api/v1/commitments/khong-co/progress",
         {"progress_pct": True}, "VALIDATION_ERROR"),
        ("progress as text", "/api/v1/commitments/khong-co/progress",
         {"progress_pct": "50"}, "VALIDATION_ERROR"),
        ("attendance as a boolean", f"/api/v1/sessions/{session_id}/report",
         {"attendance": True, "summary": "Tóm tắt"}, "VALIDATION_ERROR"),
        ("unknown commitment", "/api/v1/commitments/khong-co/progress",
         {"progress_pct": 10}, "COMMITMENT_NOT_FOUND"),
        ("unknown session", "/api/v1/sessions/khong-co/hold", {"held_on": "2023-01-01"},
         "SESSION_NOT_FOUND"),
    ]
    baseline = len(event_types(client))
    for case, url, body, code in BAD + per_session:
        response = client.post(url, json=body)
        assert 400 <= response.status_code < 500, (case, response.status_code, response.text)
        error = response.json()["error"]
        assert error["code"] == code, (case, error)
        assert not error["message"].isascii(), f"{case}: a Vietnamese message"
        assert len(event_types(client)) == baseline, f"{case} wrote an event"
    bad_version = client.post(f"/api/v1/sessions/{session_id}/report",
                              json={"attendance": 1, "summary": "x"},
                              headers={"If-Match": "latest"})
    assert bad_version.status_code == 422
    assert bad_version.json()["error"]["code"] == "BAD_IF_MATCH"
    assert client.get("/api/v1/sessions/khong-co").status_code == 404
    period = client.get("/api/v1/rule-compliance",
                        params={"date_from": "2023-12-31", "date_to": "2023-01-01"})
    assert period.status_code == 422 and period.json()["error"]["code"] == "PERIOD_REVERSED"
    # Hà Nội's heads are not this deployment's: refused, not "nobody owes anything".
    elsewhere = client.get("/api/v1/rule-compliance", params={
        "date_from": "2023-01-01", "date_to": "2023-12-14", "unit_code": "01"})
    assert elsewhere.status_code == 422, elsewhere.text
    assert elsewhere.json()["error"]["code"] == "OUTSIDE_JURISDICTION"
    # Units are checked as of the business date: Tiên Lãng district ended on 1 July 2025.
    clock.set(date(2025, 8, 1))
    abolished = client.post("/api/v1/heads", json={
        "unit_code": TIEN_LANG, "role": "party_secretary", "full_name": "Đỗ Văn Em",
        "from_date": "2025-07-15"})
    assert abolished.status_code == 422
    assert abolished.json()["error"]["code"] == "UNKNOWN_UNIT"
    assert len(event_types(client)) == baseline


def test_a_reschedule_is_checked_as_a_plan_is(client: TestClient) -> None:
    """Moving a session to a day its head is not in office, or past its unit's last day, is
    refused as planning it on that day would be, and writes nothing."""
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    chair = take_office(client, TIEN_LANG, "people_committee_chair", "Trần Văn Bình",
                        "2023-02-01")
    planned = ok(client.post("/api/v1/sessions", json={
        "unit_code": TIEN_LANG, "head_ids": [secretary, chair], "planned_on": "2023-03-10",
        "topic": "Đất đai"}), 201)
    session_id = planned["session_id"]
    baseline = len(event_types(client))
    # A day before a head's office, after the decision (a day before the decision is one
    # already past: DATE_BEFORE_PREVIOUS_STEP, finding N9); past the unit's last day.
    for planned_on, decided_on, code in (
            ("2023-01-20", "2023-01-15", "HEAD_NOT_IN_OFFICE"),
            ("2020-06-01", "2023-03-01", "DATE_BEFORE_PREVIOUS_STEP"),
            ("2025-07-15", "2023-03-01", "UNKNOWN_UNIT")):
        moved = client.post(f"/api/v1/sessions/{session_id}/reschedule",
                            json={"planned_on": planned_on, "reason": "Trùng lịch",
                                  "decided_on": decided_on})
        assert moved.status_code == 422, (planned_on, moved.text)
        assert moved.json()["error"]["code"] == code
        assert not moved.json()["error"]["message"].isascii()
    assert len(event_types(client)) == baseline
    assert ok(client.get(f"/api/v1/sessions/{session_id}"))["planned_on"] == "2023-03-10"
    ok(client.post(f"/api/v1/sessions/{session_id}/reschedule",
                   json={"planned_on": "2025-06-30", "reason": "Trùng lịch",
                         "decided_on": "2023-03-01"}))
