"""SQLite held by another process: a command waits its busy timeout, then gets 503 with
Retry-After in the error format (not a 500), and succeeds once the file is free again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from services.religion.app import create_app
from shared.natsserver import NatsServer
from shared.settings import Settings


def test_a_database_held_elsewhere_gives_503_then_the_command_goes_through(
    tmp_path: Path, nats_server: NatsServer, subject_root: str
) -> None:
    path = tmp_path / "religion.db"
    settings = Settings.for_service(
        "religion",
        database_url=f"sqlite:///{path}",
        nats_url=nats_server.url,
        subject_root=subject_root,
        environment="test",
        database_busy_timeout_s=0.5,
    )
    site = {"code": "HELD-1", "name": "Chùa Vẽ", "religion": "Phật giáo",
            "commune_code": "11755", "registered_on": "2023-02-01"}
    with TestClient(create_app(settings)) as client:
        # Another process (a backup, the sqlite3 shell) takes the write lock and keeps it.
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            refused = client.post("/api/v1/sites", json=site)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == "5"
        assert refused.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
        assert client.post("/api/v1/sites", json=site).status_code == 201
        assert client.get("/api/v1/sites/HELD-1").status_code == 200
