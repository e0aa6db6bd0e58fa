"""Seams for the rebuild tests: hold a rebuild between its steps, and lose events the way
an outage did."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Sequence
from typing import Any

import nats
import pytest
from nats.js.manager import JetStreamManager

from shared.consumer import ConsumerRunner
from shared.envelope import EventEnvelope
from shared.rebuild import ReadModelRebuilds
from shared.settings import stream_name_for
from shared.streams import ensure_stream, stream_config


class Gates:
    """Holds a rebuild's consumers before they apply anything, and its switch, until the test
    lets each go: the states in between become observable. Nothing else is held (no
    database lock: the live consumers and the readers go on)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.build = threading.Event()
        self.switch = threading.Event()
        # The durables of the rebuild's consumers that came to the build gate with a batch.
        self.held: set[str] = set()
        process, switch_tables = ConsumerRunner.process, ReadModelRebuilds._switch_tables
        build = self.build
        switch = self.switch
        held = self.held

        async def held_process(runner: ConsumerRunner, messages: list[Any]) -> None:
            if runner.durable.endswith("-g2"):
                held.add(runner.durable)
                await asyncio.to_thread(build.wait, 60)
            await process(runner, messages)

        def held_switch(rebuilds: ReadModelRebuilds, generation: int,
                        progress: list[dict[str, Any]]) -> bool:
            switch.wait(60)
            return switch_tables(rebuilds, generation, progress)

        monkeypatch.setattr(ConsumerRunner, "process", held_process)
        monkeypatch.setattr(ReadModelRebuilds, "_switch_tables", held_switch)


def counts_unmade(monkeypatch: pytest.MonkeyPatch, suffix: str = "-g2") -> None:
    """Every consumer info of the durables ending in `suffix` says 0 pending and 0 awaiting
    ack, whatever the consumer holds: what nats-server answers for a consumer it lists while
    still making it, before it has counted what the consumer has to deliver (the rest of the
    info, the ack floor too, is the server's)."""
    real = JetStreamManager.consumer_info

    async def unmade(
        js: JetStreamManager, stream: str, consumer: str, timeout: float | None = None
    ) -> Any:
        info = await real(js, stream, consumer, timeout)
        if consumer.endswith(suffix):
            info = dataclasses.replace(info, num_pending=0, num_ack_pending=0)
        return info

    monkeypatch.setattr(JetStreamManager, "consumer_info", unmade)


def watch_looks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The answers of the rebuild watch's looks ("caught up?"), in order, as they come."""
    looks: list[bool] = []
    real = ReadModelRebuilds._caught_up

    async def counted(rebuilds: ReadModelRebuilds, running: Any) -> bool:
        answer = await real(rebuilds, running)
        looks.append(answer)
        return answer

    monkeypatch.setattr(ReadModelRebuilds, "_caught_up", counted)
    return looks


def lose(url: str, root: str, envelopes: Sequence[EventEnvelope], durable: str) -> None:
    """Publish events and take them off a stopped service's live durable without applying
    them: what an outage did to the projections (acked or given up, their effect never
    committed). The events are all of one source service."""
    async def run() -> None:
        client = await nats.connect(url)
        try:
            js = client.jetstream()
            source = envelopes[0].service
            await ensure_stream(js, stream_config(root, source))
            for envelope in envelopes:
                await js.publish(envelope.subject(root), envelope.to_json(),
                                 headers={"Nats-Msg-Id": str(envelope.event_id)})
            sub = await js.pull_subscribe_bind(durable=durable,
                                               stream=stream_name_for(root, source))
            # Stored already: it returns once they are all taken (a loaded CI machine can
            # be slow to hand them over).
            taken = await sub.fetch(len(envelopes), timeout=30)
            assert len(taken) == len(envelopes)
            for msg in taken:
                await msg.ack_sync()
        finally:
            await client.close()

    asyncio.run(run())
