"""A command that checks another record and writes its own, at the same moment as a command on
that record (the unit of work holds every aggregate it loads, shared.aggregate.UnitOfWork).

A contest entry and a plan's evidence check that their model runs on their day; a closing of
the model checks its entries. Each is held in its transaction after its checks while the other
is sent: without the hold, on PostgreSQL (READ COMMITTED) the other read the model or the
entries as they were before and both were stored (an entry, or evidence, of a model closed
before its day). Now the other waits, reads what the first committed and is refused as if sent
after it. SQLite and PostgreSQL (on SQLite the writers already take turns).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

import shared.commands
import shared.outage
from shared.aggregate import UnitOfWork
from tests.indicators.conftest import get_json
from tests.indicators.scenario import TIEN_LANG_TOWN
from tests.integration.helpers import held_while, runtime_of, wait_until

BOARD = {"X-Unit-Scope": "315", "X-Department": "ban-dan-van-cap-huyen",
         "X-Scopes": "indicators:read indicators:write"}


def _model(client: TestClient, model_id: str) -> None:
    registered = client.post("/api/v1/models", json={
        "model_id": model_id, "unit_code": TIEN_LANG_TOWN, "field": "new_rural",
        "title": "Dân vận khéo", "started_on": "2023-02-01"})
    assert registered.status_code == 201, registered.text


def _entry(client: TestClient, model_id: str, on: str) -> Any:
    return client.post(f"/api/v1/contests/{on[:4]}/entries", json={
        "entry_id": f"DT-{model_id}", "model_id": model_id, "title": "Bài dự thi",
        "submitted_on": on, "author": "Hội LHPN"})


def _close(client: TestClient, model_id: str, on: str) -> Any:
    return client.post(f"/api/v1/models/{model_id}/close",
                       json={"closed_on": on, "reason": "Dừng"})


def _recording(event_type: str) -> Any:
    def when(uow: UnitOfWork) -> bool:
        return any(e.event_type == event_type for e in uow.appended)
    return when


def _history(client: TestClient, model_id: str) -> list[str]:
    return [h["event_type"] for h in get_json(client, f"/api/v1/models/{model_id}")["history"]]


def _entries(client: TestClient) -> dict[str, str | None]:
    """The 2024 contest's entries (read model, once the consumers applied them) and awards."""
    items = get_json(client, "/api/v1/contests/2024/entries")["items"]
    return {item["entry_id"]: item.get("award") for item in items}


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


def test_a_closing_sent_while_an_entry_is_being_stored_sees_the_entry(
    client: TestClient,
) -> None:
    _model(client, "MH-R1")
    engine = runtime_of(client).engine
    entered, closed = held_while(
        engine, lambda: _entry(client, "MH-R1", "2024-05-10"),
        lambda: _close(client, "MH-R1", "2024-03-01"),
        when=_recording("ContestEntrySubmitted"))
    assert entered.status_code == 201, entered.text
    _refused(closed, 422, "CLOSED_BEFORE_ENTRY")
    assert _history(client, "MH-R1") == ["ModelRegistered"]


def test_an_entry_sent_while_its_model_is_being_closed_sees_the_closing(
    client: TestClient,
) -> None:
    _model(client, "MH-R2")
    engine = runtime_of(client).engine
    closed, entered = held_while(
        engine, lambda: _close(client, "MH-R2", "2024-03-01"),
        lambda: _entry(client, "MH-R2", "2024-05-10"), when=_recording("ModelClosed"))
    assert closed.status_code == 200, closed.text
    _refused(entered, 409, "MODEL_CLOSED")
    assert _entries(client) == {}


def test_evidence_sent_while_its_model_is_being_closed_sees_the_closing(
    client: TestClient,
) -> None:
    _model(client, "MH-R3")
    loaded = client.post("/api/v1/plans/2023/load", json={})
    assert loaded.status_code == 201, loaded.text
    engine = runtime_of(client).engine
    closed, recorded = held_while(
        engine, lambda: _close(client, "MH-R3", "2023-06-14"),
        lambda: client.post("/api/v1/plans/2023/items/IV.3/progress", headers=BOARD, json={
            "reported_on": "2023-07-01", "result": "Đã ban hành hướng dẫn",
            "evidence": [{"kind": "model", "ref": "MH-R3"}]}),
        when=_recording("ModelClosed"))
    assert closed.status_code == 200, closed.text
    _refused(recorded, 422, "EVIDENCE_NOT_FOUND")


def test_an_award_and_a_closing_holding_entry_and_model_in_opposite_orders_both_succeed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An award loads the entry, then its model; a closing the model, then its entries. The
    award is held between the two while the closing is sent: on PostgreSQL each then waits
    for what the other holds, PostgreSQL aborts one, and that one is run again (not a 503):
    both succeed. On SQLite the closing waits for its turn."""
    _model(client, "MH-R4")
    assert _entry(client, "MH-R4", "2024-05-10").status_code == 201
    deadlocks: list[BaseException] = []
    is_deadlock = shared.outage.is_deadlock

    def counted(exc: BaseException) -> bool:
        found = is_deadlock(exc)
        if found:
            deadlocks.append(exc)
        return found

    monkeypatch.setattr(shared.commands, "is_deadlock", counted)
    engine = runtime_of(client).engine
    awarded, closed = held_while(
        engine,
        lambda: client.post("/api/v1/contests/2024/entries/DT-MH-R4/award",
                            json={"award": "second", "awarded_on": "2024-06-01"}),
        lambda: _close(client, "MH-R4", "2024-07-01"),
        at="load", when=lambda _, cls, *__: cls.aggregate_type == "model")
    assert awarded.status_code == 200, awarded.text
    assert closed.status_code == 200, closed.text
    if engine.dialect.name == "postgresql":
        assert deadlocks, "the two commands did not cross"
    # The contest's list is a read model its consumer keeps: the award shows once applied.
    wait_until(lambda: _entries(client) == {"DT-MH-R4": "second"})
    assert _history(client, "MH-R4") == ["ModelRegistered", "ModelClosed"]
