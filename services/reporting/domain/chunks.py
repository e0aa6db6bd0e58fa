"""Chunks: short stretches of business dates, the unit the projections keep figures in.

The default windows of Decree 09/2019 (see `periods.py`) cut every year at the 14th of
March, June, September and December, and every conference period of year Y starts on 15/12
of Y-1. A chunk is a week or so of one month that never straddles such a cut-off: the days
1-7, 8-14, 15-21, 22-28 and 29 to the month's end (none in a February of 28 days). Every
default window is then a run of whole chunks: its flow figures are the sums of its chunks,
its stock figures the sums of every chunk up to its last; so is I2's window, which is the
data window. The projections keep their figures per chunk, so a report as of now reads
pre-summed rows instead of a million facts, and a report counted up to a day that ends no
chunk (a running period's, `chunk_reading`) counts at most three days from the facts.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from services.reporting.domain.periods import MONTHS, Period, default_period
from shared.conferencedates import CONFERENCE_CUTOFF_DAY

#: The days of a month a chunk ends on, besides the month's last day: the cut-off day of the
#: default windows is one, so a window opening the day after a cut-off opens a chunk.
_ENDS = (7, CONFERENCE_CUTOFF_DAY, 21, 28)
assert CONFERENCE_CUTOFF_DAY in _ENDS

#: The default year-report cut-off as the month and day of a chunk's number (1214).
_YEAR_CUTOFF = MONTHS[-1] * 100 + CONFERENCE_CUTOFF_DAY

Chunk = int  # the chunk's last day as yyyymmdd: 20260307, 20260314, ... (ordered as the days)


def chunk_of(day: date) -> Chunk:
    """The chunk a business date falls in."""
    for end in _ENDS:
        if day.day <= end:
            return day.year * 10000 + day.month * 100 + end
    return day.year * 10000 + day.month * 100 + calendar.monthrange(day.year, day.month)[1]


def head_chunk_of(day: date) -> Chunk:
    """The chunk a session held on `day` is counted in for I2: its own chunk. I2's window is
    the report's data window (shared/planrules.py `i2_window`), whole chunks as the flows'
    are, so the sessions of a window are its chunks'."""
    return chunk_of(day)


def chunk_end(chunk: Chunk) -> date:
    """The last business date of a chunk."""
    return date(chunk // 10000, chunk // 100 % 100, chunk % 100)


def chunk_start(chunk: Chunk) -> date:
    """The first business date of a chunk: the day after the chunk end before it in its
    month, or the 1st."""
    end = chunk_end(chunk)
    earlier = [day for day in _ENDS if day < end.day]
    return end.replace(day=earlier[-1] + 1 if earlier else 1)


def chunk_year(chunk: Chunk) -> int:
    """The year of the conference periods whose windows hold the chunk (those of year Y open
    on 15/12 of Y-1)."""
    # On the number (yyyymmdd) alone: the projections ask it of every flow fact they count
    # (`counting.flow_figures`).
    return chunk // 10000 + (chunk % 10000 > _YEAR_CUTOFF)


def period_chunks(period: Period) -> tuple[Chunk, Chunk]:
    """The first chunk of the period's default flow window and its last chunk (its default
    cut-off)."""
    default = default_period(period.year, period.months)
    return chunk_of(default.data_from), chunk_of(default.cutoff_on)


def has_default_window(period: Period) -> bool:
    """Whether the period counts whole chunks: a moved window does not, and is counted from
    the facts instead."""
    default = default_period(period.year, period.months)
    return (period.data_from, period.cutoff_on) == (default.data_from, default.cutoff_on)


def previous_chunk(chunk: Chunk) -> Chunk:
    """The chunk just before: it ends the day before `chunk` starts."""
    return chunk_of(chunk_start(chunk) - timedelta(days=1))


@dataclass(frozen=True)
class ChunkReading:
    """How a window that opens where its year's chunks open is read from the chunk figures:
    the chunks `bounds` (as `period_chunks`: flows over first..last, stocks over every chunk
    up to last), and what the facts of the days `between` them and the cut-off ((after,
    through]) changed: added (`sign` +1) when the chunks end before the cut-off, taken away
    (-1) when they end after it. A window ending on a chunk's end: nothing between (None)."""

    bounds: tuple[Chunk, Chunk]
    between: tuple[date, date] | None
    sign: int = -1


def chunk_reading(period: Period) -> ChunkReading | None:
    """How the chunk figures give the period's window, or None when they cannot: its window
    does not open on its year's first chunk (a moved start), or closes after its default
    cut-off. A window closing on a chunk's end (a default one, or a running period's counted
    up to such a day) is whole chunks; any other, counted up to today
    (`Period.counted_on`), is read from the chunk end nearer today: the chunks through the
    one holding today less the days after today, or the chunks through the one before plus
    the days from its end to today (those days are counted from the facts: at most three)."""
    default = default_period(period.year, period.months)
    day = period.cutoff_on
    if period.data_from != default.data_from or not (
            period.data_from <= day <= default.cutoff_on):
        return None
    first, chunk = chunk_of(period.data_from), chunk_of(day)
    end = chunk_end(chunk)
    if end == day:
        return ChunkReading((first, chunk), None)
    before = previous_chunk(chunk)
    eve = chunk_end(before)
    if day - eve < end - day:
        # Through the chunk before (for the year's first chunk, the year before's: no flow
        # of the window, the stocks as they stood), plus the days since.
        return ChunkReading((first, before), (eve, day), +1)
    return ChunkReading((first, chunk), (day, end), -1)
