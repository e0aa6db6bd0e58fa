"""A message in a service's stream that its relay did not write (finding O6): anyone allowed
to publish on the service's subjects can put bytes, another service's envelope, or a copy of
one of its events there. The relay's next publish then finds the stream changed and compares
it with the store; the foreign message is skipped (logged once, counted), never taken for a
position, and the events go on reaching the stream and the consumers; a restart passes it
too. The consumers dead-letter what is not the source service's envelope and skip a copy of
an event they applied."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import nats
import orjson
import pytest
from nats.aio.msg import Msg
from sqlalchemy import func, select
from structlog.testing import capture_logs

from shared.consumer import dead_letters_table
from shared.natsserver import NatsServer
from shared.republish import StoreOwnership
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.streams import stream_message
from tests.integration.helpers import eventually, read_stream, remake_stream
from tests.integration.notebook import unpublished, write_spread
from tests.integration.test_stream_loss import _book_sums, _restored, _sums_of, _sums_service

# What a stray publisher puts on the service's subject: (Nats-Msg-Id, body) made from one of
# the service's real messages; and what it adds to the consumer's sums (a forged envelope of
# the service itself is indistinguishable to a consumer: the subjects' permissions keep it
# out in production, docs/reliability.md).
_FOREIGN: dict[str, tuple[Callable[[dict[str, object]], tuple[str, bytes]], int]] = {
    "undecodable": (lambda _body: ("x-1", b"\xff\xfegarbage"), 0),
    "not_an_object": (lambda _body: ("x-2", b'[{"position": 1}]'), 0),
    "other_service": (lambda body: _forged(body, service="dialogue", payload={"n": 1000}), 0),
    "unknown_event": (lambda body: _forged(body, payload={"n": 1000}), 1000),
    # A copy of the first event with another position: the consumer applied it already.
    "wrong_position": (lambda body: (str(uuid.uuid4()),
                                     orjson.dumps({**body, "position": 999})), 0),
}
_DEAD = {"undecodable": 1, "not_an_object": 1, "other_service": 1, "unknown_event": 0,
         "wrong_position": 0}
_REASON = {"undecodable": "undecodable", "not_an_object": "undecodable",
           "other_service": "other_service",
           "unknown_event": "unknown_event", "wrong_position": "unknown_event"}


def _forged(body: dict[str, object], **changes: object) -> tuple[str, bytes]:
    event_id = str(uuid.uuid4())
    return event_id, orjson.dumps({**body, "event_id": event_id, **changes})


async def _publish_raw(url: str, subject: str, data: bytes, msg_id: str) -> None:
    client = await nats.connect(url)
    try:
        await client.jetstream().publish(subject, data, headers={"Nats-Msg-Id": msg_id})
    finally:
        await client.close()


def _foreign_seen(runtime: ServiceRuntime) -> float:
    return float(runtime.metrics.registry.get_sample_value(
        "danvan_stream_foreign_messages_total") or 0)


def _dead_letters(runtime: ServiceRuntime) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(dead_letters_table))
                   .scalar_one())


@pytest.mark.parametrize("kind", sorted(_FOREIGN))
async def test_a_foreign_message_in_the_stream_does_not_stop_the_relay(
    kind: str, settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    settings = settings_factory("religion")
    stream = settings.stream_name
    make, added = _FOREIGN[kind]
    async with _sums_service(settings) as runtime:
        write_spread(runtime, range(3), books=1)
        await eventually(lambda: _sums_of(runtime) == _book_sums(range(3), 1))
        await eventually(lambda: unpublished(runtime) == 0)
        first: Msg = (await read_stream(nats_server.url, stream))[0]
        msg_id, data = make(orjson.loads(first.data))
        await _publish_raw(nats_server.url, first.subject, data, msg_id)

        with capture_logs() as logs:
            # The relay's next publish expects the stream's old last sequence: refused, the
            # stream is compared with the store, and the events go out all the same.
            write_spread(runtime, range(3, 6), books=1)
            await eventually(lambda: unpublished(runtime) == 0, timeout=30)
            expected = _book_sums(range(6), 1)
            expected["book-0"] += added
            await eventually(lambda: _sums_of(runtime) == expected, timeout=30)
            write_spread(runtime, range(6, 7), books=1)
            await eventually(lambda: unpublished(runtime) == 0, timeout=30)
        warned = [e for e in logs if e["event"] == "stream_foreign_message"]
        assert [(e["sequence"], e["msg_id"], e["reason"]) for e in warned] == [
            (4, msg_id, _REASON[kind])]
        assert _foreign_seen(runtime) == 1
        assert _restored(runtime) == 0  # nothing of ours was missing: nothing sent twice
        await eventually(lambda: _dead_letters(runtime) == _DEAD[kind])

    # Started again: its start-up check passes the foreign message as well.
    async with _sums_service(settings) as runtime:
        write_spread(runtime, range(7, 8), books=1)
        await eventually(lambda: unpublished(runtime) == 0, timeout=30)
        assert _restored(runtime) == 0
        expected = _book_sums(range(8), 1)
        expected["book-0"] += added
        await eventually(lambda: _sums_of(runtime) == expected, timeout=30)
    held = await read_stream(nats_server.url, stream)
    assert len(held) == 9  # our eight, each once, and the foreign one


async def test_a_foreign_message_last_in_the_stream_is_passed_by_the_start_up_check(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    """The stray message is the stream's last when the service starts: the check looks past
    it for the last event of its own, finds nothing missing, and publishes on."""
    settings = settings_factory("religion")
    stream = settings.stream_name
    async with _sums_service(settings) as runtime:
        write_spread(runtime, range(3), books=1)
        await eventually(lambda: unpublished(runtime) == 0)
        first = (await read_stream(nats_server.url, stream))[0]
    await _publish_raw(nats_server.url, first.subject, b"\xff\xfegarbage", "x-1")
    async with _sums_service(settings) as runtime:
        write_spread(runtime, range(3, 4), books=1)
        await eventually(lambda: unpublished(runtime) == 0, timeout=30)
        await eventually(lambda: _sums_of(runtime) == _book_sums(range(4), 1), timeout=30)
        assert _restored(runtime) == 0
        assert _foreign_seen(runtime) == 1
    assert len(await read_stream(nats_server.url, stream)) == 5


async def test_a_foreign_message_claiming_a_later_position_hides_no_loss(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    """The stream restored from an older backup while the service was down (it lacks the
    last event published), then a copy of an event with a later position published on it:
    taken for the service's last event, it hid the loss (the stream seemed to end after the
    store's last published event, with as many messages as were published)."""
    settings = settings_factory("religion")
    stream = settings.stream_name
    async with _sums_service(settings) as runtime:
        write_spread(runtime, range(3), books=1)
        await eventually(lambda: unpublished(runtime) == 0)
        original = await read_stream(nats_server.url, stream)
    await remake_stream(nats_server.url, stream, original[:2])
    msg_id = str(uuid.uuid4())
    await _publish_raw(nats_server.url, original[0].subject,
                       orjson.dumps({**orjson.loads(original[0].data), "position": 999}), msg_id)
    async with _sums_service(settings) as runtime:
        await eventually(lambda: _restored(runtime) == 1, timeout=30)
        await eventually(lambda: unpublished(runtime) == 0, timeout=30)
    held = await read_stream(nats_server.url, stream)
    assert [m.headers["Nats-Msg-Id"] for m in held if m.headers] == [
        *(m.headers["Nats-Msg-Id"] for m in original[:2] if m.headers), msg_id,
        original[2].headers["Nats-Msg-Id"] if original[2].headers else ""]


async def test_the_store_tells_its_events_from_copies_that_disagree_with_it(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    """A message bearing one of the service's ids is its event only if the body repeats the
    stored event's position, type and aggregate (a copy stored past the duplicate window,
    altered, is not trusted for its position)."""
    settings = settings_factory("religion")
    async with _sums_service(settings) as runtime:
        write_spread(runtime, range(2), books=1)
        await eventually(lambda: unpublished(runtime) == 0)
        held = await read_stream(nats_server.url, settings.stream_name)
        own = StoreOwnership(runtime.engine, "religion", settings.stream_name)
        real = [stream_message(m.metadata.sequence.stream, m.headers, m.data) for m in held]
        body = orjson.loads(held[0].data)
        moved = stream_message(7, held[0].headers, orjson.dumps({**body, "position": 2}))
        other_book = stream_message(
            8, held[0].headers, orjson.dumps({**body, "aggregate_id": "book-9"}))
        with capture_logs() as logs:
            assert await own([*real, moved, other_book, moved]) == [1, 2, None, None, None]
        assert [(e["sequence"], e["reason"]) for e in logs] == [
            (7, "disagrees_with_store"), (8, "disagrees_with_store")]
