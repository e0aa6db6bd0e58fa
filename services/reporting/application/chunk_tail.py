"""The days between the chunks a report reads and its cut-off, counted from the facts
(`domain/chunks.ChunkReading`). A running period's report is counted up to today, which is
seldom a chunk's cut-off: it is read from the chunk end nearer today, the chunks through the
one holding today less what the facts of the days after today changed, or the chunks through
the one before plus what the days since its end changed, by the same rules
(`domain/counting.py`) as the report computed from the facts (`from_facts.py`), so the two
give the same figures.

What the days between changed, set-based: the database sums the flows and finds the
subjects; Python reads only the histories of those subjects, never a fact per flow:

- flows: the facts dated in those days, counted per kind, state and units as `from_facts`
  counts them (`fact_reads.flow_rows`);
- stocks: every subject whose figures may differ between the two days (a fact dated in
  between, or a commitment falling due) counts as it stands at the one day instead of the
  other, each judged on its whole history (`fact_reads.touched_histories`);
- I2: the sessions held in those days, per head (`fact_reads.session_dates`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from services.reporting.application.chunk_figures import units_key
from services.reporting.application.chunk_sums import HEADS, Key, SourceMark, Sums, marking_source
from services.reporting.application.fact_reads import (
    TABLES,
    flow_rows,
    held_counts,
    read_marks,
    touched_histories,
)
from services.reporting.application.lru import Lru
from services.reporting.application.report_figures import Window
from services.reporting.domain.chunks import ChunkReading
from services.reporting.domain.counting import (
    ATTENDANCE,
    STOCK_FAMILIES,
    SubjectHistory,
    fact_sign,
    flow_amount,
    flow_figures,
    source_figures,
    stock_figures,
)

# What the days between changed, per source (and the heads' sessions), kept by the source's
# mark: the same facts, the same changes. A new fact of one source leaves the others' kept.
KeptTails = Lru[tuple[Any, ...], Any]
TAILS_KEPT = 16  # a few days (today's, a test's) of three sources and the heads


def kept_tails() -> KeptTails:
    return Lru(TAILS_KEPT)


class Between:
    """The days between one report's chunks and its cut-off (`ChunkReading.between`: (after,
    through]), added or taken away (`sign`), read with the facts known at its "as of", which
    sees every fact (`figures.from_chunks_possible`): what they change is a function of the
    sources' marks (`marks`, as this connection read them), kept by them in `kept`."""

    def __init__(self, conn: Connection, reading: ChunkReading, as_of: datetime,
                 marks: Mapping[str, SourceMark], kept: KeptTails) -> None:
        self.conn = conn
        self.days = reading.between
        self.sign = reading.sign
        self.as_of = as_of
        self.marks = marks
        self.kept = kept

    def changes(self, name: str, count: Callable[[], Any]) -> Any:
        """What the days between changed of a source (or the heads' sessions, `HEADS`):
        kept, or `count`ed and kept if the source's mark did not move meanwhile (a
        connection whose reads each see the latest commits, PostgreSQL's READ COMMITTED, may
        have counted facts projected after its mark: served once, not kept)."""
        source = marking_source(name)
        mark = self.marks.get(source)
        key = (name, mark, self.days, self.sign)
        found = self.kept.get(key)
        if found is None:
            found = count()
            if mark is not None and read_marks(self.conn).sources.get(source) == mark:
                self.kept.put(key, found)
        return found


def to_cutoff(between: Between, source: str, sums: Sums) -> Sums:
    """A source's chunk sums (per units, in `source_figures` order) through the chunks read,
    with what the days between changed: the figures the facts give at the cut-off."""
    if between.days is None:
        return sums
    changes: dict[Key, list[Any]] = between.changes(source, lambda: _changes(between, source))
    found = dict(sums)
    for units, cell in changes.items():
        base = found.get(units)
        values = tuple(cell) if base is None else tuple(
            a + b for a, b in zip(base, cell, strict=True))
        if any(values):
            found[units] = values
        else:
            found.pop(units, None)  # as the chunk sums leave out keys of zeros
    return found


def _changes(between: Between, source: str) -> dict[Key, list[Any]]:
    """What the days between change of a source's figures, per units (`source_figures`
    order), signed as they are added to the chunk sums."""
    assert between.days is not None
    after, through = between.days
    sign, conn = between.sign, between.conn
    flows, stocks = source_figures(source)
    names = flows + stocks
    index = {name: i for i, name in enumerate(names)}
    changes: dict[Key, list[Any]] = {}

    def add(units: Key, figure: str, amount: Any) -> None:
        cell = changes.get(units)
        if cell is None:
            cell = changes[units] = [0] * len(names)
            if ATTENDANCE in index:
                cell[index[ATTENDANCE]] = 0.0  # a float, as the chunk figures keep it
        cell[index[figure]] += sign * amount

    # Flows: unrounded (attendance is rounded per unit once summed, as the chunks' sums).
    window = Window(after + timedelta(days=1), through, between.as_of)
    for row in flow_rows(conn, source, window):
        for figure in flow_figures(source, row.kind, row.state):
            amount = flow_amount(figure, int(row.n), row.total) * fact_sign(row.effect)
            if amount:
                add(units_key(row), figure, amount)
    table = TABLES[source]
    for group in STOCK_FAMILIES[source]:
        for history in touched_histories(conn, table, group, (after, through),
                                         between.as_of):
            for (units, figure), amount in _stocks_moved(group, history, between.days).items():
                if amount:
                    add(units, figure, amount)
    return changes


def _stocks_moved(
    group: str, rows: list[Any], days: tuple[date, date]
) -> Counter[tuple[Key, str]]:
    """What one subject counts for at the end of the second day less what it counts for at
    the end of the first, from its facts (in order) up to the second."""
    after, through = days
    history: SubjectHistory | None = None
    found: Counter[tuple[Key, str]] = Counter()
    passed = False
    for row in rows:
        if not passed and row.business_on > after:
            passed = True
            if history is not None:
                for fact, figure in stock_figures(group, history, after):
                    found[(units_key(fact), figure)] -= 1
        if history is None:
            history = SubjectHistory.start(row)
        else:
            history.add(row)
    assert history is not None  # a subject read has facts
    if not passed:
        for fact, figure in stock_figures(group, history, after):
            found[(units_key(fact), figure)] -= 1
    for fact, figure in stock_figures(group, history, through):
        found[(units_key(fact), figure)] += 1
    return found


def held_to_cutoff(between: Between, year_start: date, held: Counter[str]) -> Counter[str]:
    """The sessions per head summed over the head chunks read, with those held in the days
    between (I2's window runs from `year_start`, 1 January, as `fact_reads.session_dates`
    reads them)."""
    if between.days is None:
        return held
    after, through = between.days
    first = max(after + timedelta(days=1), year_start)

    def count() -> Counter[str]:
        # Counted as the head chunks count them: a retracted holding (a correction's) minus.
        return Counter({head: between.sign * days.total() for head, days in held_counts(
            between.conn, first, through, between.as_of).items()})

    found = Counter(held)
    if first <= through:
        for head, moved in between.changes(HEADS, count).items():
            found[head] += moved
    return found
