"""Fixtures of the indicators tests: the service over HTTP, and a stand-in for the religion and
dialogue services that publishes their events onto their streams, as docs/events.md says."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.indicators.adapters.tables import metadata, write_metadata
from services.indicators.app import create_app
from services.indicators.application.lifecycle import seed_plan_definitions
from services.indicators.application.projections import all_projections
from services.indicators.domain.events import registry
from shared.envelope import EventEnvelope
from shared.eventstore import EventStore, events_table
from shared.natsserver import NatsServer
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.indicators.scenario import Events
from tests.integration.helpers import publish, runtime_of, wait_until


@dataclass
class Upstream(Events):
    """Publishes them onto the religion and dialogue streams of a nats-server."""

    url: str = ""
    root: str = ""

    def publish(self, *envelopes: EventEnvelope) -> None:
        asyncio.run(publish(self.url, self.root, envelopes))


@pytest.fixture
def upstream(nats_server: NatsServer, subject_root: str) -> Upstream:
    return Upstream(url=nats_server.url, root=subject_root)


@pytest.fixture
def client(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    app = create_app(settings_factory("indicators"))
    with TestClient(app, headers={"X-Actor": "can-bo-ban-dan-van"}) as test_client:
        yield test_client


def applied(client: TestClient) -> int:
    """Events the consumers have applied so far (all projections)."""
    return sum(c.applied for c in runtime_of(client).consumers)


def wait_applied(client: TestClient, count: int) -> None:
    wait_until(lambda: applied(client) >= count, timeout=30)


def status_events(client: TestClient) -> list[dict[str, Any]]:
    return status_events_in(runtime_of(client))


def status_events_in(runtime: ServiceRuntime) -> list[dict[str, Any]]:
    """The IndicatorStatusChanged events the service has stored, in store order."""
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            select(events_table.c.aggregate_id, events_table.c.payload,
                   events_table.c.causation_id)
            .where(events_table.c.event_type == "IndicatorStatusChanged")
            .order_by(events_table.c.position)
        ).all()
    return [{"key": r.aggregate_id, "causation_id": r.causation_id, **json.loads(r.payload)}
            for r in rows]


def get_json(client: TestClient, url: str, **params: Any) -> dict[str, Any]:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def planned_runtime(database_url: str, subject_root: str) -> ServiceRuntime:
    """The service's runtime without NATS nor HTTP: the plan's four definitions consumed
    (every unit's first status announced); events go in with `apply`."""
    settings = Settings.for_service(
        "indicators", database_url=database_url, subject_root=subject_root
    )
    runtime = ServiceRuntime(
        settings, registry, metadata=[metadata, write_metadata],
        projections=all_projections(EventStore(settings.service, settings.subject_root)),
    )
    runtime.create_schema()
    seed_plan_definitions(runtime)
    with runtime.engine.connect() as conn:
        definitions = runtime.store.read_all(conn)
    apply(runtime, definitions)  # the service consumes its own stream
    return runtime


@pytest.fixture
def runtime(database_url: str, subject_root: str) -> Iterator[ServiceRuntime]:
    runtime = planned_runtime(database_url, subject_root)
    yield runtime
    runtime.engine.dispose()


def apply(runtime: ServiceRuntime, envelopes: Sequence[EventEnvelope]) -> None:
    """What the consumer runner does with each delivered event, minus NATS."""
    by_source = {c.projection.source_service: c.projection for c in runtime.consumers}
    for envelope in envelopes:
        with runtime.engine.begin() as conn:
            by_source[envelope.service].apply(conn, [envelope])


def define_indicator(client: TestClient, body: dict[str, Any]) -> Any:
    """POST /indicators: a definition, or a redefinition naming the version it read (K16:
    If-Match required when the year has the id)."""
    read = client.get(f"/api/v1/indicators/{body['year']}/{body['indicator_id']}")
    headers = {"If-Match": read.headers["ETag"]} if read.status_code == 200 else {}
    return client.post("/api/v1/indicators", json=body, headers=headers)
