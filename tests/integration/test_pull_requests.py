"""The consumer's pull requests: a batch is handed over when messages arrive, not at expiry.

A live event must not wait for its pull request to fill or expire (issue 20): each test
gives the request a long expiry and a shorter give-up time, so a batch that waited for the
expiry fails the test instead of passing slowly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from shared.consumer import ConsumerGone, PullRequests
from shared.natsconn import NatsLink
from shared.natsserver import NatsServer
from shared.settings import Settings

LONG_EXPIRY_S = 60.0
# A give-up time for the test, far below the expiry above; not a speed target.
GIVE_UP_S = 15.0


@pytest.fixture
async def client(nats_server: NatsServer) -> AsyncIterator[Client]:
    nc = await nats.connect(nats_server.url)
    yield nc
    await nc.close()


async def _puller(client: Client, root: str) -> PullRequests:
    js = client.jetstream()
    stream = f"{root}_PULL".upper()
    await js.add_stream(name=stream, subjects=[f"{root}.pull.>"])
    await js.add_consumer(stream, ConsumerConfig(
        durable_name="reader", ack_policy=AckPolicy.EXPLICIT, ack_wait=30))
    puller = PullRequests(client, stream, "reader")
    await puller.open()
    return puller


async def _publish(client: Client, root: str, *bodies: bytes) -> None:
    js = client.jetstream()
    for body in bodies:
        await js.publish(f"{root}.pull.event", body)


async def test_a_lone_event_is_handed_over_before_the_request_expires(
    client: Client, subject_root: str
) -> None:
    puller = await _puller(client, subject_root)
    waiting = asyncio.create_task(puller.fetch(256, expires_s=LONG_EXPIRY_S))
    await asyncio.sleep(0.2)  # the request is on the server before the event exists
    await _publish(client, subject_root, b"one")
    batch = await asyncio.wait_for(waiting, GIVE_UP_S)
    assert [m.data for m in batch] == [b"one"]
    await puller.close()


async def test_what_the_open_request_delivers_later_goes_to_the_next_batch(
    client: Client, subject_root: str
) -> None:
    puller = await _puller(client, subject_root)
    await _publish(client, subject_root, b"1")
    first = await asyncio.wait_for(puller.fetch(4, expires_s=LONG_EXPIRY_S), GIVE_UP_S)
    await _publish(client, subject_root, b"2", b"3", b"4", b"5", b"6")
    seen = [m.data for m in first]
    while len(seen) < 6:
        batch = await asyncio.wait_for(puller.fetch(4, expires_s=LONG_EXPIRY_S), GIVE_UP_S)
        assert 0 < len(batch) <= 4
        seen += [m.data for m in batch]
        for msg in batch:
            await msg.ack()
    # Each message once, in stream order: none lost between requests, none twice.
    assert seen == [b"1", b"2", b"3", b"4", b"5", b"6"]
    await puller.close()


async def test_after_a_request_expires_empty_the_next_one_still_gets_events(
    client: Client, subject_root: str
) -> None:
    puller = await _puller(client, subject_root)
    assert await asyncio.wait_for(puller.fetch(8, expires_s=0.5), GIVE_UP_S) == []
    waiting = asyncio.create_task(puller.fetch(8, expires_s=LONG_EXPIRY_S))
    await asyncio.sleep(0.2)
    await _publish(client, subject_root, b"late")
    batch = await asyncio.wait_for(waiting, GIVE_UP_S)
    assert [m.data for m in batch] == [b"late"]
    await puller.close()


async def test_a_request_lost_with_a_restarted_server_is_made_again_at_reconnect(
    own_nats_server: NatsServer, subject_root: str, tmp_path: Path
) -> None:
    # The request waiting on the server is forgotten when it crashes (a server shutting down
    # tells its requests, a killed one cannot): without a word from the link, the consumer
    # would wait for that request's expiry before asking again.
    link = NatsLink(Settings.for_service(
        "indicators", nats_url=own_nats_server.url, subject_root=subject_root,
        database_url=f"sqlite:///{tmp_path / 'unused.db'}"))
    await link.connect_forever(asyncio.Event(), _nothing)
    assert link.client is not None
    try:
        puller = await _puller(link.client, subject_root)
        link.when_up(puller.reconnected)
        waiting = asyncio.create_task(puller.fetch(8, expires_s=LONG_EXPIRY_S))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(own_nats_server.kill)
        await asyncio.to_thread(own_nats_server.start)
        assert await asyncio.wait_for(waiting, GIVE_UP_S) == []
        await _publish(link.client, subject_root, b"after")
        # As the runner does: fetch again after an empty answer (a server just started may
        # answer a request with a status before its consumer is back).
        batch = await asyncio.wait_for(_first_batch(puller), GIVE_UP_S)
        assert [m.data for m in batch] == [b"after"]
        await puller.close()
    finally:
        await link.close()


async def _nothing(js: JetStreamContext) -> None:
    pass


async def _first_batch(puller: PullRequests) -> list[Msg]:
    while not (batch := await puller.fetch(8, expires_s=LONG_EXPIRY_S)):
        pass
    return batch


async def test_a_durable_that_is_not_there_is_said_so_not_asked_again_and_again(
    client: Client, subject_root: str
) -> None:
    # NATS lost its store, the durable with it: the server answers every request at once
    # (503 no responders). An empty batch would have the runner ask again at once, forever.
    puller = await _puller(client, subject_root)
    await client.jetstream().delete_consumer(f"{subject_root}_PULL".upper(), "reader")
    with pytest.raises(ConsumerGone):
        await asyncio.wait_for(puller.fetch(4, expires_s=LONG_EXPIRY_S), GIVE_UP_S)
    await puller.close()


async def test_a_durable_deleted_under_a_waiting_request_is_said_so(
    client: Client, subject_root: str
) -> None:
    puller = await _puller(client, subject_root)
    waiting = asyncio.create_task(puller.fetch(4, expires_s=LONG_EXPIRY_S))
    await asyncio.sleep(0.2)  # the request waits on the server
    await client.jetstream().delete_consumer(f"{subject_root}_PULL".upper(), "reader")
    with pytest.raises(ConsumerGone):
        await asyncio.wait_for(waiting, GIVE_UP_S)
    await puller.close()
