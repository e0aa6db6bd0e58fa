"""Fixtures of the deployment tests: the loopback JetStream cluster, a shared database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.deploy.cluster import LEAF_PASSWORD, NATS_PASSWORD, NATS_USER, LoopbackCluster


@pytest.fixture
def nats_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackCluster]:
    # The node configuration reads its credentials from the environment, as in the containers.
    monkeypatch.setenv("NATS_USER", NATS_USER)
    monkeypatch.setenv("NATS_PASSWORD", NATS_PASSWORD)
    monkeypatch.setenv("NATS_LEAF_PASSWORD", LEAF_PASSWORD)
    for service in ("indicators", "religion", "dialogue", "reporting"):
        monkeypatch.setenv(f"NATS_{service.upper()}_PASSWORD", f"{service}-{NATS_PASSWORD}")
    cluster = LoopbackCluster(tmp_path / "cluster")
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def shared_postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """One fresh PostgreSQL database that several processes of one service share, as the
    replicas of a service share its database in production."""
    name = f"danvan_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_admin_url).set(database=name).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
