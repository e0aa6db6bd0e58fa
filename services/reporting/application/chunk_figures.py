"""The figures per chunk that a batch of new facts changes (written by the projections in the
batch's own transaction), and reading them back for a default period.

Flow figures are plain counts of the new facts in their chunk. A stock figure is the state
of each subject at a cut-off, so a new fact can change what its subject counts for at every
cut-off from its date on, also where the subject has later facts (events of a subject may
arrive out of business-date order). For every subject a batch touches, its contribution per
chunk is computed from its whole history before and after the batch, and the difference is
added: the sum of a subject's chunks up to a cut-off is then exactly what
`counting.stock_figures` says of it at that cut-off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, select

from services.reporting.domain.chunks import Chunk, chunk_end, chunk_of
from services.reporting.domain.counting import CHUNK_FIGURES, SubjectHistory, stock_figures
from shared.clock import in_utc
from shared.driversql import in_lists
from shared.planrules import first_overdue_on

Units = tuple[str, str, str]  # unit, district, province codes; '' where there is none
ChunkKey = tuple[Chunk, Units]


class FactRow(NamedTuple):
    """One fact row in memory: read back from its table, or about to be written."""

    event_id: str
    family: str
    kind: str
    subject: str
    effect: int | None
    state: str | None
    amount: float | None
    due_on: date | None
    business_on: date
    recorded_at: datetime  # aware, UTC
    seq: int
    unit_code: str | None
    district_code: str | None
    province_code: str | None
    data: str | None


def fact_order(row: FactRow) -> tuple[date, int, datetime, str]:
    """The order of a subject's facts, the same as the ORDER BY of `figures.histories`."""
    return row.business_on, row.seq, row.recorded_at, row.event_id


def units_key(row: Any) -> Units:
    return row.unit_code or "", row.district_code or "", row.province_code or ""


class ChunkChanges:
    """What a batch adds to the chunk figures and to the sessions per head."""

    def __init__(self) -> None:
        self.figures: dict[tuple[Chunk, Units], dict[str, float]] = {}
        self.sessions: Counter[tuple[str, Chunk]] = Counter()
        # The chunks whose days' facts the batch changed, whatever that did to the chunk
        # figures (a fact moved inside its chunk changes none of them): each gets a row of
        # the batch's stamp (`rows`), which keeps what the days of a chunk change
        # (`chunk_tail.py`) while no fact of its days moved.
        self.touched: set[Chunk] = set()

    def add(self, chunk: Chunk, units: Units, figure: str, amount: float = 1) -> None:
        cell = self.figures.get((chunk, units))
        if cell is None:
            cell = self.figures[(chunk, units)] = {}
        cell[figure] = cell.get(figure, 0) + amount

    def add_subject(self, family: str, before: Sequence[FactRow], after: Sequence[FactRow]) -> None:
        """A subject's stock figures moved from what its facts `before` the batch gave to
        what they give `after` it."""
        points = change_points(family, after)
        changes = subject_chunks(family, after, points)
        self.touched |= points
        if before:
            points = change_points(family, before)
            changes.subtract(subject_chunks(family, before, points))
            self.touched |= points
        for (chunk, units, figure), amount in changes.items():
            if amount:
                self.add(chunk, units, figure, amount)

    def rows(self, source: str, stamp: int) -> dict[tuple[str, ...], list[tuple[Any, ...]]]:
        """Parameter rows of the chunk upserts, by the figures they change: key columns
        (source, units, chunk), those figures in `CHUNK_FIGURES` order, the stamp. Few figures a
        row keeps the statements short; the rows in key order are a fixed lock order for
        concurrent writers."""
        grouped: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for (chunk, (unit, district, province)), cell in sorted(
                self.figures.items(), key=lambda item: (item[0][1], item[0][0])):
            if len(cell) == 1:
                names = tuple(cell)
            else:
                changed = [name for name, value in cell.items() if value]
                names = tuple(sorted(changed, key=FIGURE_ORDER.__getitem__))
            if not names or not cell[names[0]]:
                continue
            grouped.setdefault(names, []).append(
                (source, unit, district, province, chunk, *(cell[n] for n in names), stamp))
        stamped = {row[4] for rows in grouped.values() for row in rows}
        # A touched chunk none of whose figures moved: its row of no units, stamped only
        # (created with zeros if need be; a report leaves rows of zeros out).
        for chunk in sorted(self.touched - stamped):
            grouped.setdefault((), []).append((source, "", "", "", chunk, stamp))
        return grouped


FIGURE_ORDER = {name: index for index, name in enumerate(CHUNK_FIGURES)}


def change_points(family: str, rows: Sequence[FactRow]) -> set[Chunk]:
    """The chunks one subject's stock figures can change in: where its facts fall, or a
    commitment falls due (`counting.stock_figures` moves on no other day)."""
    points = {chunk_of(row.business_on) for row in rows}
    if family == "commitment":
        points |= {chunk_of(first_overdue_on(row.due_on)) for row in rows
                   if row.due_on is not None and row.due_on < date.max}
    return points


def subject_chunks(
    family: str, rows: Sequence[FactRow], points: set[Chunk],
) -> Counter[tuple[Chunk, Units, str]]:
    """What one subject adds per chunk: at each chunk's cut-off, its stock figures minus
    those at the cut-off before. Only chunks where its facts fall (or a commitment falls due)
    can change anything: `points`, its `change_points`."""
    ordered = sorted(rows, key=fact_order)
    changes: Counter[tuple[Chunk, Units, str]] = Counter()
    before: Counter[tuple[Units, str]] = Counter()
    history: SubjectHistory | None = None
    index = 0
    for point in sorted(points):
        end = chunk_end(point)
        while index < len(ordered) and ordered[index].business_on <= end:
            row = ordered[index]
            if history is None:
                history = SubjectHistory.start(row)
            else:
                history.add(row)
            index += 1
        now: Counter[tuple[Units, str]] = Counter()
        if history is not None:
            for row, figure in stock_figures(family, history, end):
                now[(units_key(row), figure)] += 1
        for key in now.keys() | before.keys():
            change = now[key] - before[key]
            if change:
                changes[(point, *key)] += change
        before = now
    return changes


def stored_facts(
    conn: Connection, table: Table, families: Sequence[str], subjects: Iterable[str]
) -> dict[str, list[FactRow]]:
    """The facts already stored of these subjects in these families (a stock group), in
    `fact_order`."""
    wanted = sorted(set(subjects))
    found: dict[str, list[FactRow]] = {}
    if not wanted:
        return found
    c = table.c
    columns = (c.event_id, c.family, c.kind, c.subject, c.effect, c.state, c.amount, c.due_on,
               c.business_on, c.recorded_at, c.seq, c.unit_code, c.district_code,
               c.province_code, c.data)
    for some in in_lists(wanted):  # a batch touches up to 4,096 subjects
        # The facts as they count now: not those a correction replaced.
        query = select(*columns).where(c.family.in_(families), c.subject.in_(some),
                                       c.superseded_at.is_(None))
        for values in conn.execute(query):
            row = FactRow._make(values)
            found.setdefault(row.subject, []).append(
                row._replace(recorded_at=in_utc(row.recorded_at)))
    for rows in found.values():
        rows.sort(key=fact_order)
    return found
