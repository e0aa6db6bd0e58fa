"""Relay watermarks: each service's relay shows, through JetStream, that nothing committed
before a given moment is left in its outbox (finding J13).

A report's finalisation freezes what reporting has applied. Reporting's consumers show what
reached JetStream (shared.consumer.wait_caught_up), but an event still in a source's outbox
(its relay behind, or NATS away from that service alone) has not reached it. So every relay
writes a watermark to one small stream, `<ROOT>_WATERMARK` (subjects `<root>.watermark.>`,
one message kept per subject):

- `<root>.watermark.relay.<service>`: the relay's last watermark (`Watermark`). Before the
  outbox read of a round, the relay reads this stream's last sequence (`from_sequence`);
  once the round has published all it read, its watermark says `pending` 0: every event the
  service committed before that sequence was stored is acknowledged by its stream (whose last
  sequence the relay knew then as `published_sequence`).
- `<root>.watermark.ask`: a finalisation's ask. Stored first, its sequence orders it against
  the relays' reads; delivered to the relays (a core subscription), each starts a round at
  once and answers with a watermark. A core message reaches only the relays subscribed at
  that moment: one whose service has just started (it subscribes in its first round once
  connected), or is reconnecting, never hears it; one that read the stream's sequence before
  the ask was stored (the ask is delivered and stored concurrently) answered too early, and
  its ask is spent. So the finalisation asks again every `ASK_AGAIN_S` while it waits (each
  answered by a round that began after it, so after the first), and an idle relay writes
  one every `RELAY_WATERMARK_INTERVAL_S` too.

A watermark with `from_sequence` at or after the ask's sequence and `pending` 0 is thus
written after the finalisation began, by a relay that had, by then, published every event of
its service committed before: the order comes from the stream's sequences, no clock is
compared. Reporting then asks its consumers (applied everything in their streams, asked after
the watermark was read: that includes every event the watermark covers).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import orjson
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.envelope import utcnow
from shared.natsconn import NatsLink
from shared.settings import stream_name_for

# The stream's own token under the subject root: not a service's name, so no service stream
# (`<root>.<service>.>`) takes its subjects.
WATERMARK = "watermark"


# How often a waiting finalisation asks the relays again (see the module's docstring): a lost
# ask costs it this long, not its whole bound (a 503 while every source was healthy).
ASK_AGAIN_S = 0.5


def watermark_stream_name(subject_root: str) -> str:
    return stream_name_for(subject_root, WATERMARK)


def watermark_subject(subject_root: str, service: str) -> str:
    return f"{subject_root}.{WATERMARK}.relay.{service}"


def ask_subject(subject_root: str) -> str:
    return f"{subject_root}.{WATERMARK}.ask"


def watermark_stream_config(subject_root: str, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=watermark_stream_name(subject_root),
        description="danvan relay watermarks: what each service has published (J13)",
        subjects=[f"{subject_root}.{WATERMARK}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        # Only the last message of each subject matters: each relay's last word, the last ask.
        max_msgs_per_subject=1,
        discard=DiscardPolicy.OLD,
        num_replicas=replicas,
    )


@dataclass(frozen=True)
class WatermarkConfig:
    """What a relay needs to write its watermarks."""

    subject_root: str
    interval_s: float = 2.0
    replicas: int = 1

    @property
    def stream(self) -> StreamConfig:
        return watermark_stream_config(self.subject_root, self.replicas)


@dataclass(frozen=True)
class Watermark:
    service: str
    # The watermark stream's last sequence, read before the outbox read the watermark closes.
    from_sequence: int
    # Events left unpublished after that read: 0 once all it read was acknowledged.
    pending: int
    # The service stream's last sequence as the relay knew it (0: not known), and the highest
    # outbox position it has had acknowledged since it started (0: none yet).
    published_sequence: int
    published_position: int
    written_at: str

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, data: bytes) -> Watermark:
        values = orjson.loads(data)
        return cls(**{name: values[name] for name in cls.__dataclass_fields__})

    def answers(self, asked: int) -> bool:
        """Shows that every event committed before the ask at sequence `asked` is published."""
        return self.from_sequence >= asked and self.pending == 0


async def last_sequence(js: JetStreamContext, subject_root: str) -> int:
    """The watermark stream's last sequence (read by a relay before its outbox read)."""
    info = await js.stream_info(watermark_stream_name(subject_root))
    return int(info.state.last_seq or 0)


