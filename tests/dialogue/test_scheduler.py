"""Report reminders and overdue detection: fired once, across restarts and repeated scans."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from fastapi.testclient import TestClient

from services.dialogue.application.runtime import DialogueRuntime
from services.dialogue.application.scheduler import ScanResult, scan
from shared.settings import Settings
from tests.dialogue.conftest import (
    TIEN_LANG,
    FakeToday,
    event_types,
    held_session,
    ok,
    outbox_drained,
    runtime_of,
    take_office,
)
from tests.integration.helpers import read_stream, wait_until

REMINDER = "SessionReportReminderDue"


def _after_startup_scan(client: TestClient) -> None:
    wait_until(lambda: runtime_of(client).scans_completed >= 1)


def test_a_reminder_fires_once_across_a_restart(
    make_client: Callable[[], TestClient],
    clock: FakeToday,
    dialogue_settings: Settings,
    nats_server: object,
) -> None:
    clock.set(date(2023, 3, 1))
    with make_client() as first:
        _after_startup_scan(first)
        head = take_office(first, TIEN_LANG, "people_committee_chair", "Lê Thị Bích",
                           "2021-06-01")
        session_id = held_session(first, TIEN_LANG, [head], "2023-03-01")
        clock.set(date(2023, 3, 3))
        assert scan(runtime_of(first), clock()).reminders == 0, "2 days: not yet"
        assert event_types(first, REMINDER) == []

    clock.set(date(2023, 3, 4))
    with make_client() as restarted:  # the scheduler's first pass runs at start
        _after_startup_scan(restarted)
        assert event_types(restarted, REMINDER) == [REMINDER]
        session = ok(restarted.get(f"/api/v1/sessions/{session_id}"))
        assert session["reminders"] == {"3": "2023-03-04", "7": None}

    with make_client() as again:  # another restart on the same day: nothing new
        _after_startup_scan(again)
        assert scan(runtime_of(again), clock()).reminders == 0
        assert event_types(again, REMINDER) == [REMINDER]
        assert len(event_types(again, "DialogueRuleSet")) == 3, "the default is seeded once"
        clock.set(date(2023, 3, 8))
        assert ok(again.post("/api/v1/admin/scan"))["reminders"] == 1
        assert scan(runtime_of(again), clock()).reminders == 0
        assert event_types(again, REMINDER) == [REMINDER, REMINDER]
        wait_until(lambda: outbox_drained(again))

    messages = asyncio.run(read_stream(
        nats_server.url,  # type: ignore[attr-defined]
        dialogue_settings.stream_name,
    ))
    envelopes = [json.loads(m.data) for m in messages]
    payloads = [e["payload"] for e in envelopes if e["event_type"] == REMINDER]
    assert sorted(p["days_after_held"] for p in payloads) == [3, 7]
    assert {p["session_id"] for p in payloads} == {session_id}


def test_a_filed_report_stops_the_reminders(client: TestClient, clock: FakeToday) -> None:
    head = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    session_id = held_session(client, TIEN_LANG, [head], "2023-03-01")
    clock.set(date(2023, 3, 5))
    assert scan(runtime_of(client), clock()).reminders == 1
    ok(client.post(f"/api/v1/sessions/{session_id}/report",
                   json={"attendance": 80, "summary": "Đã tổng hợp 5 ý kiến"}))
    clock.set(date(2023, 4, 1))
    assert scan(runtime_of(client), clock()).reminders == 0
    assert event_types(client, REMINDER) == [REMINDER]


def test_overdue_is_detected_on_the_day_after_the_due_date(
    client: TestClient, clock: FakeToday
) -> None:
    head = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    session_id = held_session(client, TIEN_LANG, [head], "2023-03-01")
    made = [
        ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
            "text": text, "responsible_agency": "Phòng Kinh tế - Hạ tầng", "due_on": due}), 201)
        for text, due in (("Lắp đèn chiếu sáng", "2023-06-30"), ("Sửa cầu dân sinh",
                                                                 "2023-07-15"))
    ]
    first = f"/api/v1/commitments/{made[0]['commitment_id']}"
    second = f"/api/v1/commitments/{made[1]['commitment_id']}"
    runtime = runtime_of(client)
    clock.set(date(2023, 6, 30))
    assert scan(runtime, clock()).overdue == 0, "the due date itself is still on time"
    assert ok(client.get(first))["status"] == "open"
    clock.set(date(2023, 7, 1))
    assert scan(runtime, clock()).overdue == 1
    body = ok(client.get(first))
    assert (body["status"], body["overdue_since"]) == ("overdue", "2023-07-01")
    assert ok(client.get(second))["status"] == "open"
    assert scan(runtime, clock()).overdue == 0, "never twice"
    # A commitment finished on its due date is never overdue.
    clock.set(date(2023, 7, 15))
    ok(client.post(f"{second}/progress", json={"progress_pct": 100}))
    clock.set(date(2023, 8, 1))
    assert scan(runtime, clock()).overdue == 0
    assert event_types(client, "CommitmentOverdue") == ["CommitmentOverdue"]
    overdue = ok(client.get("/api/v1/commitments", params={"status": "overdue"}))
    assert [c["commitment_id"] for c in overdue["items"]] == [made[0]["commitment_id"]]


def test_two_replicas_scanning_at_once_record_each_reminder_once(
    client: TestClient, clock: FakeToday, dialogue_settings: Settings
) -> None:
    head = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    sessions = [held_session(client, TIEN_LANG, [head], f"2023-03-{day:02d}")
                for day in range(1, 13)]
    clock.set(date(2023, 3, 20))
    replicas = [DialogueRuntime(dialogue_settings, today=clock) for _ in range(2)]
    try:
        barrier = threading.Barrier(len(replicas))

        def run(runtime: DialogueRuntime) -> ScanResult:
            barrier.wait()
            return scan(runtime, clock())

        with ThreadPoolExecutor(len(replicas)) as pool:
            results = list(pool.map(run, replicas))
    finally:
        for replica in replicas:
            replica.engine.dispose()
    recorded = event_types(client, REMINDER)
    # Sessions held on 1..12 March: all are 3 days old on the 20th, those up to the 13th are 7.
    assert len(recorded) == len(sessions) * 2
    assert sum(r.reminders for r in results) == len(recorded)
