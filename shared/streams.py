"""JetStream stream provisioning: one stream per service, full history, duplicate window."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
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
