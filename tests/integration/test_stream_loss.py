"""A stream that lost its events while the service kept its event store (NATS's store wiped,
the stream deleted and made again): the relay notices at its start and at its reconnection,
and publishes again, in order and with their ids, every published event the stream lacks."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable

import nats
from structlog.testing import capture_logs

from shared.envelope import EventEnvelope
from shared.natsserver import NatsServer
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.integration.helpers import eventually, read_stream
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
    client = await nats.connect(nats_server.url)
    js = client.jetstream()
    config = (await js.stream_info(stream)).config
    await js.delete_stream(stream)
    await js.add_stream(config)
    await js.publish(original[-1].subject, original[-1].data, headers=original[-1].headers)
    await client.close()

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
