"""Did a head meet the direct-dialogue rule? The one arithmetic every service uses.

Quyết định 1738-QĐ/TU of the Standing Board of the City Party Committee sets the minimum
number of direct-dialogue sessions (hội nghị đối thoại trực tiếp) that a head (người đứng đầu
cấp ủy, chính quyền) must hold a year, by level (cấp tỉnh, cấp huyện, cấp xã). The minimum is
versioned by effective date: each `DialogueRuleSet` event of the dialogue service is one
version (phiên bản quy định) of one level. The rule, stated once:

* Only the days the head was in office inside the period count (the windows: one per term,
  nhiệm kỳ; a head who left and came back has two).
* Each window is cut at every 1 January and at every effective date of a version. Each piece
  owes `min_sessions_per_year × days / days in that calendar year` sessions (365 or 366),
  under the version in force on the piece's first day. No version in force yet: nothing owed.
* The pieces of all windows are summed exactly (fractions) and rounded half up once, to a
  whole number of sessions (số buổi phải tổ chức): a full year at 2/year owes 2; half a year
  at 1/year owes 1 (0.5 rounds up); a quarter at 1/year owes 0; a rule raised from 1 to 2 on
  1 July 2023 owes 1×181/365 + 2×184/365 ≈ 1.50 → 2 over 2023.
* The head meets the rule (đạt quy định) when the sessions held inside the windows are at
  least that number (`held_in_windows`): a session of the head held on a day they were not
  in office (a leaving recorded late, dated before it) counts for nobody, in every service.

Pure: no I/O, no clock. The versions handed in are those of the head's level; any object with
`effective_from` and `min_sessions_per_year` will do. Versions of the same date: the later in
the sequence wins (a later `DialogueRuleSet` of the same level and date corrects the earlier),
so pass them in recording order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Generic, Protocol, TypeVar

ONE_DAY = timedelta(days=1)


class RuleVersion(Protocol):
    """What the arithmetic needs of one version of the rule for a level."""

    @property
    def effective_from(self) -> date: ...

    @property
    def min_sessions_per_year(self) -> int: ...


V = TypeVar("V", bound=RuleVersion)


@dataclass(frozen=True)
class Piece(Generic[V]):
    """A stretch of days within one calendar year under one version (or none)."""

    start: date
    end: date  # inclusive
    rule: V | None
    owed: Fraction

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def days_in_year(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def round_half_up(value: Fraction) -> int:
    """0.5 → 1, 1.5 → 2; never the banker's rounding of `round()`."""
    return math.floor(value + Fraction(1, 2))


def in_force(versions: Iterable[V], on: date) -> V | None:
    """The version in force on `on`: the latest effective date not after it."""
    current: V | None = None
    # sorted() is stable: of two versions with the same date the later one passed wins.
    for version in sorted(versions, key=lambda v: v.effective_from):
        if version.effective_from <= on:
            current = version
    return current


def pieces(start: date, end: date, versions: Sequence[V]) -> list[Piece[V]]:
    """The window `start`..`end` (inclusive) cut at year boundaries and effective dates,
    each piece with what it owes. An empty window (start after end) has no pieces."""
    if start > end:
        return []
    cuts = {date(year, 1, 1) for year in range(start.year + 1, end.year + 1)}
    cuts |= {v.effective_from for v in versions if start < v.effective_from <= end}
    bounds = [start, *sorted(cuts)]
    out: list[Piece[V]] = []
    for index, piece_start in enumerate(bounds):
        piece_end = bounds[index + 1] - ONE_DAY if index + 1 < len(bounds) else end
        rule = in_force(versions, piece_start)
        days = (piece_end - piece_start).days + 1
        owed = (
            Fraction(rule.min_sessions_per_year * days, days_in_year(piece_start.year))
            if rule is not None
            else Fraction(0)
        )
        out.append(Piece(piece_start, piece_end, rule, owed))
    return out


def owed(start: date, end: date, versions: Sequence[RuleVersion]) -> Fraction:
    """What one window owes, exactly (not rounded)."""
    return sum((p.owed for p in pieces(start, end, versions)), Fraction(0))


def merge_windows(windows: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """Windows sorted, empty ones dropped, overlapping ones merged: a day in office is owed
    for once, however the terms were recorded."""
    merged: list[tuple[date, date]] = []
    for start, end in sorted(w for w in windows if w[0] <= w[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def owed_exact(
    windows: Sequence[tuple[date, date]], versions: Sequence[RuleVersion]
) -> Fraction:
    """What a head owes over all their windows, exactly: the sum before rounding."""
    return sum((owed(s, e, versions) for s, e in merge_windows(windows)), Fraction(0))


def required_sessions(
    windows: Sequence[tuple[date, date]], versions: Sequence[RuleVersion]
) -> int:
    """Sessions a head must have held: `windows` are the parts of the period the head was
    in office (first and last day, inclusive), `versions` the rule's versions for the head's
    level. Summed over all windows, then rounded half up once."""
    return round_half_up(owed_exact(windows, versions))


def held_in_windows(
    held_on: Iterable[date], windows: Sequence[tuple[date, date]]
) -> list[date]:
    """The sessions that count toward the rule, sorted: of the holding dates of a head's
    sessions, those inside their windows (the days in office in the period, first and last
    day inclusive, as `required_sessions` takes them)."""
    merged = merge_windows(windows)
    return sorted(on for on in held_on if any(s <= on <= e for s, e in merged))
