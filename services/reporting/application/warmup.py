"""Once per process, at start: load the unit catalogue and set the heap's long-lived objects
aside from the cyclic garbage collector.

A national report allocates hundreds of thousands of objects, enough for the collector to
walk the whole heap (the catalogue of every unit, the models, the routes...) during the
request; objects set aside by `gc.freeze()` are not walked again. They are never collected
either, which is what a catalogue loaded for the process's life needs.
"""

from __future__ import annotations

import asyncio
import gc
import threading

from shared.adminunits import default_catalogue
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


async def warm_up(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """A background job of the service: done once at start."""
    del runtime, stop
    await asyncio.to_thread(settle_heap)
