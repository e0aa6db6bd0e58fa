"""Once per process, at start: load the unit catalogue and this process's copies of the chunk
figures (`chunk_sums.py`) summed over the windows of this year's conference periods, and what
the dialogue rule owes each head in them (`heads.py`); then set the heap's long-lived objects
aside from the cyclic garbage collector and collect its young generation less often
(`shared.heap.settle_for_batches`).

The first report then neither reads the chunk tables whole nor sums them. A national report
allocates hundreds of thousands of objects, enough for the collector to walk the whole heap
(the catalogue of every unit, the copies, the routes...) during the request; the copies are
kept up to date in place, so they are set aside with the rest.
"""

from __future__ import annotations

import asyncio

from services.reporting.application.chunk_sums import load_copies
from services.reporting.application.fact_reads import read_marks
from services.reporting.application.heads import kept_owed
from services.reporting.application.report_figures import Window
from services.reporting.application.roll_up import year_targets
from services.reporting.application.state import state_of, today_of
from services.reporting.domain.chunks import chunk_reading
from services.reporting.domain.periods import MONTHS, Period, default_period
from shared.adminunits import default_catalogue
from shared.db import read_connection
from shared.envelope import utcnow
from shared.heap import settle_for_batches
from shared.runtime import ServiceRuntime


def this_years_periods(year: int) -> list[Period]:
    """The year's conference periods and the one before the first."""
    return [*(default_period(year, months) for months in MONTHS),
            default_period(year - 1, MONTHS[-1])]


def warm_up_now(runtime: ServiceRuntime) -> None:
    default_catalogue()
    today = today_of(runtime)
    periods = this_years_periods(today.year)
    # A period running today is counted up to today (`Period.counted_on`), read from the
    # chunk end nearer today (`chunks.chunk_reading`).
    counted = [*periods, *(p.counted_on(today) for p in periods
                           if p.has_begun(today) and p.is_running(today))]
    readings = [reading for reading in map(chunk_reading, counted) if reading is not None]
    state = state_of(runtime)
    with read_connection(runtime.engine) as conn:
        marks = read_marks(conn).sources
        load_copies(conn, state.copies, marks,
                    list(dict.fromkeys(reading.bounds for reading in readings)))
        dialogue = marks.get("dialogue")
        if dialogue is not None:
            # I2's windows, as the reports ask them (`from_chunks.py`: the data window, by
            # the year's definition).
            now = utcnow()
            kept_owed(conn, state.owed, [
                year_targets(conn, Window(p.data_from, p.cutoff_on, now), p.year,
                             runtime.settings.jurisdiction)[
                    "I2"].i2_window(p.year, p.data_from, p.cutoff_on) for p in counted],
                now, dialogue[0])
    # The process applies consumed batches too (its projections, a rebuild's million
    # events): their objects collected young less often, as indicators' are (issue 20:
    # a rebuild of the bench's events spent ~15 us an event in the collector at 700).
    settle_for_batches()


async def warm_up(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """A background job of the service: done once at start."""
    del stop
    await asyncio.to_thread(warm_up_now, runtime)
