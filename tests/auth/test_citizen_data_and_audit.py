"""Citizens' personal data needs its own scope and never leaves the dialogue service; the
audit query answers who did what, when, by actor, unit and time, within the caller's tree."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from structlog.testing import capture_logs

from shared.eventstore import events_table
from tests.auth.conftest import (
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    Idp,
    Services,
    head_body,
    site_body,
)
from tests.integration.helpers import runtime_of

CITIZEN = {"full_name": "Đỗ Thị Hạnh", "contact": "0912 345 678"}


def _issue_with_citizen(services: Services, idp: Idp) -> str:
    dialogue = services["dialogue"]
    desk = idp.headers("district_board")
    head = dialogue.post("/api/v1/heads", json=head_body(TIEN_LANG_TOWN), headers=desk)
    assert head.status_code == 201, head.json()
    session = dialogue.post("/api/v1/sessions", headers=desk, json={
        "unit_code": TIEN_LANG_TOWN, "head_ids": [head.json()["head_id"]],
        "planned_on": "2023-03-10", "topic": "Giải phóng mặt bằng đường ven sông",
    })
    assert session.status_code == 201, session.json()
    session_id = session.json()["session_id"]
    held = dialogue.post(f"/api/v1/sessions/{session_id}/hold", headers=desk,
                         json={"held_on": "2023-03-10"})
    assert held.status_code == 200, held.json()
    issue = dialogue.post(f"/api/v1/sessions/{session_id}/issues", headers=desk, json={
        "category": "land_and_site_clearance", "text": "Đề nghị công khai giá bồi thường",
        "handling": "assigned", "assigned_agency": "UBND huyện Tiên Lãng", "citizen": CITIZEN,
    })
    assert issue.status_code == 201, issue.json()
    issue_id: str = issue.json()["issue_id"]
    return issue_id


def test_citizen_contact_needs_the_dedicated_scope(services: Services, idp: Idp) -> None:
    dialogue = services["dialogue"]
    issue_id = _issue_with_citizen(services, idp)
    path = f"/api/v1/issues/{issue_id}/citizen-contact"
    # The district board that recorded it may read the issue, not the person.
    refused = dialogue.get(path, headers=idp.headers("district_board"))
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["required_scope"] == "dialogue:citizen_data"
    assert dialogue.get(path, headers=idp.headers("leadership")).status_code == 403
    with capture_logs() as logged:
        allowed = dialogue.get(path, headers=idp.headers("dialogue_desk"))
    assert allowed.status_code == 200
    # The read is on record, who and which issue, without the data (finding H22).
    reads = [e for e in logged if e.get("event") == "sensitive_read"]
    assert len(reads) == 1, logged
    assert reads[0]["owasp_event"].endswith(f",citizen_contact:{issue_id}")
    assert CITIZEN["contact"] not in str(reads) and CITIZEN["full_name"] not in str(reads)
    assert allowed.json()["full_name"] == CITIZEN["full_name"]
    # Nowhere else: not in the issue, the lists, the events, the audit.
    for read in (f"/api/v1/issues/{issue_id}", "/api/v1/issues", "/api/v1/commitments",
                 "/api/v1/sessions"):
        text = dialogue.get(read, headers=idp.headers("city_staff")).text
        assert CITIZEN["full_name"] not in text and CITIZEN["contact"] not in text
    with runtime_of(dialogue).engine.connect() as conn:
        payloads = " ".join(conn.execute(select(events_table.c.payload)).scalars())
    assert CITIZEN["full_name"] not in payloads and CITIZEN["contact"] not in payloads
    # Erasure needs the same scope.
    erase = dialogue.delete(path, headers=idp.headers("district_board"))
    assert erase.status_code == 403
    assert dialogue.delete(path, headers=idp.headers("dialogue_desk")).status_code == 200
    assert dialogue.get(path, headers=idp.headers("dialogue_desk")).status_code == 404


def test_the_audit_answers_who_did_what_when(services: Services, idp: Idp) -> None:
    religion = services["religion"]
    started = datetime.now().astimezone() - timedelta(seconds=1)
    for code, commune, role in (("CS-A1", TIEN_LANG_TOWN, "district_board"),
                                ("CS-A2", QUAN_TOAN, "city_staff"),
                                ("CS-A3", TIEN_LANG_TOWN, "religion_desk")):
        response = religion.post("/api/v1/sites", json=site_body(code, commune),
                                 headers=idp.headers(role))
        assert response.status_code == 201
    auditor = idp.headers("auditor")
    everything = religion.get("/api/v1/audit", headers=auditor).json()
    assert everything["total"] == 3
    assert {i["actor"] for i in everything["items"]} == {"tran.thi.b", "nguyen.van.a", "le.van.c"}
    by_actor = religion.get("/api/v1/audit?actor=le.van.c", headers=auditor).json()
    assert [i["aggregate_id"] for i in by_actor["items"]] == ["CS-A3"]
    by_unit = religion.get(f"/api/v1/audit?unit={TIEN_LANG}", headers=auditor).json()
    assert sorted(i["aggregate_id"] for i in by_unit["items"]) == ["CS-A1", "CS-A3"]
    since = religion.get("/api/v1/audit", headers=auditor,
                         params={"recorded_from": started.isoformat()}).json()
    assert since["total"] == 3
    future = religion.get("/api/v1/audit", headers=auditor, params={
        "recorded_from": (started + timedelta(days=1)).isoformat()}).json()
    assert future["total"] == 0
    # A district-level auditor sees its own tree and nothing beyond it.
    district_auditor = idp.headers("auditor", unit_scope=TIEN_LANG)
    own = religion.get("/api/v1/audit", headers=district_auditor).json()
    assert sorted(i["aggregate_id"] for i in own["items"]) == ["CS-A1", "CS-A3"]
    beyond = religion.get(f"/api/v1/audit?unit={QUAN_TOAN}", headers=district_auditor)
    assert beyond.status_code == 403
    # Without audit:read there is no audit.
    assert religion.get("/api/v1/audit", headers=idp.headers("leadership")).status_code == 403
