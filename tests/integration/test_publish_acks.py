"""The relay's pipelined publishes (shared.relay.PublishAcks) are answered as nats-py's
publish_async answers them: an acknowledgement with the stream's sequence, a duplicate
dropped by the stream, JetStream's refusal, no stream at all."""

from __future__ import annotations

import asyncio
import uuid

import nats
import pytest
from nats.errors import ConnectionClosedError
from nats.js.api import Header, StreamConfig
from nats.js.errors import APIError, NoStreamResponseError

from shared.natsserver import NatsServer
from shared.relay import WRONG_LAST_SEQUENCE, PublishAcks


async def test_each_publish_gets_its_own_answer(nats_server: NatsServer) -> None:
    client = await nats.connect(nats_server.url)
    root = f"acks{uuid.uuid4().hex[:8]}"
    try:
        js = client.jetstream()
        await js.add_stream(StreamConfig(name=root.upper(), subjects=[f"{root}.>"]))
        acks = PublishAcks(client)
        sent = [await acks.publish(f"{root}.a", b"x", {"Nats-Msg-Id": f"id-{n}"})
                for n in range(5)]
        again = await acks.publish(f"{root}.a", b"x", {"Nats-Msg-Id": "id-0"})
        refused = await acks.publish(
            f"{root}.a", b"x", {"Nats-Msg-Id": "id-9", Header.EXPECTED_LAST_SEQUENCE: "1"})
        nowhere = await acks.publish("no-stream-here.a", b"x", {"Nats-Msg-Id": "id-10"})
        await asyncio.wait([*sent, again, refused, nowhere], timeout=5)
        assert [f.result().seq for f in sent] == [1, 2, 3, 4, 5]
        assert again.result().duplicate and again.result().seq == 1
        with pytest.raises(APIError) as error:
            refused.result()
        assert error.value.err_code == WRONG_LAST_SEQUENCE
        with pytest.raises(NoStreamResponseError):
            nowhere.result()
        # One given up on (the relay cancels what came too late) is forgotten.
        late = await acks.publish(f"{root}.a", b"x", {"Nats-Msg-Id": "id-11"})
        late.cancel()
        acks.forget_unanswered()
        assert not acks._waiting
        await js.delete_stream(root.upper())
    finally:
        await client.close()


async def test_a_publish_that_raises_leaves_no_future_waiting(nats_server: NatsServer) -> None:
    """A publish refused by the client itself (closed, or its reconnect buffer full during an
    outage) raises to the relay, which never holds its future: none is left waiting for an
    answer that cannot come, round after round of a long outage."""
    client = await nats.connect(nats_server.url)
    acks = PublishAcks(client)
    first = await acks.publish("acks-closed.a", b"x", {"Nats-Msg-Id": "id-0"})
    await client.close()
    with pytest.raises(ConnectionClosedError):
        await acks.publish("acks-closed.a", b"x", {"Nats-Msg-Id": "id-1"})
    first.cancel()
    acks.forget_unanswered()
    assert not acks._waiting
