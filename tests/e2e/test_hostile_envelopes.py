"""Finding O7: an envelope on religion's subject that its publisher would never send (a null
name, an impossible date) is not counted by the consumers (reporting, indicators), live or
after a rebuild: it ends in their dead letters with a stable code and a Vietnamese reason, and
the consumer moves on. One naming a unit of another province is no contract's business
(shared/contract.py): it is stored, and counted in none of Hai Phong's figures.

Review RV6: one of a newer schema version than the consumers know is no defect but a
publisher upgraded first: the consumers stop at it (nothing after it applied), /readyz says
so, a rebuild stops there too instead of switching in short, and once the consumers are
started with a contract that knows the version, it and the rest are applied, each once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from structlog.testing import capture_logs

from services.indicators.adapters.tables import dossier_facts, site_facts
from services.indicators.app import create_app as create_indicators
from services.religion.app import create_app as create_religion
from services.reporting.adapters.tables import religion_facts
from services.reporting.app import create_app as create_reporting
from shared.clock import in_utc
from shared.envelope import EventEnvelope, utcnow
from shared.eventstore import EventStore
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.integration.helpers import (
    REBUILD,
    publish,
    rebuild_and_wait,
    upgraded_contracts,
    wait_until,
)
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


def _report_sites(reporting: TestClient, as_of: str | None = None) -> int:
    """The sites of the 2023 nine-month report of Hai Phong, where the finding counted 12."""
    response = reporting.get("/api/v1/reports/2023-9m",
                             params={} if as_of is None else {"as_of": as_of})
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
    """The envelopes of the finding the contract refuses for good, each a copy of TL-001's
    registration (its newer schema version is held instead: the test after)."""
    def copy(code: str | None, **payload: Any) -> dict[str, Any]:
        changed = {**registered.payload, **payload}
        if code is not None:
            changed["code"] = code
        return {"event_id": uuid4(), "aggregate_id": changed["code"], "payload": changed}

    return {
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


@contextmanager
def _consumers(
    reporting: Settings, indicators: Settings
) -> Iterator[tuple[TestClient, TestClient]]:
    with TestClient(create_reporting(reporting)) as p, \
            TestClient(create_indicators(indicators)) as i:
        yield p, i


def _times_applied(client: TestClient, table: Any, event_id: str) -> int:
    with _runtime(client).engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)
                                .where(table.c.event_id == event_id)).scalar_one())


def _held(client: TestClient) -> str:
    response = client.get("/readyz")
    # Shown, not unready: the service serves, its figures stop there.
    assert response.status_code == 200, response.text
    held: str = response.json()["checks"]["consumers"]
    return held


@pytest.fixture
def religion(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    """Religion running throughout (its relay publishes what it registers), the consumers
    started and stopped by the test."""
    with TestClient(create_religion(settings_factory("religion"))) as client:
        yield client


def test_an_event_of_a_newer_schema_version_holds_the_consumers_until_they_are_upgraded(
    religion: TestClient, settings_factory: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    reporting_settings = settings_factory("reporting")
    indicators_settings = settings_factory("indicators")
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

    def copy(code: str, version: int) -> EventEnvelope:
        return replace(registered, event_id=uuid4(), aggregate_id=code, schema_version=version,
                       payload={**registered.payload, "code": code})

    # Religion upgraded first: its registration at schema version 2, then one at 1 after it.
    newer, after = copy("TL-002", 2), copy("TL-003", 1)
    ids = {str(newer.event_id), str(after.event_id)}
    tables = {"reporting": religion_facts, "indicators": site_facts}
    with _consumers(reporting_settings, indicators_settings) as (reporting, indicators):
        consumers = {"reporting": reporting, "indicators": indicators}
        wait_until(lambda: _sites(reporting) == 1, timeout=30)
        wait_until(lambda: str(registered.event_id) in _fact_ids(indicators, site_facts),
                   timeout=30)
        asyncio.run(publish(runtime.settings.nats_url, runtime.settings.subject_root,
                            [newer, after]))
        for name, client in consumers.items():
            wait_until(lambda c=client: _held(c) != "ok", timeout=30)  # type: ignore[misc]
            held = _held(client)
            assert str(newer.event_id) in held and "phiên bản lược đồ 2" in held, held
            assert not ids & _fact_ids(client, tables[name]), f"{name} applied past it"
            assert not _dead_letters(client), "not a dead letter"
            assert 'schema_version="2"' in _runtime(client).metrics.render().decode()
        assert _sites(reporting) == 1

        # A rebuild meets it too: it stops there, says why, and is not switched in short.
        started = reporting.post(REBUILD)
        assert started.status_code == 202, started.text
        generation = started.json()["generation"]
        status: dict[str, Any] = {}

        def rebuild_held() -> bool:
            status.update(reporting.get(REBUILD, params={"generation": generation}).json())
            return bool(status.get("held"))

        wait_until(rebuild_held, timeout=30)
        assert status["state"] == "building"
        assert [(h["code"], h["event_id"]) for h in status["held"]] == [
            ("EVENT_SCHEMA_TOO_NEW", str(newer.event_id))]
        assert not status["held"][0]["message"].isascii()
        assert _sites(reporting) == 1

    # The consumers upgraded: a contract that knows version 2.
    upgraded_contracts(monkeypatch, tmp_path / "contracts", "religion", "SiteRegistered", 2)
    with _consumers(reporting_settings, indicators_settings) as (reporting, indicators):
        consumers = {"reporting": reporting, "indicators": indicators}
        for name, client in consumers.items():
            wait_until(lambda c=client, t=tables[name]: ids <= _fact_ids(c, t),  # type: ignore[misc]
                       timeout=30)
        # The rebuild went on from where it stopped and was switched in whole.
        wait_until(lambda: reporting.get(REBUILD, params={"generation": generation})
                   .json()["state"] == "live", timeout=60)
        assert _sites(reporting) == 3
        for name, client in consumers.items():
            assert _held(client) == "ok"
            assert not _dead_letters(client)
            for event_id in (str(registered.event_id), *ids):
                assert _times_applied(client, tables[name], event_id) == 1, (name, event_id)


async def _publish_body(url: str, subject: str, body: bytes, msg_id: str) -> None:
    client = await nats.connect(url)
    try:
        await client.jetstream().publish(subject, body, headers={"Nats-Msg-Id": msg_id})
    finally:
        await client.close()


def _stored(religion: TestClient) -> list[EventEnvelope]:
    runtime = _runtime(religion)
    with runtime.engine.connect() as conn:
        return [replace(e, service="religion") for e in
                EventStore("religion", runtime.settings.subject_root).iter_all(conn)]


def test_every_consumer_refuses_the_examiners_envelopes_alike_and_counts_the_same_after(
    clients: Clients,
) -> None:
    """Finding P1: envelopes claiming religion, fresh ids, that the contract let through:
    reporting counted A (no commune, placed by the envelope's unit) and H (a lodging in state
    «bogus»), indicators dead-lettered A after five KeyErrors; 2^70 crashed reporting's
    insert; a `recorded_at` ahead of its publication was taken as sent. Now both consumers
    dead-letter each, before any handler, with a code and a Vietnamese reason, and a real site
    registered after them is counted by both.

    Review RV-P2: the one recorded an hour after its publication (as a publisher whose clock
    runs ahead of the NATS server's writes them) was dead-lettered too, for good. Now both
    apply it as recorded at its publication, with a warning and a metric: a report "as
    known at" a moment between its publication and its claimed time counts it."""
    religion, reporting, indicators = clients
    site = {"code": "TL-001", "name": "Chùa Đông", "religion": "Phật giáo",
            "commune_code": TIEN_LANG_TOWN, "address": "Thôn Đông", "land_area_m2": 1250.5,
            "registered_on": "2023-01-05"}
    assert religion.post("/api/v1/sites", json=site).status_code == 201
    lodged = religion.post("/api/v1/sites/TL-001/dossier/lodge",
                           json={"lodged_on": "2023-02-01"})
    assert lodged.status_code == 201, lodged.text
    registered, lodging = _stored(religion)
    wait_until(lambda: str(lodging.event_id) in _fact_ids(indicators, dossier_facts), timeout=30)
    wait_until(lambda: str(lodging.event_id) in _fact_ids(reporting, religion_facts), timeout=30)

    def forged(of: EventEnvelope, code: str | None, **payload: Any) -> EventEnvelope:
        changed = {**of.payload, **payload}
        if code is not None:
            changed["code"] = code
        return replace(of, event_id=uuid4(), aggregate_id=changed.get("code", of.aggregate_id),
                       payload=changed)

    without_commune = forged(registered, "F-A")
    del without_commune.payload["commune_code"], without_commune.payload["district_code"]
    hostile = {
        str(without_commune.event_id): "EVENT_PAYLOAD_INVALID",
        str((bogus := forged(lodging, None, state="bogus")).event_id): "EVENT_PAYLOAD_INVALID",
        str((huge := forged(registered, "F-X")).event_id): "EVENT_ENVELOPE_INVALID",
    }
    claimed = utcnow() + timedelta(hours=1)
    ahead = replace(forged(registered, "F-R"), recorded_at=claimed)
    runtime = _runtime(religion)
    before = utcnow()
    with capture_logs() as logged:
        asyncio.run(publish(runtime.settings.nats_url, runtime.settings.subject_root,
                            [without_commune, bogus, ahead]))
        # 2^70 as a hand `nats pub` writes it (the envelope's own encoder stops at 64 bits).
        body = json.loads(huge.to_json())
        body["aggregate_version"] = 2**70
        asyncio.run(_publish_body(runtime.settings.nats_url, huge.subject(
            runtime.settings.subject_root), json.dumps(body).encode(), str(huge.event_id)))
        # A real site, published by religion's relay after them.
        assert religion.post("/api/v1/sites", json={**site, "code": "TL-002"}).status_code == 201
        after = str(_stored(religion)[-1].event_id)

        for consumer in (reporting, indicators):
            wait_until(lambda c=consumer: set(_dead_letters(c)) >= set(hostile),  # type: ignore[misc]
                       timeout=30)
            letters = _dead_letters(consumer)
            assert {i: letters[i][0] for i in hostile} == hostile
            assert all(letters[i][1] and not letters[i][1].isascii() for i in hostile)
        wait_until(lambda: after in _fact_ids(reporting, religion_facts), timeout=30)
        wait_until(lambda: after in _fact_ids(indicators, site_facts), timeout=30)
    real = {str(registered.event_id), str(lodging.event_id), after, str(ahead.event_id)}
    assert _fact_ids(reporting, religion_facts) == real
    assert _fact_ids(indicators, site_facts) | _fact_ids(indicators, dossier_facts) == real
    summary = reporting.get("/api/v1/religion/sites-summary").json()
    assert (summary["sites"], summary["sites_with_dossier"]) == (3, 1)

    # Applied as recorded at its publication, not an hour later: a report as known now, an
    # hour before the time it claims, counts it.
    now = utcnow()
    for consumer, table in ((reporting, religion_facts), (indicators, site_facts)):
        with _runtime(consumer).engine.connect() as conn:
            taken = conn.execute(select(table.c.recorded_at).where(
                table.c.event_id == str(ahead.event_id))).scalar_one()
        assert before - timedelta(seconds=5) <= in_utc(taken) <= now, consumer
        assert str(ahead.event_id) not in _dead_letters(consumer)
    assert _report_sites(reporting, as_of=now.isoformat()) == 3
    warned = [e for e in logged if e["event"] == "event_recorded_after_published"]
    warners = {e["consumer"] for e in warned}
    for consumer in (reporting, indicators):  # each warns, once per consumer it applied it in
        assert warners & {c.durable for c in _runtime(consumer).consumers}, warners
    assert len(warned) == len(warners)
    assert all(e["event_id"] == str(ahead.event_id) and e["skew_s"] > 3500 for e in warned)
    for consumer in (reporting, indicators):
        clamped = [line for line in consumer.get("/metrics").text.splitlines()
                   if line.startswith("danvan_consumer_recorded_clamped_total{")]
        assert sum(float(line.rsplit(" ", 1)[1]) for line in clamped) == 1.0, clamped
