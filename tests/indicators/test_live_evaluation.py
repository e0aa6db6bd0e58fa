"""Live I3/I4 evaluation, kept counted batch by batch, equals the full evaluation.

Random histories of religion events (sites registered, moved, closed; dossiers lodged,
withdrawn, rejected, resubmitted; certificates issued and revoked; some dated after 2023,
some at a code of the 2025 structure) are consumed in random batches, the way the consumer
runner hands them over. After every batch:

* the stored counts (`ind_site_counts`) are those a fold of every site's facts gives;
* the counts of 31/12/2023 built from them give, for every unit, the figures and statuses
  the full evaluation (`compute`) gives;
* the last status announced for every unit is the full evaluation's status (the per-event
  moves ended where a full evaluation ends), and no announcement repeats the one before.

Then the read models are reset and the same events replayed in other batches: the same
counts and figures, and nothing announced again. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import gc
import json
import random
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from services.indicators.adapters import sitecounts
from services.indicators.adapters import tables as facts
from services.indicators.adapters.definitions import load_definitions
from services.indicators.application import live
from services.indicators.application.announce import EVERYTHING
from services.indicators.application.compute import compute, scope_tree
from services.indicators.application.projections import religion_projection
from services.indicators.domain.definitions import status_key
from services.indicators.domain.events import IndicatorStatusChanged
from services.indicators.domain.model import IndicatorStatus
from services.indicators.domain.sitetally import GroupCounts, add_tally, site_tally
from shared import heap
from shared.adminunits import default_catalogue
from shared.aggregate import CommandContext
from shared.envelope import EventEnvelope
from shared.eventstore import events_table
from shared.runtime import ServiceRuntime
from tests.indicators.conftest import planned_runtime
from tests.indicators.scenario import (
    DAI_THANG,
    HUNG_VUONG,
    QUAN_TOAN,
    TIEN_LANG_TOWN,
    Events,
)

YEAR_END = date(2023, 12, 31)
BACH_LONG_VI_2025 = "11948"  # a code of the 2025 structure only: placed by the catalogue
COMMUNES = (TIEN_LANG_TOWN, DAI_THANG, "11761", QUAN_TOAN, HUNG_VUONG, BACH_LONG_VI_2025)
TABLES = live.SiteTables(facts.site_facts, facts.dossier_facts, facts.certificate_facts,
                         facts.site_counts, facts.site_counts_stamp)


def _history(rng: random.Random, ev: Events, sites: int, events: int) -> list[EventEnvelope]:
    out: list[EventEnvelope] = []
    registered: set[str] = set()
    for _ in range(events):
        code = f"R{rng.randrange(sites):02}"
        # Mostly 2023; some later (after the period: counted, not evaluated on 2023).
        on = date(2023, 1, 1) + timedelta(days=rng.randrange(365 + 200))
        if code not in registered or rng.random() < 0.05:
            registered.add(code)
            out.append(ev.site(code, rng.choice(COMMUNES), on))
            continue
        roll = rng.random()
        if roll < 0.1:
            out.append(ev.site_moved(code, rng.choice(COMMUNES), on))
        elif roll < 0.15:
            out.append(ev.site_closed(code, on))
        elif roll < 0.6:
            out.append(ev.dossier(code, rng.choice(("LandDossierLodged", "DossierWithdrawn",
                                                    "DossierRejected", "DossierResubmitted")),
                                  on))
        else:
            number = f"GCN-{code}-{rng.randrange(2)}"
            out.append(ev.certificate(code, number, on, revoked=rng.random() < 0.3))
    return out


class _Failed(Exception):
    pass


def _consume(runtime: ServiceRuntime, envelopes: Sequence[EventEnvelope],
             rng: random.Random, sizes: Sequence[int] = (1, 1, 2, 5, 17, 64),
             disturbed: bool = False) -> Iterator[None]:
    """Apply in random batches, as the consumer runner does; yields after each batch.

    `disturbed`: some batches fail after their facts, counts and statuses were written and
    are rolled back, then delivered again; some are applied by another process (a replica
    with counts of its own in memory, between this one's batches)."""
    projection = next(c.projection for c in runtime.consumers
                      if c.projection.source_service == "religion")
    replica = religion_projection(runtime.store)
    start = 0
    while start < len(envelopes):
        size = rng.choice(sizes)
        some = list(envelopes[start:start + size])
        if disturbed and rng.random() < 0.2:
            with pytest.raises(_Failed), runtime.engine.begin() as conn:
                projection.apply(conn, some)
                raise _Failed
        chosen = replica if disturbed and rng.random() < 0.3 else projection
        with runtime.engine.begin() as conn:
            chosen.apply(conn, some)
        start += size
        yield


def _folded_counts(runtime: ServiceRuntime) -> GroupCounts:
    catalogue = default_catalogue()
    groups: GroupCounts = {}
    with runtime.engine.connect() as conn:
        codes = list(conn.execute(select(facts.site_facts.c.site_code).distinct()).scalars())
        for history in TABLES.histories(conn, codes).values():
            add_tally(groups, site_tally(history.state(), catalogue), 1)
    return {group: counts for group, counts in groups.items() if counts[0]}


def _last_statuses(runtime: ServiceRuntime) -> tuple[dict[str, str], list[tuple[str, str]]]:
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            select(events_table.c.aggregate_id, events_table.c.payload)
            .where(events_table.c.event_type == "IndicatorStatusChanged")
            .order_by(events_table.c.position)).all()
    announced = [(key, json.loads(payload)["status"]) for key, payload in rows]
    last: dict[str, str] = {}
    for key, status in announced:
        assert last.get(key) != status, f"{key} announced {status} twice in a row"
        last[key] = status
    return last, announced


