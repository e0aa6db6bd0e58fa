"""A finalisation's ask to the relays (shared/watermark.py, finding J13) is a core NATS message:
a relay not subscribed at that moment (its service just started, or reconnecting) never hears
it. The finalisation asks again while it waits, so a lost ask costs it a moment, not its whole
bound and a 503 while every source is healthy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.watermark import read, wait_watermarks
from tests.integration.helpers import eventually
from tests.integration.notebook import registry


async def test_a_relay_that_missed_the_ask_answers_the_next_one(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its idle beat a minute away: only an ask makes it write a watermark.
    runtime = ServiceRuntime(settings_factory("religion", relay_watermark_interval_s=60.0),
                             registry)
    relay, root = runtime.relay, runtime.settings.subject_root
    missed: list[Any] = []
    heard = relay._on_ask

    async def deaf_to_the_first(message: Any) -> None:
        # As if the relay had subscribed just after the first ask went out.
        if not missed:
            missed.append(message)
            return
        await heard(message)

    monkeypatch.setattr(relay, "_on_ask", deaf_to_the_first)
    await runtime.start()
    try:
        # Subscribed: its start's watermark (written after it subscribed) is there.
        async def started() -> bool:
            js = runtime.link.js
            return js is not None and await read(js, root, "religion") is not None

        await eventually(started, timeout=60)
        # Far longer than a loaded machine needs to answer; without a second ask, the relay
        # never answers within it.
        unconfirmed = await wait_watermarks(runtime.link, root, ["religion"], bound_s=20.0)
    finally:
        await runtime.stop()
    assert missed, "the first ask reached the relay"
    assert unconfirmed == {}
