"""A finalisation signs the figures as of its moment only once every event published to the
source streams so far is applied (finding J13): it waits for reporting's consumers, or
refuses with 503 + Retry-After while they are behind or NATS is away, and the signed report
equals the report "as of" its own as_of."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from services.reporting.adapters.tables import FACT_TABLES
from services.reporting.app import create_app
from services.reporting.application import catchup
from shared.consumer import SchemaHold
from shared.natsserver import NatsServer
from shared.settings import Settings
from tests.dialogue.conftest import FakeToday
from tests.integration.helpers import ensure_streams, publish
from tests.reporting.conftest import Reporting, figure_values, finalise_bound
from tests.reporting.scenario import QUAN_TOAN, Events, two_quarter_scenario

REPORT = "/api/v1/reports/2023-3m"
# How long a finalisation the test expects refused waits (the refusal takes all of it); one
# expected to be signed keeps the fixtures' 30 s (tests/conftest.py), for a loaded CI machine.
REFUSED_WITHIN_S = 0.5


def _late_sites() -> Events:
    """Sites registered in the period, recorded long before now (their events on the way)."""
    late = Events()
    for n in range(5):
        late.site(f"LATE{n}", QUAN_TOAN, date(2023, 2, 1 + n))
    return late


def _pause(reporting: Reporting) -> None:
    """Reporting's consumers stop (as a consumer far behind or stuck would be)."""
    rebuilds = reporting.runtime.rebuilds
    assert rebuilds is not None
    reporting.client.portal.call(rebuilds.stop)  # type: ignore[union-attr]


def _resume(reporting: Reporting) -> None:
    rebuilds = reporting.runtime.rebuilds
    assert rebuilds is not None
    reporting.client.portal.call(rebuilds.start)  # type: ignore[union-attr]


def _published_unseen(reporting: Reporting, events: Events) -> None:
    asyncio.run(publish(reporting.nats_url, reporting.root, events.items))


def test_a_finalisation_waits_for_events_on_their_way_and_signs_the_as_of_report(
    reporting: Reporting,
) -> None:
    reporting.feed(two_quarter_scenario())
    before = figure_values(reporting.client.get(REPORT).json())
    _pause(reporting)
    _published_unseen(reporting, _late_sites())
    _resume(reporting)  # the consumers start again: the events are still to apply

    finalised = reporting.client.post(f"{REPORT}/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    signed = reporting.client.get(REPORT).json()
    assert signed["figures_finalised"] is True
    assert signed["differences"] == []
    as_of = reporting.client.get(REPORT, params={"as_of": finalised.json()["as_of"]}).json()
    assert figure_values(signed) == figure_values(as_of)
    assert figure_values(signed)["sites"] == before["sites"] + 5


@pytest.fixture
def impatient(
    settings_factory: Callable[..., Settings], own_nats_server: NatsServer, subject_root: str,
) -> Iterator[Reporting]:
    """Reporting on a NATS server of its own (the test stops it)."""
    asyncio.run(ensure_streams(own_nats_server.url, subject_root, FACT_TABLES))
    settings = settings_factory("reporting", nats_url=own_nats_server.url)
    with TestClient(create_app(settings, today=FakeToday(date.today()))) as client:
        yield Reporting(client, own_nats_server.url, subject_root, {})


def _refused(reporting: Reporting) -> None:
    with finalise_bound(reporting.runtime, REFUSED_WITHIN_S):
        refused = reporting.client.post(f"{REPORT}/finalise", json={"scope": "31"})
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "5"
    error = refused.json()["error"]
    assert error["code"] == "FIGURES_CATCHING_UP"
    assert "đang được cập nhật" in error["message"]
    assert reporting.client.get(REPORT).json()["figures_finalised"] is False


def test_a_finalisation_is_refused_while_the_consumers_are_behind(impatient: Reporting) -> None:
    impatient.feed(two_quarter_scenario())
    _pause(impatient)
    _published_unseen(impatient, _late_sites())
    _refused(impatient)

    _resume(impatient)
    impatient.published["religion"] += 5  # the late sites, applied once resumed
    impatient.wait_projected()
    finalised = impatient.client.post(f"{REPORT}/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text


def test_a_finalisation_is_refused_while_nats_is_away(
    impatient: Reporting, own_nats_server: NatsServer,
) -> None:
    impatient.feed(two_quarter_scenario())
    own_nats_server.kill()
    _refused(impatient)


def test_a_finalisation_is_refused_at_once_while_a_consumer_is_held_at_a_newer_event(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A consumer held at an event of a newer schema version stays behind until an upgrade:
    the finalisation says so at once, naming consumer and event, instead of waiting and
    answering "catching up" (review RV-P3)."""
    reporting.feed(two_quarter_scenario())
    asked: list[str] = []

    async def no_watermarks(*_: object) -> dict[str, object]:
        asked.append("watermarks")
        return {}

    async def none_behind(*_: object) -> list[str]:
        asked.append("consumers")
        return []

    monkeypatch.setattr(catchup, "wait_watermarks", no_watermarks)
    monkeypatch.setattr(catchup, "wait_caught_up", none_behind)
    runner = reporting.runtime.consumers[0]
    runner.held = SchemaHold(
        consumer=runner.durable, stream=runner.stream, event_id="evt-newer",
        event_type="SiteRegistered", version=2, known=1, subject="x.religion.site",
        stream_sequence=42, reason="Sự kiện có phiên bản lược đồ 2, mới hơn phiên bản 1.")
    try:
        refused = reporting.client.post(f"{REPORT}/finalise", json={"scope": "31"})
    finally:
        runner.held = None
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == str(catchup.HELD_RETRY_AFTER_S)
    error = refused.json()["error"]
    assert error["code"] == "FIGURES_HELD_SCHEMA_TOO_NEW"
    assert runner.durable in error["message"] and "evt-newer" in error["message"]
    assert "nâng cấp" in error["message"]
    assert error["details"]["consumers"] == [runner.durable]
    assert [(h["consumer"], h["event_id"]) for h in error["details"]["held"]] == [
        (runner.durable, "evt-newer")]
    assert asked == []  # nothing waited for: no watermark, no consumer_info asked
    assert reporting.client.get(REPORT).json()["figures_finalised"] is False
