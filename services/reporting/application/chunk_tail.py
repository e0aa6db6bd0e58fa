"""The days between the chunks a report reads and its cut-off, counted from the facts
(`domain/chunks.ChunkReading`). A running period's report is counted up to today, which is
seldom a chunk's cut-off: it is read from the chunk end nearer today, the chunks through the
one holding today less what the facts of the days after today changed, or the chunks through
the one before plus what the days since its end changed, by the same rules
(`domain/counting.py`) as the report computed from the facts (`from_facts.py`), so the two
give the same figures.

What the days between changed, from one read of a source's facts dated in them
(`fact_reads.days_facts`; the chunks are short, `domain/chunks.py`, so they are at most three
days), shared by everything the days change of that source:

- flows: the facts dated in those days, counted per kind, state and units as `from_facts`
  counts them;
- stocks: every subject whose figures may differ between the two days (a fact dated in
  between, or a commitment falling due) counts as it stands at the one day instead of the
  other, each judged on its whole history (`fact_reads.subject_histories`);
- I2: the sessions held in those days, per head and day (of the dialogue facts).
"""

from __future__ import annotations

import json
import operator
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from services.reporting.application.chunk_figures import units_key
from services.reporting.application.chunk_sums import (
    HEADS,
    ChunkCopies,
    Key,
    SourceMark,
    Sums,
    marking_source,
    stamp_through,
)
from services.reporting.application.fact_reads import (
    TABLES,
    days_facts,
    read_marks,
    subject_histories,
)
from services.reporting.application.lru import Lru
from services.reporting.domain.chunks import ChunkReading, chunk_of, chunk_year
from services.reporting.domain.counting import (
    ATTENDANCE,
    FLOW_FAMILIES,
    STOCK_FAMILIES,
    SubjectHistory,
    fact_sign,
    flow_amount,
    flow_figures,
    group_families,
    source_figures,
    stock_figures,
)

# What the days between changed, per source (and the heads' sessions), kept by the stamp of
# their chunk's rows: every batch that changes a fact of a chunk's days, or a subject whose
# stock figures can move in them, stamps a row of the chunk (`chunk_figures.ChunkChanges`).
# A new fact of another chunk, or of another source, leaves them kept.
KeptTails = Lru[tuple[Any, ...], Any]
TAILS_KEPT = 16  # a few days (today's, a test's) of three sources and the heads


def kept_tails() -> KeptTails:
    return Lru(TAILS_KEPT)


class Between:
    """The days between one report's chunks and its cut-off (`ChunkReading.between`: (after,
    through]), added or taken away (`sign`), read with the facts known at its "as of", which
    sees every fact (`figures.from_chunks_possible`): what they change is a function of the
    sources' facts at their marks (`marks`, as this connection read them), kept in `kept` by
    the stamp of the days' chunk in the process's `copies` (`_since`)."""

    def __init__(self, conn: Connection, reading: ChunkReading, as_of: datetime,
                 marks: Mapping[str, SourceMark], kept: KeptTails, copies: ChunkCopies) -> None:
        self.conn = conn
        self.days = reading.between
        self.sign = reading.sign
        self.as_of = as_of
        self.marks = marks
        self.kept = kept
        self.copies = copies

    def changes(self, name: str) -> Any:
        """What the days between changed of a source (or the heads' sessions, `HEADS`):
        kept, or counted from one read of the source's facts (the dialogue's gives its heads'
        sessions too) and kept if the source's mark did not move meanwhile (a connection
        whose reads each see the latest commits, PostgreSQL's READ COMMITTED, may have
        counted facts projected after its mark: served once, not kept)."""
        source = marking_source(name)
        mark = self.marks.get(source)
        since = self._since(source, mark)
        found = self.kept.get(self._key(name, since))
        if found is None:
            counted = _changes(self, source)
            found = counted[name]
            if mark is not None and read_marks(self.conn).sources.get(source) == mark:
                for each, value in counted.items():
                    self.kept.put(self._key(each, since), value)
        return found

    def _since(self, source: str, mark: SourceMark) -> Any:
        """What the source's facts of the days are known by: the generation and the latest
        stamp of the rows of their chunk, as the copy stands at the source's mark; the mark
        itself where the copy cannot stand there (`chunk_sums.stamp_through`)."""
        assert self.days is not None
        chunk = chunk_of(self.days[1])
        stamp = stamp_through(self.conn, self.copies, source, mark, chunk, only=True)
        if mark is None or stamp is None:
            return mark
        return (mark[0], chunk, stamp)

    def _key(self, name: str, since: Any) -> tuple[Any, ...]:
        return (name, since, self.days, self.sign)


