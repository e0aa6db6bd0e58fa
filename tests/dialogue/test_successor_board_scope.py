"""A board opens exactly the records its lists show, a merged commune's at a successor in
another district included (finding N7): a session held on 20/12/2024 in 11794 Xã Toàn Thắng
(Tiên Lãng 315), merged on 01/01/2025, whose successor an official records as 11824 Thị trấn
Vĩnh Bảo (Vĩnh Bảo 316). Reporting's 2025-3m row of 11824 counts the session and the city's
list of 11824 over that window shows it, but 316's list left it out and its page answered
403. Now a record is a board's when its own unit is, or when the unit a list or figure of a
day on or after it places it at is; 315 keeps it. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from tests.dialogue.conftest import FakeToday, held_session, ok, take_office
from tests.dialogue.test_successor_lists import dialogue
from tests.successions import feed_successions, indicators, record

# The dialogue app without its lifespan (test_successor_lists.py) and the indicators service.
__all__ = ["dialogue", "indicators"]

TOAN_THANG, VINH_BAO_TOWN, TIEN_LANG, VINH_BAO, KIEN_THUY = "11794", "11824", "315", "316", "314"
WINDOW = {"date_from": "2024-12-15", "date_to": "2025-03-14"}


def _board(scope: str) -> dict[str, str]:
    return {"X-Unit-Scope": scope, "X-Scopes": "dialogue:read", "X-Actor": f"bdv-{scope}"}


def _sessions(dialogue: TestClient, scope: str, **params: str) -> list[str]:
    found = ok(dialogue.get("/api/v1/sessions", params=params, headers=_board(scope)))
    return [s["session_id"] for s in found["items"]]


def test_a_successor_boards_lists_and_reads_hold_the_merged_communes_session(
    dialogue: TestClient, clock: FakeToday, indicators: TestClient,
) -> None:
    clock.set(date(2025, 3, 20))
    head = take_office(dialogue, TOAN_THANG, "people_committee_chair", "Vũ Văn Toàn",
                       "2021-06-01")
    session = held_session(dialogue, TOAN_THANG, [head], "2024-12-20")
    page = f"/api/v1/sessions/{session}"
    assert dialogue.get(page, headers=_board(VINH_BAO)).status_code == 403

    succession = record(indicators, TOAN_THANG, VINH_BAO_TOWN, "xã kế thừa thuộc huyện Vĩnh Bảo")
    feed_successions(dialogue, [succession])

    # The city's list of 11824 over 2025-3m's window shows it; so do 316's, and 316 opens it.
    assert _sessions(dialogue, "31", unit=VINH_BAO_TOWN, **WINDOW) == [session]
    assert _sessions(dialogue, VINH_BAO, unit=VINH_BAO_TOWN, **WINDOW) == [session]
    assert _sessions(dialogue, VINH_BAO) == [session]
    assert dialogue.get(page, headers=_board(VINH_BAO)).status_code == 200
    assert dialogue.get(page, headers=_board(VINH_BAO_TOWN)).status_code == 200
    # Tiên Lãng keeps the session held in its commune; a third district has it neither way.
    assert dialogue.get(page, headers=_board(TIEN_LANG)).status_code == 200
    assert _sessions(dialogue, TIEN_LANG) == [session]
    assert dialogue.get(page, headers=_board(KIEN_THUY)).status_code == 403
    assert _sessions(dialogue, KIEN_THUY) == []
