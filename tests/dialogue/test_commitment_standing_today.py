"""A commitment past its due date reads overdue at once, as reports count it (finding R1).

The scheduler records `CommitmentOverdue` only on its passes (every
`DIALOGUE_SCAN_INTERVAL_S`, 300 s by default) or with a progress update; reporting counts a
commitment overdue from the day after its due date whatever was recorded
(`planrules.commitment_standing`). A commitment made with a due date already past, and every
commitment on the night after its due date, read "Chưa thực hiện" here while the report, its
dashboard and its documents said "quá hạn", until the next pass.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from services.dialogue.application.scheduler import scan
from tests.dialogue.conftest import (
    TIEN_LANG,
    FakeToday,
    event_types,
    held_session,
    ok,
    runtime_of,
    take_office,
)


def _commit(client: TestClient, session_id: str, due_on: str) -> str:
    body = ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
        "text": f"Hoàn thành trước {due_on}", "responsible_agency": "UBND huyện",
        "due_on": due_on,
    }), 201)
    commitment_id: str = body["commitment_id"]
    return commitment_id


def _standing(client: TestClient, **params: str) -> dict[str, tuple[str, str | None]]:
    """Each listed commitment's status and overdue day."""
    items: list[dict[str, Any]] = ok(client.get("/api/v1/commitments", params=params))["items"]
    return {c["commitment_id"]: (c["status"], c["overdue_since"]) for c in items}


def test_a_commitment_past_due_reads_overdue_before_the_scheduler_records_it(
    client: TestClient, clock: FakeToday
) -> None:
    clock.set(date(2023, 12, 31))
    head = take_office(client, TIEN_LANG, "people_committee_chair", "Lê Thị Bích", "2021-06-01")
    session_id = held_session(client, TIEN_LANG, [head], "2023-12-20")
    late = _commit(client, session_id, "2023-12-29")
    yesterday = _commit(client, session_id, "2023-12-30")
    today = _commit(client, session_id, "2023-12-31")
    assert event_types(client, "CommitmentOverdue") == [], "no pass since they were made"

    expected = {late: ("overdue", "2023-12-30"), yesterday: ("overdue", "2023-12-31"),
                today: ("open", None)}
    assert _standing(client) == expected
    assert set(_standing(client, status="overdue")) == {late, yesterday}
    assert set(_standing(client, status="open")) == {today}
    one = ok(client.get(f"/api/v1/commitments/{late}"))
    assert (one["status"], one["status_label"], one["overdue_since"]) == (
        "overdue", "Quá hạn", "2023-12-30")
    session = ok(client.get(f"/api/v1/sessions/{session_id}"))
    assert {c["commitment_id"]: (c["status"], c["overdue_since"])
            for c in session["commitments"]} == expected

    # Midnight passes with no scan: the one due on the 31st is overdue from 1 January.
    clock.set(date(2024, 1, 1))
    expected[today] = ("overdue", "2024-01-01")
    assert _standing(client) == expected
    assert _standing(client, status="open") == {}

    # The scheduler's pass records what the lists already said: nothing read changes.
    assert scan(runtime_of(client), clock()).overdue == 3
    assert _standing(client) == expected


def test_the_list_as_of_a_moment_judges_at_that_moment_s_day(
    client: TestClient, clock: FakeToday
) -> None:
    """`as_of` reads the lists as recorded by a moment (the real clock's): the commitment is
    judged at that moment's day, as a report signed then counted it, not at the business
    clock's."""
    clock.set(date(2023, 12, 31))
    head = take_office(client, TIEN_LANG, "people_committee_chair", "Lê Thị Bích", "2021-06-01")
    session_id = held_session(client, TIEN_LANG, [head], "2023-12-20")
    commitment = _commit(client, session_id, "2023-12-31")
    moment = datetime.now(UTC).isoformat()
    assert _standing(client) == {commitment: ("open", None)}
    assert _standing(client, as_of=moment) == {commitment: ("overdue", "2024-01-01")}
    assert set(_standing(client, as_of=moment, status="overdue")) == {commitment}
