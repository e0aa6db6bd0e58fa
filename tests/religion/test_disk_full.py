"""A disk that fills up under commands (examiner-outage, the embedded `make run`): the command
whose write is refused is answered 503 with the Vietnamese message and writes nothing, /readyz
says the database is not taking commands although a read still answers, and the same request
sent again with its Idempotency-Key is stored once when space is back."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from shared import messages
from shared.eventstore import EventStore
from tests.integration.helpers import runtime_of
from tests.religion.conftest import site_body


def _disk_full(dialect: str) -> Exception:
    """What each database raises when a write finds the disk full."""
    if dialect == "sqlite":
        import sqlite3

        return sqlite3.OperationalError("database or disk is full")
    return psycopg.errors.DiskFull("could not extend file: No space left on device")


def test_a_command_refused_by_a_full_disk_is_a_503_readyz_says_so_and_a_retry_stores_it_once(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = runtime_of(religion).engine
    assert religion.get("/readyz").json()["checks"]["database"] == "ok"
    commit = engine.dialect.do_commit
    full = [True]

    def commit_on_a_full_disk(driver: Any) -> None:
        if not full:
            commit(driver)
            return
        driver.rollback()  # SQLite rolls back a transaction whose COMMIT met a full disk
        commit(driver)  # nothing left to commit; the writers' turn is handed on
        raise _disk_full(engine.dialect.name)

    monkeypatch.setattr(engine.dialect, "do_commit", commit_on_a_full_disk)
    key = {"Idempotency-Key": "disk-full-1"}
    refused = religion.post("/api/v1/sites", json=site_body("DF-1"), headers=key)
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "5"
    assert refused.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
    assert refused.json()["error"]["message"] == messages.DATABASE_UNAVAILABLE
    assert religion.get("/api/v1/sites/DF-1").status_code == 404  # nothing written
    ready = religion.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("ổ đĩa của cơ sở dữ liệu đã đầy"), (
        ready.text)

    full.clear()  # space is back
    stored = religion.post("/api/v1/sites", json=site_body("DF-1"), headers=key)
    assert stored.status_code == 201, stored.text
    again = religion.post("/api/v1/sites", json=site_body("DF-1"), headers=key)
    assert again.status_code == 201 and again.json() == stored.json()  # replayed
    assert religion.post("/api/v1/sites", json=site_body("DF-2")).status_code == 201
    history = religion.get("/api/v1/sites/DF-1/history")
    assert history.status_code == 200 and len(history.json()["events"]) == 1, history.text


def test_a_full_disk_met_by_the_event_store_driver_cursor_is_a_503_not_a_500(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event store appends through the driver's own cursor (shared/driversql.py), whose
    errors are the driver's, not SQLAlchemy's: on PostgreSQL its disk_full (53100) was answered
    500 INTERNAL_ERROR with a traceback (examiner-outage, a 400 MB tmpfs filled under load:
    religion 15 × 500), SQLite's already 503."""
    engine = runtime_of(religion).engine
    append = EventStore.append
    full = [True]

    def append_on_a_full_disk(self: EventStore, *args: Any, **kwargs: Any) -> Any:
        if full:
            raise _disk_full(engine.dialect.name)
        return append(self, *args, **kwargs)

    monkeypatch.setattr(EventStore, "append", append_on_a_full_disk)
    key = {"Idempotency-Key": "disk-full-driver"}
    refused = religion.post("/api/v1/sites", json=site_body("DF-3"), headers=key)
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
    assert refused.json()["error"]["message"] == messages.DATABASE_UNAVAILABLE
    assert religion.get("/api/v1/sites/DF-3").status_code == 404  # nothing written
    ready = religion.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("ổ đĩa của cơ sở dữ liệu đã đầy")

    full.clear()
    stored = religion.post("/api/v1/sites", json=site_body("DF-3"), headers=key)
    assert stored.status_code == 201, stored.text
    assert len(religion.get("/api/v1/sites/DF-3/history").json()["events"]) == 1
