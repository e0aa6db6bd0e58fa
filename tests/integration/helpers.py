"""Small waits and readers shared by the integration and end-to-end rings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import nats
from fastapi.testclient import TestClient
from nats.aio.msg import Msg
from sqlalchemy import func, select

from shared.eventstore import events_table
from shared.runtime import ServiceRuntime


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout: float = 20.0
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def wait_until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


async def read_stream(url: str, stream: str, subjects: str = ">") -> list[Msg]:
    """Every message of a stream, in stream order, without touching any durable consumer."""
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        info = await js.stream_info(stream)
        total = info.state.messages
        messages: list[Msg] = []
        if total == 0:
            return messages
        sub = await js.subscribe(subjects, stream=stream, ordered_consumer=True)
        try:
            while len(messages) < total:
                messages.append(await sub.next_msg(timeout=5))
        finally:
            await sub.unsubscribe()
        return messages
    finally:
        await client.close()


REBUILD = "/api/v1/admin/rebuild-projections"


def rebuild_and_wait(client: Any, timeout: float = 60.0) -> dict[str, Any]:
    """Ask a service (a TestClient) to rebuild its read models and wait for the switch: the
    rebuild's last state."""
    started = client.post(REBUILD)
    assert started.status_code == 202, started.text
    generation = started.json()["generation"]
    assert started.json()["state"] == "building"
    found: dict[str, Any] = {}

    def switched() -> bool:
        found.update(client.get(REBUILD, params={"generation": generation}).json())
        return bool(found["state"] == "live")

    wait_until(switched, timeout=timeout)
    return found


def runtime_of(client: TestClient) -> ServiceRuntime:
    """The runtime behind a service's TestClient (its engine, store, consumers, metrics)."""
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def event_count(client: TestClient) -> int:
    """How many events a service's store holds."""
    with runtime_of(client).engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events_table)).scalar_one())
