"""Religion's register as known at a moment (`InlineProjection.known_at`) at a city's size:
100,000 sites imported, then four quarters each of 300 dossiers lodged one command at a time
and 1,000 sites imported, the moment after each quarter noted. `python -m bench asof`.

(a) each moment replayed from the store's start, as every new moment was before a kept
    replay could be carried on (a projection keeping none);
(b) the same moments in order through one projection, as a partner opens the list as of
    each conference: the first replayed whole, the next ones carried on from the last
    (`_carries_on`: the events recorded in between applied to a copy of it);
(c) the second moment again (its next page): the kept replay read;
(d) what a kept replay weighs: its private database's pages, and the process's peak RSS.
Wall times on a shared machine: figures to compare, not to assert.
"""

from __future__ import annotations

import copy
import resource
import sqlite3
import time
from datetime import date, datetime

from sqlalchemy import func, select, text

from bench.common import Timer, temp_dir
from bench.religion import csv_file, national_rows
from services.religion.adapters.projection import PROJECTION
from services.religion.adapters.tables import metadata, sites
from services.religion.application.commands import DossierStepCommand
from services.religion.application.handlers import dossier_action
from services.religion.application.importing import check_file, import_checked
from services.religion.domain.events import registry
from shared.aggregate import CommandContext
from shared.db import read_connection
from shared.envelope import utcnow
from shared.projection import InlineProjection
from shared.runtime import ServiceRuntime
from shared.settings import Settings

SITES = 100_000
QUARTERS = 4
LODGED = 300
IMPORTED = 1_000


def _import(runtime: ServiceRuntime, context: CommandContext, count: int, first: int) -> None:
    checked = check_file(context, runtime.settings.jurisdiction, "so-bo.csv",
                         csv_file(national_rows(count, first)))
    done = runtime.execute(context, import_checked, checked, dry_run=False, only_valid=False)
    assert len(done.created) == count


def _seeded(runtime: ServiceRuntime) -> list[datetime]:
    """The store of 100,000 sites and four quarters; the moment after each quarter."""
    context = CommandContext(actor="bench")
    with Timer() as seeding:
        _import(runtime, context, SITES, 0)
    print(f"  seeded {SITES:,} sites in {seeding.seconds:.1f} s", flush=True)
    codes = [row[0] for row in national_rows(QUARTERS * LODGED)]
    moments = []
    for quarter in range(QUARTERS):
        for code in codes[quarter * LODGED:(quarter + 1) * LODGED]:
            runtime.execute(context, dossier_action, code, "lodge",
                            DossierStepCommand(acted_on=date(2023, 4, 1)))
        _import(runtime, context, IMPORTED, SITES + quarter * IMPORTED)
        moments.append(utcnow())
    return moments


def _read(
    runtime: ServiceRuntime, projection: InlineProjection, moment: datetime
) -> tuple[int, float]:
    """The register's count as known at `moment` (the replay, then one query on it), and the
    CPU seconds it took this process (SQLite runs in it; the wall time moves with the
    machine's other work)."""
    cpu = time.process_time()
    with read_connection(runtime.engine) as conn, projection.known_at(conn, moment) as then:
        count = int(then.execute(select(func.count()).select_from(sites)).scalar_one())
    return count, time.process_time() - cpu


def _keeping_none() -> InlineProjection:
    fresh = copy.copy(PROJECTION)
    fresh._kept = []
    return fresh


def main() -> None:
    print("asof: danh sách theo thời điểm (100.000 cơ sở, 4 quý)", flush=True)
    with temp_dir() as tmp:
        settings = Settings.for_service(
            "religion", database_url=f"sqlite:///{tmp / 'religion.db'}", environment="test")
        runtime = ServiceRuntime(settings, registry, metadata=[metadata])
        runtime.create_schema()
        moments = _seeded(runtime)
        with runtime.engine.connect() as conn:
            events = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        print(f"  store: {events:,} events", flush=True)
        for n, moment in enumerate(moments, 1):
            whole = _keeping_none()
            with Timer() as t:
                count, cpu = _read(runtime, whole, moment)
            print(f"  (a) quarter {n}: replayed whole    {t.seconds:7.2f} s, CPU {cpu:6.2f} s"
                  f"  ({count:,} sites)", flush=True)
            for kept in list(whole._kept):
                whole._forget(kept)
        projection = _keeping_none()
        for n, moment in enumerate(moments, 1):
            with Timer() as t:
                count, cpu = _read(runtime, projection, moment)
            how = "replayed whole" if n == 1 else "carried on    "
            print(f"  (b) quarter {n}: {how}    {t.seconds:7.2f} s, CPU {cpu:6.2f} s"
                  f"  ({count:,} sites)", flush=True)
        with Timer() as t:
            _, cpu = _read(runtime, projection, moments[1])
        print(f"  (c) quarter 2 again: kept          {t.seconds:7.2f} s, CPU {cpu:6.2f} s",
              flush=True)
        last = projection._kept[-1]
        with Timer() as t, last.engine.connect() as source:
            target = sqlite3.connect(":memory:")
            source.connection.driver_connection.backup(target)  # type: ignore[union-attr]
            target.close()
        print(f"  (d) the copy of a kept replay carried on: {t.seconds:.2f} s", flush=True)
        for kept in projection._kept:
            with kept.engine.connect() as memory:
                pages = memory.exec_driver_sql("PRAGMA page_count").scalar_one()
                size = memory.exec_driver_sql("PRAGMA page_size").scalar_one()
            print(f"  (d) kept replay as of {kept.moment:%H:%M:%S}: {pages * size / 1e6:.0f} MB"
                  " of pages", flush=True)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  (d) peak RSS of the process: {peak:.0f} MB", flush=True)
        for kept in list(projection._kept):
            projection._forget(kept)
        runtime.engine.dispose()


if __name__ == "__main__":
    main()
