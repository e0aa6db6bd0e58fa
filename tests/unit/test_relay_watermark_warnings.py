"""The relay's watermark trouble is told once per run of failures (finding S4): a beat that was
not due, or a read whose write then fails, does not end the run; a watermark written does."""

from __future__ import annotations

import time
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

    async def stream_info(self, _name: str) -> Any:
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


def _relay(js: _JetStream) -> OutboxRelay:
    link = NatsLink(Settings(service="reporting"))
    link.client = cast(Any, _Client())
    link.js = cast(Any, js)
    return OutboxRelay(create_engine("sqlite://"), link, "reporting",
                       watermarks=WatermarkConfig("danvan", interval_s=2.0))


def _warnings(logs: list[MutableMapping[str, Any]]) -> int:
    return sum(entry["event"] == "relay_watermark_failed" for entry in logs)


async def test_one_warning_per_run_of_watermark_failures() -> None:
    js = _JetStream()
    relay = _relay(js)
    with capture_logs() as logs:
        js.reads = False  # JetStream refusing: the beat's read fails
        assert await relay._watermark_step(relay._watermark_due()) is None
        assert _warnings(logs) == 1
        # The beat not due (a poll between two beats): nothing tried, nothing ended.
        relay._watermark_at = time.monotonic()
        assert await relay._watermark_step(relay._watermark_due()) is None
        relay._watermark_at = 0.0
        assert await relay._watermark_step(relay._watermark_due()) is None
        assert _warnings(logs) == 1, "the same run of failures: told once"
        # The read answered, the write refused: still no watermark, still the same run.
        js.reads, js.writes = True, False
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
