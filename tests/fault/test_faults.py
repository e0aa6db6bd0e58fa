"""Faults on the running system, each reconciled event by event.

Real processes (uvicorn services, nats-server, a PostgreSQL of the suite's own) are stopped or
killed in the middle of a load; afterwards every event committed to religion's event store must
be in the stream exactly once and applied exactly once by each of its consumers (reporting and
indicators), with no dead letter and no client 2xx without its event.
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.settings import stream_name_for
from tests.deploy.processes import ServiceProcess
from tests.fault.postgres import ThrowawayPostgres
from tests.fault.system import AckWatcher, FaultSystem, Load, Reconciliation


@pytest.fixture
def system(
    request: pytest.FixtureRequest, tmp_path: Path, throwaway_postgres: ThrowawayPostgres
) -> Iterator[FaultSystem]:
    # Indicators applies a site with a recomputation that grows with the sites it knows
    # (tens of ms per event at a thousand sites): it takes part where its database fails,
    # the other cases keep to reporting so the suite stays short.
    marker = request.node.get_closest_marker("consumers")
    consumers = tuple(marker.args) if marker else ("reporting",)
    faults = FaultSystem(tmp_path, throwaway_postgres, consumers)
    faults.nats.start()
    try:
        yield faults
    finally:
        faults.close()
        if not throwaway_postgres.running:
            throwaway_postgres.start()


async def _settle(
    system: FaultSystem,
    case: str,
    load: Load,
    table: list[Reconciliation],
    timeout: float = 90,
    acks: AckWatcher | None = None,
) -> Reconciliation:
    """Reconcile until clean or out of time; the last reconciliation is the verdict."""
    load_ended = time.monotonic()
    deadline = load_ended + timeout
    while True:
        result = await system.reconcile(case, load, acks)
        if result.clean or time.monotonic() > deadline:
            break
        await asyncio.sleep(1.0)
    result.catch_up_s = time.monotonic() - load_ended
    table.append(result)
    assert result.clean, "\n".join(result.rows()) + "\n" + system.logs()
    return result


def _kill(process: ServiceProcess) -> None:
    """Die at once, as a crash or an OOM kill would: no shutdown, no last ack."""
    assert process.process is not None
    process.process.send_signal(signal.SIGKILL)
    process.process.wait()
    process.process = None


def _consumer_paused(process: ServiceProcess, prefix: str) -> float:
    """The danvan_consumer_paused gauge of the consumer whose name starts with `prefix`."""
    found = re.search(
        rf'^danvan_consumer_paused\{{consumer="{re.escape(prefix)}[^"]*"\}} (\S+)$',
        process.get("/metrics").decode(),
        re.MULTILINE,
    )
    return float(found.group(1)) if found else 0.0


async def _paused_gauges(
    processes: tuple[ServiceProcess, ...], timeout: float
) -> dict[str, float]:
    """The consumers' danvan_consumer_paused gauges (of their religion consumer), as soon as
    all read 1, else as they read when `timeout` ran out."""
    deadline = time.monotonic() + timeout
    while True:
        paused = {p.service: await asyncio.to_thread(_consumer_paused, p, f"{p.service}-religion")
                  for p in processes}
        if all(value == 1.0 for value in paused.values()) or time.monotonic() > deadline:
            return paused
        await asyncio.sleep(0.5)


def _log_events(process: ServiceProcess, event: str) -> int:
    return process.log_file.read_text(errors="replace").count(f'"event": "{event}"')


@pytest.mark.waits  # 20 s of a stopped database: beside the workers (tools/testlanes.py)
@pytest.mark.consumers("reporting", "indicators")
async def test_consumers_database_stopped_for_20_s_mid_load(
    system: FaultSystem, reconciliations: list[Reconciliation]
) -> None:
    religion, reporting, indicators = (
        system.process("religion"), system.process("reporting"), system.process("indicators"))
    system.start(religion, reporting, indicators)
    await system.wait_consuming()
    acks = await AckWatcher(system.nats.url, stream_name_for(system.root, "religion")).start()
    load = Load(religion, clients=2, pause_s=0.25).start()
    try:
        await asyncio.sleep(4)
        await asyncio.to_thread(system.postgres.stop)
        stopped = time.monotonic()
        # Each consumer pauses when its next batch meets the outage: waited for (a loaded
        # machine gets there later than 10 s after the stop, when it was read once), within
        # the outage, which lasts 20 s or until both were seen paused.
        paused = await _paused_gauges((reporting, indicators), timeout=60)
        await asyncio.sleep(max(0.0, stopped + 20 - time.monotonic()))
        await asyncio.to_thread(system.postgres.start)
        await asyncio.sleep(4)
    finally:
        load.stop()
    try:
        result = await _settle(system, "consumers' PostgreSQL stopped 20 s", load,
                               reconciliations, 180, acks)
    finally:
        await acks.close()
    # Held through the pause by in_progress signals, with an ack wait of 5 s.
    assert all(c.redelivered == 0 for c in result.consumers), result.rows()
    assert paused == {"reporting": 1.0, "indicators": 1.0}, "/metrics shows the pause"
    for consumer in (reporting, indicators):
        assert _log_events(consumer, "consumer_paused") >= 1, "the outage was met"
        assert _log_events(consumer, "event_dead_lettered") == 0


async def test_nats_killed_mid_load(
    system: FaultSystem, reconciliations: list[Reconciliation]
) -> None:
    religion, reporting = system.process("religion"), system.process("reporting")
    system.start(religion, reporting)
    await system.wait_consuming()
    load = Load(religion).start()
    try:
        await asyncio.sleep(3)
        system.nats.kill()
        await asyncio.sleep(6)
        system.nats.start()
        await asyncio.sleep(3)
    finally:
        load.stop()
    await _settle(system, "NATS killed 6 s", load, reconciliations)
    assert load.statuses.get(500, 0) == 0, "commands are accepted while NATS is away"


async def test_a_consumer_killed_mid_batch(
    system: FaultSystem, reconciliations: list[Reconciliation]
) -> None:
    # Two replicas of reporting share its database and its durable consumers; one is killed
    # while it holds fetched messages and is not restarted: the other one receives them
    # after the short ack wait.
    religion = system.process("religion")
    doomed, survivor = system.process("reporting", "doomed"), system.process("reporting")
    system.start(religion, doomed, survivor)
    await system.wait_consuming()
    acks = await AckWatcher(system.nats.url, stream_name_for(system.root, "religion")).start()
    load = Load(religion, clients=6, pause_s=0.0).start()
    try:
        await asyncio.sleep(4)
        _kill(doomed)
        killed = time.monotonic()
        await asyncio.sleep(4)
    finally:
        load.stop()
    try:
        result = await _settle(system, "consumer killed mid-batch", load, reconciliations, 60,
                               acks)
    finally:
        await acks.close()
    # Whatever the dead replica held when it died (none, if it had just acked its batch)
    # is redelivered to the other after the ack wait (5 s), not after 30 s.
    came_back = [t - killed for d in acks.redelivered.values() for t in d.values()]
    if came_back:
        assert max(came_back) < 10, f"held events came back after {max(came_back):.1f} s"
        result.case += f" (held events applied by the other replica {max(came_back):.1f} s on)"
    assert result.catch_up_s < 20


async def test_a_service_killed_mid_publish(
    system: FaultSystem, reconciliations: list[Reconciliation]
) -> None:
    religion, reporting = system.process("religion"), system.process("reporting")
    system.start(religion, reporting)
    await system.wait_consuming()
    load = Load(religion, clients=6, pause_s=0.0).start()
    try:
        await asyncio.sleep(4)
        _kill(religion)  # commands in flight, outbox rows committed and not yet marked
        religion.start()
        await asyncio.to_thread(religion.wait_healthy)
        await asyncio.sleep(4)
    finally:
        load.stop()
    await _settle(system, "religion killed mid-publish", load, reconciliations)
