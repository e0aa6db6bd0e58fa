"""Platform benchmark: raw baselines beside the kernel's rates, from one run on this machine.

(a) raw: JetStream publish with nats-py (pipelined publish_async), pull-consume (fetch + ack),
    SQLite insert with one row per transaction (same pragmas as the kernel);
(b) kernel: events appended through UnitOfWork + event store + outbox, relay publish rate,
    consumer projection rate (the reporting service's religion projection);
(c) each as a ratio to its baseline. Targets: append ≥ 30 %, relay and projection ≥ 50 %.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import nats
from sqlalchemy import Column, Connection, Date, Float, MetaData, String, Table, insert

from bench.common import Timer, private_nats, raw_pull_consume, report, report_time, temp_dir
from bench.sample import SITE, Site, SiteRegistered, raw_connection, raw_sqlite, registry
from shared.adminunits import load_catalogue
from shared.aggregate import CommandContext, UnitOfWork
from shared.consumer import Projection
from shared.envelope import EventEnvelope, EventRegistry, PendingEvent, new_envelope
from shared.relay import headers_for
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.streams import ensure_stream, stream_config

projection_metadata = MetaData()
sites = Table(
    "bench_sites",
    projection_metadata,
    Column("site_code", String(50), primary_key=True),
    Column("commune_code", String(10), nullable=False, index=True),
    Column("registered_on", Date, nullable=False),
    Column("land_area_m2", Float),
)


def _sites_registered(conn: Connection, events: list[EventEnvelope]) -> None:
    conn.execute(
        insert(sites),
        [
            {
                "site_code": event.payload["code"],
                "commune_code": event.payload["commune_code"],
                "registered_on": event.occurred_at.date(),
                "land_area_m2": event.payload["land_area_m2"],
            }
            for event in events
        ],
    )


def sites_projection() -> Projection:
    return Projection(
        "sites",
        "religion",
        tables=[sites],
        batch_handler=_sites_registered,
        batch_event_types=["SiteRegistered"],
    )


N = 20_000
SAMPLE_PAYLOAD = {"code": "HP-0001", **SITE}


def _message(n: int) -> EventEnvelope:
    """The same envelope the kernel publishes, so both sides move the same bytes."""
    now = datetime.now(UTC)
    return EventEnvelope(
        event_id=uuid4(),
        event_type="SiteRegistered",
        schema_version=1,
        service="raw",
        aggregate_type="site",
        aggregate_id=f"S{n:06d}",
        aggregate_version=1,
        occurred_at=now,
        recorded_at=now,
        actor="bench",
        department=None,
        unit_code="11755",
        correlation_id=uuid4().hex,
        position=n + 1,
        payload={**SAMPLE_PAYLOAD, "code": f"S{n:06d}"},
    )


async def raw_publish(url: str, root: str) -> float:
    client = await nats.connect(url)
    js = client.jetstream()
    await ensure_stream(js, stream_config(root, "raw"))
    messages = [_message(n) for n in range(N)]
    bodies = [
        (m.to_json(), headers_for(str(m.event_id), m.event_type, m.correlation_id))
        for m in messages
    ]
    with Timer() as timer:
        futures = [
            await js.publish_async(f"{root}.raw.site.SiteRegistered", body, headers=headers)
            for body, headers in bodies
        ]
        await asyncio.gather(*futures)
    await client.close()
    return report("raw nats-py pipelined publish", N, timer.seconds)


async def raw_consume(url: str, root: str) -> float:
    stream = stream_config(root, "raw").name
    assert stream is not None
    seconds = await raw_pull_consume(url, stream, N)
    return report("raw nats-py pull consume (fetch 256 + ack)", N, seconds)


def raw_sqlite_kernel_schema(path: Path) -> float:
    """The same raw loop on the kernel's own tables (event row + outbox row, their indexes):
    what the schema itself costs, apart from the Python around it."""
    conn = raw_connection(path, kernel_schema=True)
    body = json.dumps(SAMPLE_PAYLOAD, ensure_ascii=False, separators=(",", ":"))
    with Timer() as timer:
        for n in range(N):
            conn.execute("BEGIN IMMEDIATE")
            position = conn.execute(
                "INSERT INTO events (event_id, event_type, schema_version, aggregate_type,"
                " aggregate_id, aggregate_version, occurred_at, recorded_at, actor, unit_code,"
                " payload) VALUES (?, 'SiteRegistered', 1, 'site', ?, 1, ?, datetime('now'),"
                " 'bench', '11755', ?) RETURNING position",
                (str(uuid4()), f"S{n}", "2023-03-01 00:00:00.000000", body),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO outbox (position, subject) VALUES (?, ?)",
                (position, "bench.religion.site.SiteRegistered"),
            )
            conn.execute("COMMIT")
    conn.close()
    return report("raw sqlite3, kernel schema (event + outbox row)", N, timer.seconds)


def kernel_store_append(runtime: ServiceRuntime, baseline: float, schema_rate: float) -> None:
    """The event store and outbox alone, one event per transaction (the target's figure)."""
    with Timer() as timer:
        for n in range(N):
            event = SiteRegistered(**{**SAMPLE_PAYLOAD, "code": f"A{n:06d}"})
            envelope = new_envelope(
                service="religion",
                aggregate_type="site",
                aggregate_id=f"A{n:06d}",
                aggregate_version=1,
                pending=PendingEvent(event, datetime(2023, 3, 1, tzinfo=UTC)),
                actor="bench",
                department=None,
                correlation_id=None,
                causation_id=None,
                recorded_at=datetime.now(UTC),
            )
            with runtime.connections.transaction() as conn:
                runtime.store.append(conn, [envelope], 0, loaded_in_transaction=True)
    report(
        "kernel append (event store + outbox, 1 event/transaction)",
        N,
        timer.seconds,
        baseline,
        "≥ 30%",
    )
    per_second = N / timer.seconds
    print(
        f"  {'':<52} {'':>9}    {'':8}   {'':>10}    ({per_second / schema_rate:6.1%}"
        " of raw sqlite3 on the kernel schema)",
        flush=True,
    )


def _register(uow: UnitOfWork, code: str) -> None:
    site = uow.load(Site, code)
    site.register(SiteRegistered(**{**SAMPLE_PAYLOAD, "code": code}))
    uow.save(site)


def kernel_append(runtime: ServiceRuntime, baseline: float) -> None:
    """A whole command per transaction: load the aggregate, decide, store event and outbox."""
    context = CommandContext(actor="bench")
    with Timer() as timer:
        for n in range(N):
            runtime.execute(context, _register, f"S{n:06d}")
    report("full command (load + decide + append), for reference", N, timer.seconds, baseline)


async def kernel_relay(runtime: ServiceRuntime, baseline: float) -> None:
    """The relay's publish path alone, connection already up: outbox rows to acked events."""
    stop = asyncio.Event()
    await runtime.link.connect_forever(stop, runtime._on_connect)
    with Timer() as timer:
        published = await runtime.relay.publish_pending()
    await runtime.link.close()
    report(
        "kernel relay publish (outbox → JetStream, acked, marked)",
        published,
        timer.seconds,
        baseline,
        "≥ 50%",
    )


async def kernel_projection(settings: Settings, baseline: float) -> None:
    """Consumer throughput once running (connection and consumer creation excluded)."""
    runtime = ServiceRuntime(
        settings,
        EventRegistry("reporting"),
        metadata=[projection_metadata],
        projections=[sites_projection()],
    )
    consumer = runtime.consumers[0]
    await runtime.start()
    while consumer.applied == 0:
        await asyncio.sleep(0.001)
    started, first = time.perf_counter(), consumer.applied
    deadline = time.monotonic() + 120
    while consumer.applied < 2 * N and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    seconds = time.perf_counter() - started
    await runtime.stop()
    report(
        "kernel consumer projection (exactly-once, SQLite)",
        consumer.applied - first,
        seconds,
        baseline,
        "≥ 50%",
    )


def catalogue_load() -> None:
    with Timer() as timer:
        catalogue = load_catalogue()
    units = len(catalogue.units(date(2023, 6, 1))) + len(catalogue.units(date(2025, 8, 1)))
    report_time(f"unit catalogue load, whole country ({units} units in two eras)", timer.seconds)


async def run() -> None:
    with private_nats() as server, temp_dir() as tmp:
        root = "bench"
        print("  (a) raw baselines")
        publish_rate = await raw_publish(server.url, root)
        consume_rate = await raw_consume(server.url, root)
        sqlite_rate = raw_sqlite(tmp / "raw.db", N)
        schema_rate = raw_sqlite_kernel_schema(tmp / "raw-schema.db")
        base = {
            "nats_url": server.url,
            "subject_root": root,
            "log_level": "WARNING",
            "relay_poll_interval_s": 0.05,
        }
        religion = ServiceRuntime(
            Settings.for_service("religion", database_url=f"sqlite:///{tmp}/religion.db", **base),
            registry,
        )
        religion.create_schema()
        print("  (b, c) the kernel, each beside its baseline")
        catalogue_load()
        kernel_store_append(religion, sqlite_rate, schema_rate)
        kernel_append(religion, sqlite_rate)
        await kernel_relay(religion, publish_rate)
        await kernel_projection(
            Settings.for_service("reporting", database_url=f"sqlite:///{tmp}/reporting.db", **base),
            consume_rate,
        )


def main() -> None:
    from shared.logs import configure_logging

    configure_logging("WARNING")
    asyncio.run(run())


if __name__ == "__main__":
    main()
