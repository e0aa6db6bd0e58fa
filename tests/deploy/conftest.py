"""Fixtures of the deployment tests: the loopback JetStream cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.cluster import NATS_PASSWORD, NATS_USER, LoopbackCluster


@pytest.fixture
def nats_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackCluster]:
    # The node configuration reads its credentials from the environment, as in the containers.
    monkeypatch.setenv("NATS_USER", NATS_USER)
    monkeypatch.setenv("NATS_PASSWORD", NATS_PASSWORD)
    cluster = LoopbackCluster(tmp_path / "cluster")
    try:
        yield cluster.start()
    finally:
        cluster.stop()
