"""The status rule at its boundaries (pure, exact arithmetic)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from services.indicators.domain.status import elapsed_fraction, status_of

pytestmark = pytest.mark.unit

START, END = date(2023, 1, 1), date(2023, 12, 31)
DAY_73 = date(2023, 3, 14)  # 73 of 365 days gone: exactly a fifth of the year


def _status(
    value: Fraction | None, target: Fraction, on: date, comparator: str = "ge"
) -> str | None:
    return status_of(value, target, comparator, START, END, on)  # type: ignore[arg-type]


def test_elapsed_fraction_counts_the_day_itself_and_is_clamped() -> None:
    assert elapsed_fraction(START, END, START) == Fraction(1, 365)
    assert elapsed_fraction(START, END, DAY_73) == Fraction(1, 5)
    assert elapsed_fraction(START, END, END) == 1
    assert elapsed_fraction(START, END, date(2022, 12, 1)) == 0
    assert elapsed_fraction(START, END, date(2024, 3, 1)) == 1


def test_meeting_the_target_is_dat_whatever_the_date() -> None:
    assert _status(Fraction(2, 5), Fraction(2, 5), START) == "dat"
    assert _status(Fraction(2, 5), Fraction(2, 5), END) == "dat"
    assert _status(Fraction(1), Fraction(1), DAY_73) == "dat"


def test_on_the_linear_pace_is_chua_dat_and_just_behind_it_is_at_risk() -> None:
    target = Fraction(1)  # pace on day 73 is exactly 20 %
    assert _status(Fraction(1, 5), target, DAY_73) == "chua_dat"
    assert _status(Fraction(1, 5) - Fraction(1, 10**9), target, DAY_73) == "co_nguy_co"
    assert _status(Fraction(21, 100), target, DAY_73) == "chua_dat"


def test_nothing_done_is_at_risk_from_the_first_day_but_not_before_the_period() -> None:
    assert _status(Fraction(0), Fraction(1, 10), START) == "co_nguy_co"
    assert _status(Fraction(0), Fraction(1, 10), date(2022, 12, 31)) == "chua_dat"


def test_once_the_period_is_over_a_missed_target_is_chua_dat_not_at_risk() -> None:
    assert _status(Fraction(0), Fraction(2, 5), END) == "chua_dat"
    assert _status(Fraction(2, 5) - Fraction(1, 10**9), Fraction(2, 5), END) == "chua_dat"
    assert _status(Fraction(0), Fraction(2, 5), date(2023, 12, 30)) == "co_nguy_co"


def test_a_ceiling_has_no_pace() -> None:
    assert _status(Fraction(1, 10), Fraction(1, 10), DAY_73, "le") == "dat"
    assert _status(Fraction(11, 100), Fraction(1, 10), DAY_73, "le") == "chua_dat"


def test_no_denominator_no_status() -> None:
    assert _status(None, Fraction(1), DAY_73) is None
