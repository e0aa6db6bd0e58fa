"""Commands on different records whose checks read each other's, sent at the same moment.

A head's leaving checks that no session the head held falls after the last day; a session's
hold checks that its heads are in office that day. Each reads the other's record: unless the
two are serialised, both can read before either writes, and both succeed (a session held by
someone out of office, which I2 counts in one service and not in another).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from fastapi.testclient import TestClient

from shared.adminunits import default_catalogue
from tests.dialogue.conftest import TIEN_LANG, ok, take_office
from tests.integration.helpers import at_once


def test_a_leaving_and_a_hold_sent_together_never_both_succeed(client: TestClient) -> None:
    """Forty pairs at once (one head per post of Tiên Lãng's communes): in each, the leaving
    ends the term before the session's day (or a hand-over does) and the hold is on that
    day. Exactly one of the
    two succeeds, the other is refused by its own rule (422), and the records agree with the
    one that succeeded."""
    communes = [u.code for u in default_catalogue().children(TIEN_LANG, date(2023, 6, 1))]
    pairs: list[tuple[str, str]] = []
    for unit in communes:
        for role in ("party_secretary", "people_committee_chair"):
            head = take_office(client, unit, role, "Nguyễn Văn An", "2020-01-01")
            session = ok(client.post("/api/v1/sessions", json={
                "unit_code": unit, "head_ids": [head], "planned_on": "2023-06-10",
                "topic": "Giải phóng mặt bằng", "place": "Hội trường"}), 201)["session_id"]
            pairs.append((head, session))
    requests: list[tuple[str, dict[str, Any]]] = []
    for index, (head, session) in enumerate(pairs):
        # Every other pair ends the term by a hand-over (the successor from 02/06), which
        # checks the same way.
        requests.append(
            (f"/api/v1/heads/{head}/leave", {"to_date": "2023-06-01"}) if index % 2 == 0 else
            (f"/api/v1/heads/{head}/successor",
             {"full_name": "Trần Văn Bình", "from_date": "2023-06-02"}))
        requests.append((f"/api/v1/sessions/{session}/hold", {"held_on": "2023-06-10"}))
    answers = at_once([partial(client.post, url, json=body) for url, body in requests])
    for index, (head, session) in enumerate(pairs):
        leave, hold = answers[2 * index], answers[2 * index + 1]
        left_ok = 200 if index % 2 == 0 else 201
        codes = (leave.status_code, hold.status_code)
        assert codes in ((left_ok, 422), (422, 200)), (codes, leave.text, hold.text)
        left = ok(client.get(f"/api/v1/heads/{head}"))["to_date"]
        status = ok(client.get(f"/api/v1/sessions/{session}"))["status"]
        if leave.status_code == left_ok:
            assert hold.json()["error"]["code"] == "HEAD_NOT_IN_OFFICE", hold.text
            assert (left, status) == ("2023-06-01", "planned")
        else:
            assert leave.json()["error"]["code"] == "SESSION_HELD_AFTER_LEAVING", leave.text
            assert (left, status) == (None, "held")
