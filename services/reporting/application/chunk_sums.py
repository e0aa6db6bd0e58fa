"""The chunk figures summed per unit for the windows reports ask for, kept in this process
and brought up to date by the rows written since they were read.

A national report sums the chunk rows of 3,300 communes (a row per commune, source and week
or so of the window) for two windows (the period and the one before); summed in SQL that was
half of a report's time, and it was all done again after every new fact. Every chunk row
carries the stamp of the batch that last changed it: its source's fact count after that
batch. The batches of a source commit one at a time in stamp order, so a copy that has read
a source through stamp S is brought up to date by the rows stamped after S: after a new
fact, a handful.

A copy serves a report only where it stands exactly where the report's own snapshot does
(the same generation and fact count of the source, from `rpt_source_marks`); a report whose
snapshot is older than the copy (another request moved it on meanwhile) sums in SQL, as do
reports on a connection whose later reads see rows newer than its marks (PostgreSQL's read
committed).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, case, func, select

from services.reporting.adapters.tables import FACT_TABLES, figure_chunks, head_sessions
from services.reporting.domain.chunks import Chunk
from services.reporting.domain.counting import source_figures

Key = tuple[str, ...]  # the units of a chunk row (unit, district, province), or a head id
Bounds = tuple[Chunk, Chunk]  # the first chunk of a flow window, and the last (its cut-off)
Sums = dict[Key, tuple[Any, ...]]  # per key, the figures over a window; keys of zeros left out
SourceMark = tuple[str, int] | None  # (generation, facts) of a source; None: nothing projected

HEADS = "heads"  # the sessions per head, stamped by the dialogue projection
COPIED = (*FACT_TABLES, HEADS)
_WINDOWS_KEPT = 8  # windows summed per copy: a report and the one before, of a few periods


def marking_source(name: str) -> str:
    """The source whose mark stamps the rows of a copied name."""
    return "dialogue" if name == HEADS else name


class TableCopy:
    """One source's chunk rows in memory, and their sums per window.

    Figures are in `names` order: the first `flows` count over a window's chunks, the rest
    (stocks) over every chunk up to its last."""

    def __init__(self, names: Sequence[str], flows: int) -> None:
        self.names = tuple(names)
        self.flows = flows
        self.generation: str | None = None
        self.upto = -1  # the stamp read through
        self.rows: dict[Key, dict[Chunk, tuple[Any, ...]]] = {}
        # Per chunk, the latest stamp of its rows: what a window's figures were last changed
        # by (`stamp_through`).
        self.stamps: dict[Chunk, int] = {}
        self._sums: OrderedDict[Bounds, Sums] = OrderedDict()

    def load(self, generation: str, rows: Sequence[tuple[Key, Chunk, tuple[Any, ...], int]],
             stamp: int) -> None:
        """Rows changed after `upto` with their stamps, read through `stamp` (all rows when
        the generation is new): each replaces what the copy held of its key and chunk."""
        if generation != self.generation:
            self.rows.clear()
            self._sums.clear()
            self.stamps.clear()
            self.generation = generation
        touched = set()
        stamps = self.stamps
        for key, chunk, values, changed in rows:
            self.rows.setdefault(key, {})[chunk] = values
            touched.add(key)
            if changed > stamps.get(chunk, -1):
                stamps[chunk] = changed
        for bounds, sums in self._sums.items():
            for key in touched:
                self._put(sums, key, bounds)
        self.upto = stamp

    def stamp_through(self, last: Chunk) -> int:
        """The latest stamp of the rows of the chunks up to `last`: the figures of every
        window ending there (flows over its chunks, stocks over every chunk up to it) are
        sums of those rows, and a batch stamps every row it changes, so they changed only if
        this did (-1: no row)."""
        return max((stamp for chunk, stamp in self.stamps.items() if chunk <= last),
                   default=-1)

    def sums(self, bounds: Bounds) -> Sums:
        """Every key's figures over the window (a copy: the caller reads it unlocked)."""
        found = self._sums.get(bounds)
        if found is None:
            found = self._sums[bounds] = {}
            for key in self.rows:
                self._put(found, key, bounds)
            while len(self._sums) > _WINDOWS_KEPT:
                self._sums.popitem(last=False)
        else:
            self._sums.move_to_end(bounds)
        return dict(found)

    def _put(self, sums: Sums, key: Key, bounds: Bounds) -> None:
        """A key's sums from its rows, afresh, in chunk order (as SQL sums them in key order:
        attendance is a float, and a running total of differences could drift)."""
        first, last = bounds
        chunks = self.rows[key]
        total: list[Any] = [0] * len(self.names)
        flows = self.flows
        for chunk in sorted(chunks):
            if chunk > last:
                break
            values = chunks[chunk]
            for index in range(0 if chunk >= first else flows, len(values)):
                total[index] += values[index]
        if any(total):
            sums[key] = tuple(total)
        else:
            sums.pop(key, None)


