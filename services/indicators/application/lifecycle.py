"""What the service does on its own: define the plan's indicators at start, and re-evaluate
statuses as time passes.

A status depends on the date as well as on the facts ("behind the linear pace" moves every
day, and the day after the period ends an unmet target becomes final), so a sweep evaluates
the running periods' figures every `SWEEP_INTERVAL_S` and announces what changed. It waits
until every consumer has caught up with its stream, so a replay in progress never produces
a false alarm.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta

from services.indicators.adapters.definitions import load_definitions
from services.indicators.application.announce import (
    SYSTEM_ACTOR,
    Statuses,
    evaluate_definition,
)
from services.indicators.application.handlers import claim_indicator_id
from services.indicators.application.planreminders import remind_district_reports
from services.indicators.domain.definitions import Definition, plan_2023_definitions
from services.indicators.domain.model import Indicator
from shared.aggregate import CommandContext, UnitOfWork
from shared.clock import today_vn
from shared.db import read_connection
from shared.errors import ConcurrencyError
from shared.logs import get_logger
from shared.planrules import plan_serves
from shared.runtime import ServiceRuntime
from shared.streams import durable_drained

log = get_logger("danvan.indicators")

SWEEP_INTERVAL_S = 3600.0
#: A period still gets swept this long after its end, to announce its final status.
SWEEP_GRACE = timedelta(days=7)


def seed_plan_definitions(runtime: ServiceRuntime) -> int:
    """Define I1-I4 of the 2023 plan unless defined already. Returns how many were defined.
    Only where the plan is the deployment's (`planrules.plan_serves`): it is Hải Phòng's, over
    Hải Phòng's units, which a deployment serving another province refuses everywhere."""
    if not plan_serves(runtime.settings.jurisdiction):
        return 0
    defined = 0
    for definition in plan_2023_definitions():
        try:
            defined += runtime.execute(
                CommandContext(actor=SYSTEM_ACTOR), _define_once, definition
            )
        except ConcurrencyError:
            continue  # another replica defined it first
    return defined


def _define_once(uow: UnitOfWork, definition: Definition) -> int:
    indicator = uow.load(Indicator, definition.key)
    if indicator.exists:
        return 0
    indicator.define(definition, definition.period_start)
    claim_indicator_id(uow, definition.indicator_id)
    uow.save(indicator)
    return 1


async def consumers_caught_up(runtime: ServiceRuntime) -> bool:
    js = runtime.link.js
    if js is None:
        return False
    for consumer in runtime.consumers:
        if not await durable_drained(js, consumer.stream, consumer.durable):
            return False  # not made yet (None) or still working
    return True


def sweep_statuses(
    runtime: ServiceRuntime, today: date | None = None, *, ended_too: bool = False,
    cause: str = "schedule",
) -> int:
    """Evaluate every running (or just ended; with `ended_too`, every begun) period's
    figures; returns announcements made."""
    today = today or today_vn()
    with read_connection(runtime.engine) as conn:
        definitions = list(load_definitions(conn).values())
    announced = 0
    for definition in definitions:
        if definition.period_start > today or (
                not ended_too and definition.period_end + SWEEP_GRACE < today):
            continue
        try:
            # A unit of work of its own per definition: its commit wakes the relay and counts
            # the announcements, as a command's would.
            announced += runtime.execute(
                CommandContext(actor=SYSTEM_ACTOR), _announce, definition, cause, today
            )
        except ConcurrencyError:
            continue  # a consumer announced at the same moment; the next sweep looks again
    return announced


def _announce(uow: UnitOfWork, definition: Definition, cause: str, today: date) -> int:
    """One definition's announcements, in a unit of work of its own: its commit wakes the
    relay and counts the events, as a command's would."""
    return len(evaluate_definition(Statuses(uow), definition, None, cause=cause, today=today))


def statuses_after_rebuild(runtime: ServiceRuntime) -> int:
    """Once a rebuild is switched in: what its facts say of every period begun, announced
    where it differs from the last status (events an outage had kept from the old tables
    were never evaluated; a rebuild that changes nothing announces nothing)."""
    return sweep_statuses(runtime, ended_too=True, cause="rebuild")


async def status_sweeper(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """The service's one background loop: statuses moved by time alone, and the district
    boards' report reminders (at start too, so a restart catches up at once)."""
    await _remind(runtime)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=SWEEP_INTERVAL_S)
        if stop.is_set():
            return
        try:
            if await consumers_caught_up(runtime):
                await asyncio.to_thread(sweep_statuses, runtime)
        except Exception as exc:  # a failed sweep is retried at the next interval
            log.warning("status_sweep_failed", error=str(exc))
        await _remind(runtime)


async def _remind(runtime: ServiceRuntime) -> None:
    try:
        await asyncio.to_thread(remind_district_reports, runtime, today_vn())
    except Exception as exc:  # retried at the next pass; reminders are remembered, not lost
        log.warning("reminder_pass_failed", error=str(exc))
