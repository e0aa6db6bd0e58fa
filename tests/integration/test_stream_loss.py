"""A stream that lost its events while the service kept its event store (NATS's store wiped,
the stream deleted and made again): the relay notices at its start and at its reconnection,
and publishes again, in order and with their ids, every published event the stream lacks."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Callable

import nats
from fastapi.testclient import TestClient
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from structlog.testing import capture_logs

from shared.consumer import Projection
from shared.envelope import EventEnvelope
from shared.natsserver import NatsServer
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.streams import durable_drained
from shared.web import build_app
from tests.integration.helpers import (
    delete_stream,
    eventually,
    read_stream,
    remake_stream,
    wait_until,
)
from tests.integration.notebook import registry, stored_event_ids, unpublished, write_spread


async def _stream_ids(url: str, stream: str) -> list[str]:
    return [m.headers["Nats-Msg-Id"] for m in await read_stream(url, stream) if m.headers]


async def _figures(url: str, stream: str) -> Counter[str]:
    """What a consumer replaying the stream counts: the sum of each notebook's values."""
    sums: Counter[str] = Counter()
    for message in await read_stream(url, stream):
        envelope = EventEnvelope.from_json(message.data)
        sums[envelope.aggregate_id] += int(envelope.payload["n"])
    return sums


def _restored(runtime: ServiceRuntime) -> float:
    return float(runtime.metrics.registry.get_sample_value(
        "danvan_stream_events_restored_total") or 0)


async def test_nats_restarted_without_its_store_gets_every_event_back_on_reconnection(
    settings_factory: Callable[..., Settings], own_nats_server: NatsServer
) -> None:
    settings = settings_factory("religion", nats_url=own_nats_server.url,
                                relay_publish_timeout_s=1.0)
    stream = settings.stream_name
    runtime = ServiceRuntime(settings, registry)
    await runtime.start()
    try:
        write_spread(runtime, range(12), books=3)
        await eventually(lambda: unpublished(runtime) == 0)
        expected = stored_event_ids(runtime)
        figures = await _figures(own_nats_server.url, stream)
        assert sum(figures.values()) == sum(range(12))

        # The disaster: NATS stops, its store is lost, it comes back empty on the same port.
        own_nats_server.stop()
        shutil.rmtree(own_nats_server.store_dir)
        with capture_logs() as logs:
            own_nats_server.start()
            await eventually(lambda: _restored(runtime) == 12, timeout=30)
            await eventually(lambda: unpublished(runtime) == 0)
        warned = [e for e in logs if e["event"] == "stream_behind_store"]
        assert len(warned) == 1
        assert (warned[0]["stream_messages"], warned[0]["published"],
                warned[0]["republishing"]) == (0, 12, 12)

        # One event written afterwards goes after them.
        write_spread(runtime, range(12, 13), books=3)
        await eventually(lambda: unpublished(runtime) == 0)
        assert await _stream_ids(own_nats_server.url, stream) == stored_event_ids(runtime)
        assert stored_event_ids(runtime)[:12] == expected
        figures["book-0"] += 12
        assert await _figures(own_nats_server.url, stream) == figures
    finally:
        await runtime.stop()


async def test_a_stream_made_again_while_the_service_was_down_is_filled_at_its_start(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    settings = settings_factory("religion")
    stream = settings.stream_name
    runtime = ServiceRuntime(settings, registry)
    await runtime.start()
    try:
        write_spread(runtime, range(8), books=2)
        await eventually(lambda: unpublished(runtime) == 0)
        original = await read_stream(nats_server.url, stream)
    finally:
        await runtime.stop()
    # The stream deleted and made again; the newest event reached it again somehow (a stream
    # restored that way is not empty, only short).
    await remake_stream(nats_server.url, stream, original[-1:])

    runtime = ServiceRuntime(settings, registry)
    await runtime.start()
    try:
        await eventually(lambda: _restored(runtime) == 7)
        await eventually(lambda: unpublished(runtime) == 0)
        expected = stored_event_ids(runtime)
    finally:
        await runtime.stop()
    held = await read_stream(nats_server.url, stream)
    assert len(held) == 8  # nothing twice
    assert sorted(m.headers["Nats-Msg-Id"] for m in held if m.headers) == sorted(expected)
    # The rest in position order, after the one it kept.
    assert [EventEnvelope.from_json(m.data).position for m in held] == [8, *range(1, 8)]


# A read model of the notebooks, fed by the service's own stream: the sum of each one's values.
_sums_metadata = MetaData()
_sums = Table(
    "notebook_sums",
    _sums_metadata,
    Column("book", String(50), primary_key=True),
    Column("total", Integer, nullable=False),
)


def _add(conn: Connection, envelope: EventEnvelope) -> None:
    n = int(envelope.payload["n"])
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        insert(_sums).values(book=envelope.aggregate_id, total=n).on_conflict_do_update(
            index_elements=[_sums.c.book], set_={"total": _sums.c.total + n}))


