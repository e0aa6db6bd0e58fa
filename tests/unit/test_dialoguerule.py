"""The direct-dialogue rule (Quyết định 1738-QĐ/TU) as every service judges it, by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from shared.dialoguerule import (
    days_in_year,
    held_in_windows,
    in_force,
    merge_windows,
    owed_exact,
    pieces,
    required_sessions,
    round_half_up,
)

D = date  # short, for the many dates of the hand counts


@dataclass(frozen=True)
class Version:
    effective_from: date
    min_sessions_per_year: int


ONCE = Version(D(2015, 1, 27), 1)
TWICE = Version(D(2015, 1, 27), 2)
TWICE_FROM_JULY = Version(D(2023, 7, 1), 2)
YEAR_2023 = [(D(2023, 1, 1), D(2023, 12, 31))]


def test_a_full_year_at_two_a_year_owes_two() -> None:
    assert owed_exact(YEAR_2023, [TWICE]) == 2
    assert required_sessions(YEAR_2023, [TWICE]) == 2


def test_half_a_year_at_one_a_year_owes_one_as_half_rounds_up() -> None:
    # 2 July .. 31 December 2023 = 183 days; 183/365 = 0.501 -> 1.
    assert required_sessions([(D(2023, 7, 2), D(2023, 12, 31))], [ONCE]) == 1
    # Exactly one half: 1 January .. 1 July 2024 = 31+29+31+30+31+30+1 = 183 days of 366.
    assert owed_exact([(D(2024, 1, 1), D(2024, 7, 1))], [ONCE]) == Fraction(1, 2)
    assert required_sessions([(D(2024, 1, 1), D(2024, 7, 1))], [ONCE]) == 1
    # One day less is under the half: 182/365 = 0.499 -> 0.
    assert required_sessions([(D(2023, 7, 3), D(2023, 12, 31))], [ONCE]) == 0


def test_a_quarter_at_one_a_year_owes_nothing() -> None:
    # 1 October .. 31 December 2023 = 92 days; 92/365 = 0.25 -> 0.
    assert owed_exact([(D(2023, 10, 1), D(2023, 12, 31))], [ONCE]) == Fraction(92, 365)
    assert required_sessions([(D(2023, 10, 1), D(2023, 12, 31))], [ONCE]) == 0


def test_a_rule_raised_on_1_july_2023_owes_two_over_the_year() -> None:
    cut = pieces(D(2023, 1, 1), D(2023, 12, 31), [ONCE, TWICE_FROM_JULY])
    assert [(p.start, p.end, p.days, p.rule) for p in cut] == [
        (D(2023, 1, 1), D(2023, 6, 30), 181, ONCE),
        (D(2023, 7, 1), D(2023, 12, 31), 184, TWICE_FROM_JULY),
    ]
    # 1 x 181/365 + 2 x 184/365 = 549/365 = 1.504 -> 2.
    assert owed_exact(YEAR_2023, [ONCE, TWICE_FROM_JULY]) == Fraction(549, 365)
    assert required_sessions(YEAR_2023, [ONCE, TWICE_FROM_JULY]) == 2
    # The first half alone: 181/365 = 0.496 -> 0.
    assert required_sessions([(D(2023, 1, 1), D(2023, 6, 30))], [ONCE, TWICE_FROM_JULY]) == 0


def test_two_terms_of_one_head_are_summed_before_rounding() -> None:
    # 1 January .. 20 April 2023 = 31+28+31+20 = 110 days and 1 September .. 19 December =
    # 30+31+30+19 = 110 days, at 1 a year: 110/365 = 0.30 each would round to 0 + 0 one by
    # one; together 220/365 = 0.60 -> 1.
    terms = [(D(2023, 1, 1), D(2023, 4, 20)), (D(2023, 9, 1), D(2023, 12, 19))]
    assert owed_exact(terms, [ONCE]) == Fraction(220, 365)
    assert required_sessions(terms, [ONCE]) == 1
    assert required_sessions(terms[:1], [ONCE]) == required_sessions(terms[1:], [ONCE]) == 0
    # At 2 a year: 440/365 = 1.21 -> 1.
    assert required_sessions(terms, [TWICE]) == 1
    # Recorded twice or overlapping, a day is owed for once.
    assert merge_windows([(D(2023, 3, 1), D(2023, 6, 30)), (D(2023, 1, 1), D(2023, 3, 31))]) == [
        (D(2023, 1, 1), D(2023, 6, 30))]
    assert owed_exact([*YEAR_2023, *YEAR_2023], [TWICE]) == 2


def test_a_leap_year_divides_by_366() -> None:
    assert days_in_year(2024) == 366 and days_in_year(2023) == 365 and days_in_year(2100) == 365
    assert owed_exact([(D(2024, 1, 1), D(2024, 12, 31))], [ONCE]) == 1
    # 1 January .. 30 June 2024 = 182 days of 366: 0.497 -> 0 (of 365 it would be 0.499).
    assert owed_exact([(D(2024, 1, 1), D(2024, 6, 30))], [ONCE]) == Fraction(182, 366)
    # A window across the year end takes each year's own length:
    # 1 July 2023 .. 30 June 2024 at 2 a year = 2 x 184/365 + 2 x 182/366 = 1.008 + 0.995.
    across = [(D(2023, 7, 1), D(2024, 6, 30))]
    assert [p.days for p in pieces(*across[0], [TWICE])] == [184, 182]
    assert owed_exact(across, [TWICE]) == Fraction(368, 365) + Fraction(364, 366)
    assert required_sessions(across, [TWICE]) == 2


def test_with_no_version_in_force_nothing_is_owed() -> None:
    assert required_sessions(YEAR_2023, []) == 0
    # Before the regulation's first version (27/01/2015) nothing is owed:
    # 2015: 1 x 339/365 = 0.93 -> 1 (1..26 January owe nothing).
    assert owed_exact([(D(2015, 1, 1), D(2015, 12, 31))], [ONCE]) == Fraction(339, 365)
    assert required_sessions([(D(2014, 1, 1), D(2014, 12, 31))], [ONCE]) == 0
    assert in_force([ONCE], D(2015, 1, 26)) is None
    assert pieces(D(2023, 2, 1), D(2023, 1, 31), [ONCE]) == []  # an empty window
    assert required_sessions([], [ONCE]) == 0


def test_a_later_version_of_the_same_date_corrects_the_earlier() -> None:
    corrected = Version(D(2015, 1, 27), 3)
    assert in_force([ONCE, corrected], D(2023, 1, 1)) == corrected
    assert in_force([corrected, ONCE], D(2023, 1, 1)) == ONCE
    assert required_sessions(YEAR_2023, [TWICE_FROM_JULY, ONCE]) == 2  # any order of dates


def test_half_rounds_up_not_to_even() -> None:
    assert [round_half_up(Fraction(n, 2)) for n in range(6)] == [0, 1, 1, 2, 2, 3]
    assert round_half_up(Fraction(1, 2) - Fraction(1, 10**9)) == 0


def test_only_the_sessions_held_inside_the_windows_count() -> None:
    """A session held on a day the head was not in office counts for nobody: before the
    first day, after the last (a leaving recorded late), between two terms."""
    windows = [(date(2023, 1, 1), date(2023, 1, 31)), (date(2023, 4, 1), date(2023, 5, 1))]
    held = [date(2023, 6, 10), date(2023, 1, 31), date(2023, 2, 15), date(2023, 4, 1),
            date(2022, 12, 31), date(2023, 5, 1)]
    assert held_in_windows(held, windows) == [date(2023, 1, 31), date(2023, 4, 1),
                                              date(2023, 5, 1)]
    assert held_in_windows(held, []) == []
