"""The relay's leadership (PostgreSQL's advisory lock, on a connection of its own) when the
backend of that connection stops (SIGSTOP of that one backend, the postmaster and the other
backends running): the stopped backend keeps holding the lock, so no relay can lead until it
goes on, while commands are still taken on other connections."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from shared.db import advisory_key
from shared.envelope import EventEnvelope
from shared.natsserver import NatsServer
from shared.relay import OutboxItem
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app
from tests.fault.postgres import ThrowawayPostgres
from tests.fault.test_postgres_answers import _stopped
from tests.integration.helpers import read_stream, wait_until
from tests.integration.notebook import registry, unpublished, write

# Mostly a backend stopped for a bound: run beside the workers (tools/testlanes.py).
pytestmark = pytest.mark.waits

#: DATABASE_WORK_WAIT_S and RELAY_UNREADY_AFTER_S of these tests.
WORK_WAIT_S = 2.0
UNREADY_AFTER_S = 4.0


def _leader_backend(postgres: ThrowawayPostgres, database: str, service: str) -> list[int]:
    """The backend holding the relay's advisory lock (its session-level lock: one key)."""
    key = advisory_key(f"danvan-relay-{service}")
    # pg_locks shows a bigint key as its high (classid) and low (objid) 32 bits.
    high, low = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
    return postgres.backend_pids(
        database, "pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
        f" AND classid::bigint = {high} AND objid::bigint = {low} AND objsubid = 1)")


def _fail_once(runtime: ServiceRuntime) -> list[bool]:
    """The relay's next read of its outbox fails once (as a lost connection would): the relay
    then checks its leader connection. Set the returned flag to arm it."""
    armed: list[bool] = []
    relay = runtime.relay
    real_fetch = relay._fetch_pending

    def fetch(after_position: int, skip: frozenset[int] = frozenset()) -> list[OutboxItem]:
        if armed:
            armed.clear()
            raise RuntimeError("injected: the outbox's read failed")
        return real_fetch(after_position, skip)

    relay._fetch_pending = fetch  # type: ignore[method-assign]
    return armed


def _versions(url: str, stream: str) -> dict[str, list[int]]:
    messages = asyncio.run(read_stream(url, stream))
    found: dict[str, list[int]] = {}
    for message in messages:
        envelope = EventEnvelope.from_json(message.data)
        found.setdefault(envelope.aggregate_id, []).append(envelope.aggregate_version)
    return found


def _settings(postgres: ThrowawayPostgres, nats_server: NatsServer) -> tuple[Settings, str]:
    name = f"religion_{uuid.uuid4().hex[:8]}"
    url = postgres.create_database(name)
    return Settings.for_service(
        "religion", nats_url=nats_server.url, subject_root=f"l{uuid.uuid4().hex[:8]}",
        environment="test", database_url=url, relay_poll_interval_s=0.1,
        relay_unready_after_s=UNREADY_AFTER_S, database_work_wait_s=WORK_WAIT_S,
        database_request_wait_s=WORK_WAIT_S + 1), name


def test_readyz_says_the_relay_is_not_publishing_while_its_stopped_leader_backend_holds_the_lock(
    throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer
) -> None:
    settings, name = _settings(throwaway_postgres, nats_server)
    runtime = ServiceRuntime(settings, registry)
    ready: Callable[[], int]
    with TestClient(build_app(runtime, [], title="notebooks")) as client:
        ready = lambda: client.get("/readyz").status_code  # noqa: E731
        write(runtime, "a", range(2))
        wait_until(lambda: unpublished(runtime) == 0, timeout=60)
        leader = _leader_backend(throwaway_postgres, name, "religion")
        assert len(leader) == 1, leader
        armed = _fail_once(runtime)
        with _stopped(*leader):
            armed.append(True)
            write(runtime, "a", range(2, 4))
            # The relay's round fails, its check of the leader connection is cut after
            # DATABASE_WORK_WAIT_S: it gives leadership up, the stopped backend keeps the lock.
            wait_until(lambda: runtime.relay._leader_conn is None, timeout=30)
            write(runtime, "b", range(3))
            # Before: 200, relay "ok", for as long as the backend stayed stopped.
            wait_until(lambda: ready() == 503, timeout=UNREADY_AFTER_S + 20)
            checks = client.get("/readyz").json()["checks"]
            assert checks["relay"].startswith("không gửi được sự kiện lên NATS đã "), checks
            assert checks["database"] == "ok" and checks["nats"] == "ok", checks
            assert unpublished(runtime) == 5
        # Resumed, the backend finds its client gone and ends: the lock is free again.
        wait_until(lambda: unpublished(runtime) == 0, timeout=60)
        wait_until(lambda: ready() == 200, timeout=30)
        versions = _versions(nats_server.url, settings.stream_name)
    assert versions == {"a": [1, 2, 3, 4], "b": [1, 2, 3]}, versions
