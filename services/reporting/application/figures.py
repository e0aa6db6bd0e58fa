"""THE way to a report's figures: `compute` / `compute_many` (e.g. I3 of a period, for a
scope, as of a time). Every optimisation sits behind this one seam:

1. the figures of the same facts are the same figures: kept in `state.figures`, keyed by the
   period's window, the scope, the marks the projections left (`fact_reads.read_marks`) and
   the successions officials recorded that the report places facts by (`successions.known`);
   a window of whole chunks (the period before a running one) by the stamps of the chunk
   rows it is summed from instead of the marks, so a later fact leaves it kept (`_facts_key`);
2. otherwise, when "as of" sees every fact and the period's window opens on its year's first
   chunk (a default window, or a running period's counted up to today), they are summed from
   the chunk figures (`from_chunks.py`, over this process's copies: `chunk_sums.py`; the days
   between today and the nearer chunk end: `chunk_tail.py`; I2's heads: `heads.py`);
3. otherwise they are computed from the fact tables (`from_facts.py`).

Both paths count by the same rules (`domain/counting.py`) into figures per node of the unit
tree, and `roll_up.finish_figures` sums them up the tree and judges I1-I4 by name
(`domain/indicators.MEASURED_BY`, the kernel's `shared/planrules.py`). I1, I3 and I4 of an
indicator whose defined period ends before the report's cut-off are those of its period's
last day (`planrules.figure_day`, `at_indicator_periods`), as the indicators service gives
them. The result,
`report_figures.Figures`, is a pure function of (period window, scope, as of): asked again,
or after a full replay, it gives the same figures. What is kept in memory is the service's
`state.ReportingState`, held by its runtime and passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from services.reporting.application import successions
from services.reporting.application.chunk_sums import HEADS, marking_source, stamp_through
from services.reporting.application.fact_reads import Marks, read_marks
from services.reporting.application.from_chunks import compute_from_chunks_many
from services.reporting.application.from_facts import compute_fresh
from services.reporting.application.heads import head_and_rule_facts
from services.reporting.application.report_figures import Figures, IndicatorFigure
from services.reporting.application.state import ReportingState
from services.reporting.domain.chunks import chunk_reading
from services.reporting.domain.periods import Period
from shared.planrules import figure_day

#: The indicators whose figure is a state at a date; I2 counts a window, which its own rule
#: already stops at the period's end (`planrules.i2_window`).
STOCK_INDICATORS: tuple[str, ...] = ("I1", "I3", "I4")

#: The chunk rows a window of whole chunks is kept by the stamps of (`_facts_key`); the
#: indicators' figures are kept by their mark.
WINDOW_STAMPED = ("religion", "dialogue", HEADS)

__all__ = ["Figures", "compute", "compute_fresh", "compute_from_chunks", "compute_many",
           "from_chunks_possible"]


def from_chunks_possible(marks: Marks, period: Period, as_of: datetime) -> bool:
    """Whether the chunk figures give this report: they hold every fact, the report sees
    every fact, and the period's window opens on its year's first chunk and closes by its
    default cut-off (`chunks.chunk_reading`)."""
    return (marks.complete and marks.sees_everything(as_of)
            and chunk_reading(period) is not None)


def compute(
    state: ReportingState, conn: Connection, period: Period, scope: str, as_of: datetime
) -> Figures:
    """The figures of a period for a scope as of a time (kept by the facts they see)."""
    return compute_many(state, conn, [period], scope, as_of)[0]


def compute_many(
    state: ReportingState, conn: Connection, periods: Sequence[Period], scope: str,
    as_of: datetime,
) -> list[Figures]:
    """The figures of several periods (a report and the one before) for a scope as of a
    time: kept by the facts they see; those the chunk figures give are read together."""
    marks = read_marks(conn)
    # Every "as of" from the latest recorded fact on sees the same facts.
    seen: Any = "all" if marks.sees_everything(as_of) else as_of
    # The successions officials recorded place facts too (J15): the same facts are other
    # figures once one is recorded, and as of a time before it they are the old ones.
    recorded = successions.known(conn, as_of)
    keys = [(p.data_from, p.cutoff_on, p.year, p.months, scope,
             _facts_key(state, conn, marks, p, as_of), seen, recorded) for p in periods]
    found: dict[int, Figures] = {}
    for index, key in enumerate(keys):
        cached = state.figures.get(key)
        if cached is not None:
            # Same facts, same figures; only the stated time differs.
            found[index] = replace(cached, period=periods[index], as_of=as_of)
    missing = [i for i in range(len(periods)) if i not in found]
    from_chunks = [i for i in missing if from_chunks_possible(marks, periods[i], as_of)]
    computed = dict(zip(from_chunks, compute_from_chunks_many(
        conn, [periods[i] for i in from_chunks], scope, as_of, marks, state.copies,
        state.owed, state.tails), strict=True))
    for index in missing:
        if index not in computed:
            computed[index] = compute_fresh(conn, periods[index], scope, as_of)
    for index, figures in computed.items():
        computed[index] = at_indicator_periods(state, conn, figures, scope, as_of)
        if computed[index] is not figures:
            # Figures of another day than the window's last chunk end: kept by the marks.
            keys[index] = (*keys[index][:5], marks.key, *keys[index][6:])
    # Kept by the marks read first. A connection whose reads each see the latest commits
    # (PostgreSQL's READ COMMITTED) may have read facts projected since, in the chunk rows or
    # the days counted from the facts: such figures are served once, not kept.
    if computed and read_marks(conn).key == marks.key:
        for index, figures in computed.items():
            state.figures.put(keys[index], figures)
    return [found.get(i) or computed[i] for i in range(len(periods))]


def _facts_key(
    state: ReportingState, conn: Connection, marks: Marks, period: Period, as_of: datetime
) -> Any:
    """What the figures of a period are kept by, of the facts: every source's mark; for a
    window of whole chunks the chunk figures give (the period before a running one, a
    default window), what it is summed from instead, so that a fact of a later day (the
    running period's) leaves it kept: the latest stamp of the religion and dialogue chunk rows
    and the heads' sessions up to its last chunk (a batch stamps every row it changes, a
    correction of an earlier fact its chunk's), the number of head and rule facts (what the
    rule owes the heads, `heads.kept_owed`), and the indicators' mark (the year's
    definitions, reported figures and statuses are read from their facts). A rebuild is a
    new generation; a copy that cannot stand at the marks read (`chunk_sums.stamp_through`)
    keys by the marks."""
    if not from_chunks_possible(marks, period, as_of):
        return marks.key
    reading = chunk_reading(period)
    if reading is None or reading.between is not None:
        return marks.key
    last = reading.bounds[1]
    stamps: list[Any] = []
    for name in WINDOW_STAMPED:
        mark = marks.sources.get(marking_source(name))
        stamp = stamp_through(conn, state.copies, name, mark, last)
        if stamp is None:
            return marks.key
        stamps.append((name, mark[0] if mark else None, stamp))
    return ("through", last, *stamps, marks.sources.get("indicators"),
            head_and_rule_facts(conn))


def at_indicator_periods(
    state: ReportingState, conn: Connection, figures: Figures, scope: str, as_of: datetime
) -> Figures:
    """The figures with I1, I3 and I4 taken on the day the kernel's `figure_day` gives: for
    an indicator whose defined period ends before the report's cut-off (I3 defined over
    January..June, the 9-month report), the figure and status of its period's last day: the
    indicators service gives that figure and refuses a later date, so the report counted
    one nobody else did. An indicator whose period begins after the cut-off has no figure
    there: its counts are shown without a status. The other figures stay the period's."""
    period = figures.period
    days = {
        indicator_id: figure_day(*figures.targets[indicator_id].period(period.year),
                                 period.cutoff_on)
        for indicator_id in STOCK_INDICATORS if indicator_id in figures.targets
    }
    # A day before the window opens has no figures of the window (a moved window only).
    earlier = {indicator_id: day for indicator_id, day in days.items()
               if day is not None and day != period.cutoff_on and day >= period.data_from}
    not_begun = [indicator_id for indicator_id, day in days.items() if day is None]
    if not earlier and not not_begun:
        return figures
    at_day = {day: compute(state, conn, replace(period, cutoff_on=day), scope, as_of)
              for day in set(earlier.values())}
    # Units sharing one row of figures share the new one too (`Figures.units_content`).
    made: dict[tuple[int, ...], dict[str, IndicatorFigure]] = {}
    indicators: dict[str, dict[str, IndicatorFigure]] = {}
    for code, row in figures.indicators.items():
        taken = {indicator_id: at_day[day].indicators.get(code)
                 for indicator_id, day in earlier.items()}
        key = (id(row), *(id(t) for t in taken.values()))
        found = made.get(key)
        if found is None:
            found = made[key] = {
                indicator_id: (taken.get(indicator_id) or {}).get(indicator_id, figure)
                for indicator_id, figure in row.items()}
            for indicator_id in not_begun:  # counted, not judged: the period has not begun
                found[indicator_id] = replace(found[indicator_id], status=None)
        indicators[code] = found
    return replace(figures, indicators=indicators, built={})


def compute_from_chunks(
    state: ReportingState, conn: Connection, period: Period, scope: str, as_of: datetime
) -> Figures:
    """The figures from the chunk figures, bypassing the kept figures: only for a report that
    sees every fact and a window the chunks give (`from_chunks_possible`)."""
    return compute_from_chunks_many(
        conn, [period], scope, as_of, read_marks(conn), state.copies, state.owed,
        state.tails)[0]
