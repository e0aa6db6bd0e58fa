"""Which conference period the dashboard opens on, and whether a period has any data.

Asked for no period, the dashboard opens on the latest period whose data are cut off and
that holds data: a deployment loaded with the 2023 register opens on the 2023 year report,
not on an empty "9 tháng đầu năm 2026". When no cut-off period holds data, it opens on the
period under way, and the page says there is no data yet.

"Data" is a projected fact dated in the period's window that a unit typed in: not the year's
definitions, the statuses the indicators service announces from the data, nor the
regulation's versions (`fact_reads.NOT_DATA_FAMILIES`, the signing's rule of what a period's
data are). The indicators service evaluates an ended year's definitions and announces their
statuses dated the year's last day (31/12, in the next year's window from 15/12): counted as
data, they opened an installed system loaded with the 2023 register on an empty «năm 2024».
With the chunk figures complete (the usual case) `rpt_figure_chunks` names the chunks holding
facts, newest first, and each is asked whether one of its facts is data (the first almost
always is); otherwise (facts projected before the chunks existed, until a rebuild) the facts
themselves are asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, exists, func, select

from services.reporting.adapters.tables import figure_chunks
from services.reporting.application.fact_reads import NOT_DATA_FAMILIES, TABLES, read_marks
from services.reporting.domain.chunks import Chunk, chunk_end, chunk_of, chunk_start, chunk_year
from services.reporting.domain.periods import (
    MONTHS,
    Period,
    default_period,
    latest_closed_period,
    parse_period_id,
    period_id,
)


@dataclass(frozen=True)
class Opening:
    period_id: str
    has_data: bool


def opening_period(conn: Connection, today: date) -> Opening:
    closed = default_period(*parse_period_id(latest_closed_period(today)))
    chunk = _latest_chunk(conn, None, closed.cutoff_on)
    if chunk is None:
        current = current_period(today)
        return Opening(current.id, has_data(conn, current.data_from, today))
    year = chunk_year(chunk)
    # Periods are cumulative from 15/12 of the year before: the year report holds every fact
    # of its year, so an earlier year opens on its year report.
    return Opening(closed.id if year == closed.year else period_id(year, 12), True)


def current_period(today: date) -> Period:
    """The period whose data window is still open on `today`."""
    for months in MONTHS:
        period = default_period(today.year, months)
        if period.cutoff_on >= today:
            return period
    return default_period(today.year + 1, MONTHS[0])  # 15/12 .. 31/12: next year's window


def has_data(conn: Connection, first: date, last: date) -> bool:
    """Whether any fact is dated from `first` to `last` (a period's data window)."""
    if first > last:
        return False
    return _latest_chunk(conn, first, last) is not None


def _latest_chunk(conn: Connection, first: date | None, last: date) -> Chunk | None:
    if read_marks(conn).complete and _on_chunk_edges(first, last):
        query = (select(figure_chunks.c.chunk).distinct()
                 .where(figure_chunks.c.chunk <= chunk_of(last))
                 .order_by(figure_chunks.c.chunk.desc()))
        if first is not None:
            query = query.where(figure_chunks.c.chunk >= chunk_of(first))
        for chunk in conn.execute(query).scalars():
            if _holds_data(conn, chunk_start(chunk), chunk_end(chunk)):
                return Chunk(chunk)
        return None
    latest: date | None = None
    for table in TABLES.values():
        query = select(func.max(table.c.business_on)).where(
            table.c.business_on <= last, table.c.family.not_in(NOT_DATA_FAMILIES))
        if first is not None:
            query = query.where(table.c.business_on >= first)
        day = conn.execute(query).scalar()
        if day is not None:
            latest = day if latest is None else max(latest, day)
    return None if latest is None else chunk_of(latest)


def _holds_data(conn: Connection, first: date, last: date) -> bool:
    """Whether a fact dated `first`..`last` is data (through the business date's index)."""
    return any(
        conn.execute(select(exists().where(
            table.c.business_on >= first, table.c.business_on <= last,
            table.c.family.not_in(NOT_DATA_FAMILIES)))).scalar()
        for table in TABLES.values())


def _on_chunk_edges(first: date | None, last: date) -> bool:
    """Whether the window is made of whole chunks (so the chunk rows answer exactly): it
    starts the day after a cut-off (the 15th of a cut-off month) and ends on a cut-off."""
    starts = first is None or (first.day == 15 and first.month in MONTHS)
    return starts and last.day == 14 and last.month in MONTHS
