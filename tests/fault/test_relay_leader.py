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

from shared.envelope import EventEnvelope
from shared.natsserver import NatsServer
from shared.relay import OutboxItem, OutboxRelay
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


def _lock_backends(postgres: ThrowawayPostgres, database: str, relay: OutboxRelay) -> list[int]:
    """The backends holding the relay's advisory locks (session-level), in its keys' order."""
    found = []
    for key in relay._leader_keys:
        # pg_locks shows a bigint key as its high (classid) and low (objid) 32 bits.
        high, low = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
        found.extend(postgres.backend_pids(
            database, "pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory'"
            f" AND granted AND classid::bigint = {high} AND objid::bigint = {low}"
            " AND objsubid = 1)"))
    return found


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


def test_readyz_says_the_relay_is_not_publishing_while_its_stopped_backends_hold_the_locks(
    throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer
) -> None:
    """Both lock connections' backends stopped: the relay gives the leadership up, the stopped
    backends keep the locks, no relay can lead until they go on. /readyz says so."""
    settings, name = _settings(throwaway_postgres, nats_server)
    runtime = ServiceRuntime(settings, registry)
    ready: Callable[[], int]
    with TestClient(build_app(runtime, [], title="notebooks")) as client:
        ready = lambda: client.get("/readyz").status_code  # noqa: E731
        write(runtime, "a", range(2))
        wait_until(lambda: unpublished(runtime) == 0, timeout=60)
        locks = _lock_backends(throwaway_postgres, name, runtime.relay)
        assert len(locks) == 2, locks
        armed = _fail_once(runtime)
        with _stopped(*locks):
            armed.append(True)
            write(runtime, "a", range(2, 4))
            # The relay's round fails, its check of the lock connections is cut after
            # DATABASE_WORK_WAIT_S: it gives leadership up, the stopped backends keep the locks.
            wait_until(lambda: not runtime.relay._leader_conns, timeout=30)
            write(runtime, "b", range(3))
            # Before: 200, relay "ok", for as long as the backends stayed stopped.
            wait_until(lambda: ready() == 503, timeout=UNREADY_AFTER_S + 20)
            checks = client.get("/readyz").json()["checks"]
            assert checks["relay"].startswith("không gửi được sự kiện lên NATS đã "), checks
            assert checks["database"] == "ok" and checks["nats"] == "ok", checks
            assert unpublished(runtime) == 5
        # Resumed, the backends find their client gone and end: the locks are free again.
        wait_until(lambda: unpublished(runtime) == 0, timeout=60)
        wait_until(lambda: ready() == 200, timeout=30)
        versions = _versions(nats_server.url, settings.stream_name)
    assert versions == {"a": [1, 2, 3, 4], "b": [1, 2, 3]}, versions


def _leads(relay: OutboxRelay) -> list[bool]:
    """Records each time `relay` becomes leader."""
    led: list[bool] = []
    real_try = relay._try_lead

    def try_lead() -> bool:
        got = real_try()
        if got:
            led.append(True)
        return got

    relay._try_lead = try_lead  # type: ignore[method-assign]
    return led


