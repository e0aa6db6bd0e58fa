"""A head's term and an issue are read with an ETag and written with If-Match, like the
sessions and commitments (docs/api-conventions.md); their versions survive a rebuild."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete

from services.dialogue.adapters.tables import heads, issues
from tests.dialogue.conftest import TIEN_LANG, held_session, ok, runtime_of, take_office


def _etag(client: TestClient, url: str) -> str:
    read = client.get(url)
    assert read.status_code == 200, read.text
    tag: str = read.headers["ETag"]
    assert tag == f'"{read.json()["version"]}"'
    return tag


def test_a_term_answers_the_version_of_its_post_and_if_match_guards_its_commands(
    client: TestClient,
) -> None:
    first = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    url = f"/api/v1/heads/{first}"
    assert _etag(client, url) == '"1"'
    handed = client.post(f"{url}/successor",
                         json={"full_name": "Trần Văn Bình", "from_date": "2023-07-01"},
                         headers={"If-Match": '"1"'})
    assert handed.status_code == 201, handed.text
    successor = handed.json()["head_id"]
    # The hand-over records two events on the post: both terms now answer its version.
    assert handed.headers["ETag"] == '"3"'
    assert _etag(client, url) == _etag(client, f"/api/v1/heads/{successor}") == '"3"'
    # The stale tag of the first read is refused on the successor's term: nothing written.
    stale = client.post(f"/api/v1/heads/{successor}/leave",
                        json={"to_date": "2023-09-30", "reason": "Nghỉ hưu"},
                        headers={"If-Match": '"1"'})
    assert stale.status_code == 412, stale.text
    assert stale.json()["error"]["code"] == "PRECONDITION_FAILED"
    assert stale.json()["error"]["details"]["current_version"] == 3
    assert ok(client.get(f"/api/v1/heads/{successor}"))["to_date"] is None
    left = client.post(f"/api/v1/heads/{successor}/leave",
                       json={"to_date": "2023-09-30", "reason": "Nghỉ hưu"},
                       headers={"If-Match": _etag(client, f"/api/v1/heads/{successor}")})
    assert left.status_code == 200 and left.headers["ETag"] == '"4"', left.text
    assert _etag(client, url) == '"4"'

    # Rebuilt by replay: the same versions on every term.
    with runtime_of(client).engine.begin() as conn:
        conn.execute(delete(heads))
    ok(client.post("/api/v1/admin/rebuild-read-models"))
    assert _etag(client, url) == _etag(client, f"/api/v1/heads/{successor}") == '"4"'


def test_an_issue_answers_its_version_and_if_match_guards_the_erasure(
    client: TestClient,
) -> None:
    chair = take_office(client, TIEN_LANG, "people_committee_chair", "Lê Văn Tâm", "2021-06-01")
    session_id = held_session(client, TIEN_LANG, [chair], "2023-04-10")
    raised = ok(client.post(f"/api/v1/sessions/{session_id}/issues", json={
        "category": "land_and_site_clearance", "text": "Chậm cấp giấy chứng nhận",
        "handling": "assigned", "assigned_agency": "Văn phòng đăng ký đất đai",
        "citizen": {"full_name": "Phạm Thị Hoa", "contact": "0912 345 678"},
    }), 201)
    url = f"/api/v1/issues/{raised['issue_id']}"
    assert _etag(client, url) == '"1"'
    stale = client.delete(f"{url}/citizen-contact", headers={"If-Match": '"2"'})
    assert stale.status_code == 412, stale.text
    assert stale.json()["error"]["details"]["current_version"] == 1
    assert ok(client.get(url))["has_citizen_contact"] is True
    erased = client.delete(f"{url}/citizen-contact", headers={"If-Match": '"1"'})
    assert erased.status_code == 200 and erased.headers["ETag"] == '"2"', erased.text
    assert _etag(client, url) == '"2"'

    with runtime_of(client).engine.begin() as conn:
        conn.execute(delete(issues))
    ok(client.post("/api/v1/admin/rebuild-read-models"))
    assert _etag(client, url) == '"2"'
