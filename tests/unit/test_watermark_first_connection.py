"""A finalisation asked while reporting's first NATS connection is still coming waits for it.

Seen in a whole `make test`: reporting answered 503 FIGURES_CATCHING_UP naming every source,
with no watermark, 16 ms before its own `nats_connected`: `wait_watermarks` took a link not
yet connected for NATS away and refused at once. Within its bound it now waits for the first
connection (`NatsLink.ready`); a link that was up and is away still refuses at once.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from shared import watermark
from shared.watermark import wait_watermarks


def _link() -> Any:
    return SimpleNamespace(ready=asyncio.Event(), js=None, client=None, connected=False)


async def _connect_later(link: Any, after_s: float) -> None:
    await asyncio.sleep(after_s)
    link.js, link.client, link.connected = object(), object(), True
    link.ready.set()


def test_a_first_connection_within_the_bound_is_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[list[str]] = []

    async def confirmed(client: Any, js: Any, root: str, services: list[str], *_: Any) -> dict[
            str, Any]:
        asked.append(list(services))
        return {}

    monkeypatch.setattr(watermark, "_unconfirmed", confirmed)

    async def finalise() -> dict[str, Any]:
        link = _link()
        connecting = asyncio.create_task(_connect_later(link, 0.05))
        found = await wait_watermarks(link, "danvan", ["religion", "dialogue"], bound_s=5.0)
        await connecting
        return dict(found)

    assert asyncio.run(finalise()) == {}, "all confirmed once connected"
    assert asked == [["religion", "dialogue"]]


def test_a_link_that_never_comes_names_every_source() -> None:
    async def finalise() -> dict[str, Any]:
        return dict(await wait_watermarks(_link(), "danvan", ["religion"], bound_s=0.05))

    assert asyncio.run(finalise()) == {"religion": None}


def test_a_link_that_was_up_and_is_away_refuses_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    async def never(*_: Any) -> dict[str, Any]:
        raise AssertionError("nothing is asked of NATS away")

    monkeypatch.setattr(watermark, "_unconfirmed", never)

    async def finalise() -> dict[str, Any]:
        link = _link()
        link.ready.set()  # connected once; now away
        return dict(await wait_watermarks(link, "danvan", ["religion"], bound_s=60.0))

    assert asyncio.run(asyncio.wait_for(finalise(), timeout=5.0)) == {"religion": None}
