"""Once per process, at start: load the unit catalogue and this process's copies of the chunk
figures (`chunk_sums.py`) summed over the windows of this year's conference periods, then set
the heap's long-lived objects aside from the cyclic garbage collector.

The first report then neither reads the chunk tables whole nor sums them. A national report
allocates hundreds of thousands of objects, enough for the collector to walk the whole heap
(the catalogue of every unit, the copies, the routes...) during the request; objects set
aside by `gc.freeze()` are not walked again. They are never collected either, which is what a
catalogue loaded for the process's life needs (the copies are kept up to date in place).
"""

from __future__ import annotations

import asyncio
import gc
import threading

from services.reporting.application.chunk_sums import Bounds, load_copies
from services.reporting.domain.chunks import period_chunks
from services.reporting.domain.periods import MONTHS, default_period
from shared.adminunits import default_catalogue
from shared.clock import today_vn
from shared.db import read_connection
from shared.runtime import ServiceRuntime

_lock = threading.Lock()
_settled = False


def settle_heap() -> None:
    global _settled
    with _lock:
        if _settled:
            return
        _settled = True
        default_catalogue()
        gc.collect()
        gc.freeze()


def this_years_windows(year: int) -> list[Bounds]:
    """The chunk windows of the year's conference periods and of the one before the first."""
    periods = [default_period(year, months) for months in MONTHS]
    periods.append(default_period(year - 1, MONTHS[-1]))
    return [period_chunks(period) for period in periods]


def warm_up_now(runtime: ServiceRuntime) -> None:
    default_catalogue()
    with read_connection(runtime.engine) as conn:
        load_copies(conn, this_years_windows(today_vn().year))
    settle_heap()


async def warm_up(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """A background job of the service: done once at start."""
    del stop
    await asyncio.to_thread(warm_up_now, runtime)
