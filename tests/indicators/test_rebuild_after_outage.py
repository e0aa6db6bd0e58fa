"""The indicators' fact tables rebuilt after an outage: a certificate the live projection lost
is back once the rebuild is switched in, the status it changes is announced then (once), and
until the switch the service shows the figures it had."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.indicators.app import create_app
from shared.migrations import schema_drift
from shared.natsserver import NatsServer
from shared.settings import Settings
from tests.indicators.conftest import Upstream, get_json, status_events, wait_applied
from tests.indicators.scenario import QUAN_TOAN, religion_2023
from tests.integration.helpers import REBUILD, runtime_of, wait_until
from tests.integration.rebuilds import Gates, lose

pytestmark = pytest.mark.e2e

PLAN_DEFINITIONS = 4
ACTOR = {"X-Actor": "can-bo-ban-dan-van"}


def _totals(client: TestClient) -> dict[str, tuple[int, int]]:
    overview = get_json(client, "/api/v1/indicators", year=2023)
    return {i["indicator"]["indicator_id"]: (i["total"]["numerator"], i["total"]["denominator"])
            for i in overview["items"]}


def _last_status(client: TestClient, key: str) -> dict[str, Any] | None:
    found = [e for e in status_events(client) if e["key"] == key]
    return found[-1] if found else None


def test_a_rebuild_after_an_outage_brings_back_the_lost_facts(
    settings_factory: Callable[..., Settings], nats_server: NatsServer, subject_root: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_factory("indicators")
    upstream = Upstream(url=nats_server.url, root=subject_root)
    religion = religion_2023(upstream)
    # S5's certificate (Quán Toán, 01/09/2023): the one I4 counts.
    lost = [e for e in religion if e.event_type == "CertificateIssued"
            and e.payload.get("certificate_number") == "GCN-01"]
    assert len(lost) == 1
    with TestClient(create_app(settings), headers=ACTOR) as client:
        upstream.publish(*[e for e in religion if e not in lost])
        wait_applied(client, PLAN_DEFINITIONS + len(religion) - 1)
    lose(nats_server.url, subject_root, lost, "indicators-religion-facts")

    gates = Gates(monkeypatch)
    key = f"I4-2023@{QUAN_TOAN}"
    with TestClient(create_app(settings), headers=ACTOR) as client:
        damaged = _totals(client)
        assert damaged["I4"] == (0, 239) and damaged["I3"] == (4, 239)
        before = _last_status(client, key)
        assert before is not None and before["status"] != "dat"
        announced = len(status_events(client))

        started = client.post(REBUILD)
        assert started.status_code == 202, started.text
        assert started.json()["state"] == "building"
        refused = client.post(REBUILD)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "REBUILD_IN_PROGRESS"
        gates.build.set()
        wait_until(lambda: client.get(REBUILD).json()["events_applied"]
                   == PLAN_DEFINITIONS + len(religion), timeout=30)
        # Built, not yet switched: the live figures, and nothing announced by the build.
        assert _totals(client) == damaged
        assert len(status_events(client)) == announced

        gates.switch.set()
        wait_until(lambda: client.get(REBUILD).json()["state"] == "live", timeout=30)
        assert _totals(client) == {**damaged, "I4": (1, 239)}
        wait_until(lambda: (_last_status(client, key) or {}).get("status") == "dat")
        after = _last_status(client, key)
        assert after is not None
        assert (after["cause"], after["previous_status"]) == ("rebuild", before["status"])
        # Only what the lost certificate moved is announced, each change once.
        fresh = status_events(client)[announced:]
        assert fresh and all(e["cause"] == "rebuild" for e in fresh)
        assert len({e["key"] for e in fresh}) == len(fresh)
        runtime = runtime_of(client)
        with runtime.engine.connect() as conn:  # the tables, indexes and keys as migrated
            assert schema_drift(conn, runtime.metadata) == []
        # The rebuilt tables are the live ones: the next event goes to them.
        upstream.publish(upstream.certificate("S3", "GCN-03", date(2023, 11, 1)))
        wait_until(lambda: _totals(client)["I4"] == (2, 239))
