"""A consumer applying a long batch is not stalled (examiner S3 follow-up).

`danvan_consumer_fetch_age_seconds` counted from the last fetch JetStream answered, so it grew
while the consumer applied the batch that fetch brought, and /readyz named a busy consumer
«không lấy được sự kiện từ NATS» after CONSUMER_STALLED_AFTER_S (60 s). The age is now the
time since the consumer last made progress: a fetch answered, or a batch it was done with; 0
while it holds one. The runner's clock is the test's: no time passes, none is measured.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast
from uuid import uuid4

from sqlalchemy import Connection

from shared.consumer import ConsumerRunner, Projection
from shared.db import create_db_engine
from shared.envelope import EventEnvelope
from shared.eventstore import kernel_metadata
from shared.natsconn import NatsLink
from shared.settings import Settings

# A stream no contract is published for: the envelopes are applied as they come.
SOURCE = "tally"


class FakeClock:
    """Monotonic seconds the test moves."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _message(version: int) -> Any:
    now = datetime.now(UTC)
    envelope = EventEnvelope(
        event_id=uuid4(), event_type="Counted", schema_version=1, service=SOURCE,
        aggregate_type="thing", aggregate_id="a", aggregate_version=version,
        occurred_at=now, recorded_at=now, actor="tester", payload={"value": version},
    )

    async def settled(**_: Any) -> None:
        return None

    return SimpleNamespace(data=envelope.to_json(), headers=None, subject="tally.thing.Counted",
                           ack=settled, nak=settled, term=settled, in_progress=settled)


def test_a_consumer_applying_a_long_batch_is_not_stalled(database_url: str) -> None:
    engine = create_db_engine(database_url)
    kernel_metadata.create_all(engine)
    clock = FakeClock()
    ages_while_applying: list[float] = []

    def slow(_conn: Connection, _event: EventEnvelope) -> None:
        clock.now += 40.0  # each event of the batch takes 40 s: 120 s for the batch
        ages_while_applying.append(runner.fetch_age())

    runner = ConsumerRunner(
        engine, NatsLink(Settings(service="reporting")),
        Projection(name="slow", source_service=SOURCE, handlers={"Counted": slow}),
        service="reporting", subject_root="danvan", clock=clock)
    # Running (`run` counts from its start), its last fetch answered now.
    runner._progress_at = clock()
    try:
        asyncio.run(runner.process(cast(Any, [_message(v) for v in (1, 2, 3)])))
        assert runner.applied == 3
        # Holding the batch: making progress, however long it takes (it was 40, 80, 120).
        assert ages_while_applying == [0.0, 0.0, 0.0]
        # Done with it at 1,120 s: counted from there, not from the fetch at 1,000 s.
        assert runner.fetch_age() == 0.0
        clock.now += 61.0  # then nothing from JetStream for 61 s: that is a stall
        assert runner.fetch_age() == 61.0
    finally:
        engine.dispose()
