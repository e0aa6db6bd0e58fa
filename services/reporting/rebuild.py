"""`python -m services.reporting.rebuild [YEAR ...]`: rebuild every projection of the
reporting service from the streams (a new generation of its tables, built beside the live
ones and switched in when caught up: `shared/rebuild.py`), then show that every figure is the
same as before.

The figures compared are the content hashes of the reports of every conference period of
this year and last year (Hai Phong), all as of one fixed time taken before the rebuild.
Replicas of the service may run meanwhile; `POST /api/v1/admin/rebuild-projections` on a
running service does the same without the comparison. Exit status 1 when a figure differs,
2 when the rebuild was refused (a source stream holds fewer events than the live tables had
applied: `shared/rebuild.py`), the live tables then left as they were, 3 when the rebuild
stopped at an event of a schema version newer than this version of the service knows (its
publisher was upgraded first: upgrade this service, the rebuild then goes on).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from datetime import datetime

from services.reporting.app import create_runtime
from services.reporting.application.canonical import content_hash
from services.reporting.application.from_facts import compute_fresh
from services.reporting.application.reports import load_period
from services.reporting.domain.periods import MONTHS, period_id
from shared.adminunits import HAI_PHONG
from shared.clock import today_vn
from shared.db import read_connection
from shared.envelope import utcnow
from shared.runtime import ServiceRuntime
from shared.streams import durable_drained


async def caught_up(runtime: ServiceRuntime, poll_s: float = 0.25) -> None:
    """Until every consumer holds everything its stream holds (the kernel's rule)."""
    while True:
        await asyncio.sleep(poll_s)
        js = runtime.link.js
        if js is None:
            continue
        try:
            drained = [await durable_drained(js, c.stream, c.durable) for c in runtime.consumers]
        except Exception:  # NATS away for a moment
            continue
        if all(drained):  # None: the durable is not made yet
            return


async def switched(runtime: ServiceRuntime, generation: int, poll_s: float = 0.5) -> None:
    """Until the rebuild of `generation` is switched in, showing its progress now and then."""
    assert runtime.rebuilds is not None
    shown = 0.0
    while True:
        state = await runtime.rebuilds.status(generation)
        if state["state"] != "building" or state.get("held"):
            return
        now = time.monotonic()
        if now - shown >= 5.0:
            shown = now
            print(f"  đang dựng lại thế hệ {generation}: "
                  f"{state['events_applied']} sự kiện đã áp dụng", flush=True)
        await asyncio.sleep(poll_s)


def figure_hashes(
    runtime: ServiceRuntime, as_of: datetime, years: Sequence[int]
) -> dict[str, str]:
    hashes = {}
    with read_connection(runtime.engine) as conn:
        for y in years:
            for months in MONTHS:
                pid = period_id(y, months)
                period = load_period(conn, runtime.store, pid, as_of)
                figures = compute_fresh(conn, period, HAI_PHONG, as_of)
                hashes[pid] = content_hash(figures.content())
    return hashes


async def rebuild(years: Sequence[int] = ()) -> int:
    years = years or (today_vn().year - 1, today_vn().year)
    runtime = create_runtime()
    await runtime.start()
    try:
        await caught_up(runtime)
        as_of = utcnow()
        before = figure_hashes(runtime, as_of, years)
        started = await runtime.rebuild_projections("python -m services.reporting.rebuild")
        await switched(runtime, int(started["generation"]))
        assert runtime.rebuilds is not None
        ended = await runtime.rebuilds.status(int(started["generation"]))
        if ended.get("held"):
            # Held at an event of a newer schema version: not switched in short, goes on
            # (built beside the live tables) once the service is upgraded.
            for held in ended["held"]:
                print(f"  {held['code']}: {held['message']}")
            return 3
        if ended["state"] != "live":
            # Refused (a source stream holds fewer events than the live tables had applied)
            # or given up: the live tables stay as they were.
            refusal = ended.get("refusal") or {}
            print(f"  {ended['state']} {refusal.get('code', '')}: {refusal.get('message', '')}")
            return 2
        await caught_up(runtime)
        after = figure_hashes(runtime, as_of, years)
    finally:
        await runtime.stop()
    for pid, digest in before.items():
        mark = "bằng nhau" if after[pid] == digest else f"KHÁC: {after[pid][:12]}"
        print(f"  {pid:<9} {digest[:12]}  {mark}")
    same = before == after
    print("Đã dựng lại các bảng báo cáo; số liệu " + ("không đổi." if same else "THAY ĐỔI!"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(rebuild([int(year) for year in sys.argv[1:]])))