async def write(js: JetStreamContext, subject_root: str, watermark: Watermark,
                timeout: float) -> None:
    await js.publish(watermark_subject(subject_root, watermark.service), watermark.to_json(),
                     timeout=timeout)


def now_text() -> str:
    return utcnow().isoformat()


async def read(js: JetStreamContext, subject_root: str, service: str) -> Watermark | None:
    """A service relay's last watermark (None: it never wrote one, or the stream is gone)."""
    try:
        message = await js.get_msg(watermark_stream_name(subject_root),
                                   subject=watermark_subject(subject_root, service))
    except NotFoundError:
        return None
    return Watermark.from_json(message.data or b"{}")


async def _from_a_department(js: JetStreamContext, subject_root: str, service: str) -> bool:
    """Whether the service's stream here is a department's copy (deploy/OPERATIONS.md §11):
    its relay writes its watermarks in the department's own JetStream domain."""
    try:
        config = (await js.stream_info(stream_name_for(subject_root, service))).config
    except NotFoundError:
        return False
    return bool(config.sources) and not config.subjects


async def _unconfirmed(
    client: Client, js: JetStreamContext, subject_root: str, services: Sequence[str],
    bound_s: float, poll_s: float, ask_again_s: float,
) -> dict[str, Watermark | None]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound_s
    waiting = {service for service in services
               if not await _from_a_department(js, subject_root, service)}
    if not waiting:
        return {}
    # The first ask's sequence is the one a watermark must reach: a round that began after a
    # later ask began after this one too.
    asked = int((await js.publish(ask_subject(subject_root), b"")).seq)
    ask_again_at = loop.time() + ask_again_s
    last: dict[str, Watermark | None] = {}
    while True:
        for service in sorted(waiting):
            found = last[service] = await read(js, subject_root, service)
            if found is not None and found.answers(asked):
                waiting.discard(service)
        if not waiting or loop.time() + poll_s > deadline:
            return {service: last.get(service) for service in sorted(waiting)}
        if loop.time() >= ask_again_at:
            # Only a wake-up for the relays that missed the last ask (its order is the first
            # one's): a core publish, no acknowledgement waited for.
            await client.publish(ask_subject(subject_root), b"")
            ask_again_at = loop.time() + ask_again_s
        await asyncio.sleep(poll_s)


async def wait_watermarks(
    link: NatsLink, subject_root: str, services: Sequence[str], bound_s: float,
    poll_s: float = 0.02, ask_again_s: float = ASK_AGAIN_S,
) -> dict[str, Watermark | None]:
    """Ask the relays of `services` for a watermark (again every `ask_again_s` while some
    have not answered) and wait up to `bound_s` for each to show that every event of its
    service committed before the first ask is in its stream. Returns those that have not,
    with their last watermark (None: none, or NATS did not answer); empty: all confirmed.
    NATS away: none is confirmed. A service just started waits for its first connection
    within `bound_s` (it usually comes within milliseconds of the start): refused at once, a
    finalisation asked in between named every source as unconfirmed."""
    if not link.ready.is_set():
        loop = asyncio.get_running_loop()
        started = loop.time()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(link.ready.wait(), timeout=bound_s)
        bound_s = max(bound_s - (loop.time() - started), 0.0)
    js, client = link.js, link.client
    if js is None or client is None or not link.connected:
        return dict.fromkeys(services)
    try:
        return await asyncio.wait_for(
            _unconfirmed(client, js, subject_root, services, bound_s, poll_s, ask_again_s),
            timeout=max(bound_s, poll_s) + 1.0)
    except Exception:  # NATS away or slow, the stream gone: nothing shows them confirmed
        return dict.fromkeys(services)
