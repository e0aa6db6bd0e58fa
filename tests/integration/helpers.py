"""Small waits and readers shared by the integration and end-to-end rings."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar
from unittest.mock import patch

import nats
import orjson
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from nats.aio.msg import Msg
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from shared import contract
from shared.aggregate import UnitOfWork
from shared.db import writers_waiting
from shared.envelope import EventEnvelope
from shared.eventstore import events_table
from shared.natsserver import free_port
from shared.runtime import ServiceRuntime
from shared.streams import ensure_stream, stream_config

T = TypeVar("T")
U = TypeVar("U")


def upgraded_contracts(
    monkeypatch: pytest.MonkeyPatch, directory: Path, service: str, event_type: str, version: int,
    payload: dict[str, Any] | None = None,
) -> None:
    """Consumers made from now on check `service`'s events against a contract that knows
    `event_type` up to `version`: as the image of a consumer upgraded to a publisher's new
    schema version carries it (shared/contracts/<service>.json), with the new version's
    `payload` schema when the test makes one up (else the current one's)."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in contract.CONTRACTS_DIR.glob("*.json"):
        catalogue = orjson.loads(path.read_bytes())
        if path.stem == service:
            catalogue["events"][event_type]["schema_version"] = version
            if payload is not None:
                catalogue["events"][event_type]["payload"] = payload
        (directory / path.name).write_bytes(orjson.dumps(catalogue))
    monkeypatch.setattr(contract, "CONTRACTS_DIR", directory)


def at_once(calls: Sequence[Callable[[], T]], timeout: float = 120.0) -> list[T]:
    """Run every call in its own thread, all released together (a race between requests
    sent at the same moment): their results, in order."""
    start = threading.Barrier(len(calls))
    results: dict[int, T] = {}

    def run(index: int, call: Callable[[], T]) -> None:
        start.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert len(results) == len(calls), "a call did not come back"
    return [results[index] for index in range(len(calls))]


def held_while(
    engine: Engine,
    first: Callable[[], T],
    second: Callable[[], U],
    *,
    at: Literal["commit", "load"] = "commit",
    when: Callable[..., bool] = lambda *_: True,
    timeout: float = 60.0,
) -> tuple[T, U]:
    """A race with a known order: `first` runs until its unit of work reaches `at` (`commit`:
    its checks done and its events written in its transaction; `load`: about to load an
    aggregate) with `when(uow, *args)` true, and waits there; `second` then runs until it has
    answered or waits for `first` (a lock of PostgreSQL, the writers' turn of SQLite); then
    `first` goes on. Their results, in that order. Units of work joining a consumer's
    transaction are never held."""
    reached, go = threading.Event(), threading.Event()
    original = getattr(UnitOfWork, at)

    def holding(uow: UnitOfWork, *args: Any, **kwargs: Any) -> Any:
        if (not reached.is_set() and getattr(uow, "_joined", None) is None
                and when(uow, *args)):
            reached.set()
            assert go.wait(timeout), "the held command was never let go"
        return original(uow, *args, **kwargs)

    results: dict[str, Any] = {}

    def run(name: str, call: Callable[[], Any]) -> None:
        try:
            results[name] = call()
        except BaseException as exc:  # handed to the test below
            results[name] = exc

    with patch.object(UnitOfWork, at, holding):
        one = threading.Thread(target=run, args=("first", first))
        one.start()
        wait_until(lambda: reached.is_set() or not one.is_alive(), timeout)
        assert reached.is_set(), f"the first command was not held: {results.get('first')!r}"
        two = threading.Thread(target=run, args=("second", second))
        two.start()
        wait_until(lambda: not two.is_alive() or _waits(engine), timeout)
        go.set()
        one.join(timeout)
        two.join(timeout)
    for name in ("first", "second"):
        assert name in results, f"the {name} command did not come back"
        if isinstance(results[name], BaseException):
            raise results[name]
    return results["first"], results["second"]


def _waits(engine: Engine) -> bool:
    """Some transaction waits for another: for a lock (PostgreSQL), for the turn to write
    (SQLite)."""
    if engine.dialect.name != "postgresql":
        return writers_waiting(engine) > 0
    with engine.connect() as conn:
        # Of this test's database only: the server may be shared.
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'")).scalar_one())


async def eventually(
    check: Callable[[], Awaitable[bool | None]] | Callable[[], bool], timeout: float = 20.0
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


async def delete_stream(url: str, stream: str) -> None:
    """`nats stream rm`: NATS itself stays up, the services stay connected."""
    client = await nats.connect(url)
    try:
        await client.jetstream().delete_stream(stream)
    finally:
        await client.close()


async def remake_stream(url: str, stream: str, keep: Iterable[Msg]) -> None:
    """The stream deleted and made again with its own configuration, holding only the
    messages `keep` (a stream restored from an older backup, or made again after a loss and
    already given some events): what it lacks must be found by comparing it with the store."""
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        config = (await js.stream_info(stream)).config
        await js.delete_stream(stream)
        await js.add_stream(config)
        for message in keep:
            await js.publish(message.subject, message.data, headers=message.headers)
    finally:
        await client.close()


async def ensure_streams(url: str, root: str, sources: Iterable[str]) -> None:
    """The source services' streams under a test's subject root. Made before a service starts,
    its consumers bind at once instead of retrying with back-off."""
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        for source in sources:
            await ensure_stream(js, stream_config(root, source))
    finally:
        await client.close()


async def publish(url: str, root: str, envelopes: Iterable[EventEnvelope]) -> None:
    """Publish events as their service's relay would (subject, body, deduplication id),
    making each service's stream on first use."""
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        ready: set[str] = set()
        for envelope in envelopes:
            if envelope.service not in ready:
                await ensure_stream(js, stream_config(root, envelope.service))
                ready.add(envelope.service)
            await js.publish(envelope.subject(root), envelope.to_json(),
                             headers={"Nats-Msg-Id": str(envelope.event_id)})
    finally:
        await client.close()


REBUILD = "/api/v1/admin/rebuild-projections"


def rebuild_and_wait(client: Any, timeout: float = 60.0) -> dict[str, Any]:
    """Ask a service (a TestClient) to rebuild its read models and wait for the switch: the
    rebuild's last state."""
    started = client.post(REBUILD)
    assert started.status_code == 202, started.text
    generation = started.json()["generation"]
    # A small store can be replayed and switched before the answer is read (seen under load).
    assert started.json()["state"] in ("building", "live"), started.text
    found: dict[str, Any] = {}

    def switched() -> bool:
        found.update(client.get(REBUILD, params={"generation": generation}).json())
        return bool(found["state"] == "live")

    wait_until(switched, timeout=timeout)
    # Its moments carry their offset on every database (finding K4: SQLite's were naive).
    for moment in (found["started_at"], found["switched_at"]):
        assert datetime.fromisoformat(moment).utcoffset() is not None, found
    return found


def runtime_of(client: TestClient) -> ServiceRuntime:
    """The runtime behind a service's TestClient (its engine, store, consumers, metrics)."""
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def event_count(client: TestClient) -> int:
    """How many events a service's store holds."""
    with runtime_of(client).engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events_table)).scalar_one())


@contextmanager
def served(app: FastAPI, lifespan: Literal["auto", "on", "off"] = "auto") -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread: its base URL. `lifespan="off"`
    serves the routes without starting NATS and the relay."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


#: West of UTC: a business date's midnight UTC is the evening before there.
PACIFIC = "America/Los_Angeles"


def session_in_zone(url: str, zone: str) -> str:
    """A database URL whose PostgreSQL sessions speak `zone`, as an operator's DATABASE_URL
    may set it (`options=-c timezone=...`; a server's or a role's `timezone` does the same);
    an SQLite URL as it is."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    return parsed.update_query_dict({"options": f"-c timezone={zone}"}).render_as_string(
        hide_password=False)


def session_zone(engine: Engine) -> str | None:
    """The time zone of `engine`'s PostgreSQL sessions (None on SQLite, which has none)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        return str(conn.execute(text("SHOW TimeZone")).scalar_one())