@pytest.mark.parametrize("stopped_lock", [0, 1])
def test_the_relay_leads_on_past_the_stopped_backend_of_one_lock_and_no_replica_leads_beside_it(
    throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer, stopped_lock: int
) -> None:
    """One lock connection's backend stopped, the relay fails: it gives that connection up and
    leads on, holding the other lock, so the events committed meanwhile are published while
    the backend stays stopped; a replica never leads beside it (both locks needed); the lock
    is taken again once the backend ends. Before: the relay gave up leading and no relay could
    lead until the backend went on."""
    settings, name = _settings(throwaway_postgres, nats_server)
    first, second = ServiceRuntime(settings, registry), ServiceRuntime(settings, registry)
    with (TestClient(build_app(first, [], title="notebooks")),
          TestClient(build_app(second, [], title="notebooks"))):
        runtimes = (first, second)
        wait_until(lambda: any(len(r.relay._leader_conns) == 2 for r in runtimes), timeout=60)
        leader, replica = sorted(runtimes, key=lambda r: -len(r.relay._leader_conns))
        replica_led = _leads(replica.relay)
        write(leader, "a", range(2))
        wait_until(lambda: unpublished(leader) == 0, timeout=60)
        locks = _lock_backends(throwaway_postgres, name, leader.relay)
        assert len(locks) == 2, locks
        armed = _fail_once(leader)
        with _stopped(locks[stopped_lock]):
            armed.append(True)
            write(leader, "a", range(2, 4))
            # Its check of the stopped connection cut after DATABASE_WORK_WAIT_S.
            wait_until(lambda: len(leader.relay._leader_conns) < 2, timeout=30)
            for n in range(6):
                write(replica if n % 2 else leader, f"b{n % 3}", range(n, n + 1))
            # Before: never published while the backend stayed stopped.
            wait_until(lambda: unpublished(leader) == 0, timeout=30)
            assert len(leader.relay._leader_conns) == 1
        # Resumed, the backend ends: the lock is the leader's again.
        wait_until(lambda: len(leader.relay._leader_conns) == 2, timeout=30)
        write(replica, "a", range(4, 6))
        wait_until(lambda: unpublished(leader) == 0, timeout=30)
        assert not replica_led and not replica.relay._leader_conns
        versions = _versions(nats_server.url, settings.stream_name)
    assert versions == {"a": [1, 2, 3, 4, 5, 6], "b0": [1, 2], "b1": [1, 2], "b2": [1, 2]}, \
        versions


def _terminate(postgres: ThrowawayPostgres, pids: list[int]) -> None:
    """Ends these backends as the server ends a session (pg_terminate_backend, as an operator
    or idle_session_timeout does): their session advisory locks go with them."""
    import psycopg

    with psycopg.connect(postgres.url, autocommit=True, connect_timeout=5) as conn:
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_leader_whose_lock_backends_were_ended_gives_way_and_one_relay_leads(
    throwaway_postgres: ThrowawayPostgres, nats_server: NatsServer
) -> None:
    """The server ends both lock connections' backends of the leader while its rounds, on
    other connections, go on succeeding: the locks are free, the replica takes them. The old
    leader notices from the server's locks (not only after a failed round) and stops leading,
    so one relay leads. Before: it led on, believing it held both locks, beside the replica
    that held them, for as long as its rounds succeeded."""
    settings, name = _settings(throwaway_postgres, nats_server)
    first, second = ServiceRuntime(settings, registry), ServiceRuntime(settings, registry)
    with (TestClient(build_app(first, [], title="notebooks")),
          TestClient(build_app(second, [], title="notebooks"))):
        runtimes = (first, second)
        wait_until(lambda: any(len(r.relay._leader_conns) == 2 for r in runtimes), timeout=60)
        leader, replica = sorted(runtimes, key=lambda r: -len(r.relay._leader_conns))
        write(leader, "a", range(2))
        wait_until(lambda: unpublished(leader) == 0, timeout=60)
        locks = _lock_backends(throwaway_postgres, name, leader.relay)
        assert len(locks) == 2, locks
        _terminate(throwaway_postgres, locks)
        # The replica takes the freed locks at its next poll; the old leader gives way within
        # its lock check's interval (before: never, its rounds succeeding).
        wait_until(lambda: len(replica.relay._leader_conns) == 2
                   and not leader.relay._leader_conns, timeout=30)
        holders = _lock_backends(throwaway_postgres, name, replica.relay)
        assert len(holders) == 2 and not set(holders) & set(locks), (holders, locks)
        for n in range(6):
            write(replica if n % 2 else leader, f"b{n % 3}", range(n, n + 1))
        write(leader, "a", range(2, 4))
        wait_until(lambda: unpublished(leader) == 0, timeout=30)
        assert not leader.relay._leader_conns
        versions = _versions(nats_server.url, settings.stream_name)
    assert versions == {"a": [1, 2, 3, 4], "b0": [1, 2], "b1": [1, 2], "b2": [1, 2]}, versions