def _check(runtime: ServiceRuntime) -> dict[str, object]:
    with runtime.engine.connect() as conn:
        stored = sitecounts.load_groups(conn, facts.site_counts)
        definitions = load_definitions(conn)
        found: dict[str, object] = {"counts": stored}
        last, _ = _last_statuses(runtime)
        for indicator in ("I3", "I4"):
            definition = definitions[(indicator, 2023)]
            full = compute(conn, definition, YEAR_END, EVERYTHING)
            kept = live.counts_on(conn, TABLES, definition.scope, YEAR_END)
            assert kept.figures(definition, full.tree.units) == full.figures, indicator
            for code, figure in full.figures.items():
                if figure.status is not None:
                    assert last.get(f"{indicator}-2023@{code}") == figure.status, (
                        indicator, code)
            found[indicator] = full.figures
    assert stored == _folded_counts(runtime)
    return found


@pytest.mark.parametrize("late_limit", [live.LATE_SITES_LIMIT, 0])
def test_random_histories_counted_live_equal_the_full_evaluation(
    runtime: ServiceRuntime, monkeypatch: pytest.MonkeyPatch, late_limit: int,
    database_url_factory: Callable[[str], str], subject_root: str,
) -> None:
    # 0: every evaluation date with a later fact is counted from every site's facts instead.
    monkeypatch.setattr(live, "LATE_SITES_LIMIT", late_limit)
    rng = random.Random(20 + late_limit)
    envelopes = _history(rng, Events(), sites=14, events=160)
    for _ in _consume(runtime, envelopes, rng, disturbed=True):
        found = _check(runtime)
    with runtime.engine.begin() as conn:  # what migration 0005 fills an older database with
        sitecounts.count_every_site(conn)
    assert _check(runtime) == found
    _, announced = _last_statuses(runtime)
    assert any(key.startswith("I3-2023@") and status == "dat" for key, status in announced)

    with runtime.engine.begin() as conn:  # the replay of a rebuild: facts and counts anew
        for consumer in runtime.consumers:
            consumer.projection.reset(conn)
    for _ in _consume(runtime, envelopes, random.Random(7)):
        pass
    assert _check(runtime) == found
    assert _last_statuses(runtime)[1] == announced

    # Event by event in a database of its own: the same statuses announced, in the same order.
    alone = planned_runtime(database_url_factory("alone"), subject_root)
    try:
        for _ in _consume(alone, envelopes, rng, sizes=(1,)):
            pass
        assert _last_statuses(alone)[1] == announced
    finally:
        alone.engine.dispose()