def _sums_of(runtime: ServiceRuntime) -> dict[str, int]:
    with runtime.engine.connect() as conn:
        return {row.book: row.total for row in conn.execute(select(_sums))}


def _recovered(runtime: ServiceRuntime) -> float:
    return float(runtime.metrics.registry.get_sample_value(
        "danvan_consumer_recreated_total", {"consumer": runtime.consumers[0].durable}) or 0)


async def test_a_running_consumer_whose_durable_went_with_the_store_makes_it_again(
    settings_factory: Callable[..., Settings], own_nats_server: NatsServer
) -> None:
    settings = settings_factory("religion", nats_url=own_nats_server.url,
                                relay_publish_timeout_s=1.0)
    projection = Projection(name="sums", source_service="religion",
                            handlers={"Noted": _add}, tables=[_sums])
    runtime = ServiceRuntime(settings, registry, metadata=[_sums_metadata],
                             projections=[projection])
    await runtime.start()
    consumer = runtime.consumers[0]
    try:
        write_spread(runtime, range(12), books=3)
        before = {"book-0": 18, "book-1": 22, "book-2": 26}
        await eventually(lambda: _sums_of(runtime) == before)

        # NATS loses its store (the durable with it) while the service keeps running.
        own_nats_server.stop()
        shutil.rmtree(own_nats_server.store_dir)
        with capture_logs() as logs:
            own_nats_server.start()
            await eventually(lambda: _restored(runtime) == 12, timeout=30)
            await eventually(lambda: unpublished(runtime) == 0)
            # The durable is made again and re-reads the recreated stream from its start:
            # every event comes back and is acked, none is applied twice.
            client = await nats.connect(own_nats_server.url)
            try:
                js = client.jetstream()
                await eventually(
                    lambda: durable_drained(js, consumer.stream, consumer.durable), timeout=30)
            finally:
                await client.close()
            assert _sums_of(runtime) == before
            # And the consumer goes on: an event written after the wipe is applied.
            write_spread(runtime, range(12, 13), books=3)
            await eventually(lambda: _sums_of(runtime) == {**before, "book-0": 30}, timeout=15)
        warned = [e for e in logs if e["event"] == "consumer_recreated"]
        assert len(warned) == 1
        assert warned[0]["consumer"] == consumer.durable
        assert _recovered(runtime) == 1
        assert consumer.applied == 13
    finally:
        await runtime.stop()


def _sums_projection() -> Projection:
    return Projection(name="sums", source_service="religion", handlers={"Noted": _add},
                      tables=[_sums])


def _book_sums(values: range, books: int) -> dict[str, int]:
    """The sums `write_spread(values, books)` gives each notebook."""
    sums: Counter[str] = Counter()
    for n in values:
        sums[f"book-{n % books}"] += n
    return dict(sums)


