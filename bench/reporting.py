"""Reporting: rebuild the projections from a million events; serve a national report.

A year's half of national activity in the two-level structure (3,321 communes, 2026) is
published onto the religion, dialogue and indicators streams of a private nats-server. Then:

1. the raw nats-py pull-consume rate of those messages (fetch 256 + ack each), the baseline;
2. the reporting service's projections built from nothing (what a rebuild does) on SQLite;
3. the national report of the 6-month period as the API serves it: every figure of every
   unit, beside the previous period (target < 500 ms): the first request after the service's
   start-up (and its warm-up), then after each of a few new facts (an issue raised at a Hai
   Phong commune, written by the projection: the report is computed again), and served again
   from unchanged facts; the same for Hai Phong;
   the same period's report while it still runs (`RUNNING_DAYS`, counted up to the day): the
   first request and after a new fact, counted from the facts as before (the same run), and
   from the chunk figures and the days between the day and the nearer chunk end
   (`chunk_tail.py`);
4. a rebuild as the running service does it (`POST /api/v1/admin/rebuild-projections`): a
   new generation of the tables built beside the live ones, to its switch; the switch's own
   time, and the national report served from the live tables meanwhile.

`BENCH_REPORTING_EVENTS` changes the number of events (default 1,000,000).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock
from uuid import UUID

import nats
from nats.js.api import AckPolicy, ConsumerConfig

from bench.common import Timer, private_nats, report, report_time, temp_dir
from services.reporting.api.routes import json_response
from services.reporting.app import create_runtime
from services.reporting.application import figures as figures_module
from services.reporting.application.reports import build_report
from services.reporting.application.views import require_unit, units_document
from services.reporting.application.warmup import warm_up_now
from services.reporting.domain.chunks import ChunkReading, chunk_reading, has_default_window
from services.reporting.domain.periods import Period
from services.reporting.outputs.documents import FORMATS
from shared.adminunits import HAI_PHONG, default_catalogue
from shared.envelope import EventEnvelope
from shared.errors import DomainError
from shared.planrules import PLAN_TARGETS
from shared.runtime import ServiceRuntime
from shared.settings import Settings, stream_name_for
from shared.streams import durable_drained, ensure_stream, stream_config
from tools.published import as_published

ROOT = "bench"
SOURCES = ("religion", "dialogue", "indicators")
START = date(2025, 12, 15)  # the data window of the 2026 six-month report
DAYS = 181
FIELDS = ("new_rural", "exemplary_rural", "urban", "digital_transformation", "other")
RNG_SEED = 20230101


#: The state each dossier step sets (services/religion/domain/workflow.py's transitions).
_STATE_SET = {"LandDossierLodged": "lodged", "DossierRequisitioned": "requisitioned",
              "DossierResubmitted": "lodged", "DossierAccepted": "accepted",
              "DossierRejected": "rejected"}


def _envelope_json(
    service: str, aggregate: str, aggregate_id: str, version: int, event_type: str, on: date,
    payload: dict[str, Any], unit: str | None, number: int,
) -> bytes:
    occurred = datetime(on.year, on.month, on.day, tzinfo=UTC)
    recorded = occurred + timedelta(days=1, hours=2)
    return json.dumps({
        "event_id": str(UUID(int=number + 1)), "event_type": event_type, "schema_version": 1,
        "service": service, "aggregate_type": aggregate, "aggregate_id": aggregate_id,
        "aggregate_version": version, "occurred_at": occurred.isoformat(),
        "recorded_at": recorded.isoformat(), "actor": "bench", "department": None,
        "unit_code": unit, "correlation_id": None, "causation_id": None, "position": None,
        # Whole, as the publisher sends it: the consumers refuse a payload short of its
        # contract (shared/contract.py).
        "payload": as_published(service, event_type, 1, payload, on),
    }, ensure_ascii=False, separators=(",", ":")).encode()


def national_events(total: int) -> Iterator[tuple[str, str, bytes]]:
    """(service, subject, body) of `total` events in realistic national proportions."""
    rng = random.Random(RNG_SEED)
    communes = [u.code for u in default_catalogue().units(date(2026, 1, 1), "commune")]
    number = 0

    def day() -> date:
        return START + timedelta(days=rng.randrange(DAYS))

    def event(service: str, aggregate: str, aggregate_id: str, version: int, event_type: str,
              on: date, payload: dict[str, Any], unit: str | None) -> tuple[str, str, bytes]:
        nonlocal number
        number += 1
        body = _envelope_json(service, aggregate, aggregate_id, version, event_type, on,
                              payload, unit, number)
        return service, f"{ROOT}.{service}.{aggregate}.{event_type}", body

    def religion() -> Iterator[tuple[str, str, bytes]]:
        for i in range(int(total * 0.03)):
            site, commune = f"S{i}", rng.choice(communes)
            yield event("religion", "site", site, 1, "SiteRegistered", day(), {
                "code": site, "name": f"Cơ sở {i}", "religion": "Phật giáo",
                "commune_code": commune, "district_code": None, "address": "",
                "land_area_m2": 900.0, "land_use_origin": ""}, commune)
            if i % 3:
                steps = ["LandDossierLodged"]
                if i % 5 == 0:
                    steps += ["DossierRequisitioned", "DossierResubmitted"]
                steps += ["DossierAccepted"] if i % 7 else ["DossierRejected"]
                for version, step in enumerate(steps, start=1):
                    yield event("religion", "dossier", site, version, step, day(),
                                {"site_code": site, "state": _STATE_SET[step]}, commune)
            if i % 3 == 1:
                yield event("religion", "certificate", site, 1, "CertificateIssued", day(), {
                    "site_code": site, "certificate_number": f"CS{i}", "issued_on": "2026-01-01",
                    "issuing_authority": "UBND", "certified_area_m2": 800.0}, commune)
        for i in range(int(total * 0.005)):
            commune = rng.choice(communes)
            yield event("religion", "compliance", f"C{i}", 1, "ComplianceCaseOpened", day(), {
                "case_id": f"C{i}", "commune_code": commune, "violation_type": "encroachment",
                "description": ""}, commune)
            if i % 5 < 3:
                yield event("religion", "compliance", f"C{i}", 2, "ComplianceCaseResolved",
                            day(), {"case_id": f"C{i}", "state": "resolved"}, commune)

    def indicators() -> Iterator[tuple[str, str, bytes]]:
        # The year's I1-I4 as the Commission records them: a year without a definition is
        # not judged (planrules.plan_targets_apply), and the bench measures judged reports.
        for indicator_id, target in PLAN_TARGETS.items():
            yield event("indicators", "indicator", f"{indicator_id}-2026", 1, "IndicatorDefined",
                        START, {"indicator_id": indicator_id, "year": 2026,
                                "comparator": target.comparator,
                                "target": float(target.target_percent)}, None)
        for i in range(int(total * 0.02)):
            commune = rng.choice(communes)
            yield event("indicators", "model", f"M{i}", 1, "ModelRegistered", day(), {
                "model_id": f"M{i}", "unit_code": commune, "field": FIELDS[i % 5],
                "title": f"Mô hình {i}", "started_on": "2026-01-01", "recognition_level": "none",
                "status": "building"}, commune)
            if i % 4 == 0:
                yield event("indicators", "model", f"M{i}", 2, "ModelRecognised", day(), {
                    "model_id": f"M{i}", "recognition_level": "city",
                    "recognised_on": "2026-03-01"}, commune)
            if i % 10 == 0:
                yield event("indicators", "contest", f"E{i}", 1, "ContestEntrySubmitted", day(),
                            {"entry_id": f"E{i}", "model_id": f"M{i}", "contest_year": 2026,
                             "title": ""}, commune)

    def dialogue(budget: int) -> Iterator[tuple[str, str, bytes]]:
        emitted = 0
        for index, commune in enumerate(communes):
            for role in ("party_secretary", "people_committee_chair"):
                head = f"H{index}-{role[0]}"
                yield event("dialogue", "head", head, 1, "HeadTookOffice", date(2025, 7, 1), {
                    "head_id": head, "unit_code": commune, "role": role, "full_name": "",
                    "from_date": "2025-07-01"}, commune)
                emitted += 1
        sessions = int(total * 0.03)
        for i in range(sessions):
            index = rng.randrange(len(communes))
            commune, session, held = communes[index], f"SES{i}", day()
            yield event("dialogue", "session", session, 1, "SessionHeld", held, {
                "session_id": session, "unit_code": commune, "head_ids": [f"H{index}-p"],
                "held_on": held.isoformat()}, commune)
            yield event("dialogue", "session", session, 2, "SessionReportFiled", held, {
                "session_id": session, "attendance": 80}, commune)
            commitment = f"K{i}"
            yield event("dialogue", "commitment", commitment, 1, "CommitmentMade", held, {
                "commitment_id": commitment, "session_id": session, "unit_code": commune,
                "responsible_agency": "UBND", "due_on": (held + timedelta(days=60)).isoformat(),
                "text": ""}, commune)
            yield event("dialogue", "commitment", commitment, 2, "CommitmentProgressUpdated",
                        held + timedelta(days=20), {"commitment_id": commitment,
                                                    "progress_pct": 50, "status": "in_progress"},
                        commune)
            emitted += 4
            if i % 2:
                yield event("dialogue", "commitment", commitment, 3, "CommitmentCompleted",
                            held + timedelta(days=40), {"commitment_id": commitment,
                                                        "completed_on": "2026-03-01"}, commune)
                emitted += 1
        i = 0
        while emitted < budget:
            commune = rng.choice(communes)
            yield event("dialogue", "issue", f"IS{i}", 1, "IssueRaised", day(), {
                "issue_id": f"IS{i}", "session_id": f"SES{i % sessions}", "unit_code": commune,
                "category": "land_and_site_clearance", "text": "", "handling": (
                    "answered_on_spot" if i % 3 else "assigned"),
                "assigned_agency": ""}, commune)
            emitted += 1
            i += 1

    fixed = list(religion()) + list(indicators())
    yield from fixed
    yield from dialogue(total - len(fixed))


async def _publish(url: str, total: int) -> Counter[str]:
    client = await nats.connect(url)
    counts: Counter[str] = Counter()
    try:
        js = client.jetstream()
        for source in SOURCES:
            await ensure_stream(js, stream_config(ROOT, source))
        for service, subject, body in national_events(total):
            # Core publish into the streams: the fastest way to load a replay log.
            await client.publish(subject, body)
            counts[service] += 1
            if counts.total() % 20_000 == 0:
                await client.flush()
        await client.flush()
        for source in SOURCES:
            name = stream_name_for(ROOT, source)
            while (await js.stream_info(name)).state.messages < counts[source]:
                await asyncio.sleep(0.2)
    finally:
        await client.close()
    return counts


async def _raw_consume(url: str, counts: Counter[str]) -> float:
    client = await nats.connect(url)
    try:
        js = client.jetstream()

        async def drain(source: str) -> None:
            stream = stream_name_for(ROOT, source)
            await js.add_consumer(stream, ConsumerConfig(
                durable_name="raw-bench", ack_policy=AckPolicy.EXPLICIT,
                max_ack_pending=1024))
            subscription = await js.pull_subscribe_bind("raw-bench", stream)
            seen = 0
            while seen < counts[source]:
                # Never ask for more than is left: a short batch would wait for its timeout.
                wanted = min(256, counts[source] - seen)
                for message in await subscription.fetch(wanted, timeout=5):
                    await message.ack()
                    seen += 1
            await subscription.unsubscribe()

        with Timer() as timer:
            await asyncio.gather(*(drain(source) for source in SOURCES))
    finally:
        await client.close()
    return timer.seconds


async def _rebuild(runtime: ServiceRuntime) -> tuple[float, float]:
    """From empty tables to every event projected; returns the seconds it took and the CPU
    seconds this process spent meanwhile (the service's share: NATS is a process of its own)."""
    started, cpu = time.perf_counter(), time.process_time()
    await runtime.start()
    while True:
        await asyncio.sleep(0.25)
        js = runtime.link.js
        if js is None:
            continue
        try:
            drained = [await durable_drained(js, consumer.stream, consumer.durable)
                       for consumer in runtime.consumers]
        except Exception:
            continue
        if all(drained):
            return time.perf_counter() - started, time.process_time() - cpu


def _new_fact(runtime: ServiceRuntime, number: int, commune: str) -> None:
    """One more issue raised at a commune, written by the dialogue projection as a consumed
    event would be: its fact, its chunk figures and the source's mark."""
    projection = next(c.projection for c in runtime.consumers
                      if c.projection.source_service == "dialogue")
    assert projection.batch_handler is not None
    envelope = EventEnvelope.from_json(_envelope_json(
        "dialogue", "issue", f"NEW{number}", 1, "IssueRaised", START + timedelta(days=100), {
            "issue_id": f"NEW{number}", "session_id": "SES0", "unit_code": commune,
            "category": "land_and_site_clearance", "text": "", "handling": "assigned",
            "assigned_agency": ""},
        commune, 10**9 + number))
    with runtime.engine.begin() as conn:
        projection.batch_handler(conn, [envelope])


def _serve(
    runtime: ServiceRuntime, scope: str, commune: str, rounds: int
) -> tuple[float, float, float, int]:
    """What `GET /api/v1/reports/2026-6m/units?scope=...` does for a city-level reader: the
    report, its previous period, and the body of every unit as JSON. Returns the first
    request, the median of those after a new fact at `commune` (computed afresh: the facts
    changed) and the median of repeated ones (the same facts: cached), and the unit count."""

    def once() -> tuple[float, int]:
        started = time.perf_counter()
        built = build_report(runtime, "2026-6m", scope, None)
        body = json_response(units_document(built, lambda _: True)).body
        del body
        return time.perf_counter() - started, len(built.content["units"])

    first, units = once()
    fresh = []
    for _ in range(rounds):
        _new_fact(runtime, next(_fact_numbers), commune)
        fresh.append(once()[0])
    cached = [once()[0] for _ in range(rounds)]
    return first, statistics.median(fresh), statistics.median(cached), units


_fact_numbers = itertools.count()


def _documents(runtime: ServiceRuntime, scope: str, label: str) -> None:
    """The period's documents as a download of the scope's whole report renders them (its
    report already built and cached by `_serve`): the Word and Excel files, and the PDF
    printed from the Word file by LibreOffice where it is installed. Measured, no target:
    a document is asked for a conference, not at every page view."""
    built = build_report(runtime, "2026-6m", scope, None)
    unit = require_unit(built, None)
    for fmt in FORMATS:
        started = time.perf_counter()
        try:
            body = fmt.render(built, unit, None)
        except DomainError as exc:  # the PDF without LibreOffice (503): said, not counted
            print(f"  {label} {fmt.file}: {exc.code}", flush=True)
            continue
        seconds = time.perf_counter() - started
        report_time(f"{label} {fmt.file} ({len(body) / 1024:,.0f} KiB)", seconds)

# Days the six-month period (cut-off 14/06/2026) still runs on, its report counted up to the
# day: the last day of the data, as on a real day (no fact is dated after it); 30/04, the
# worst case when a chunk ran from one cut-off to the next (15/03-14/06: six weeks of the data
# on either side), now a chunk's end; and 17/04, a worst case of chunks of a week (15-21/04):
# three days of the data added to the chunks before (`chunk_tail.py`).
RUNNING_DAYS = (date(2026, 6, 13), date(2026, 4, 30), date(2026, 4, 17))


def _serve_running(settings: Settings, day: date, commune: str) -> None:
    """The national and Hai Phong reports of the period while it runs on `day`, served as
    `_serve` serves the ended one: from the facts, as before the chunk figures served a
    running period (`figures.chunk_reading` left to default windows only), and from the chunk
    figures and the days between (`chunk_tail.py`); each on a runtime of its own, warmed up."""
    for way in ("facts (before)", "chunks"):
        with _running_from_facts(way.startswith("facts")):
            runtime = create_runtime(settings, today=lambda: day)
            warm_up_now(runtime)
            first, fresh, _, _ = _serve(runtime, "VN", commune, 5)
            report_time(f"running national report {day:%d/%m}, {way}, first", first)
            report_time(f"running national report {day:%d/%m}, {way}, new fact", fresh,
                        target="< 500 ms")
            _, fresh, _, _ = _serve(runtime, HAI_PHONG, commune, 5)
            report_time(f"running Hai Phong report {day:%d/%m}, {way}, new fact", fresh)
            runtime.engine.dispose()


@contextlib.contextmanager
def _running_from_facts(before: bool) -> Iterator[None]:
    """While `before`: a window that is no default one is counted from the facts."""
    if not before:
        yield
        return

    def default_only(period: Period) -> ChunkReading | None:
        return chunk_reading(period) if has_default_window(period) else None

    with mock.patch.object(figures_module, "chunk_reading", default_only):
        yield


def main() -> None:
    total = int(os.environ.get("BENCH_REPORTING_EVENTS", "1000000"))
    with private_nats() as server, temp_dir() as path:
        with Timer() as timer:
            counts = asyncio.run(_publish(server.url, total))
        report("publish national events (core NATS into streams)", counts.total(),
               timer.seconds)
        raw = asyncio.run(_raw_consume(server.url, counts))
        baseline = report("raw nats-py pull consume (fetch 256 + ack)", counts.total(), raw)
        settings = Settings.for_service(
            "reporting", database_url=f"sqlite:///{path / 'reporting.db'}",
            nats_url=server.url, subject_root=ROOT, log_level="WARNING", environment="test",
        )
        runtime = create_runtime(settings)

        async def run_rebuild() -> tuple[float, float]:
            try:
                return await _rebuild(runtime)
            finally:
                await runtime.stop()

        seconds, cpu = asyncio.run(run_rebuild())
        report("rebuild reporting projections (SQLite)", counts.total(), seconds, baseline,
               target="≥ 10,000 events/s")
        # The rate above is wall time: on a shared machine it measures the load as much as the
        # code (8 engineers on 2 cores read a third of a quiet run's). The process's CPU per
        # event is what to compare between commits, run alternately in the same period.
        print(f"  {'  the process CPU per event meanwhile':<52}"
              f"{cpu / counts.total() * 1e6:12.1f} us", flush=True)
        runtime = create_runtime(settings)
        with Timer() as timer:
            warm_up_now(runtime)  # what the service does at start (its warm-up job)
        report_time("service warm-up (catalogue, copies of the chunk figures)", timer.seconds)
        commune = default_catalogue().units(date(2026, 1, 1), "commune", HAI_PHONG)[0].code
        first, fresh, cached, units = _serve(runtime, "VN", commune, 5)
        report_time(f"national report, {units} units, first request", first,
                    target="< 500 ms")
        report_time(f"national report, {units} units, after a new fact (median)", fresh,
                    target="< 500 ms")
        report_time(f"national report, {units} units, unchanged facts (median)", cached)
        first, fresh, cached, units = _serve(runtime, HAI_PHONG, commune, 5)
        report_time(f"Hai Phong report, {units} units, after a new fact (median)", fresh)
        _documents(runtime, "VN", "national")
        _documents(runtime, HAI_PHONG, "Hai Phong")
        runtime.engine.dispose()
        for day in RUNNING_DAYS:
            _serve_running(settings, day, commune)

        runtime = create_runtime(settings)
        seconds, during, switch, served = asyncio.run(_rebuild_beside(runtime))
        report("rebuild beside the live tables, to the switch", counts.total(), seconds,
               baseline)
        report_time("  its switch (one transaction)", switch)
        report_time(f"  national report while it ran (median of {served})", during,
                    target="< 500 ms")


async def _rebuild_beside(runtime: ServiceRuntime) -> tuple[float, float, float, int]:
    """What `POST /api/v1/admin/rebuild-projections` does on the running service: a new
    generation of the tables built beside the live ones and switched in. Returns the seconds
    to the switch, the median national report while it was built (from the live tables), the
    switch's own seconds and the number of reports served meanwhile."""
    await runtime.start()
    assert runtime.rebuilds is not None
    try:
        await asyncio.to_thread(warm_up_now, runtime)
        started = time.perf_counter()
        generation = int((await runtime.rebuild_projections("bench"))["generation"])
        reports: list[float] = []
        while (await runtime.rebuilds.status(generation))["state"] == "building":
            began = time.perf_counter()
            await asyncio.to_thread(build_report, runtime, "2026-6m", "VN", None)
            reports.append(time.perf_counter() - began)
            await asyncio.sleep(0.5)
        seconds = time.perf_counter() - started
        while runtime.rebuilds.last_switch_s is None:  # switched: its adoption ends
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    switch = runtime.rebuilds.last_switch_s or 0.0
    return seconds, statistics.median(reports or [0.0]), switch, len(reports)
