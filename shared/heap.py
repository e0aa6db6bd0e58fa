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

import gc
import threading

from shared.adminunits import default_catalogue

_lock = threading.Lock()
_settled = False


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
