"""A commune that changed district: a district board's lists and its reads of one head,
session, issue or commitment say the same thing (F20). Xã Đại Bản (11587) was in Huyện An
Dương (312) until 31/12/2024 and in Quận Hồng Bàng (303) from 01/01/2025; Phường An Hồng (11602)
too, and kept its code after 01/07/2025 (Phường Hồng An). A record is the board's whose unit
was the board's on some day of the record's life."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tests.dialogue.conftest import FakeToday, held_session, ok, take_office

AN_DUONG = "312"
HAI_AN = "303"
DAI_BAN = "11587"
AN_HONG = "11602"
PATHS = {"heads": "head_id", "sessions": "session_id", "issues": "issue_id",
         "commitments": "commitment_id"}


def _board(district: str) -> dict[str, str]:
    return {"X-Unit-Scope": district, "X-Scopes": "dialogue:read"}


def _raise_and_promise(client: TestClient, session_id: str, due_on: str) -> tuple[str, str]:
    issue = ok(client.post(f"/api/v1/sessions/{session_id}/issues", json={
        "category": "land_and_site_clearance", "text": "Đề nghị sớm chi trả bồi thường",
        "handling": "assigned", "assigned_agency": "UBND phường"}), 201)["issue_id"]
    commitment = ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
        "text": "Chi trả bồi thường", "due_on": due_on,
        "responsible_agency": "Ban bồi thường GPMB"}), 201)["commitment_id"]
    return issue, commitment


def _record(client: TestClient, clock: FakeToday) -> dict[str, dict[str, str]]:
    """The records by kind, id -> label."""
    clock.set(date(2026, 1, 15))
    old = take_office(client, DAI_BAN, "people_committee_chair", "Lê Văn Tâm", "2021-06-01")
    ok(client.post(f"/api/v1/heads/{old}/leave", json={"to_date": "2024-06-30",
                                                       "reason": "Nghỉ hưu"}))
    spanning = take_office(client, DAI_BAN, "people_committee_chair", "Trần Văn Bình",
                           "2024-07-01")
    kept = take_office(client, AN_HONG, "party_secretary", "Phạm Thị Hoa", "2022-01-10")
    reformed = take_office(client, AN_HONG, "people_committee_chair", "Vũ Văn Nam",
                           "2025-07-01")
    s2023 = held_session(client, DAI_BAN, [old], "2023-04-10")
    i2023, c2023_open = _raise_and_promise(client, s2023, "2023-06-30")
    i2023b, c2023_done = _raise_and_promise(client, s2023, "2023-06-30")
    ok(client.post(f"/api/v1/commitments/{c2023_done}/progress",
                   json={"progress_pct": 100, "updated_on": "2023-06-01"}))
    s2025 = held_session(client, DAI_BAN, [spanning], "2025-03-10")
    i2025, c2025 = _raise_and_promise(client, s2025, "2025-05-30")
    return {
        "heads": {old: "old", spanning: "spanning", kept: "kept", reformed: "reformed"},
        "sessions": {s2023: "2023", s2025: "2025"},
        "issues": {i2023: "2023", i2023b: "2023", i2025: "2025"},
        "commitments": {c2023_open: "2023 open", c2023_done: "2023 done", c2025: "2025"},
    }


#: What each board may read, and only that: 312 had Đại Bản and An Hồng until 31/12/2024, 303
#: from 01/01/2025 (after the reform, as of its last day). A term, an open commitment lasting
#: into both times is both boards'.
EXPECTED = {
    AN_DUONG: {"heads": {"old", "spanning", "kept"}, "sessions": {"2023"},
               "issues": {"2023"}, "commitments": {"2023 open", "2023 done"}},
    HAI_AN: {"heads": {"spanning", "kept", "reformed"}, "sessions": {"2025"},
             "issues": {"2025"}, "commitments": {"2023 open", "2025"}},
}


def _listed(client: TestClient, kind: str, headers: dict[str, str]) -> set[str]:
    if kind == "heads":
        found: set[str] = set()
        for unit in (DAI_BAN, AN_HONG):
            response = client.get(f"/api/v1/units/{unit}/heads", headers=headers)
            found |= {i["head_id"] for i in ok(response)["items"]}
        return found
    body: dict[str, Any] = ok(client.get(f"/api/v1/{kind}", headers=headers,
                                         params={"limit": 100}))
    return {i[PATHS[kind]] for i in body["items"]}


def test_a_board_opens_exactly_the_records_its_lists_show(
    client: TestClient, clock: FakeToday
) -> None:
    records = _record(client, clock)
    for district, expected in EXPECTED.items():
        board = _board(district)
        for kind, labels in records.items():
            listed = {labels[i] for i in _listed(client, kind, board)}
            assert listed == expected[kind], (district, kind)
            for record_id, label in labels.items():
                read = client.get(f"/api/v1/{kind}/{record_id}", headers=board)
                allowed = label in expected[kind]
                assert read.status_code == (200 if allowed else 403), (district, kind, label)
        # A day's roster holds terms the board opens, and the commune asked for is not
        # refused for having left (nor counted for the years it was not the board's).
        for day in ("2023-05-01", "2025-03-01", "2025-12-01"):
            roster = ok(client.get("/api/v1/heads", params={"on": day}, headers=board))
            named = {records["heads"][i["head_id"]] for i in roster["items"]}
            assert named <= expected["heads"], (district, day)
        asked = ok(client.get("/api/v1/sessions", params={"unit_code": DAI_BAN},
                              headers=board))
        assert {records["sessions"][i["session_id"]] for i in asked["items"]} == (
            expected["sessions"])


def test_a_unit_the_board_never_held_is_refused(client: TestClient, clock: FakeToday) -> None:
    _record(client, clock)
    refused = client.get("/api/v1/sessions", params={"unit_code": "11296"},
                         headers=_board(AN_DUONG))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "UNIT_OUT_OF_SCOPE"
    refused = client.get("/api/v1/units/11296/heads", headers=_board(AN_DUONG))
    assert refused.status_code == 403


def test_rule_compliance_lists_only_heads_the_board_opens(
    client: TestClient, clock: FakeToday
) -> None:
    """A window across 01/01/2025: An Dương had Đại Bản at its start, not when the head
    taking office on 01/02/2025 did (Hải An's); the compliance list follows the heads' rule."""
    records = _record(client, clock)
    newcomer = take_office(client, DAI_BAN, "party_secretary", "Đỗ Văn Khoa", "2025-02-01")
    labels = {**records["heads"], newcomer: "newcomer"}
    expected = {AN_DUONG: EXPECTED[AN_DUONG]["heads"],
                HAI_AN: EXPECTED[HAI_AN]["heads"] | {"newcomer"}}
    for district, readable in expected.items():
        board = _board(district)
        body = ok(client.get("/api/v1/rule-compliance", headers=board, params={
            "date_from": "2024-06-01", "date_to": "2025-06-30"}))
        listed = {labels[item["head_id"]] for item in body["items"]}
        assert listed <= readable, (district, listed)
        for head_id in {item["head_id"] for item in body["items"]}:
            assert client.get(f"/api/v1/heads/{head_id}", headers=board).status_code == 200
