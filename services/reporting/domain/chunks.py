"""Chunks: the stretches of business dates between two default data cut-offs.

The default windows of Decree 09/2019 (see `periods.py`) cut every year at the 14th of
March, June, September and December, and every conference period of year Y starts on 15/12
of Y-1. So the calendar splits into chunks — 15/12/Y-1 to 14/03/Y is chunk Y03, then Y06,
Y09 and Y12 — and a default period is a run of whole chunks: its flow figures are the sums of
the chunks Y03 .. Ym, its stock figures the sums of every chunk up to Ym. The projections
keep their figures per chunk, so a report as of now reads a few thousand pre-summed rows
instead of a million facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.reporting.domain.periods import MONTHS, Period, default_period
from shared.conferencedates import CONFERENCE_CUTOFF_DAY

#: A year's windows open the day after December's cut-off (shared/conferencedates.py).
_OPENS = (12, CONFERENCE_CUTOFF_DAY + 1)

Chunk = int  # year * 100 + the month of its cut-off: 202603, 202606, ...


def chunk_of(day: date) -> Chunk:
    """The chunk a business date falls in."""
    if (day.month, day.day) >= _OPENS:
        return (day.year + 1) * 100 + MONTHS[0]
    for months in MONTHS:
        if (day.month, day.day) <= (months, CONFERENCE_CUTOFF_DAY):
            return day.year * 100 + months
    raise AssertionError("every date is on or before the 14th of December or after it")


def head_chunk_of(day: date) -> Chunk:
    """The chunk a session held on `day` is counted in for I2, whose window starts on
    1 January (shared/planrules.py), not on the 15th of December before: the days 15/12 to
    31/12 have a chunk of their own, Y00, before Y03, which no I2 window reaches."""
    if (day.month, day.day) >= _OPENS:
        return (day.year + 1) * 100
    return chunk_of(day)


def chunk_end(chunk: Chunk) -> date:
    """The last business date of a chunk: the default cut-off it ends on."""
    return date(chunk // 100, chunk % 100, CONFERENCE_CUTOFF_DAY)


def period_chunks(period: Period) -> tuple[Chunk, Chunk]:
    """The first chunk of the period's flow window and its last chunk (its cut-off)."""
    return period.year * 100 + MONTHS[0], period.year * 100 + period.months


def has_default_window(period: Period) -> bool:
    """Whether the period counts whole chunks: a moved window does not, and is counted from
    the facts instead."""
    default = default_period(period.year, period.months)
    return (period.data_from, period.cutoff_on) == (default.data_from, default.cutoff_on)


def previous_chunk(chunk: Chunk) -> Chunk:
    """The chunk just before: it ends the day before `chunk` starts."""
    year, months = divmod(chunk, 100)
    at = MONTHS.index(months)
    return (year - 1) * 100 + MONTHS[-1] if at == 0 else year * 100 + MONTHS[at - 1]


@dataclass(frozen=True)
class ChunkReading:
    """How a window that opens where its year's chunks open is read from the chunk figures:
    the chunks `bounds` (as `period_chunks`: flows over first..last, stocks over every chunk
    up to last), and what the facts of the days `between` them and the cut-off ((after,
    through]) changed: added (`sign` +1) when the chunks end before the cut-off, taken away
    (-1) when they end after it. A default window ends on its last chunk's end: nothing
    between (None)."""

    bounds: tuple[Chunk, Chunk]
    between: tuple[date, date] | None
    sign: int = -1


def chunk_reading(period: Period) -> ChunkReading | None:
    """How the chunk figures give the period's window, or None when they cannot: its window
    does not open on its year's first chunk (a moved start), or closes after its default
    cut-off. A running period's report, counted up to today (`Period.counted_on`), is read
    from the chunk end nearer today: the chunks through the one holding today less the days
    after today, or the chunks through the one before plus the days from its end to today
    (the days between are counted from the facts, a cost that grows with them: at most half
    a chunk this way)."""
    default = default_period(period.year, period.months)
    day = period.cutoff_on
    if period.data_from != default.data_from or not (
            period.data_from <= day <= default.cutoff_on):
        return None
    first, chunk = period.year * 100 + MONTHS[0], chunk_of(day)
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
