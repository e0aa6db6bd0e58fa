"""The relay's watermark trouble is told once per run of failures (finding S4): a beat that was
not due, or a read whose write then fails, does not end the run; a watermark written does.
And a failed watermark is tried again after a backoff, not at every poll (S2 follow-up).
The relay's clock is the test's: nothing sleeps, nothing is timed."""

from __future__ import annotations

from collections.abc import MutableMapping
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import create_engine
from structlog.testing import capture_logs

from shared.natsconn import NatsLink
from shared.relay import OutboxRelay
from shared.settings import Settings
from shared.watermark import WatermarkConfig


class _JetStream:
    """The watermark stream's read (`stream_info`) and write (`publish`), each refusable."""

    def __init__(self) -> None:
        self.reads = True
        self.writes = True
        self.tried = 0  # reads asked, answered or refused

    async def stream_info(self, _name: str) -> Any:
        self.tried += 1
        if not self.reads:
            raise RuntimeError("JetStream system temporarily unavailable")
        return SimpleNamespace(state=SimpleNamespace(last_seq=7))

    async def publish(self, _subject: str, _data: bytes, timeout: float) -> None:
        if not self.writes:
            raise TimeoutError("no publish ack in time")


class _Client:
    is_connected = True

    async def subscribe(self, _subject: str, cb: Any) -> None:
        return None


class _Clock:
    """Monotonic seconds the test moves."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _relay(js: _JetStream, clock: _Clock) -> OutboxRelay:
    link = NatsLink(Settings(service="reporting"))
    link.client = cast(Any, _Client())
    link.js = cast(Any, js)
    return OutboxRelay(create_engine("sqlite://"), link, "reporting",
                       watermarks=WatermarkConfig("danvan", interval_s=2.0), clock=clock)


def _warnings(logs: list[MutableMapping[str, Any]]) -> int:
    return sum(entry["event"] == "relay_watermark_failed" for entry in logs)


async def test_one_warning_per_run_of_watermark_failures() -> None:
    js, clock = _JetStream(), _Clock()
    relay = _relay(js, clock)
    with capture_logs() as logs:
        js.reads = False  # JetStream refusing: the beat's read fails
        assert await relay._watermark_step(relay._watermark_due()) is None
        assert _warnings(logs) == 1
        # The beat not due (a poll between two beats): nothing tried, nothing ended.
        relay._watermark_at = clock()
        assert await relay._watermark_step(relay._watermark_due()) is None
        relay._watermark_at, clock.now = 0.0, clock.now + 1.0  # due, the backoff waited out
        assert await relay._watermark_step(relay._watermark_due()) is None
        assert js.tried == 2
        assert _warnings(logs) == 1, "the same run of failures: told once"
        # The read answered, the write refused: still no watermark, still the same run.
        js.reads, js.writes = True, False
        clock.now += 2.0
        since = await relay._watermark_step(relay._watermark_due())
        assert since == 7
        await relay._watermark_step(relay._write_watermark(since, pending=0))
        assert _warnings(logs) == 1, "a read alone ends no run"
        # A watermark written ends the run: the next failure is told again.
        js.writes = True
        await relay._watermark_step(relay._write_watermark(since, pending=0))
        js.reads, relay._watermark_at = False, 0.0
        assert await relay._watermark_step(relay._watermark_due()) is None
        assert _warnings(logs) == 2


async def _poll(relay: OutboxRelay) -> None:
    """What each round of the relay does first: the watermark's read, when due."""
    await relay._watermark_step(relay._watermark_due())


async def test_a_failed_watermark_waits_out_a_backoff_not_the_next_poll() -> None:
    js, clock = _JetStream(), _Clock()
    relay = _relay(js, clock)
    js.reads = False  # JetStream refusing from t0 = 1,000 s, polled every 0.5 s
    t0 = clock.now
    tries_at: list[float] = []
    while clock.now < t0 + 100.0:
        before = js.tried
        await _poll(relay)
        if js.tried > before:
            tries_at.append(clock.now - t0)
        clock.now += 0.5
    # Tried 200 times at every poll before; now 1 s after a failure, doubling to 30 s.
    assert tries_at == [0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 61.0, 91.0]

    # JetStream back at t0 + 100 s: the next try within the wait then running (30 s from the
    # try at 91 s), not later; it reads and the watermark is written.
    js.reads = True
    while js.tried == 8:
        await _poll(relay)
        clock.now += 0.5
    assert clock.now - 0.5 - t0 == 121.0
    await relay._watermark_step(relay._write_watermark(7, pending=0))

    # A watermark written ends the backoff: a new failure waits 1 s again, not 30.
    js.reads, clock.now = False, clock.now + 2.0  # the next beat
    await _poll(relay)
    assert js.tried == 10
    clock.now += 0.5
    await _poll(relay)
    assert js.tried == 10
    clock.now += 0.5
    await _poll(relay)
    assert js.tried == 11


async def test_an_ask_or_the_link_back_up_tries_at_once() -> None:
    js, clock = _JetStream(), _Clock()
    relay = _relay(js, clock)
    js.reads = False
    for _ in range(6):  # failures at 0, 1, 3, 7, 15 and 31 s: the next wait is 30 s
        clock.now = max(clock.now, relay._watermark_retry_at)
        await _poll(relay)
    assert js.tried == 6
    clock.now += 0.5
    await _poll(relay)
    assert js.tried == 6, "waiting out its 30 s"
    # A finalisation asks: its bound is seconds, it is answered at once.
    await relay._on_ask(None)
    await _poll(relay)
    assert js.tried == 7
    # The link comes back up (a reconnection): the backoff is over, tried at once.
    clock.now += 0.5
    await _poll(relay)
    assert js.tried == 7
    relay.link_up()
    await _poll(relay)
    assert js.tried == 8
