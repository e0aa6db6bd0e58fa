"""THE walk of days between turn days: where a rule of the catalogue can only change on given
days (a version of a unit begins or ends, a scope's last day passes), it holds alike on every
day of each stretch between them, so it is read once per stretch, on one of its days.

Used by the placements stretch by stretch (`placing.placements_by_stretch`) and by the spans
of days a unit scope covers a code (`shared.auth.units`), so each reads its stretches alike.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, timedelta

#: A stretch of days [start, end) (None: open on that side) and the day it is read on.
DayStretch = tuple[date | None, date | None, date]

_ONE_DAY = timedelta(days=1)


def stretches(
    turns: Iterable[date], start: date | None = None, end: date | None = None
) -> tuple[DayStretch, ...]:
    """[start, end) (open by default) cut at each of `turns` strictly inside it, in order:
    each piece with the day it is read on, its first, or for a piece open to the past its
    last (the day before its end). Nothing when no turn cuts a span open at both ends: such a
    span has no day to read it on."""
    inside = sorted({t for t in turns
                     if (start is None or t > start) and (end is None or t < end)})
    bounds: list[date | None] = [start, *inside, end]
    out: list[DayStretch] = []
    for first, after in itertools.pairwise(bounds):
        if first is not None:
            out.append((first, after, first))
        elif after is not None:
            out.append((first, after, after - _ONE_DAY))
    return tuple(out)