class ChunkCopies:
    """The copies of one database's chunk tables, per source and of the heads' sessions
    (held by the service's `state.ReportingState`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tables: dict[str, TableCopy] = {}

    def clear(self) -> None:
        """Drop every copy (the next report reads the chunk tables whole)."""
        with self.lock:
            self.tables.clear()

    def table(self, name: str) -> TableCopy:
        copy = self.tables.get(name)
        if copy is None:
            if name == HEADS:
                copy = TableCopy(("held",), 1)
            else:
                flows, stocks = source_figures(name)
                copy = TableCopy(flows + stocks, len(flows))
            self.tables[name] = copy
        return copy


def window_sums(
    conn: Connection, copies: ChunkCopies, name: str, mark: SourceMark,
    windows: Sequence[Bounds],
) -> list[Sums]:
    """The figures of a source's chunk rows (or the sessions per head: `HEADS`, with the
    dialogue mark) summed per key over each window, as they stand at `mark`, the mark this
    connection's report has read."""
    if mark is None:  # nothing projected from this source: no chunk rows either
        return [{} for _ in windows]
    with copies.lock:
        fresh = _at_mark(conn, copies, name, mark)
        if fresh is not None:
            return [fresh.sums(bounds) for bounds in windows]
    return [sums_in_sql(conn, name, bounds) for bounds in windows]


def stamp_through(
    conn: Connection, copies: ChunkCopies, name: str, mark: SourceMark, last: Chunk,
    *, only: bool = False,
) -> int | None:
    """The latest stamp of a source's chunk rows (or the heads' sessions) up to chunk `last`
    (`only`: of that chunk alone) as they stand at `mark` (-1 when there are none), or None
    when the copy cannot stand there (as `window_sums`: a snapshot older than the copy, or
    later reads that see newer rows)."""
    if mark is None:
        return -1
    with copies.lock:
        fresh = _at_mark(conn, copies, name, mark)
        if fresh is None:
            return None
        return fresh.stamps.get(last, -1) if only else fresh.stamp_through(last)


def _at_mark(
    conn: Connection, copies: ChunkCopies, name: str, mark: tuple[str, int]
) -> TableCopy | None:
    """The copy of `name` brought up to `mark` (under `copies.lock`), or None when it cannot
    stand exactly there."""
    generation, facts = mark
    copy = copies.table(name)
    if copy.generation == generation and copy.upto > facts:
        return None  # this snapshot is older than the copy
    if copy.generation == generation and copy.upto == facts:
        return copy
    since = copy.upto if copy.generation == generation else -1
    rows, newest = _changed_rows(conn, name, copy.names, since)
    copy.load(generation, rows, max(newest, facts))
    return copy if newest <= facts else None


def load_copies(
    conn: Connection, copies: ChunkCopies, marks: Mapping[str, SourceMark],
    windows: Sequence[Bounds],
) -> None:
    """Bring every copy up to the sources' `marks` as this connection read them, and sum it
    over these windows (at the service's start; the heads' too: I2's window is the flows',
    `planrules.i2_window`)."""
    for name in COPIED:
        window_sums(conn, copies, name, marks.get(marking_source(name)), windows)


def _changed_rows(
    conn: Connection, name: str, names: Sequence[str], since: int
) -> tuple[list[tuple[Key, Chunk, tuple[Any, ...], int]], int]:
    """The rows stamped after `since` with their figures `names` (the copy's) and stamps,
    and the newest stamp among them (`since` if none)."""
    found: list[tuple[Key, Chunk, tuple[Any, ...], int]] = []
    newest = since
    if name == HEADS:
        h = head_sessions.c
        query = select(h.head_id, h.chunk, h.held, h.stamp).where(h.stamp > since)
        for head, chunk, held, stamp in conn.execute(query):
            found.append(((head,), chunk, (held,), stamp))
            newest = max(newest, stamp)
        return found, newest
    c = figure_chunks.c
    query = select(c.unit_code, c.district_code, c.province_code, c.chunk, c.stamp,
                   *(c[figure] for figure in names)).where(c.source == name, c.stamp > since)
    for row in conn.execute(query):
        values: tuple[Any, ...] = tuple(row)
        found.append((values[:3], values[3], values[5:], values[4]))
        newest = max(newest, values[4])
    return found, newest


def sums_in_sql(conn: Connection, name: str, bounds: Bounds) -> Sums:
    """`window_sums` of one window summed by the database, for a snapshot the copy cannot
    serve."""
    first, last = bounds
    if name == HEADS:
        h = head_sessions.c
        query = (select(h.head_id, func.sum(h.held))
                 .where(h.chunk >= first, h.chunk <= last).group_by(h.head_id))
        return {(head,): (held,) for head, held in conn.execute(query) if held}
    c = figure_chunks.c
    flows, stocks = source_figures(name)
    columns = [func.sum(case((c.chunk >= first, c[figure]), else_=0)) for figure in flows]
    columns += [func.sum(c[figure]) for figure in stocks]
    query = (
        select(c.unit_code, c.district_code, c.province_code, *columns)
        .where(c.source == name, c.chunk <= last)
        .group_by(c.unit_code, c.district_code, c.province_code)
    )
    found: Sums = {}
    for row in conn.execute(query):
        if any(row[3:]):
            found[tuple(row[:3])] = tuple(row[3:])
    return found

