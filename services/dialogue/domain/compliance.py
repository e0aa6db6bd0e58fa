"""Does a head meet the rule over a period? Pure arithmetic on dates, no I/O.

How the requirement is pro-rated (stated once, here, and in the API's explanation):

* Only the days the head was in office inside the period count (the "window").
* The window is cut at every calendar year boundary and at every effective date of a rule
  version of the head's level. Each piece owes `min_sessions_per_year × days / days in that
  year` sessions, under the version in force on its first day (no version yet: nothing owed).
* The pieces are summed exactly (fractions) and rounded half up to a whole number of
  sessions: a full year at 2/year owes 2; half a year at 1/year owes 1 (0.5 rounds up);
  a quarter at 1/year owes 0. A rule raised from 1 to 2 on 1 July owes
  1×181/365 + 2×184/365 ≈ 1.50 → 2 over the year 2023.
* Sessions count when the head is among the session's heads, the session was held (with
  or without its report) and the holding date lies inside the window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from services.dialogue.domain.rules import RuleVersion

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Piece:
    start: date
    end: date
    rule: RuleVersion | None
    owed: Fraction

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Evaluation:
    window_start: date
    window_end: date
    pieces: tuple[Piece, ...]
    held_on: tuple[date, ...]
    owed_exact: Fraction = field(default=Fraction(0))

    @property
    def required(self) -> int:
        return math.floor(self.owed_exact + Fraction(1, 2))

    @property
    def held(self) -> int:
        return len(self.held_on)

    @property
    def met(self) -> bool:
        return self.held >= self.required

    @property
    def missing(self) -> int:
        return max(self.required - self.held, 0)


def days_in_year(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def in_force(versions: Sequence[RuleVersion], on: date) -> RuleVersion | None:
    current: RuleVersion | None = None
    for version in sorted(versions, key=lambda v: v.effective_from):
        if version.effective_from <= on:
            current = version
    return current


def pieces(start: date, end: date, versions: Sequence[RuleVersion]) -> list[Piece]:
    cuts = {date(year, 1, 1) for year in range(start.year + 1, end.year + 1)}
    cuts |= {v.effective_from for v in versions if start < v.effective_from <= end}
    bounds = [start, *sorted(cuts)]
    out: list[Piece] = []
    for index, piece_start in enumerate(bounds):
        piece_end = bounds[index + 1] - ONE_DAY if index + 1 < len(bounds) else end
        rule = in_force(versions, piece_start)
        days = (piece_end - piece_start).days + 1
        owed = (
            Fraction(rule.min_sessions_per_year * days, days_in_year(piece_start.year))
            if rule
            else Fraction(0)
        )
        out.append(Piece(piece_start, piece_end, rule, owed))
    return out


def evaluate(
    period_start: date,
    period_end: date,
    office_from: date,
    office_to: date | None,
    versions: Sequence[RuleVersion],
    sessions_held_on: Sequence[date],
) -> Evaluation | None:
    """None when the head was not in office at any time in the period."""
    start = max(period_start, office_from)
    end = min(period_end, office_to) if office_to else period_end
    if start > end:
        return None
    cut = pieces(start, end, versions)
    held = tuple(sorted(d for d in sessions_held_on if start <= d <= end))
    return Evaluation(start, end, tuple(cut), held, sum((p.owed for p in cut), Fraction(0)))
