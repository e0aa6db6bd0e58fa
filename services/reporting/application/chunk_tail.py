"""The days beyond a report's cut-off to the end of the chunk holding it, counted from the
facts (`domain/chunks.ChunkReading`). A running period's report is counted up to today,
which is seldom a chunk's cut-off: it is the chunk figures through the chunk holding today,
less what the facts of the days after today changed, by the same rules
(`domain/counting.py`) as the report computed from the facts (`from_facts.py`), so the two
give the same figures. Few facts are dated after the day they are recorded on, so this reads
one pass over each fact table and the histories of a few subjects, mostly the commitments
falling due before the chunk ends, instead of every fact of the window.

- flows: the facts dated in those days are taken away;
- stocks: every subject whose figures may differ between the two days (a fact dated in
  between, or a commitment falling due) counts as it stands at the cut-off instead of at
  the chunk's end, each judged on its whole history;
- I2: the sessions held in those days, per head, are taken away.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from services.reporting.application.chunk_figures import units_key
from services.reporting.application.chunk_sums import Key, Sums
from services.reporting.application.fact_reads import TABLES, facts_beyond, subject_histories
from services.reporting.domain.chunks import ChunkReading
from services.reporting.domain.counting import (
    ATTENDANCE,
    FLOW_FAMILIES,
    STOCK_FAMILIES,
    SubjectHistory,
    fact_sign,
    flow_amount,
    flow_figures,
    group_of,
    source_figures,
    stock_figures,
)


class Beyond:
    """The facts of the days beyond one report's cut-off (`ChunkReading.beyond`), read once
    per source and known at the report's "as of"."""

    def __init__(self, conn: Connection, reading: ChunkReading, as_of: datetime) -> None:
        self.conn = conn
        self.days = reading.beyond
        self.as_of = as_of
        self._facts: dict[str, Sequence[Any]] = {}

    def facts(self, source: str) -> Sequence[Any]:
        found = self._facts.get(source)
        if found is None:
            assert self.days is not None
            found = self._facts[source] = facts_beyond(self.conn, source, *self.days,
                                                       self.as_of)
        return found


def to_cutoff(beyond: Beyond, source: str, sums: Sums) -> Sums:
    """A source's chunk sums (per units, in `source_figures` order) through the chunk holding
    the cut-off, less what the days beyond it changed: the figures the facts give at the
    cut-off."""
    if beyond.days is None:
        return sums
    after, through = beyond.days
    rows = beyond.facts(source)
    if not rows:
        return sums
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
        cell[index[figure]] += amount

    # Flows: unrounded (attendance is rounded per unit once summed, as the chunks' sums).
    flow_families = FLOW_FAMILIES[source]
    for row in rows:
        if row.family in flow_families and after < row.business_on <= through:
            for figure in flow_figures(source, row.kind, row.state):
                add(units_key(row), figure,
                    -flow_amount(figure, 1, row.amount) * fact_sign(row.effect))
    table = TABLES[source]
    for group in STOCK_FAMILIES[source]:
        subjects = {row.subject for row in rows if group_of(row.family) == group}
        if not subjects:
            continue
        for history in subject_histories(beyond.conn, table, group, subjects, through,
                                         beyond.as_of):
            moved = _stocks_at(group, history, (after, through))
            for (units, figure), amount in moved.items():
                if amount:
                    add(units, figure, amount)
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


def _stocks_at(
    group: str, rows: list[Any], days: tuple[date, date]
) -> Counter[tuple[Key, str]]:
    """What one subject counts for at the end of the first day less what it counts for at
    the end of the second, from its facts (in order) up to the second."""
    after, through = days
    history: SubjectHistory | None = None
    found: Counter[tuple[Key, str]] = Counter()
    passed = False
    for row in rows:
        if not passed and row.business_on > after:
            passed = True
            if history is not None:
                for fact, figure in stock_figures(group, history, after):
                    found[(units_key(fact), figure)] += 1
        if history is None:
            history = SubjectHistory.start(row)
        else:
            history.add(row)
    if history is None:
        return found
    if not passed:
        for fact, figure in stock_figures(group, history, after):
            found[(units_key(fact), figure)] += 1
    for fact, figure in stock_figures(group, history, through):
        found[(units_key(fact), figure)] -= 1
    return found


def held_to_cutoff(beyond: Beyond, year_start: date, held: Counter[str]) -> Counter[str]:
    """The sessions per head summed over the head chunks through the one holding the
    cut-off, less those held in the days beyond it (I2's window runs from `year_start`,
    1 January, as `fact_reads.session_dates` reads them)."""
    if beyond.days is None:
        return held
    after, through = beyond.days
    found = Counter(held)
    for row in beyond.facts("dialogue"):
        if (row.family == "session" and row.kind == "SessionHeld"
                and after < row.business_on <= through and row.business_on >= year_start):
            for head in json.loads(row.data or "{}").get("head_ids", []):
                found[head] -= fact_sign(row.effect)
    return found
