"""A successor recorded wrongly is corrected (J15's remainder): an official who recorded 11791
Xã Tân Minh as the successor of 11788 Xã Bạch Đằng (merged on 01/01/2025, no successor in the
catalogue's data) had no recourse, a second recording being refused
SUCCESSION_ALREADY_RECORDED. POST /units/successions/{code}/corrections records
`UnitSuccessionCorrected` (the recording kept), If-Match required, the successor checked as a
recording's is. Hostile input is refused 4xx with a Vietnamese message and a stable code,
nothing written. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shared.eventstore import events_table
from tests.indicators.conftest import get_json
from tests.integration.helpers import runtime_of

BACH_DANG, TAN_MINH, TIEN_CUONG, TIEN_LANG = "11788", "11791", "11761", "315"
URL = "/api/v1/units/successions"
CORRECTION = {"successor_code": TIEN_CUONG, "reason": "Ghi nhầm xã kế thừa"}


def _events(client: TestClient) -> int:
    """The succession events stored (the service's own status events come and go beside)."""
    with runtime_of(client).engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events_table).where(
            events_table.c.aggregate_type == "unit_succession")).scalar_one())


def _record(client: TestClient) -> str:
    recorded = client.post(URL, json={"predecessor_code": BACH_DANG, "successor_code": TAN_MINH,
                                      "legal_basis": "Nghị quyết 1232/NQ-UBTVQH15"})
    assert recorded.status_code == 201, recorded.text
    etag: str = recorded.headers["etag"]
    return etag


def test_a_recorded_successor_is_corrected_by_a_new_event(client: TestClient) -> None:
    etag = _record(client)
    read = client.get(f"{URL}/{BACH_DANG}")
    assert read.status_code == 200, read.text
    assert read.headers["etag"] == etag and read.json()["successor_code"] == TAN_MINH

    corrected = client.post(f"{URL}/{BACH_DANG}/corrections", json=CORRECTION,
                            headers={"If-Match": etag, "X-Actor": "vp-ban-dan-van"})
    assert corrected.status_code == 200, corrected.text
    record = client.get(f"{URL}/{BACH_DANG}")
    body = record.json()
    assert record.headers["etag"] == corrected.headers["etag"] != etag
    assert (body["successor_code"], body["successor_name"]) == (TIEN_CUONG, "Xã Tiên Cường")
    assert body["legal_basis"] == "Nghị quyết 1232/NQ-UBTVQH15"  # kept when not given
    first, correction = body["history"]
    assert (first["event_type"], first["successor_code"]) == ("UnitSuccessionRecorded",
                                                              TAN_MINH)
    assert (correction["event_type"], correction["previous_successor_code"],
            correction["successor_code"], correction["reason"], correction["actor"]) == (
        "UnitSuccessionCorrected", TAN_MINH, TIEN_CUONG, "Ghi nhầm xã kế thừa",
        "vp-ban-dan-van")
    assert correction["corrected_version"] == 1
    # The worklist shows the successor in force.
    [done] = get_json(client, f"{URL}/unknown")["recorded"]
    assert (done["successor_code"], done["version"]) == (TIEN_CUONG, 2)
    # Corrected again, back: the chain names the last correction.
    again = client.post(f"{URL}/{BACH_DANG}/corrections",
                        json={**CORRECTION, "successor_code": TAN_MINH,
                              "legal_basis": "Quyết định 5/QĐ-UBND"},
                        headers={"If-Match": record.headers["etag"]})
    assert again.status_code == 200, again.text
    last = client.get(f"{URL}/{BACH_DANG}").json()
    assert (last["successor_code"], last["legal_basis"]) == (TAN_MINH, "Quyết định 5/QĐ-UBND")
    assert last["history"][2]["corrected_version"] == 2


