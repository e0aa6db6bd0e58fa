"""What every benchmark needs: a private nats-server, a timer, the raw consume baseline, one
line per figure."""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig

from shared.natsserver import NatsServer, free_port


@contextlib.contextmanager
def private_nats() -> Iterator[NatsServer]:
    with tempfile.TemporaryDirectory(prefix="danvan-bench-nats-") as store:
        server = NatsServer(free_port(), Path(store)).start()
        try:
            yield server
        finally:
            server.stop()


@contextlib.contextmanager
def temp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="danvan-bench-") as path:
        yield Path(path)


@dataclass
class Timer:
    started: float = 0.0
    seconds: float = 0.0

    def __enter__(self) -> Timer:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.started


async def raw_pull_consume(url: str, stream: str, count: int) -> float:
    """The consumers' raw baseline: plain nats-py pulls `count` messages of `stream`, 256 at a
    time, parsing and acking each; returns the seconds the pulling took."""
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        await js.add_consumer(stream, ConsumerConfig(
            durable_name="bench-raw", ack_policy=AckPolicy.EXPLICIT, max_ack_pending=4096))
        sub = await js.pull_subscribe_bind("bench-raw", stream)
        seen = 0
        with Timer() as timer:
            while seen < count:
                for msg in await sub.fetch(256, timeout=5):
                    json.loads(msg.data)
                    await msg.ack()
                    seen += 1
        return timer.seconds
    finally:
        await client.close()


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def report(
    name: str, count: int, seconds: float, baseline: float | None = None, target: str = ""
) -> float:
    """Print one figure; with a baseline rate, also the ratio to it."""
    per_second = rate(count, seconds)
    line = f"  {name:<52} {count:>9} in {seconds:8.3f} s = {per_second:>10,.0f}/s"
    if baseline:
        line += f"  ({per_second / baseline:6.1%} of baseline"
        line += f"; target {target})" if target else ")"
    print(line, flush=True)
    return per_second


def report_time(name: str, seconds: float, target: str = "") -> None:
    line = f"  {name:<52} {seconds * 1000:10.1f} ms"
    if target:
        line += f"  (target {target})"
    print(line, flush=True)
