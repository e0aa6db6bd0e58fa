"""Setting a service process's long-lived objects aside from the cyclic garbage collector.

A service keeps large structures for its whole life: the unit catalogue, the reporting copies,
the indicators' national trees of counts, besides every imported module. CPython's full
collection walks every tracked object; once enough young objects have survived (a quarter of
the old ones), one lands in whatever runs then, and with a few hundred thousand long-lived
objects it costs about 100 ms (measured inside a live indicators batch and a national
report). Objects set aside by `gc.freeze()` are not walked again. They are never collected
either, which is what a structure kept for the process's life needs; reference counting
still frees them when they are let go, only a cycle among them would stay.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import TYPE_CHECKING

from shared.adminunits import default_catalogue

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

_lock = threading.Lock()
_settled = False
# The number of new objects (allocations less deallocations) past which a command service
# collects its young generation: 700 by default. A command's objects live as long as its
# request; with 16 requests in flight the young count crosses 700 and back all the time and
# each collection walks (and promotes towards the full collection) the requests still
# running: 350 collections per 3,000 POST /sites at 16 clients, 1 at 7,000. Instructions per
# command under callgrind, 700 -> 7,000: 3.580 -> 3.531 M accepted and 2.851 -> 2.779 M
# refused at 16 clients, 4.448 -> 4.427 M accepted at 1.
COMMAND_YOUNG_THRESHOLD = 7000
# The same for a process applying consumed batches (indicators' live path, reporting's
# projections): a catch-up's batch keeps some twenty objects per event alive until it
# commits (2,048 messages, envelopes, payloads, facts, site histories). At 700 their
# survivors reached the oldest generation fast enough for a full collection every few
# thousand events, walking everything made since the heap was settled (the national trees
# of counts, the statuses kept between batches): 10,000 events caught up in process, 388
# young, 36 middle and 4 full collections, 27 us of collector per event; at 7,000, 31, 3
# and 1, 14 us (issue 20).
BATCH_YOUNG_THRESHOLD = 7000


def settle_heap() -> None:
    """Once per process, after its warm-up: load the catalogue, collect what is garbage now
    and freeze everything still alive. A later call (a second runtime in the same process, a
    test) changes nothing: what was set aside the first time is most of the heap, and what
    is frozen can never be collected, so the heap is not frozen again and again."""
    global _settled
    with _lock:
        if _settled:
            return
        _settled = True
        default_catalogue()
        gc.collect()
        gc.freeze()


def settle_for_batches() -> None:
    """`settle_heap`, then the young generation collected less often
    (BATCH_YOUNG_THRESHOLD): for a process whose warm-up ends with its first consumed batch."""
    settle_heap()
    gc.set_threshold(BATCH_YOUNG_THRESHOLD)


async def settle_at_start(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """The heap settled as a background job of a service whose long-lived objects are all
    there once it has started (religion, dialogue: the catalogue, the modules, the routes),
    off the loop. Without it a full collection landing among commands walked ~185,000 objects
    (~100 ms on a quiet machine, 390 ms on a loaded one) with every request in flight waiting:
    the p99 of a command over HTTP at 16 clients, and 0.16-0.26 ms of CPU per command
    (bench/http.py, 3,000 commands: two full collections, 775 ms; frozen, 18 ms). Its young
    generation is collected less often too (COMMAND_YOUNG_THRESHOLD)."""
    del runtime, stop
    await asyncio.to_thread(settle_heap)
    gc.set_threshold(COMMAND_YOUNG_THRESHOLD)
