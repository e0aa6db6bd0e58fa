"""Indicators benchmark: recomputing every indicator at national scale, on SQLite.

The country's 3,321 communes of the two-level structure (34 provinces), 30,000 religious sites
(40 % with a dossier, some withdrawn, 10 % with a certificate), two heads per commune and per
province, 100,000 dialogue sessions and 5,000 "Dân vận khéo" models, all in the first half of
2026. The events go through the projection handlers the way a replay does (already evaluated,
so facts only), then the four indicators, defined for the whole country, are recomputed for
every unit on 30/06/2026: the figure, its status and its evidence. Last, what one live event
costs: the handler re-evaluates and announces for the units the event can move.

Then the live path, evaluated once per consumed batch with I3 and I4 kept counted: one batch of
fresh religion events (the process's second: the first reads the stored counts, the next ones
start from those the last left in memory) beside what one event cost the old way (I3 and I4
recomputed in full),
and the catch-up after an outage: religion records 10,000 events while NATS is stopped, NATS
starts again, its relay publishes them and the indicators consumer applies and evaluates them,
beside a raw nats-py consumer of the same 10,000 messages. The indicators service is a running
one, live before the outage: a live event was applied and evaluated before NATS stopped, so the
catch-up does not pay the process's first batch (the stored counts read and rolled up the
national tree, the definitions and statuses loaded); what that live event cost the freshly
started process is printed beside it, for information. Religion runs in a process of its
own, as deployed (`make run`, the container stack): its relay's publishing is not the
indicators process's work, and sharing one interpreter with it made the consumer wait for it.

`BENCH_DATABASE_URL` runs it on PostgreSQL instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from multiprocessing.synchronize import Event as EventType
from uuid import uuid4

from sqlalchemy import delete, insert, select

from bench.common import Timer, private_nats, raw_pull_consume, report, report_time, temp_dir
from services.indicators.adapters.definitions import load_definitions
from services.indicators.adapters.tables import evaluated_events, metadata, write_metadata
from services.indicators.application.announce import Statuses, evaluate_definition, joined_uow
from services.indicators.application.compute import FactCache, compute, scope_tree
from services.indicators.application.projections import all_projections
from services.indicators.domain.definitions import PLAN_I1_FIELDS, Definition
from services.indicators.domain.events import registry
from services.indicators.domain.model import Indicator
from services.religion.domain.events import registry as religion_registry
from shared.adminunits import default_catalogue
from shared.aggregate import CommandContext, UnitOfWork
from shared.clock import today_vn
from shared.envelope import EventEnvelope, as_business_time
from shared.eventstore import EventStore, outbox_table
from shared.natsserver import NatsServer
from shared.runtime import ServiceRuntime
from shared.settings import Settings, stream_name_for
from shared.streams import durable_drained
from tools.published import as_published

SITES = 30_000
SESSIONS = 100_000
MODELS = 5_000
YEAR = 2026
ON = date(YEAR, 6, 30)
FIELDS = ("new_rural", "exemplary_rural", "urban", "digital_transformation", "other")
BATCH = 500


def main() -> None:
    with temp_dir() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'indicators.db'}"
        settings = Settings.for_service(
            "indicators", database_url=url, subject_root="bench", log_level="WARNING"
        )
        store = EventStore(settings.service, settings.subject_root)
        runtime = ServiceRuntime(
            settings, registry, metadata=[metadata, write_metadata],
            projections=all_projections(store),
        )
        runtime.create_schema()
        try:
            _run(runtime, store)
        finally:
            runtime.engine.dispose()


def _run(runtime: ServiceRuntime, store: EventStore) -> None:
    catalogue = default_catalogue()
    provinces = [p.code for p in catalogue.units(ON, "province")]
    communes = [c.code for c in catalogue.units(ON, "commune")]
    print(f"  scope: {len(provinces)} provinces, {len(communes)} communes on {ON:%d/%m/%Y}")
    definitions = _define(runtime, tuple(provinces))

    events = list(_events(random.Random(2023), provinces, communes))
    _mark_evaluated(runtime, events)
    projections = {c.projection.source_service: c.projection for c in runtime.consumers}
    with Timer() as replay:
        for start in range(0, len(events), BATCH):
            with runtime.engine.begin() as conn:
                for source, some in _by_source(events[start : start + BATCH]):
                    projections[source].apply(conn, some)
    report("events replayed into the fact tables", len(events), replay.seconds)

    tree = scope_tree(tuple(provinces), ON)
    as_of = datetime.now(UTC)
    total = 0.0
    with runtime.engine.connect() as conn:
        for definition in definitions:
            with Timer() as timer:
                figures = compute(conn, definition, ON, as_of)
            total += timer.seconds
            counted = figures.total
            report(
                f"{definition.indicator_id} recomputed for every unit "
                f"({counted.numerator:,}/{counted.denominator:,})",
                len(figures.figures), timer.seconds,
            )
    report_time(f"all 4 indicators, {len(tree.units):,} units each", total)

    today = today_vn()  # what the live path evaluates at (the period runs to 31/12)
    for label in ("first evaluation, every status announced",
                  "evaluation again, nothing changed"):
        with Timer() as timer:
            announced = 0
            for definition in definitions:
                with runtime.uow(CommandContext(actor="bench")) as uow:
                    announced += len(evaluate_definition(
                        Statuses(uow), definition, None, cause="bench", today=today))
                    uow.commit()
        report(f"{label} ({announced:,} events)", len(tree.units) * 4, timer.seconds)

    # A service holds no national evidence lists: what the sections above kept is let go,
    # so the collector's passes during the live path cost what they cost in the service.
    del figures, events
    gc.collect()
    _live_batch(runtime, store, definitions, communes, today)
    _outage(runtime.settings, store, communes)


def _by_source(events: list[EventEnvelope]) -> Iterator[tuple[str, list[EventEnvelope]]]:
    """Runs of consecutive events of one source, in order (each consumer's own batches)."""
    start = 0
    for index in range(1, len(events) + 1):
        if index == len(events) or events[index].service != events[start].service:
            yield events[start].service, events[start:index]
            start = index


def _fresh_religion(rng: random.Random, communes: list[str], count: int, tag: str,
                    on: date) -> list[EventEnvelope]:
    """New sites and their dossiers, as religion records them live."""
    events: list[EventEnvelope] = []
    for n in range(count // 2):
        code = f"{tag}{n:05d}"
        events.append(_site_registered(code, rng.choice(communes), on))
        events.append(_envelope("religion", "dossier", code, "LandDossierLodged",
                                {"site_code": code, "state": "lodged", "note": "",
                                 "document_refs": []}, on))
    return events


def _live_batch(runtime: ServiceRuntime, store: EventStore, definitions: list[Definition],
                communes: list[str], today: date) -> None:
    """One consumed batch of religion events, evaluated once with I3 and I4 kept counted,
    beside one event the old way: I3 and I4 recomputed in full for the units it moves."""
    sites = [d for d in definitions if d.source == "religion"]
    with Timer() as old, runtime.engine.begin() as conn:
        statuses = Statuses(joined_uow(conn, store))
        cache: FactCache = {}
        for definition in sites:
            evaluate_definition(statuses, definition, [communes[0]], cause="bench",
                                today=today, cache=cache)
    report_time("baseline: one live event the old way (I3, I4 in full)", old.seconds)
    size = runtime.settings.consumer_batch_size
    religion = next(c.projection for c in runtime.consumers
                    if c.projection.source_service == "religion")
    # The process's first batch reads the counts and rolls them up the national tree; the
    # next ones start from the counts the last one left in memory (live.KeptCounts).
    first = _fresh_religion(random.Random(1), communes, size, "FIRST", ON)
    with Timer() as cold, runtime.engine.begin() as conn:
        religion.apply(conn, first)
    report_time(f"the process's first batch of {len(first)} (counts read)", cold.seconds)
    batch = _fresh_religion(random.Random(1), communes, size, "LIVE", ON)
    with Timer() as timer, runtime.engine.begin() as conn:
        announced = religion.apply(conn, batch)
    report(f"one live batch, I3 and I4 counted ({len(announced)} announced)", len(batch),
           timer.seconds)
    report_time(f"  the batch of {len(batch)} events, evaluated once", timer.seconds,
                target=f"<= 50 ms; old way x {len(batch)} = "
                       f"{old.seconds * len(batch):,.1f} s")


OUTAGE_EVENTS = 10_000


def _outage(settings: Settings, store: EventStore, communes: list[str]) -> None:
    """Religion records 10,000 events while NATS is stopped; NATS starts again: how fast the
    indicators service catches up (relay, consumer, facts, live evaluation), beside a raw
    nats-py consumer of the same messages. The indicators service was live before the outage
    (one live event applied and evaluated, its cost printed): the issue's scenario is a
    running service, not one started for the catch-up."""
    with private_nats() as server, temp_dir() as tmp:
        religion_settings = Settings.for_service(
            "religion", database_url=f"sqlite:///{tmp / 'religion.db'}",
            subject_root=settings.subject_root, nats_url=server.url, log_level="WARNING")
        religion = ServiceRuntime(religion_settings, religion_registry)
        religion.create_schema()
        indicators = ServiceRuntime(
            settings.model_copy(update={"nats_url": server.url}), registry,
            metadata=[metadata, write_metadata], projections=all_projections(store))
        events = _fresh_religion(random.Random(2), communes, OUTAGE_EVENTS, "OUT", ON)
        warm = _fresh_religion(random.Random(3), communes, 2, "WARM", ON)[:1]
        _quiet(indicators)
        with _religion_service(religion_settings):
            (warm_wall, warm_cpu), (first, last, started, cpu) = asyncio.run(
                _outage_run(server, religion, indicators, warm, events))
        religion.engine.dispose()
        report_time("the live event before the outage, recorded to applied", warm_wall)
        report_time("  its CPU (the fresh process's first batch: counts read)", warm_cpu)
        report_time("after NATS is back, until the first batch is applied", first - started)
        catch_up = report("catch-up after an outage: relay, consumer, I3/I4 live",
                          len(events), last - started)
        print(f"  {'  the indicators process CPU per event meanwhile':<56}"
              f"{cpu / len(events) * 1e6:8.1f} us", flush=True)
        raw = asyncio.run(raw_pull_consume(
            server.url, stream_name_for(religion.settings.subject_root, "religion"), len(events)))
        report("baseline: raw nats-py pull consume of the same events", len(events), raw)
        print(f"  catch-up {catch_up:,.0f}/s = {catch_up * raw / len(events):.1%} of the raw "
              "consume rate (target >= 5,000 events/s; the service live before the outage)",
              flush=True)


@contextlib.contextmanager
def _religion_service(settings: Settings) -> Iterator[None]:
    """The religion service (its relay) in a process of its own while the block runs, as it is
    deployed; started before the block, stopped after it."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    child = context.Process(target=_serve_religion, args=(settings, ready, stop), daemon=True)
    child.start()
    try:
        while not ready.wait(0.1):
            if not child.is_alive():
                raise RuntimeError(f"the religion service ended ({child.exitcode})")
        yield
    finally:
        stop.set()
        child.join(15)
        if child.is_alive():
            child.kill()
            child.join()


def _serve_religion(settings: Settings, ready: EventType, stop: EventType) -> None:
    runtime = ServiceRuntime(settings, religion_registry)

    async def serve() -> None:
        await runtime.start()
        ready.set()
        await asyncio.to_thread(stop.wait)
        await runtime.stop()

    asyncio.run(serve())


async def _outage_run(
    server: NatsServer, religion: ServiceRuntime, indicators: ServiceRuntime,
    warm: list[EventEnvelope], events: list[EventEnvelope],
) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """((the live `warm` events recorded to applied, the process's CPU seconds meanwhile),
    (first batch of `events` applied, last applied, NATS started, the process's CPU seconds
    from then to the last))."""
    await indicators.start()
    consumer = next(c for c in indicators.consumers
                    if c.projection.source_service == "religion")

    async def drained() -> None:
        while indicators.link.js is None or await durable_drained(
                indicators.link.js, consumer.stream, consumer.durable) is not True:
            await asyncio.sleep(0.05)

    try:
        await drained()
        # A running service, live before the outage: its first batch (the stored counts read
        # and rolled up, the definitions and statuses loaded) is behind it.
        before = consumer.applied
        warm_started, warm_cpu = time.perf_counter(), time.process_time()
        await asyncio.to_thread(_record, religion, warm)
        while consumer.applied < before + len(warm):
            await asyncio.sleep(0.005)
        warmed = (time.perf_counter() - warm_started, time.process_time() - warm_cpu)
        await drained()  # acked: nothing of it comes back after the outage
        server.stop()
        await asyncio.to_thread(_record, religion, events)
        before = consumer.applied
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.to_thread(server.start)
        first = 0.0
        while consumer.applied < before + len(events):
            await asyncio.sleep(0.01)
            if not first and consumer.applied > before:
                first = time.perf_counter()
        return warmed, (first, time.perf_counter(), started, time.process_time() - cpu)
    finally:
        await indicators.stop()


def _quiet(indicators: ServiceRuntime) -> None:
    """The earlier sections' own events are not this measurement's: neither published again
    (the announcements of the national evaluations) nor evaluated again (the definitions)."""
    with indicators.engine.begin() as conn:
        conn.execute(delete(outbox_table))
        done = set(conn.execute(select(evaluated_events.c.event_id)).scalars())
        own = [e for e in indicators.store.read_all(conn) if str(e.event_id) not in done]
    _mark_evaluated(indicators, own)


def _record(religion: ServiceRuntime, events: list[EventEnvelope]) -> None:
    """As religion's commands would: events and outbox rows, published by its relay."""
    store = religion.store
    with religion.engine.begin() as conn:
        store.append_many(conn, events)


def _define(runtime: ServiceRuntime, provinces: tuple[str, ...]) -> list[Definition]:
    start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)
    plans: list[Definition] = []
    for indicator_id, method, target, fixed in (
        ("I1", "model_coverage", 100, None),
        ("I2", "dialogue_heads", 100, None),
        ("I3", "sites_with_dossier", 40, SITES),
        ("I4", "sites_with_certificate", 10, SITES),
    ):
        plans.append(Definition(
            indicator_id=indicator_id, year=YEAR, name=f"{indicator_id} toàn quốc",
            method=method, comparator="ge", target_percent=target,  # type: ignore[arg-type]
            denominator_fixed=fixed, numerator_text="", denominator_text="",
            scope=provinces, period_start=start, period_end=end,
            qualifying_fields=PLAN_I1_FIELDS if method == "model_coverage" else (),
        ))
    def define_all(uow: UnitOfWork) -> None:
        for definition in plans:
            indicator = uow.load(Indicator, definition.key)
            indicator.define(definition, start)
            uow.save(indicator)

    runtime.execute(CommandContext(actor="bench"), define_all)
    with runtime.engine.connect() as conn:
        return [load_definitions(conn)[(d.indicator_id, YEAR)] for d in plans]


def _envelope(
    service: str, aggregate: str, key: str, event_type: str, payload: dict[str, object],
    on: date,
) -> EventEnvelope:
    occurred = as_business_time(on)
    return EventEnvelope(
        event_id=uuid4(), event_type=event_type, schema_version=1, service=service,
        aggregate_type=aggregate, aggregate_id=key, aggregate_version=1, occurred_at=occurred,
        recorded_at=occurred + timedelta(hours=10), actor="bench",
        payload=as_published(service, event_type, 1, dict(payload), on),
    )


def _site_registered(code: str, commune: str, on: date) -> EventEnvelope:
    return _envelope("religion", "site", code, "SiteRegistered", {
        "code": code, "name": f"Cơ sở {code}", "religion": "Phật giáo",
        "commune_code": commune, "district_code": None, "address": "",
        "land_area_m2": 800.0, "land_use_origin": None,
    }, on)


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _events(
    rng: random.Random, provinces: list[str], communes: list[str]
) -> Iterator[EventEnvelope]:
    jan, june = date(YEAR, 1, 1), ON
    for n in range(SITES):
        code = f"CS{n:05d}"
        yield _site_registered(code, rng.choice(communes), date(2024, 1, 1))
        roll = rng.random()
        if roll < 0.45:
            lodged = _day(rng, date(2025, 1, 1), june)
            yield _envelope("religion", "dossier", code, "LandDossierLodged",
                            {"site_code": code, "state": "lodged", "note": "",
                             "document_refs": []}, lodged)
            if roll < 0.05:
                yield _envelope("religion", "dossier", code, "DossierWithdrawn",
                                {"site_code": code, "state": "withdrawn", "note": "",
                                 "document_refs": []}, lodged + timedelta(days=10))
            elif roll < 0.15:
                yield _envelope("religion", "certificate", code, "CertificateIssued",
                                {"site_code": code, "certificate_number": f"GCN{n}",
                                 "issued_on": (lodged + timedelta(days=60)).isoformat(),
                                 "issuing_authority": "Sở Nông nghiệp và Môi trường",
                                 "certified_area_m2": 780.0}, lodged + timedelta(days=60))
    heads: dict[str, list[str]] = {}
    for unit in [*provinces, *communes]:
        for role in ("party_secretary", "people_committee_chair"):
            head_id = f"{role[:2]}-{unit}"
            heads.setdefault(unit, []).append(head_id)
            yield _envelope("dialogue", "head", head_id, "HeadTookOffice", {
                "head_id": head_id, "unit_code": unit, "role": role,
                "full_name": f"Người đứng đầu {unit}", "from_date": "2025-07-01",
            }, date(2025, 7, 1))
    yield _envelope("dialogue", "rule", "commune", "DialogueRuleSet",
                    {"level": "commune", "min_sessions_per_year": 2,
                     "effective_from": jan.isoformat()}, jan)
    units = list(heads)
    for n in range(SESSIONS):
        unit = rng.choice(units)
        held = _day(rng, jan, june)
        yield _envelope("dialogue", "session", f"DT{n:06d}", "SessionHeld", {
            "session_id": f"DT{n:06d}", "unit_code": unit,
            "head_ids": rng.sample(heads[unit], rng.choice((1, 2))), "held_on": held.isoformat(),
        }, held)
    for n in range(MODELS):
        started = _day(rng, date(2024, 1, 1), june)
        yield _envelope("indicators", "model", f"MH{n:05d}", "ModelRegistered", {
            "model_id": f"MH{n:05d}", "unit_code": rng.choice(communes),
            "field": rng.choice(FIELDS), "title": f"Mô hình {n}",
            "started_on": started.isoformat(), "recognition_level": "none", "status": "building",
        }, started)


def _mark_evaluated(runtime: ServiceRuntime, events: list[EventEnvelope]) -> None:
    """As on a replay: these events' status consequences were announced long ago."""
    now = datetime.now(UTC)
    with runtime.engine.begin() as conn:
        conn.execute(insert(evaluated_events), [
            {"event_id": str(e.event_id), "source_service": e.service, "evaluated_at": now}
            for e in events
        ])


if __name__ == "__main__":
    main()
