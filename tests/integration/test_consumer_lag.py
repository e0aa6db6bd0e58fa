"""A consumer's lag in /metrics and /readyz (examiner S3): during a JetStream outage with the
NATS link up, reporting said `"consumers": "ok"` and /metrics had no figure of a consumer's
lag at all; only the NATS monitor port told that nothing was read."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

from fastapi.testclient import TestClient
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, insert

from shared.consumer import Projection
from shared.envelope import EventEnvelope, EventRegistry
from shared.natsserver import NatsServer
from shared.runtime import ServiceRuntime
from shared.settings import Settings, stream_name_for
from shared.web import build_app
from tests.integration.helpers import delete_stream, ensure_streams, publish, wait_until

metadata = MetaData()
lagged = Table(
    "lagged",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("aggregate_id", String(50), nullable=False),
)

# Longer than an idle consumer's wait between two answers (a pull request expires empty
# after a second), so a consumer that reads its stream is never named.
STALLED_AFTER_S = 3.0


def _envelope(version: int) -> EventEnvelope:
    now = datetime.now(UTC)
    return EventEnvelope(
        event_id=uuid4(), event_type="Counted", schema_version=1, service="religion",
        aggregate_type="thing", aggregate_id="a", aggregate_version=version,
        occurred_at=now, recorded_at=now, actor="tester", payload={"value": version},
    )


def _service(settings: Settings, apply: Callable[[Connection, EventEnvelope], None],
             batch_size: int | None = None) -> ServiceRuntime:
    projection = Projection(name="lagged", source_service="religion",
                            handlers={"Counted": apply}, tables=[lagged],
                            batch_size=batch_size)
    return ServiceRuntime(settings, EventRegistry("reporting"), metadata=[metadata],
                          projections=[projection])


def _count(conn: Connection, event: EventEnvelope) -> None:
    conn.execute(insert(lagged), {"aggregate_id": event.aggregate_id})


def _scraped(client: TestClient, name: str, durable: str) -> float | None:
    """A consumer's gauge as a scrape of /metrics shows it."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime.metrics.registry.get_sample_value(name, {"consumer": durable})


def test_a_consumer_that_cannot_read_its_stream_is_named_with_its_wait(
    settings_factory: Callable[..., Settings], nats_server: NatsServer, subject_root: str
) -> None:
    settings = settings_factory("reporting", consumer_stalled_after_s=STALLED_AFTER_S)
    asyncio.run(ensure_streams(nats_server.url, subject_root, ["religion"]))
    runtime = _service(settings, _count)
    consumer = runtime.consumers[0]
    age = "danvan_consumer_fetch_age_seconds"
    with TestClient(build_app(runtime, [], title="lagged")) as client:
        asyncio.run(publish(nats_server.url, subject_root, [_envelope(1)]))
        wait_until(lambda: consumer.applied == 1)
        # Reading its stream (idle, answered empty every second): not named.
        ready = client.get("/readyz").json()
        assert ready["checks"]["consumers"] == "ok", ready
        assert (_scraped(client, age, consumer.durable) or 0) < STALLED_AFTER_S
        assert _scraped(client, "danvan_consumer_pending", consumer.durable) == 0

        # The stream gone under it, NATS itself up and connected: it cannot read.
        asyncio.run(delete_stream(nats_server.url, stream_name_for(subject_root, "religion")))
        wait_until(lambda: client.get("/readyz").json()["checks"]["consumers"] != "ok")
        response = client.get("/readyz")
        # Shown, not unready: the service still answers reads and commands, its relay works.
        assert response.status_code == 200, response.text
        checks = response.json()["checks"]
        assert checks["nats"] == "ok" and checks["relay"] == "ok"
        prefix = f"{consumer.durable} không lấy được sự kiện từ NATS đã "
        assert checks["consumers"].startswith(prefix), checks
        assert int(checks["consumers"].removeprefix(prefix).split()[0]) >= STALLED_AFTER_S
        assert (_scraped(client, age, consumer.durable) or 0) >= STALLED_AFTER_S

        # The stream back and an event in it: read again, no longer named.
        asyncio.run(publish(nats_server.url, subject_root, [_envelope(2)]))
        wait_until(lambda: consumer.applied == 2, timeout=30)
        wait_until(lambda: client.get("/readyz").json()["checks"]["consumers"] == "ok")
        assert (_scraped(client, age, consumer.durable) or 0) < STALLED_AFTER_S


def test_the_events_jetstream_has_still_to_deliver_are_a_gauge(
    settings_factory: Callable[..., Settings], nats_server: NatsServer, subject_root: str
) -> None:
    settings = settings_factory("reporting")
    asyncio.run(publish(nats_server.url, subject_root, [_envelope(v) for v in range(1, 6)]))
    release = threading.Event()

    def held_first(conn: Connection, event: EventEnvelope) -> None:
        if event.aggregate_version == 1:
            release.wait(timeout=30)
        _count(conn, event)

    # One event a fetch: the first, held by its handler, was delivered with four behind it.
    runtime = _service(settings, held_first, batch_size=1)
    consumer = runtime.consumers[0]
    pending = "danvan_consumer_pending"
    with TestClient(build_app(runtime, [], title="lagged")) as client:
        try:
            wait_until(lambda: _scraped(client, pending, consumer.durable) is not None)
            assert _scraped(client, pending, consumer.durable) == 4
            assert consumer.applied == 0
        finally:
            release.set()
        wait_until(lambda: consumer.applied == 5)
        wait_until(lambda: _scraped(client, pending, consumer.durable) == 0)


def test_a_consumer_paused_by_a_full_disk_is_named_while_the_database_answers_reads(
    settings_factory: Callable[..., Settings], nats_server: NatsServer, subject_root: str
) -> None:
    # The disk full under `make run` (examiner-outage): a consumer's batch is refused «database
    # or disk is full», an outage, and it pauses with its batch; /readyz's database check, a
    # read, answers «ok», and a paused consumer was left to it: nothing said it.
    settings = settings_factory("reporting")
    full = threading.Event()
    full.set()

    def refused_while_full(conn: Connection, event: EventEnvelope) -> None:
        if full.is_set():
            raise sqlite3.OperationalError("database or disk is full")
        _count(conn, event)

    runtime = _service(settings, refused_while_full)
    consumer = runtime.consumers[0]
    with TestClient(build_app(runtime, [], title="lagged")) as client:
        asyncio.run(publish(nats_server.url, subject_root, [_envelope(1)]))
        wait_until(lambda: consumer.paused)
        checks = client.get("/readyz").json()["checks"]
        assert checks["database"] == "ok"  # a read answers on a full disk
        assert checks["consumers"] == f"{consumer.durable} tạm dừng vì cơ sở dữ liệu không ghi được"
        full.clear()  # space is back: the held batch is applied, the pause ends
        wait_until(lambda: consumer.applied == 1, timeout=30)
        wait_until(lambda: client.get("/readyz").json()["checks"]["consumers"] == "ok")
