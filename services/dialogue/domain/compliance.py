"""Does a head meet the rule over a period? Pure arithmetic on dates, no I/O.

The requirement is the kernel's `shared/dialoguerule.py`, the one statement of the rule that
the indicators and reporting services use too: the days in office inside the period, cut at
every 1 January and every effective date of a version of the head's level, each piece owing
`min_sessions_per_year × days / days in that year` (nothing before any version), summed
exactly and rounded half up. This module adds what the dialogue service explains of it:

* Sessions count when the head is among the session's heads, the session was held (with
  or without its report) and the holding date lies inside the window (the kernel's
  `held_in_windows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from services.dialogue.domain.rules import RuleVersion
from shared import dialoguerule
from shared.dialoguerule import round_half_up

Piece = dialoguerule.Piece[RuleVersion]  # with the legal basis the explanation quotes


@dataclass(frozen=True)
class Evaluation:
    window_start: date
    window_end: date
    pieces: tuple[Piece, ...]
    held_on: tuple[date, ...]
    owed_exact: Fraction = field(default=Fraction(0))

    @property
    def required(self) -> int:
        return round_half_up(self.owed_exact)

    @property
    def held(self) -> int:
        return len(self.held_on)

    @property
    def met(self) -> bool:
        return self.held >= self.required

    @property
    def missing(self) -> int:
        return max(self.required - self.held, 0)


def pieces(start: date, end: date, versions: Sequence[RuleVersion]) -> list[Piece]:
    return dialoguerule.pieces(start, end, versions)


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
    held = tuple(dialoguerule.held_in_windows(sessions_held_on, [(start, end)]))
    return Evaluation(start, end, tuple(cut), held, sum((p.owed for p in cut), Fraction(0)))