def _refused(response: Any, status: int, code: str, case: str) -> None:
    assert response.status_code == status, (case, response.text)
    error = response.json()["error"]
    assert error["code"] == code, (case, error)
    # Vietnamese, for a person: a diacritic, no Python in it.
    assert any(ch in error["message"] for ch in "ăâđêôơưạảấầẩậắằẳặẹẻếềểệịỉọỏốồổộớờởợụủứừửự"), (
        case, error["message"])


def test_a_correction_is_refused_what_a_recording_is_refused_and_writes_nothing(
    client: TestClient,
) -> None:
    etag = _record(client)
    before = _events(client)
    match = {"If-Match": etag}
    for case, code, body, headers, status, error in [
        ("the same successor", BACH_DANG, {**CORRECTION, "successor_code": TAN_MINH}, match,
         422, "CORRECTION_CHANGES_NOTHING"),
        ("a district for a commune", BACH_DANG, {**CORRECTION, "successor_code": TIEN_LANG},
         match, 422, "SUCCESSOR_LEVEL_MISMATCH"),
        ("a successor ceased that day", BACH_DANG,
         {**CORRECTION, "successor_code": BACH_DANG}, match, 422, "UNKNOWN_UNIT"),
        ("a successor no unit has", BACH_DANG, {**CORRECTION, "successor_code": "99999"},
         match, 422, "UNKNOWN_UNIT"),
        ("outside Hai Phong", BACH_DANG, {**CORRECTION, "successor_code": "00001"}, match,
         422, "OUTSIDE_JURISDICTION"),
        ("a bad code", BACH_DANG, {**CORRECTION, "successor_code": "11-761"}, match, 422,
         "VALIDATION_ERROR"),
        ("no reason", BACH_DANG, {"successor_code": TIEN_CUONG}, match, 422,
         "VALIDATION_ERROR"),
        ("a blank legal basis", BACH_DANG, {**CORRECTION, "legal_basis": "  "}, match, 422,
         "VALIDATION_ERROR"),
        ("an unknown field", BACH_DANG, {**CORRECTION, "predecessor_code": "11794"}, match,
         422, "VALIDATION_ERROR"),
        ("a merged unit not recorded", "11794", CORRECTION, match, 404,
         "SUCCESSION_NOT_RECORDED"),
        ("a unit that does not exist", "99999", CORRECTION, match, 404,
         "SUCCESSION_NOT_RECORDED"),
        ("no If-Match", BACH_DANG, CORRECTION, {}, 428, "PRECONDITION_REQUIRED"),
        ("a stale If-Match", BACH_DANG, CORRECTION, {"If-Match": '"2"'}, 412,
         "PRECONDITION_FAILED"),
        ("a bad If-Match", BACH_DANG, CORRECTION, {"If-Match": "xyz"}, 422,
         "BAD_IF_MATCH"),
    ]:
        response = client.post(f"{URL}/{code}/corrections", json=body, headers=headers)
        _refused(response, status, error, case)
    bad_path = client.post(f"{URL}/abc/corrections", json=CORRECTION, headers=match)
    assert bad_path.status_code == 422, bad_path.text
    board = client.post(f"{URL}/{BACH_DANG}/corrections", json=CORRECTION,
                        headers={**match, "X-Unit-Scope": TIEN_LANG})
    _refused(board, 403, "CITY_LEVEL_ONLY", "a district board")
    assert client.get(f"{URL}/11794").status_code == 404
    assert _events(client) == before
    assert client.get(f"{URL}/{BACH_DANG}").json()["successor_code"] == TAN_MINH
    # The refusal of a second recording names the correction that frees it.
    twice = client.post(URL, json={"predecessor_code": BACH_DANG, "successor_code": TIEN_CUONG,
                                   "legal_basis": "Nghị quyết 1232/NQ-UBTVQH15"})
    _refused(twice, 409, "SUCCESSION_ALREADY_RECORDED", "recorded twice")
    assert "Đính chính đơn vị kế thừa" in twice.json()["error"]["message"]
