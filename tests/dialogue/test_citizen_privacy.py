"""A citizen's name and contact never leave their table: not in events, NATS, lists or logs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.dialogue.adapters.tables import READ_MODELS, citizen_contacts
from shared.eventstore import events_table
from shared.settings import Settings
from tests.dialogue.conftest import (
    TIEN_LANG_TOWN,
    FakeToday,
    held_session,
    ok,
    outbox_drained,
    runtime_of,
    take_office,
)
from tests.integration.helpers import read_stream, wait_until

NAME = "Phạm Thị Hoa"
PHONE = "0912 345 678"


def _in_file(database: str) -> bool:
    """Whether the contact's bytes lie in the SQLite file once the WAL is written back."""
    with contextlib.closing(sqlite3.connect(database)) as raw:
        busy, logged, written = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert (busy, written) == (0, logged), "every page written back"
    stored = Path(database).read_bytes()
    return PHONE.encode() in stored or NAME.encode() in stored


def _leaks(text: str) -> bool:
    escaped = json.dumps(NAME)[1:-1]  # the \\uXXXX form, should anything escape it
    return any(s in text for s in (NAME, escaped, PHONE, PHONE.replace(" ", ""), "Hoa"))


def test_no_message_on_the_stream_carries_a_citizen_name_or_contact(
    capfd: pytest.CaptureFixture[str],
    make_client: Callable[[], TestClient],
    clock: FakeToday,
    dialogue_settings: Settings,
    nats_server: object,
) -> None:
    # The app is built inside the test so that its logger writes into the captured stderr.
    with make_client() as client:
        _scenario(client, clock, dialogue_settings, nats_server)

def _scenario(
    client: TestClient, clock: FakeToday, dialogue_settings: Settings, nats_server: object
) -> None:
    chair = take_office(client, TIEN_LANG_TOWN, "people_committee_chair", "Lê Văn Tâm",
                        "2021-06-01")
    session_id = held_session(client, TIEN_LANG_TOWN, [chair], "2023-04-10")
    raised = ok(client.post(f"/api/v1/sessions/{session_id}/issues", json={
        "category": "land_and_site_clearance",
        "text": "Đề nghị cấp giấy chứng nhận cho thửa đất đã sử dụng ổn định từ năm 1990",
        "handling": "assigned", "assigned_agency": "Chi nhánh Văn phòng đăng ký đất đai",
        "citizen": {"full_name": NAME, "contact": PHONE},
    }), 201)
    issue_id = raised["issue_id"]
    ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
        "text": "Hoàn thiện hồ sơ cấp giấy chứng nhận", "due_on": "2023-06-30",
        "responsible_agency": "Chi nhánh Văn phòng đăng ký đất đai", "issue_id": issue_id}), 201)
    ok(client.post(f"/api/v1/sessions/{session_id}/report",
                   json={"attendance": 120, "summary": "Tiếp thu 8 ý kiến"}))
    clock.set(date(2023, 7, 1))
    ok(client.post("/api/v1/admin/scan"))
    # A refused write with the name in it must not echo it into the log either.
    refused = client.post(f"/api/v1/sessions/{session_id}/issues", json={
        "category": "nonsense", "text": "x", "handling": "assigned",
        "citizen": {"full_name": NAME, "contact": PHONE}})
    assert refused.status_code == 422 and not _leaks(refused.text)
    wait_until(lambda: outbox_drained(client))

    messages = asyncio.run(read_stream(
        nats_server.url, dialogue_settings.stream_name  # type: ignore[attr-defined]
    ))
    types = [json.loads(m.data)["event_type"] for m in messages]
    assert "IssueRaised" in types and "CommitmentOverdue" in types, types
    for message in messages:
        text = message.data.decode() + json.dumps(dict(message.headers or {}))
        assert not _leaks(text), message.subject
    issue_event = next(json.loads(m.data) for m in messages
                       if json.loads(m.data)["event_type"] == "IssueRaised")
    assert issue_event["payload"]["has_citizen_contact"] is True

    runtime = runtime_of(client)
    with runtime.engine.connect() as conn:
        stored = " ".join(conn.execute(select(events_table.c.payload)).scalars())
        kept = conn.execute(select(citizen_contacts)).one()
    assert not _leaks(stored)
    assert (kept.full_name, kept.contact) == (NAME, PHONE)
    for url in (f"/api/v1/issues/{issue_id}", "/api/v1/issues",
                f"/api/v1/sessions/{session_id}", "/api/v1/sessions", "/api/v1/commitments"):
        assert not _leaks(client.get(url).text), url
    # Only the dedicated endpoint returns it, and the citizen may have it erased.
    contact = ok(client.get(f"/api/v1/issues/{issue_id}/citizen-contact"))
    assert (contact["full_name"], contact["contact"]) == (NAME, PHONE)
    on_file = runtime.engine.url.database if runtime.engine.dialect.name == "sqlite" else None
    if on_file:
        assert _in_file(on_file), "the contact is in the database file before its erasure"
    erased = ok(client.delete(f"/api/v1/issues/{issue_id}/citizen-contact"))
    assert [e["event_type"] for e in erased["events"]] == ["CitizenContactErased"]
    gone = client.get(f"/api/v1/issues/{issue_id}/citizen-contact")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "CITIZEN_CONTACT_NOT_FOUND"
    again = client.delete(f"/api/v1/issues/{issue_id}/citizen-contact")
    assert again.status_code == 404
    with runtime.engine.connect() as conn:
        assert conn.execute(select(citizen_contacts)).first() is None
    if on_file:
        # Nor in the file: its pages written back, no byte of it left where the deleted row
        # used to lie (finding H13: SQLite kept the bytes until the page was reused).
        assert not _in_file(on_file)
        # Nor in its WAL: the frames written before the erasure are gone with it (J19).
        wal = Path(f"{on_file}-wal")
        kept_in_wal = wal.read_bytes() if wal.exists() else b""
        assert PHONE.encode() not in kept_in_wal and NAME.encode() not in kept_in_wal
    assert ok(client.get(f"/api/v1/issues/{issue_id}"))["has_citizen_contact"] is False
    # A rebuild of the read models replays the erasure; the contact table is not a projection.
    assert citizen_contacts not in READ_MODELS
    ok(client.post("/api/v1/admin/rebuild-read-models"))
    assert ok(client.get(f"/api/v1/issues/{issue_id}"))["has_citizen_contact"] is False

