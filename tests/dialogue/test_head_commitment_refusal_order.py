"""A head or a commitment whose state refuses an action answers 409 whatever day the body
carries: the state before the body's content, as docs/api-conventions.md orders the refusals
(the inversion of finding M1, left in the leaving, hand-over, progress and reopening
handlers). Each body carries a day in the future, which a record that allowed the action
would refuse 422 DATE_IN_FUTURE."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.dialogue.conftest import TIEN_LANG_TOWN, event_types, held_session, ok, take_office

FUTURE = "2024-02-01"  # after the tests' business day, 31/12/2023 (conftest's clock)


def _refused_409(client: TestClient, url: str, body: dict[str, Any], code: str) -> None:
    before = event_types(client)
    response = client.post(url, json=body)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == code
    assert event_types(client) == before


def _head_who_left(client: TestClient) -> str:
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Trần Văn Hai", "2020-01-01")
    ok(client.post(f"/api/v1/heads/{head}/leave",
                   json={"to_date": "2023-06-30", "reason": "Nghỉ hưu"}))
    return head


def _commitment(client: TestClient, progress_pct: int) -> str:
    head = take_office(client, TIEN_LANG_TOWN, "party_secretary", "Trần Văn Hai", "2020-01-01")
    session_id = held_session(client, TIEN_LANG_TOWN, [head], "2023-03-14")
    made = ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
        "text": "Nạo vét kênh Đông", "responsible_agency": "UBND thị trấn Tiên Lãng",
        "due_on": "2024-06-30"}), 201)
    url = f"/api/v1/commitments/{made['commitment_id']}"
    ok(client.post(f"{url}/progress", json={"progress_pct": progress_pct,
                                            "updated_on": "2023-05-20"}))
    return url


def test_a_head_who_left_leaving_on_a_future_day_is_409(client: TestClient) -> None:
    head = _head_who_left(client)
    _refused_409(client, f"/api/v1/heads/{head}/leave",
                 {"to_date": FUTURE, "reason": "Lần hai"}, "HEAD_ALREADY_LEFT")


def test_a_head_who_left_handing_over_on_a_future_day_is_409(client: TestClient) -> None:
    head = _head_who_left(client)
    _refused_409(client, f"/api/v1/heads/{head}/successor",
                 {"full_name": "Lê Văn Ba", "from_date": FUTURE}, "HEAD_ALREADY_LEFT")


def test_progress_on_a_done_commitment_on_a_future_day_is_409(client: TestClient) -> None:
    url = _commitment(client, 100)
    _refused_409(client, f"{url}/progress", {"progress_pct": 50, "updated_on": FUTURE},
                 "COMMITMENT_DONE")


def test_reopening_a_commitment_in_progress_on_a_future_day_is_409(
    client: TestClient,
) -> None:
    url = _commitment(client, 40)
    _refused_409(client, f"{url}/reopen", {"reason": "Mở lại", "reopened_on": FUTURE},
                 "CANNOT_REOPEN")
