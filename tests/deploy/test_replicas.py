"""Two replicas of the reporting service share one database and one durable consumer.

Both processes pull from the same durable consumer and share the work; under a stream of
religion events every event is projected exactly once: one processed-event record per
consumer, and across both processes the "applied" counters add up to the events sent.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import nats
from nats.js import JetStreamContext
from sqlalchemy import create_engine, func, select

from shared.adminunits import HAI_PHONG, default_catalogue
from shared.consumer import dead_letters_table, processed_events_table
from shared.envelope import EventEnvelope
from shared.natsserver import NatsServer, free_port
from shared.settings import stream_name_for
from shared.streams import stream_config
from tests.deploy.processes import ServiceProcess
from tests.integration.helpers import eventually

EVENTS = 240
ON = date(2023, 3, 1)  # the three-level structure: communes have districts


def _site_registered(n: int, commune: str, district: str | None) -> EventEnvelope:
    """A SiteRegistered as docs/events.md fixes its payload."""
    code = f"CS-{n:04d}"
    return EventEnvelope(
        event_id=uuid4(),
        event_type="SiteRegistered",
        schema_version=1,
        service="religion",
        aggregate_type="site",
        aggregate_id=code,
        aggregate_version=1,
        occurred_at=datetime(2023, 2, 1 + n % 28, tzinfo=UTC),
        recorded_at=datetime.now(UTC),
        actor="can-bo-tiep-nhan",
        unit_code=commune,
        payload={
            "code": code,
            "name": f"Chùa số {n}",
            "religion": "Phật giáo",
            "commune_code": commune,
            "district_code": district,
            "address": "Thôn Đông",
            "land_area_m2": 1200.0,
            "land_use_origin": None,
        },
    )


def _events() -> list[EventEnvelope]:
    catalogue = default_catalogue()
    communes = catalogue.units(ON, "commune", HAI_PHONG)
    events = []
    for n in range(EVENTS):
        commune = communes[n % len(communes)]
        district = catalogue.district_of(commune.code, ON)
        events.append(_site_registered(n, commune.code, district.code if district else None))
    return events


async def _publish(js: JetStreamContext, subject_root: str, events: list[EventEnvelope]) -> None:
    # In waves, as commands arrive, so both replicas have pull requests waiting.
    for start in range(0, len(events), 20):
        acks = [
            await js.publish_async(
                e.subject(subject_root), e.to_json(), headers={"Nats-Msg-Id": str(e.event_id)}
            )
            for e in events[start : start + 20]
        ]
        await asyncio.gather(*acks)
        await asyncio.sleep(0.05)


async def _waiting_pull_requests(js: JetStreamContext, stream: str) -> dict[str, int]:
    return {info.name: info.num_waiting or 0 for info in await js.consumers_info(stream)}


async def test_two_replicas_share_one_durable_consumer_and_project_each_event_once(
    shared_postgres_url: str, nats_server: NatsServer, subject_root: str, tmp_path: Path
) -> None:
    client = await nats.connect(nats_server.url)
    js = client.jetstream()
    stream = stream_name_for(subject_root, "religion")
    await js.add_stream(stream_config(subject_root, "religion"))
    env = {
        "REPORTING_DATABASE_URL": shared_postgres_url,
        "NATS_URL": nats_server.url,
        "SUBJECT_ROOT": subject_root,
        "ENVIRONMENT": "test",
        "CONSUMER_BATCH_SIZE": "8",
        # INFO: the server's own lines (uvicorn's «Application shutdown complete», checked
        # below) go through the service's logging and its level since dc7045f.
        "LOG_LEVEL": "INFO",
    }
    replicas = [
        ServiceProcess("reporting", free_port(), env, tmp_path / f"replica-{i}.log")
        for i in (1, 2)
    ]
    engine = create_engine(shared_postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        # Started together, as `docker compose up --scale reporting=2` does.
        for replica in replicas:
            replica.start()
        for replica in replicas:
            replica.wait_healthy()

        async def both_pulling() -> bool:
            waiting = await _waiting_pull_requests(js, stream)
            return bool(waiting) and all(count >= 2 for count in waiting.values())

        await eventually(both_pulling, timeout=60)
        durables = sorted(await _waiting_pull_requests(js, stream))

        events = _events()
        await _publish(js, subject_root, events)
        ids = [str(e.event_id) for e in events]

        def processed() -> dict[str, int]:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(processed_events_table.c.consumer, func.count())
                    .where(processed_events_table.c.event_id.in_(ids))
                    .group_by(processed_events_table.c.consumer)
                ).all()
            return {str(consumer): int(count) for consumer, count in rows}

        await eventually(lambda: processed() == {d: EVENTS for d in durables}, timeout=60)
        with engine.connect() as conn:
            dead = conn.execute(select(func.count()).select_from(dead_letters_table)).scalar()
        applied: dict[str, list[float]] = {
            durable: [r.counter("danvan_events_projected", consumer=durable) for r in replicas]
            for durable in durables
        }
    finally:
        for replica in replicas:
            replica.stop()
        engine.dispose()
        await client.close()

    assert durables, "the reporting service consumes the religion stream"
    assert dead == 0
    for durable, per_replica in applied.items():
        assert sum(per_replica) == EVENTS, f"{durable}: each event applied once in all"
        assert all(count > 0 for count in per_replica), f"{durable}: both replicas worked"
    for replica in replicas:
        # uvicorn re-raises SIGTERM after its graceful shutdown, so the log tells, not the code.
        assert "Application shutdown complete" in replica.log()


