"""A rebuild over a stream that lost events (its NATS store wiped, the stream recreated with
only what came since) is refused: the live tables and every figure stay as they were."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

import nats
from fastapi.testclient import TestClient

from services.reporting.adapters.tables import FACT_TABLES
from services.reporting.app import create_app
from shared.natsserver import NatsServer
from shared.rebuild import REFUSED_CODE
from shared.settings import Settings, stream_name_for
from tests.integration.helpers import REBUILD, ensure_streams, publish, wait_until
from tests.reporting.conftest import figure_values
from tests.reporting.scenario import DAI_THANG, Events, two_quarter_scenario

REPORT = "/api/v1/reports/2023-6m"


async def _stream_lost(url: str, root: str) -> None:
    """The religion stream gone with the NATS store, made again empty by the service."""
    client = await nats.connect(url)
    try:
        await client.jetstream().delete_stream(stream_name_for(root, "religion"))
    finally:
        await client.close()
    await ensure_streams(url, root, ["religion"])


def test_a_rebuild_over_a_stream_with_fewer_events_is_refused_and_figures_stay(
    settings_factory: Callable[..., Settings], nats_server: NatsServer, subject_root: str
) -> None:
    asyncio.run(ensure_streams(nats_server.url, subject_root, FACT_TABLES))
    settings = settings_factory("reporting")
    scenario = two_quarter_scenario()
    with TestClient(create_app(settings)) as client:
        asyncio.run(publish(nats_server.url, subject_root, scenario.items))

        def shown() -> dict[str, int]:
            response = client.get(REPORT)
            assert response.status_code == 200, response.text
            return figure_values(response.json())

        wait_until(lambda: shown()["sites"] >= 4, timeout=30)
        before = shown()

        asyncio.run(_stream_lost(nats_server.url, subject_root))
        # One new event reaches the recreated stream: the stream is not empty, only short.
        late = Events()
        late.site("S10", DAI_THANG, date(2022, 3, 2))
        asyncio.run(publish(nats_server.url, subject_root, late.items))
        # The live consumer made its durable again on the recreated stream and applies it.
        wait_until(lambda: shown()["sites"] == before["sites"] + 1, timeout=30)
        live = shown()

        started = client.post(REBUILD)
        assert started.status_code == 202, started.text
        generation = started.json()["generation"]
        wait_until(lambda: client.get(REBUILD, params={"generation": generation})
                   .json()["state"] != "building", timeout=60)
        state = client.get(REBUILD, params={"generation": generation}).json()
        assert state["state"] == "refused", state
        assert state["live_generation"] == 1
        assert state["refusal"]["code"] == REFUSED_CODE
        assert stream_name_for(subject_root, "religion") in state["refusal"]["message"]
        assert "Số liệu đang dùng được giữ nguyên" in state["refusal"]["message"]
        religion = next(c for c in state["consumers"] if c["consumer"].startswith(
            "reporting-religion"))
        assert religion["events_applied"] < religion["live_events_applied"]
        assert shown() == live  # the live tables, not the replay's
        assert before["sites"] > 0

        # Nothing is left building: a new rebuild can be asked.
        again = client.post(REBUILD)
        assert again.status_code == 202, again.text
        assert again.json()["generation"] == generation + 1
