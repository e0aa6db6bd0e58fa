"""Idempotency-Key over HTTP (shared/idempotency.py, shared/commandapi.py), on the religion
service's app, SQLite and PostgreSQL: a retry replays the first answer and writes nothing; the
key with another body is refused; keys are per client and forgotten after their retention;
racing retries run the command once."""

from __future__ import annotations

import json
import threading
import unicodedata
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from shared import idempotency
from shared.envelope import utcnow
from shared.eventstore import events_table
from shared.idempotency import IdempotentRequest, KeyRaced, idempotency_table
from tests.integration.helpers import event_count, runtime_of
from tests.religion.conftest import DAI_THANG, error_of, site_body

CASE = {"commune_code": DAI_THANG, "violation_type": "land_encroachment",
        "description": "Xây tường rào lấn đất", "detected_on": "2023-04-02"}


def _opened_cases(client: TestClient) -> int:
    with runtime_of(client).engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(events_table)
            .where(events_table.c.event_type == "ComplianceCaseOpened")
        ).scalar_one())


def _keys(client: TestClient) -> int:
    with runtime_of(client).engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(idempotency_table)).scalar_one())


def test_a_retry_with_the_same_key_replays_the_first_answer_and_writes_nothing(
    religion: TestClient,
) -> None:
    key = {"Idempotency-Key": "0b6f7a1e-4c1d-4a51-9d1e-5c3f2b8a9d10"}
    first = religion.post("/api/v1/sites", json=site_body("TL-01"), headers=key)
    assert first.status_code == 201, first.text
    assert first.headers["Location"] == "/api/v1/sites/TL-01"
    assert first.headers["ETag"] == '"1"' and "Idempotent-Replayed" not in first.headers
    written = event_count(religion)
    # The same body with its keys in another order and other spacing is the same request.
    shuffled = json.dumps(dict(reversed(list(site_body("TL-01").items()))), indent=2)
    again = religion.post("/api/v1/sites", content=shuffled,
                          headers={**key, "Content-Type": "application/json"})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == '"1"' and again.headers["Idempotent-Replayed"] == "true"
    assert event_count(religion) == written

    other = religion.post("/api/v1/sites", json=site_body("TL-02"), headers=key)
    assert other.status_code == 422
    assert error_of(other)["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert "khoá mới" in error_of(other)["message"]
    # The same body on another address is another request too.
    elsewhere = religion.post("/api/v1/sites/TL-01/close", headers=key,
                              json={"closed_on": "2023-04-01", "reason": "Sáp nhập"})
    assert elsewhere.status_code == 422
    assert event_count(religion) == written


def test_a_retry_with_its_text_in_another_normal_form_is_the_same_request(
    religion: TestClient,
) -> None:
    """Examiner H's L5: the same command typed on macOS or pasted from a PDF (NFD) was
    IDEMPOTENCY_KEY_REUSED, though the command reads its texts composed (NFC) and would do
    the same thing; a text that differs once composed is still another request."""
    key = {"Idempotency-Key": "nfd-retry-1"}
    body = {**site_body("TL-03"), "name": "Chùa Phúc Lâm Đại Thắng"}
    first = religion.post("/api/v1/sites", json=body, headers=key)
    assert first.status_code == 201, first.text
    written = event_count(religion)
    decomposed = {k: unicodedata.normalize("NFD", v) if isinstance(v, str) else v
                  for k, v in body.items()}
    assert decomposed["name"] != body["name"]
    again = religion.post("/api/v1/sites", json=decomposed, headers=key)
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = religion.post("/api/v1/sites", json={**body, "name": "Chùa Phúc Lâm Đại Thẳng"},
                          headers=key)
    assert error_of(other)["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert event_count(religion) == written


def test_keys_belong_to_their_client_and_a_refusal_keeps_no_key(religion: TestClient) -> None:
    key = "retry-42"
    mine = religion.post("/api/v1/compliance-cases", json=CASE,
                         headers={"Idempotency-Key": key, "X-Actor": "can.bo.a"})
    theirs = religion.post("/api/v1/compliance-cases", json=CASE,
                           headers={"Idempotency-Key": key, "X-Actor": "can.bo.b"})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["case_id"] != theirs.json()["case_id"]
    assert _opened_cases(religion) == 2

    # Refused (422): nothing written, the key included; corrected, the same key runs it.
    bad = religion.post("/api/v1/sites", json=site_body("TL-09", commune_code="99999"),
                        headers={"Idempotency-Key": "fix-me"})
    assert bad.status_code == 422 and _keys(religion) == 2
    good = religion.post("/api/v1/sites", json=site_body("TL-09"),
                         headers={"Idempotency-Key": "fix-me"})
    assert good.status_code == 201, good.text

    for wrong in ("has space", "x" * 201):
        response = religion.post("/api/v1/sites", json=site_body("TL-10"),
                                 headers={"Idempotency-Key": wrong})
        assert response.status_code == 422
        assert error_of(response)["code"] in {"BAD_IDEMPOTENCY_KEY", "VALIDATION_ERROR"}
    assert religion.get("/api/v1/sites/TL-10").status_code == 404


def test_a_key_past_its_retention_is_forgotten_and_purged(religion: TestClient) -> None:
    headers = {"Idempotency-Key": "old-key"}
    first = religion.post("/api/v1/compliance-cases", json=CASE, headers=headers)
    assert first.status_code == 201
    rt = runtime_of(religion)
    retention = rt.idempotency.retention
    assert retention == timedelta(hours=24)
    with rt.engine.begin() as conn:
        conn.execute(update(idempotency_table).values(
            created_at=utcnow() - retention - timedelta(minutes=1)))
    # Forgotten: the same request is a new command (a second case).
    second = religion.post("/api/v1/compliance-cases", json=CASE, headers=headers)
    assert second.status_code == 201
    assert second.json()["case_id"] != first.json()["case_id"]
    assert _opened_cases(religion) == 2
    # The purge removes every expired key, not only the one asked again.
    with rt.engine.begin() as conn:
        conn.execute(update(idempotency_table).values(
            created_at=utcnow() - retention - timedelta(minutes=1)))
    rt.idempotency._purged_at = None
    religion.post("/api/v1/compliance-cases", json=CASE, headers={"Idempotency-Key": "new"})
    assert _keys(religion) == 1


def test_racing_retries_run_the_command_once_and_all_get_its_answer(
    religion: TestClient,
) -> None:
    """Eight retries of the same request at once, each on its own connection: one case is
    opened, and every retry answers with that case (on PostgreSQL the others wait on the key's
    row; on SQLite the writers take turns)."""
    answers: list[tuple[int, Any]] = []
    start = threading.Barrier(8)
    lock = threading.Lock()

    def retry() -> None:
        start.wait()
        response = religion.post("/api/v1/compliance-cases", json=CASE,
                                 headers={"Idempotency-Key": "race-1"})
        with lock:
            answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 8
    assert {status for status, _ in answers} == {201}, answers
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    assert _opened_cases(religion) == 1
    assert _keys(religion) == 1


def test_a_multipart_import_retried_with_its_key_is_replayed(religion: TestClient) -> None:
    template = religion.get("/api/v1/sites/import/template.csv").content.decode("utf-8-sig")
    row = "TL-50,Chùa Một,Phật giáo,11758,Thôn Đông,1000,,2023-02-01"
    header_cells = template.strip().split(",")
    assert len(header_cells) == len(row.split(",")), header_cells
    content = (template.strip() + "\n" + row + "\n").encode()

    def send() -> Any:
        return religion.post("/api/v1/sites/import", headers={"Idempotency-Key": "import-1"},
                             files={"file": ("co-so.csv", content, "text/csv")})

    first = send()
    assert first.status_code == 201, first.text
    written = event_count(religion)
    again = send()  # a new multipart boundary, the same parts
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and event_count(religion) == written


def test_a_key_claimed_by_a_request_not_yet_visible_answers_409_with_retry_after(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim lost to another transaction whose answer cannot be read yet (another process
    on SQLite): nothing is run, the client is told to retry shortly."""

    def raced(conn: Any, request: IdempotentRequest, now: Any) -> None:
        raise KeyRaced(request.key)

    monkeypatch.setattr(idempotency, "claim", raced)
    before = event_count(religion)
    response = religion.post("/api/v1/compliance-cases", json=CASE,
                             headers={"Idempotency-Key": "busy-1"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS"
    assert response.headers["Retry-After"] == "1"
    assert event_count(religion) == before
