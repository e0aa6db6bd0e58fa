"""Finding O7: an envelope on religion's subject that its publisher would never send (a newer
schema version, a null name, an impossible date) is not counted by the consumers (reporting,
indicators), live or after a rebuild: it ends in their dead letters with a stable code and a
Vietnamese reason, and the consumer moves on. One naming a unit of another province is no
contract's business (shared/contract.py): it is stored, and counted in none of Hai Phong's
figures."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.indicators.adapters.tables import site_facts
from services.indicators.app import create_app as create_indicators
from services.religion.app import create_app as create_religion
from services.reporting.adapters.tables import religion_facts
from services.reporting.app import create_app as create_reporting
from shared.envelope import EventEnvelope
from shared.eventstore import EventStore
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.integration.helpers import publish, rebuild_and_wait, wait_until
from tests.reporting.conftest import figure_values

TIEN_LANG_TOWN = "11755"  # Thị trấn Tiên Lãng, Hải Phòng
HA_NOI_COMMUNE = "00001"  # Phường Phúc Xá, Hà Nội

Clients = tuple[TestClient, TestClient, TestClient]


@pytest.fixture
def clients(settings_factory: Callable[..., Settings]) -> Iterator[Clients]:
    religion = create_religion(settings_factory("religion"))
    reporting = create_reporting(settings_factory("reporting"))
    indicators = create_indicators(settings_factory("indicators"))
    with TestClient(religion) as r, TestClient(reporting) as p, TestClient(indicators) as i:
        yield r, p, i


def _runtime(client: TestClient) -> ServiceRuntime:
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def _sites(reporting: TestClient) -> int:
    response = reporting.get("/api/v1/religion/sites-summary")
    assert response.status_code == 200, response.text
    sites: int = response.json()["sites"]
    return sites


def _report_sites(reporting: TestClient) -> int:
    """The sites of the 2023 nine-month report of Hai Phong, where the finding counted 12."""
    response = reporting.get("/api/v1/reports/2023-9m")
    assert response.status_code == 200, response.text
    sites: int = figure_values(response.json())["sites"]
    return sites


def _fact_ids(client: TestClient, table: Any) -> set[str]:
    with _runtime(client).engine.connect() as conn:
        return set(conn.execute(select(table.c.event_id)).scalars())


def _dead_letters(client: TestClient) -> dict[str, tuple[str, str]]:
    response = client.get("/api/v1/admin/dead-letters")
    assert response.status_code == 200, response.text
    return {item["event_id"]: (item["code"], item["reason"])
            for item in response.json()["items"]}


def _hostile(registered: EventEnvelope) -> dict[str, EventEnvelope]:
    """The four envelopes of the finding, each a copy of TL-001's registration."""
    def copy(code: str | None, **payload: Any) -> dict[str, Any]:
        changed = {**registered.payload, **payload}
        if code is not None:
            changed["code"] = code
        return {"event_id": uuid4(), "aggregate_id": changed["code"], "payload": changed}

    return {
        "EVENT_SCHEMA_TOO_NEW": replace(registered, schema_version=99, **copy(None)),
        "EVENT_PAYLOAD_INVALID": replace(registered, **copy("POISON-3", name=None)),
        "EVENT_PAYLOAD_INVALID (date)": replace(
            registered, **copy("POISON-2", registered_on="2023-02-30")),
    }


def test_envelopes_the_publisher_would_refuse_end_in_dead_letters_not_in_the_figures(
    clients: Clients,
) -> None:
    religion, reporting, indicators = clients
    site = {"code": "TL-001", "name": "Chùa Đông", "religion": "Phật giáo",
            "commune_code": TIEN_LANG_TOWN, "address": "Thôn Đông", "land_area_m2": 1250.5,
            "registered_on": "2023-01-05"}
    response = religion.post("/api/v1/sites", json=site)
    assert response.status_code == 201, response.text
    runtime = _runtime(religion)
    with runtime.engine.connect() as conn:
        (registered,) = list(EventStore("religion", runtime.settings.subject_root)
                             .iter_all(conn))
    registered = replace(registered, service="religion")
    wait_until(lambda: str(registered.event_id) in _fact_ids(indicators, site_facts),
               timeout=30)
    wait_until(lambda: _sites(reporting) == 1, timeout=30)

    hostile = _hostile(registered)
    elsewhere = replace(registered, event_id=uuid4(), aggregate_id="POISON-1",
                        unit_code=HA_NOI_COMMUNE,
                        payload={**registered.payload, "code": "POISON-1",
                                 "commune_code": HA_NOI_COMMUNE, "district_code": "001"})
    asyncio.run(publish(runtime.settings.nats_url, runtime.settings.subject_root,
                        [*hostile.values(), elsewhere]))
    wanted = {str(e.event_id): kind.split(" ")[0] for kind, e in hostile.items()}
    def lettered(consumer: TestClient) -> Callable[[], bool]:
        return lambda: set(_dead_letters(consumer)) >= set(wanted)

    for consumer in (reporting, indicators):
        wait_until(lettered(consumer), timeout=30)
        letters = _dead_letters(consumer)
        assert {i: letters[i][0] for i in wanted} == wanted
        assert all(reason and not reason.isascii() for _, reason in letters.values())
    hostile_ids = set(wanted)
    wait_until(lambda: str(elsewhere.event_id) in _fact_ids(reporting, religion_facts))
    assert not hostile_ids & _fact_ids(reporting, religion_facts)
    assert not hostile_ids & _fact_ids(indicators, site_facts)
    assert _sites(reporting) == 1
    assert _report_sites(reporting) == 1

    # A rebuild replays the stream through the same check: the same figures.
    rebuild_and_wait(reporting)
    assert not hostile_ids & _fact_ids(reporting, religion_facts)
    assert _sites(reporting) == 1
    assert _report_sites(reporting) == 1
