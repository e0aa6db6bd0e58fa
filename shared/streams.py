"""JetStream stream provisioning: one stream per service, full history, duplicate window."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    ExternalStream,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
)
from nats.js.errors import NotFoundError

from shared.settings import stream_name_for


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


async def durable_drained(js: JetStreamContext, stream: str, durable: str) -> bool | None:
    """Whether a durable consumer has nothing left to deliver and nothing awaiting its ack;
    None when the durable does not exist (each caller decides what that means)."""
    try:
        info = await js.consumer_info(stream, durable)
    except NotFoundError:
        return None
    return not (info.num_pending or 0) and not (info.num_ack_pending or 0)
