"""The deployed NATS cluster configuration, run as three real nodes on loopback ports.

A 3-replica stream keeps taking the relay's publishes when the node holding the stream
leader (and the service's connection) dies; the restarted node catches up from its peers.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.errors import ServiceUnavailableError

from shared.envelope import EventEnvelope
from shared.natsserver import nats_server_binary
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.streams import stream_config
from tests.deploy.cluster import NATS_PASSWORD, NATS_USER, LoopbackCluster
from tests.integration.helpers import eventually, read_stream
from tests.integration.notebook import registry, stored_event_ids, unpublished, write_spread


def _with_credentials(url: str) -> str:
    return url.replace("nats://", f"nats://{NATS_USER}:{NATS_PASSWORD}@")


async def _stream_leader(url: str, stream: str) -> str:
    client = await nats.connect(url, user=NATS_USER, password=NATS_PASSWORD)
    try:
        info = await client.jetstream().stream_info(stream)
        assert info.cluster is not None and info.cluster.leader is not None
        return str(info.cluster.leader)
    finally:
        await client.close()


async def _create_stream(url: str, subject_root: str) -> None:
    """The test's replicated stream, asking again while the new cluster answers 503 «JetStream
    system temporarily unavailable» (every node healthy, its meta group still settling: seen
    about once in ten runs of this file)."""
    client = await nats.connect(url, user=NATS_USER, password=NATS_PASSWORD)
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                await client.jetstream().add_stream(
                    stream_config(subject_root, "religion", replicas=3))
                return
            except nats.js.errors.ServiceUnavailableError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
    finally:
        await client.close()


@pytest.mark.waits  # mostly the cluster noticing a node gone (tools/testlanes.py)
async def test_replicated_stream_survives_a_node_crash_and_the_node_catches_up(
    nats_cluster: LoopbackCluster, tmp_path: Path, subject_root: str
) -> None:
    stream = Settings(service="religion", subject_root=subject_root).stream_name
    await _create_stream(nats_cluster.urls[0], subject_root)
    leader = await _stream_leader(nats_cluster.urls[0], stream)
    # The service talks to the leader's node: its crash costs both the connection and the
    # stream leader, the worst single failure.
    runtime = _religion(tmp_path, nats_cluster.url_of(leader), subject_root)
    await runtime.start()
    try:
        write_spread(runtime, range(0, 20), books=4)
        await eventually(lambda: unpublished(runtime) == 0)

        nats_cluster.kill(leader)
        # Commands go on while the cluster elects a new leader.
        write_spread(runtime, range(20, 40), books=4)
        await eventually(lambda: unpublished(runtime) == 0, timeout=60)
        survivor = next(n.server_name for n in nats_cluster.nodes if n.server_name != leader)
        assert await _stream_leader(nats_cluster.url_of(survivor), stream) != leader

        nats_cluster.restart(leader)
        write_spread(runtime, range(40, 50), books=4)
        await eventually(lambda: unpublished(runtime) == 0, timeout=60)
        expected = stored_event_ids(runtime)
    finally:
        await runtime.stop()

    messages = await _read_once_answered(_with_credentials(nats_cluster.url_of(survivor)), stream)
    published = [m.headers["Nats-Msg-Id"] for m in messages if m.headers]
    assert len(expected) == 50
    assert published == expected, "every committed event stored once, in commit order"
    envelopes = [EventEnvelope.from_json(m.data) for m in messages]
    for n in range(4):
        versions = [e.aggregate_version for e in envelopes if e.aggregate_id == f"book-{n}"]
        assert versions == list(range(1, len(versions) + 1))

    # The restarted node's own store, not the leader's view, holds the whole stream again.
    def caught_up(name: str) -> bool:
        state = nats_cluster.local_stream_state(name, stream)
        return state is not None and state["messages"] == 50 and state["last_seq"] == 50

    await eventually(lambda: caught_up(leader), timeout=30)
    assert all(caught_up(node.server_name) for node in nats_cluster.nodes)


@pytest.mark.waits  # mostly the cluster noticing a node gone (tools/testlanes.py)
async def test_a_node_that_stops_answering_is_left_for_another(
    nats_cluster: LoopbackCluster, tmp_path: Path, subject_root: str
) -> None:
    """Examiner's outage round: a node frozen (a partition; its TCP connections stay open)
    kept the service's relay and consumers on it for the whole 2 minutes, while the other
    two nodes served: nats-py's default pings come every 120 s. Given every node, as the
    compose file does, the service leaves the silent node for another within a few pings."""
    stream = Settings(service="religion", subject_root=subject_root).stream_name
    await _create_stream(nats_cluster.urls[0], subject_root)
    runtime = _religion(tmp_path, ",".join(nats_cluster.urls), subject_root)
    await runtime.start()
    frozen: str | None = None
    try:
        write_spread(runtime, range(0, 10), books=2)
        await eventually(lambda: unpublished(runtime) == 0)
        client = runtime.link.client
        assert client is not None and client.connected_url is not None
        port = client.connected_url.port
        frozen = next(n.server_name for n in nats_cluster.nodes if n.client_port == port)
        nats_cluster.freeze(frozen)

        write_spread(runtime, range(10, 30), books=2)
        # Well inside the 240-360 s nats-py's defaults take to call the connection stale.
        await eventually(lambda: unpublished(runtime) == 0, timeout=60)
        client = runtime.link.client
        assert client is not None and client.connected_url is not None
        assert client.connected_url.port != port, "published through another node"
        expected = stored_event_ids(runtime)
    finally:
        if frozen is not None:
            nats_cluster.thaw(frozen)
        await runtime.stop()

    survivor = next(n.server_name for n in nats_cluster.nodes if n.server_name != frozen)
    assert len(expected) == 30
    # Just thawed, the frozen node may still answer as the stream's leader it was, with the
    # ten messages it had (seen twice in twenty runs) until it hears of the new leader: what
    # the cluster acknowledged is read once the answer holds that many, and then compared.
    deadline = time.monotonic() + 30
    while True:
        messages = await _read_once_answered(
            _with_credentials(nats_cluster.url_of(survivor)), stream)
        if len(messages) >= len(expected) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert [m.headers["Nats-Msg-Id"] for m in messages if m.headers] == expected


def test_a_node_without_credentials_in_its_environment_refuses_to_start(
    nats_cluster: LoopbackCluster,
) -> None:
    # The same configuration under an environment without the password: never an open node.
    server = nats_cluster.servers[nats_cluster.nodes[0].server_name]
    assert server.config_file is not None
    environment = {k: v for k, v in os.environ.items() if k != "NATS_PASSWORD"}
    result = subprocess.run(
        [nats_server_binary(), "-c", str(server.config_file)],
        env=environment,
        capture_output=True,
        timeout=20,
    )
    assert result.returncode != 0
    assert b"NATS_PASSWORD" in result.stdout + result.stderr


async def test_unauthenticated_clients_are_refused(nats_cluster: LoopbackCluster) -> None:
    try:
        client = await nats.connect(
            nats_cluster.urls[0], allow_reconnect=False, connect_timeout=2, max_reconnect_attempts=0
        )
    except Exception as exc:
        assert "authorization" in str(exc).lower()
    else:
        await client.close()
        raise AssertionError("a client without credentials was let in")


async def _read_once_answered(url: str, stream: str) -> list[Any]:
    """The stream's messages, asking again while its JetStream API requests time out or are
    answered 503: just after a node's restart or thaw the cluster may still be re-forming
    (seen once in ~20 full runs: the ordered consumer's creation timed out at 5 s; once in a
    run of the `waits` lane: «JetStream system temporarily unavailable», 10008, from the
    survivor right after the frozen node was thawed). What is read is checked as before."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return await read_stream(url, stream)
        except (nats.errors.TimeoutError, ServiceUnavailableError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def _religion(tmp_path: Path, nats_url: str, subject_root: str) -> ServiceRuntime:
    """Religion on the cluster: its own SQLite file, the nodes of `nats_url`, streams of three
    replicas, a relay that polls and gives up on an ack quickly."""
    settings = Settings.for_service(
        "religion",
        database_url=f"sqlite:///{tmp_path / 'religion.db'}",
        nats_url=nats_url,
        nats_user=NATS_USER,
        nats_password=NATS_PASSWORD,
        subject_root=subject_root,
        environment="test",
        stream_replicas=3,
        relay_poll_interval_s=0.1,
        relay_publish_timeout_s=2.0,
    )
    return ServiceRuntime(settings, registry)
