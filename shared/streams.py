"""JetStream stream provisioning: one stream per service, full history, duplicate window."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    ExternalStream,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
    SubjectTransform,
)
from nats.js.errors import NotFoundError

from shared.settings import stream_name_for

#: The Commission's JetStream domain (deploy/nats/node.conf.template): a department's server,
#: a leaf node in a domain of its own, reaches central's JetStream API as $JS.central.API.
CENTRAL_DOMAIN = "central"


def stream_config(
    subject_root: str, service: str, replicas: int = 1, duplicate_window_s: float = 3600.0
) -> StreamConfig:
    return StreamConfig(
        name=stream_name_for(subject_root, service),
        description=f"danvan events of the {service} service",
        subjects=[f"{subject_root}.{service}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        # Full history: JetStream is the replay log, so nothing ages out or is deleted.
        max_age=0,
        max_msgs=-1,
        max_bytes=-1,
        discard=DiscardPolicy.OLD,
        num_replicas=replicas,
        duplicate_window=duplicate_window_s,
        deny_delete=True,
        deny_purge=True,
    )


def department_sourced_config(
    subject_root: str, service: str, site: str, replicas: int = 1,
    duplicate_window_s: float = 3600.0,
) -> StreamConfig:
    """Central's copy of a service's stream when a department runs that service on its own
    premises (deploy/OPERATIONS.md §11): same name and retention, no subjects of its own,
    filled by sourcing the department's stream from the department's JetStream domain across
    the leaf link. JetStream's source consumer remembers the last sequence it copied, so after
    a WAN cut the copy resumes where it stopped: nothing lost, nothing copied twice."""
    name = stream_name_for(subject_root, service)
    return replace(
        stream_config(subject_root, service, replicas, duplicate_window_s),
        description=f"danvan events of the {service} service, sourced from the site {site}",
        subjects=None,
        sources=[StreamSource(name=name, external=ExternalStream(api=f"$JS.{site}.API"))],
    )


def event_filters(subject_root: str, service: str, event_types: Sequence[str]) -> list[str]:
    """The subjects of a service's events of `event_types`, whatever their aggregate
    (`EventEnvelope.subject`): what a consumer, or a copy of the stream, takes of it."""
    return [f"{subject_root}.{service}.*.{event_type}" for event_type in event_types]


def central_copy_config(
    subject_root: str, service: str, event_types: Sequence[str],
    duplicate_window_s: float = 3600.0,
) -> StreamConfig:
    """A department's copy of a central service's stream, in the department's own JetStream
    domain (deploy/OPERATIONS.md §11): same name, so the department's consumers read it as
    they would read the service's stream at the Commission; one replica (one server on the
    site); no subjects of its own; filled by sourcing central's stream across the leaf link,
    only the events of `event_types` (a filter per type, no subject changed): what the
    department's consumers read of it, not every event of the service over the WAN.

    Read locally, it keeps answering while the WAN is down; JetStream's source consumer
    remembers the last central sequence it copied and resumes there when the link heals:
    nothing lost, nothing copied twice."""
    name = stream_name_for(subject_root, service)
    filters = event_filters(subject_root, service, event_types)
    return replace(
        stream_config(subject_root, service, 1, duplicate_window_s),
        description=f"danvan events of the {service} service, sourced from central:"
                    f" {', '.join(event_types)}",
        subjects=None,
        sources=[StreamSource(
            name=name, external=ExternalStream(api=f"$JS.{CENTRAL_DOMAIN}.API"),
            # An empty destination filters without transforming (nats-server 2.10+).
            subject_transforms=[SubjectTransform(src=f, dest="") for f in filters],
        )],
    )


async def ensure_stream(js: JetStreamContext, config: StreamConfig) -> Any:
    """Create the stream, or bring an existing one to the wanted configuration."""
    assert config.name is not None
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        return await js.add_stream(config)
    return await js.update_stream(config)


async def stream_exists(js: JetStreamContext, name: str) -> bool:
    try:
        await js.stream_info(name)
    except NotFoundError:
        return False
    return True


@dataclass(frozen=True)
class StreamHolding:
    """What a service's stream holds, read cheaply (its info and a few messages): how many
    messages, the event-store positions of its first and last events (the relay publishes
    each event's position in its body), and whether its configuration lets it drop old
    messages (age, count or size limits: then fewer messages than published is no loss); its
    last stream sequence, which the relay expects of its next publish (shared/relay.py); and
    how many of the messages read at its ends were not the service's own events (`foreign`:
    published by someone else, finding O6), which count in `messages` but hold no event."""

    exists: bool
    messages: int = 0
    first_position: int | None = None
    last_position: int | None = None
    limited: bool = False
    last_sequence: int = 0
    foreign: int = 0


@dataclass(frozen=True)
class StreamMessage:
    """A message of a stream as the checks read it: its stream sequence, its `Nats-Msg-Id`,
    and its body decoded (None: not a JSON object)."""

    sequence: int
    msg_id: str | None
    body: dict[str, Any] | None


#: Which messages are the service's own published events: each one's event-store position,
#: None for a message that is not one of them. Anyone allowed to publish on the service's
#: subjects can put any bytes in its stream, so a position is never taken from a body alone
#: when the store can be asked (shared/republish.py `StoreOwnership`).
Ownership = Callable[[Sequence[StreamMessage]], Awaitable[list[int | None]]]

# How many messages at each end of a stream are read looking for an event of the service's
# own, past foreign ones; beyond that its ends are unknown and the whole stream is read.
ENDS_READ = 50


def stream_message(sequence: int, headers: dict[str, str] | None, data: bytes | None
                   ) -> StreamMessage:
    try:
        body = orjson.loads(data or b"")
    except orjson.JSONDecodeError:
        body = None
    return StreamMessage(sequence, (headers or {}).get("Nats-Msg-Id"),
                         body if isinstance(body, dict) else None)


async def body_positions(messages: Sequence[StreamMessage]) -> list[int | None]:
    """The `position` each body states: the ownership of a reader without the service's
    store (another service, an operator's look), which cannot tell a forged one."""
    return [_body_position(message) for message in messages]


def _body_position(message: StreamMessage) -> int | None:
    position = (message.body or {}).get("position")
    return position if isinstance(position, int) and not isinstance(position, bool) else None


async def stream_holding(
    js: JetStreamContext, name: str, own: Ownership = body_positions
) -> StreamHolding:
    try:
        info = await js.stream_info(name)
    except NotFoundError:
        return StreamHolding(exists=False)
    config = info.config
    limited = bool((config.max_age or 0) > 0 or (config.max_msgs or -1) > 0
                   or (config.max_bytes or -1) > 0 or (config.max_msgs_per_subject or -1) > 0)
    state = info.state
    if not state.messages:
        return StreamHolding(exists=True, limited=limited, last_sequence=state.last_seq or 0)
    first_seq, last_seq = state.first_seq or 0, state.last_seq or 0
    first, skipped_first = await _own_at_end(js, name, own, range(first_seq, last_seq + 1))
    last: tuple[int, int] | None = None
    skipped_last = 0
    if first is not None:
        last, skipped_last = await _own_at_end(js, name, own, range(last_seq, first[0], -1))
        if last is None and last_seq - first[0] <= ENDS_READ:
            last = first  # every message after the first event is foreign
    return StreamHolding(True, state.messages, first[1] if first else None,
                         last[1] if last else None, limited, last_seq,
                         skipped_first + skipped_last)


async def _own_at_end(
    js: JetStreamContext, name: str, own: Ownership, sequences: range
) -> tuple[tuple[int, int] | None, int]:
    """The first of the service's own events among `sequences` (its sequence and position),
    read one by one from that end for at most `ENDS_READ` messages; and how many foreign
    messages were passed on the way."""
    foreign = 0
    for sequence in sequences[:ENDS_READ]:
        try:
            raw = await js.get_msg(name, seq=sequence)
        except NotFoundError:
            continue  # a sequence no message holds any more (a limited stream)
        message = stream_message(sequence, raw.headers, raw.data)
        position = (await own([message]))[0]
        if position is not None:
            return (sequence, position), foreign
        foreign += 1
    return None, foreign


async def held_positions(
    js: JetStreamContext, name: str, own: Ownership = body_positions, chunk: int = 500
) -> set[int]:
    """The event-store positions of every event of the service's own a stream holds (one
    read of the whole stream, by an ordered consumer of its own: no durable is touched);
    what `own` does not recognise is left out."""
    info = await js.stream_info(name)
    total = info.state.messages
    held: set[int] = set()
    if not total:
        return held
    subjects = info.config.subjects or [">"]
    sub = await js.subscribe(subjects[0] if len(subjects) == 1 else ">", stream=name,
                             ordered_consumer=True)
    try:
        read: list[StreamMessage] = []
        for index in range(total):
            msg = await sub.next_msg(timeout=10)
            read.append(stream_message(msg.metadata.sequence.stream, msg.headers, msg.data))
            if len(read) >= chunk or index == total - 1:
                held.update(p for p in await own(read) if p is not None)
                read = []
    finally:
        await sub.unsubscribe()
    return held


async def durable_drained(js: JetStreamContext, stream: str, durable: str) -> bool | None:
    """Whether a durable consumer (delivering its stream from the start, as the runner's do)
    holds everything its stream held when asked: nothing left to deliver, nothing awaiting
    its ack, and no message under its filters after its ack floor. None when the durable does
    not exist (each caller decides what that means).

    The counts alone are not enough: nats-server lists a consumer being made before it has
    counted what the consumer has to deliver, and an info answered in that moment says 0
    pending and 0 awaiting ack on a stream full of its messages (seen about once in a hundred
    infos asked while the consumer was made). Its ack floor is still 0 then, so the stream is
    asked, after the info, whether anything under the filters lies beyond the floor: a message
    published meanwhile only makes the answer "not yet"."""
    try:
        info = await js.consumer_info(stream, durable)
    except NotFoundError:
        return None
    if info.num_pending or info.num_ack_pending:
        return False
    floor = info.ack_floor.stream_seq if info.ack_floor is not None else 0
    config = info.config
    filters = config.filter_subjects or ([config.filter_subject] if config.filter_subject
                                         else [])
    return not await _message_after(js, stream, floor or 0, filters)


async def _message_after(
    js: JetStreamContext, stream: str, sequence: int, filters: Sequence[str]
) -> bool:
    """Whether the stream holds a message after `sequence` under one of `filters` (any
    message when there are none)."""
    last = (await js.stream_info(stream)).state.last_seq or 0
    if last <= sequence:
        return False
    if not filters:
        return True
    for subject in filters:
        try:
            await js.get_msg(stream, seq=sequence + 1, subject=subject, next=True)
        except NotFoundError:
            continue
        return True
    return False
