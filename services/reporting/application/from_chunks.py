"""The figures of a report from the chunk figures the projections keep (`rpt_figure_chunks`):
sums of a few thousand rows whatever the number of facts, read from this process's copies
(`chunk_sums.py`). Only for a report that sees every fact and a window that opens on its
year's first chunk (`figures.from_chunks_possible`): a default window is whole chunks; a
running period's, counted up to today, is read from the chunk end nearer today: the chunks
through the one holding today less the days after today, or through the one before plus the
days since, those days (at most three) from the facts (`chunk_tail.py`). The same rules as
`from_facts.py` (`domain/counting.py`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Connection

from services.reporting.application import successions
from services.reporting.application.chunk_sums import (
    HEADS,
    ChunkCopies,
    marking_source,
    window_sums,
)
from services.reporting.application.chunk_tail import (
    Between,
    KeptTails,
    held_to_cutoff,
    to_cutoff,
)
from services.reporting.application.fact_reads import TABLES, Marks, session_dates
from services.reporting.application.heads import KeptOwed, heads_of_windows
from services.reporting.application.report_figures import Figures, Window
from services.reporting.application.roll_up import Direct, finish_figures, year_targets
from services.reporting.application.unittree import UnitTree, unit_tree
from services.reporting.domain.chunks import ChunkReading, chunk_reading
from services.reporting.domain.counting import ATTENDANCE, source_figures
from services.reporting.domain.periods import Period


def compute_from_chunks_many(
    conn: Connection, periods: Sequence[Period], scope: str, as_of: datetime, marks: Marks,
    copies: ChunkCopies, owed: KeptOwed, tails: KeptTails,
) -> list[Figures]:
    """The figures of several periods (a report and the one before) from the chunk figures;
    `marks` as read on this connection; `copies`, `owed` and `tails`: the process's copies of
    the chunk rows, what the rule owes the heads and what the days between a running
    period's chunks and its day change (`state.ReportingState`)."""
    if not periods:
        return []
    readings = [_reading(p) for p in periods]
    bounds = [reading.bounds for reading in readings]
    betweens = [Between(conn, reading, as_of, marks.sources, tails, copies)
                for reading in readings]
    recorded = successions.known(conn, as_of)
    trees = [unit_tree(scope, p.cutoff_on, recorded) for p in periods]
    directs: list[Direct] = [defaultdict(Counter) for _ in periods]
    # What of `directs` names no unit of the tree (`UnitTree.unattributed`), per node.
    strays: list[Direct] = [defaultdict(Counter) for _ in periods]
    places = [_placer(tree, blank=True) for tree in trees]
    for source in TABLES:
        flows, stocks = source_figures(source)
        names = flows + stocks
        attendance = names.index(ATTENDANCE) if ATTENDANCE in names else -1
        windows = [to_cutoff(between, source, sums) for between, sums in zip(
            betweens, window_sums(conn, copies, source, marks.sources.get(source), bounds),
            strict=True)]
        for place, direct, stray, sums in zip(places, directs, strays, windows, strict=True):
            placed: set[str] = set()
            for (unit, district, province), values in sums.items():
                code, unattributed = place(unit, district, province)
                if code is None:
                    continue
                if attendance >= 0:
                    # Rounded per unit, as the facts' attendance is rounded per group of units.
                    values = (*values[:attendance], round(values[attendance]),
                              *values[attendance + 1:])
                own = direct[code]
                if code in placed:  # several units of the facts under one node
                    own.update(dict(zip(names, values, strict=True)))
                else:
                    # This source's figures are not yet there: set them in one go.
                    dict.update(own, zip(names, values, strict=True))
                    placed.add(code)
                if unattributed:
                    stray[code].update(dict(zip(names, values, strict=True)))
    dialogue = marks.sources.get(marking_source(HEADS))
    targets = [year_targets(conn, Window(p.data_from, p.cutoff_on, as_of), p.year, scope)
               for p in periods]
    # I2: the direct-dialogue rule as every service judges it (domain/heads.py), over its
    # window: the report's data window, bounded by the year's definition.
    i2_windows = [t["I2"].i2_window(p.year, p.data_from, p.cutoff_on) for p, t in zip(
        periods, targets, strict=True)]
    held: list[Counter[str]] = [
        held_to_cutoff(between, period.data_from,
                       Counter({head: int(values[0]) for (head,), values in sums.items()}))
        for period, between, sums in zip(
            periods, betweens, window_sums(conn, copies, HEADS, dialogue, bounds),
            strict=True)]
    for index, (period, (start, end)) in enumerate(zip(periods, i2_windows, strict=True)):
        # The head sessions' chunks are read over the flows' chunks (the data window): a
        # window the year's definition starts or ends elsewhere is counted from the dates.
        if (start, end) != (period.data_from, period.cutoff_on):
            held[index] = Counter({head: len(days) for head, days in session_dates(
                conn, start, end, as_of).items()})
    judged = heads_of_windows(conn, i2_windows, as_of, held, owed,
                              dialogue[0] if dialogue else None)
    found = []
    for period, tree, direct, stray, head_rows, known in zip(
            periods, trees, directs, strays, judged, targets, strict=True):
        place = _placer(tree, blank=False)
        for row, metric in head_rows:
            # Thousands of heads name a few thousand units: each placed once.
            code, unattributed = place(row.unit_code, row.district_code, row.province_code)
            if code is not None:
                direct[code][metric] += 1
                if unattributed:
                    stray[code][metric] += 1
        window = Window(period.data_from, period.cutoff_on, as_of)
        found.append(finish_figures(conn, period, scope, window, tree, direct, stray, known))
    return found


def _reading(period: Period) -> ChunkReading:
    reading = chunk_reading(period)
    if reading is None:
        raise ValueError(f"{period.id} {period.data_from}..{period.cutoff_on}: not from chunks")
    return reading


Codes = tuple[str | None, str | None, str | None]


def _placer(tree: UnitTree, *, blank: bool) -> Callable[[str | None, str | None, str | None],
                                                        tuple[str | None, bool]]:
    """`tree.place` of units, and whether they name no unit of the tree
    (`tree.unattributed`), each triple placed once: the chunk rows' (`blank`: '' names no
    unit, their key's columns are not null) and the heads' (None for none)."""
    placed: dict[Codes, tuple[str | None, bool]] = {}

    def place(unit: str | None, district: str | None, province: str | None
              ) -> tuple[str | None, bool]:
        key = (unit, district, province)
        found = placed.get(key)
        if found is None:
            codes = (unit or None, district or None, province or None) if blank else key
            found = placed[key] = (tree.place(*codes), tree.unattributed(*codes))
        return found

    return place
