"""A running reporting service fed with events published onto the source streams."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.reporting.adapters.tables import FACT_TABLES
from services.reporting.app import create_app
from services.reporting.application.projections import facts_of
from services.reporting.application.state import ReportingState, state_of
from shared.clock import today_vn
from shared.envelope import EventEnvelope
from shared.natsserver import NatsServer
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.dialogue.conftest import FakeToday
from tests.integration.helpers import ensure_streams, publish, wait_until
from tests.reporting.scenario import Events


@contextmanager
def finalise_bound(runtime: ServiceRuntime, seconds: float) -> Iterator[None]:
    """Reporting's finalisations wait only `seconds` (FINALISE_CATCH_UP_S) meanwhile: for a
    finalisation a test expects refused (a source cut off, the consumers held back), whose
    refusal takes the whole bound. Every other one keeps the fixtures' long bound: on a
    loaded CI machine a finalisation that is to be signed must not race a short one."""
    settings = runtime.settings
    runtime.settings = settings.model_copy(update={"finalise_catch_up_s": seconds})
    try:
        yield
    finally:
        runtime.settings = settings


@dataclass
class Reporting:
    client: TestClient
    nats_url: str
    root: str
    published: dict[str, int]

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.client.app.state.runtime  # type: ignore[attr-defined]
        return runtime

    @property
    def state(self) -> ReportingState:
        """What the service keeps in memory (its runtime's)."""
        return state_of(self.runtime)

    #: The ids of the fact rows the published events are written as, per source.
    ids: dict[str, set[str]] = field(default_factory=dict)

    def facts(self) -> dict[str, int]:
        with self.runtime.engine.connect() as conn:
            return {
                source: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for source, t in FACT_TABLES.items()
            }

    def publish(self, envelopes: Iterable[EventEnvelope]) -> None:
        items = list(envelopes)
        asyncio.run(publish(self.nats_url, self.root, items))
        for envelope in items:
            # A correction is written as the facts it amounts to (one or two rows).
            facts = facts_of(envelope)
            self.published[envelope.service] = (
                self.published.get(envelope.service, 0) + len(facts))
            self.ids.setdefault(envelope.service, set()).update(
                str(fact.event_id) for fact, _ in facts)
        self.wait_projected()

    def wait_projected(self) -> None:
        """Every published event's rows are written. A site's move may also restate facts
        recorded before it (finding H2): rows of no event, written in the move's batch."""
        def projected() -> bool:
            with self.runtime.engine.connect() as conn:
                for source, table in FACT_TABLES.items():
                    wanted = self.ids.get(source, set())
                    if wanted - set(conn.execute(select(table.c.event_id)).scalars()):
                        return False
            return True
        wait_until(projected, timeout=30)

    def feed(self, events: Events) -> None:
        self.publish(events.items)


@pytest.fixture
def clock() -> FakeToday:
    """The service's business day (a period running on it is reported as of it): today, for
    a test that does not set it."""
    return FakeToday(today_vn())


@pytest.fixture
def reporting(
    settings_factory: Callable[..., Settings], nats_server: NatsServer, subject_root: str,
    clock: FakeToday,
) -> Iterator[Reporting]:
    # Streams first, so the consumers bind at once instead of retrying with back-off.
    asyncio.run(ensure_streams(nats_server.url, subject_root, FACT_TABLES))
    app = create_app(settings_factory("reporting"), today=clock)
    with TestClient(app) as client:
        yield Reporting(client, nats_server.url, subject_root, {})


def figure_values(view: dict[str, Any]) -> dict[str, int]:
    """A report view's figures by key."""
    return {f["key"]: f["value"] for s in view["sections"] for f in s["figures"]}