def test_a_status_announced_elsewhere_between_two_batches_is_the_one_the_next_compares_with(
    runtime: ServiceRuntime,
) -> None:
    """A batch keeps the statuses it read for the next one; another writer (the sweeper, a
    full evaluation) announcing a status in between must make the next batch read them
    again: here a wrong status of I3's root, which the next batch's first event corrects."""
    ev = Events()
    rng = random.Random(5)
    batches = [[ev.site(f"K{n}", TIEN_LANG_TOWN, date(2023, 3, 1 + n)),
                ev.dossier(f"K{n}", "LandDossierLodged", date(2023, 4, 1 + n))]
               for n in range(4)]
    for batch in batches[:2]:  # the first batch ever keeps nothing (no stamp to follow)
        for _ in _consume(runtime, batch, rng, sizes=(2,)):
            _check(runtime)
    with runtime.engine.connect() as conn:
        definition = load_definitions(conn)[("I3", 2023)]
    root = scope_tree(definition.scope, YEAR_END).roots[0]
    key = status_key("I3", 2023, root)
    with runtime.uow(CommandContext(actor="test")) as uow:
        status = uow.load(IndicatorStatus, key)
        wrong = "chua_den_han" if status.status != "chua_den_han" else "dat"
        status.record(IndicatorStatusChanged(
            indicator_id="I3", year=2023, unit_code=root, status=wrong,
            previous_status=status.status, numerator=0, denominator=0, value=0.0,
            target=40.0, evaluated_on=YEAR_END, cause="test"), YEAR_END, unit_code=root)
        uow.save(status)
        uow.commit()
    assert _last_statuses(runtime)[0][key] == wrong
    for batch in batches[2:]:
        for _ in _consume(runtime, batch, rng, sizes=(2,)):
            _check(runtime)
    assert _last_statuses(runtime)[0][key] != wrong


def test_the_first_kept_counts_settle_the_heap_for_batches(
    runtime: ServiceRuntime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The live path's warm-up ends with the first counts a batch keeps for the next: the heap
    is set aside from the collector then, and the young generation is collected less often
    from then on (shared.heap.settle_for_batches): a catch-up's batch keeps its objects alive
    until it commits, and at Python's default they pushed a full collection every few
    thousand events."""
    settled: list[bool] = []
    thresholds: list[tuple[int, ...]] = []
    # Recorded instead of done: the real ones would change this test process's heap for good.
    monkeypatch.setattr(heap, "settle_heap", lambda: settled.append(True))
    monkeypatch.setattr(gc, "set_threshold", lambda *threshold: thresholds.append(threshold))
    ev = Events()
    batches = [[ev.site(f"K{n}", TIEN_LANG_TOWN, date(2023, 3, 1 + n)),
                ev.dossier(f"K{n}", "LandDossierLodged", date(2023, 4, 1 + n))]
               for n in range(2)]
    for batch in batches:  # the first batch ever keeps nothing (no stamp to follow)
        for _ in _consume(runtime, batch, random.Random(5), sizes=(2,)):
            pass
    assert settled
    assert thresholds
    assert set(thresholds) == {(heap.BATCH_YOUNG_THRESHOLD,)}


def test_the_counts_of_many_groups_are_saved_in_a_few_statements(
    runtime: ServiceRuntime,
) -> None:
    """A catch-up's batch moves the counts of thousands of (commune, date) groups: the new,
    the changed and the emptied ones are stored right, and (on SQLite, whose statements are
    traced) in a few statements rather than one per group: row by row, sqlite3 lets go of
    the GIL and takes it back for each, beside the consumer's busy event loop."""
    day = date(2023, 6, 1)
    with runtime.engine.begin() as conn:
        sitecounts.save_changes(conn, facts.site_counts,
                                {(f"C{n:04d}", day): [2, 1, 0] for n in range(600)})
    moved: GroupCounts = {(f"C{n:04d}", day): [-2, -1, 0] if n % 3 == 0 else [1, 0, 1]
                          for n in range(600)}
    moved.update({(f"D{n:04d}", day): [1, 1, 1] for n in range(300)})
    statements: list[str] = []
    with runtime.engine.begin() as conn:
        driver = conn.connection.driver_connection
        traced = runtime.engine.dialect.name == "sqlite"
        if traced:
            driver.set_trace_callback(statements.append)  # type: ignore[union-attr]
        try:
            sitecounts.save_changes(conn, facts.site_counts, moved)
        finally:
            if traced:
                driver.set_trace_callback(None)  # type: ignore[union-attr]
    with runtime.engine.connect() as conn:
        stored = sitecounts.load_groups(conn, facts.site_counts)
    expected: GroupCounts = {(f"C{n:04d}", day): [3, 1, 1] for n in range(600) if n % 3}
    expected.update({(f"D{n:04d}", day): [1, 1, 1] for n in range(300)})
    assert stored == expected
    written = [s for s in statements if "ind_site_counts" in s
               and not s.lstrip().upper().startswith("SELECT")]
    assert not traced or 0 < len(written) <= 10, len(written)