def to_cutoff(between: Between, source: str, sums: Sums) -> Sums:
    """A source's chunk sums (per units, in `source_figures` order) through the chunks read,
    with what the days between changed: the figures the facts give at the cut-off."""
    if between.days is None:
        return sums
    changes: dict[Key, list[Any]] = between.changes(source)
    found = dict(sums)
    for units, cell in changes.items():
        base = found.get(units)
        values = tuple(cell) if base is None else tuple(map(operator.add, base, cell))
        if any(values):
            found[units] = values
        else:
            found.pop(units, None)  # as the chunk sums leave out keys of zeros
    return found


def _changes(between: Between, source: str) -> dict[str, Any]:
    """What the days between change of a source's figures, per units (`source_figures`
    order), signed as they are added to the chunk sums; of the dialogue's, also the
    sessions held per head and day (`HEADS`, unsigned: `held_to_cutoff`)."""
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

    # One pass over the facts of those days (`fact_reads.DAYS_COLUMNS`): the flows dated in
    # them counted (and their amounts summed) per kind, state, units and effect, as
    # `fact_reads.flow_rows` counts them, unrounded (attendance is rounded per unit once
    # summed, as the chunks' sums); the stock subjects they touch (dated in them or falling
    # due); of the dialogue, the sessions held in them.
    flow_families = FLOW_FAMILIES[source]
    stock_groups = {family: group for group in STOCK_FAMILIES[source]
                    for family in group_families(group)}
    touched: dict[str, set[str]] = {group: set() for group in STOCK_FAMILIES[source]}
    counted: dict[tuple[Any, ...], list[Any]] = {}
    sessions: list[tuple[Any, ...]] = []
    for (subject, family, kind, effect, state, amount, unit, district, province, data,
         on) in days_facts(conn, TABLES[source], between.days, between.as_of):
        group = stock_groups.get(family)
        if group is not None:
            touched[group].add(subject)
        if not after < on <= through:
            continue  # read as falling due only
        if family in flow_families:
            key = (kind, state, (unit or "", district or "", province or ""), effect)
            cell = counted.get(key)
            if cell is None:
                cell = counted[key] = [0, None]
            cell[0] += 1
            if amount is not None:
                cell[1] = amount if cell[1] is None else cell[1] + amount
        if family == "session" and kind == "SessionHeld":
            sessions.append((data, on, effect))
    # The days between lie in one chunk (`chunks.chunk_reading`), counted as its facts are
    # in the chunk figures: in the year whose default windows hold it.
    year = chunk_year(chunk_of(through))
    for (kind, state, units, effect), (n, total) in counted.items():
        for figure in flow_figures(source, kind, state, year):
            amount = flow_amount(figure, n, total) * fact_sign(effect)
            if amount:
                add(units, figure, amount)
    for group, subjects in touched.items():
        for history in subject_histories(conn, TABLES[source], group, subjects, through,
                                         between.as_of):
            for (units, figure), amount in _stocks_moved(group, history, between.days).items():
                if amount:
                    add(units, figure, amount)
    found: dict[str, Any] = {source: changes}
    if marking_source(HEADS) == source:
        found[HEADS] = _held(sessions)
    return found


def _held(sessions: list[tuple[Any, ...]]) -> dict[str, Counter[date]]:
    """Per head, the sessions held on each day of these holdings (data, day, effect), a
    retracted holding (a correction's) counting minus one (as `fact_reads.held_counts`)."""
    held: dict[str, Counter[date]] = {}
    for data, on, effect in sessions:
        for head in json.loads(data or "{}").get("head_ids", []):
            held.setdefault(head, Counter())[on] += fact_sign(effect)
    return held


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


def held_to_cutoff(between: Between, data_from: date, held: Counter[str]) -> Counter[str]:
    """The sessions per head summed over the head chunks read, with those held in the days
    between from `data_from` on (I2's window is the report's data window,
    `planrules.i2_window`, as `fact_reads.session_dates` reads them)."""
    if between.days is None:
        return held
    after, through = between.days
    first = max(after + timedelta(days=1), data_from)
    found = Counter(held)
    if first <= through:
        days: dict[str, Counter[date]] = between.changes(HEADS)
        for head, on in days.items():
            # Counted as the head chunks count them: a retracted holding (a correction's)
            # minus.
            moved = sum(n for day, n in on.items() if day >= first)
            if moved:
                found[head] += between.sign * moved
    return found