@contextlib.asynccontextmanager
async def _sums_service(
    settings: Settings, *, probe_interval_s: float | None = None
) -> AsyncIterator[ServiceRuntime]:
    """A service whose projection sums the notebooks' values, started, and stopped after;
    `probe_interval_s`: how often its idle relay looks at its stream."""
    runtime = ServiceRuntime(settings, registry, metadata=[_sums_metadata],
                             projections=[_sums_projection()])
    if probe_interval_s is not None:
        runtime.relay.probe_interval_s = probe_interval_s
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def test_a_stream_deleted_under_a_running_service_is_made_again_and_filled(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    settings = settings_factory("religion")
    stream = settings.stream_name
    async with _sums_service(settings) as runtime:
        consumer = runtime.consumers[0]
        write_spread(runtime, range(8), books=2)
        await eventually(lambda: _sums_of(runtime) == _book_sums(range(8), 2))
        await eventually(lambda: unpublished(runtime) == 0)

        with capture_logs() as logs:
            await delete_stream(nats_server.url, stream)
            # Commands go on being answered; their events, and the eight the stream lost,
            # reach the consumer without restarting anything.
            write_spread(runtime, range(8, 12), books=2)
            await eventually(lambda: _sums_of(runtime) == _book_sums(range(12), 2), timeout=30)
            await eventually(lambda: unpublished(runtime) == 0)
        assert _restored(runtime) == 8
        warned = [e for e in logs if e["event"] == "stream_behind_store"]
        assert [(e["stream_messages"], e["published"], e["republishing"]) for e in warned] == [
            (0, 8, 8)]
        # Each event once in the stream, in position order; each applied once.
        held = await read_stream(nats_server.url, stream)
        assert [EventEnvelope.from_json(m.data).position for m in held] == list(range(1, 13))
        assert await _stream_ids(nats_server.url, stream) == stored_event_ids(runtime)
        assert consumer.applied == 12


async def test_a_stream_restored_from_an_older_backup_under_a_running_service_gets_the_rest(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    settings = settings_factory("religion")
    stream = settings.stream_name
    async with _sums_service(settings) as runtime:
        consumer = runtime.consumers[0]
        write_spread(runtime, range(4), books=2)
        await eventually(lambda: unpublished(runtime) == 0)
        backup = await read_stream(nats_server.url, stream)  # the backup, taken here
        write_spread(runtime, range(4, 10), books=2)
        await eventually(lambda: _sums_of(runtime) == _book_sums(range(10), 2))
        await eventually(lambda: unpublished(runtime) == 0)

        # OPERATIONS §6.2 while the service runs: `nats stream rm`, then `nats stream
        # restore` of the backup; NATS stays up throughout, nothing reconnects.
        await remake_stream(nats_server.url, stream, backup)
        write_spread(runtime, range(10, 12), books=2)
        await eventually(lambda: unpublished(runtime) == 0, timeout=30)
        await eventually(lambda: _sums_of(runtime) == _book_sums(range(12), 2), timeout=30)
        # The six published after the backup went out again, before the new events (the
        # first of which the restored stream refused), each once.
        assert _restored(runtime) == 6
        held = await read_stream(nats_server.url, stream)
        assert [EventEnvelope.from_json(m.data).position for m in held] == list(range(1, 13))
        assert await _stream_ids(nats_server.url, stream) == stored_event_ids(runtime)
        client = await nats.connect(nats_server.url)
        try:
            js = client.jetstream()
            await eventually(
                lambda: durable_drained(js, consumer.stream, consumer.durable), timeout=30)
        finally:
            await client.close()
        assert _sums_of(runtime) == _book_sums(range(12), 2)
        assert consumer.applied == 12


async def _take_subjects(url: str, stream: str, taken: bool) -> None:
    """The service's stream deleted and its subjects held by another stream (`taken`), so
    the relay can neither publish to it nor make it again; or that other stream gone."""
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        if taken:
            config = (await js.stream_info(stream)).config
            await js.delete_stream(stream)
            await js.add_stream(name=f"{stream}_OTHER", subjects=config.subjects)
        else:
            await js.delete_stream(f"{stream}_OTHER")
    finally:
        await client.close()


def test_readyz_says_not_ready_while_the_relay_cannot_publish_for_longer_than_its_bound(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    settings = settings_factory("religion", relay_unready_after_s=1.0)
    runtime = ServiceRuntime(settings, registry)
    with TestClient(build_app(runtime, [], title="notebooks")) as client:
        wait_until(lambda: client.get("/readyz").status_code == 200)
        write_spread(runtime, range(3), books=1)
        wait_until(lambda: unpublished(runtime) == 0)

        asyncio.run(_take_subjects(nats_server.url, settings.stream_name, taken=True))
        write_spread(runtime, range(3, 4), books=1)
        wait_until(lambda: client.get("/readyz").status_code == 503)
        checks = client.get("/readyz").json()["checks"]
        assert checks["database"] == checks["nats"] == "ok"
        assert checks["relay"].startswith("không gửi được sự kiện lên NATS đã ")

        # The stream can be made again: the relay does, sends all four, and is ready again.
        asyncio.run(_take_subjects(nats_server.url, settings.stream_name, taken=False))
        wait_until(lambda: unpublished(runtime) == 0, timeout=30)
        wait_until(lambda: client.get("/readyz").status_code == 200)
        assert client.get("/readyz").json()["checks"]["relay"] == "ok"
        assert _restored(runtime) == 3


async def test_an_idle_service_whose_stream_was_deleted_makes_it_again_without_a_command(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    settings = settings_factory("religion")
    stream = settings.stream_name
    async with _sums_service(settings, probe_interval_s=0.5) as runtime:
        consumer = runtime.consumers[0]
        write_spread(runtime, range(6), books=2)
        await eventually(lambda: _sums_of(runtime) == _book_sums(range(6), 2))
        await eventually(lambda: unpublished(runtime) == 0)
        await delete_stream(nats_server.url, stream)
        # No command comes: the relay's look at its stream finds it gone and fills it.
        await eventually(lambda: _restored(runtime) == 6, timeout=30)
        await eventually(lambda: unpublished(runtime) == 0)
        held = await read_stream(nats_server.url, stream)
        assert [EventEnvelope.from_json(m.data).position for m in held] == list(range(1, 7))
        client = await nats.connect(nats_server.url)
        try:
            js = client.jetstream()
            await eventually(
                lambda: durable_drained(js, consumer.stream, consumer.durable), timeout=30)
        finally:
            await client.close()
        assert _sums_of(runtime) == _book_sums(range(6), 2)
        assert consumer.applied == 6
