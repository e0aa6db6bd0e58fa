"""Pure rules of the reporting service: periods (Decree 09/2019), status, number format."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.application.views import format_number
from services.reporting.domain.indicators import PLAN_TARGETS, IndicatorTarget, judge
from services.reporting.domain.periods import (
    InvalidPeriodId,
    default_period,
    latest_closed_period,
    parse_period_id,
    previous_period_id,
    window_problem,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("months", "cutoff", "ends"), [
    (3, date(2023, 3, 14), date(2023, 3, 31)),
    (6, date(2023, 6, 14), date(2023, 6, 30)),
    (9, date(2023, 9, 14), date(2023, 9, 30)),
    (12, date(2023, 12, 14), date(2023, 12, 31)),
])
def test_periods_follow_decree_09_2019(months: int, cutoff: date, ends: date) -> None:
    period = default_period(2023, months)
    # From the 15th of the month before the period (15/12 of the year before) ...
    assert period.data_from == date(2022, 12, 15)
    # ... to the 14th of the period's last month.
    assert period.cutoff_on == cutoff
    assert (period.starts_on, period.ends_on) == (date(2023, 1, 1), ends)
    assert period.id == f"2023-{months}m"


def test_previous_period_is_the_conference_before() -> None:
    assert previous_period_id("2023-3m") == "2022-12m"
    assert previous_period_id("2023-6m") == "2023-3m"
    assert previous_period_id("2023-12m") == "2023-9m"


@pytest.mark.parametrize("bad", ["2023-4m", "2023", "23-3m", "1999-3m", "2023-3M", ""])
def test_malformed_period_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidPeriodId):
        parse_period_id(bad)


def test_window_edits_are_checked() -> None:
    q1 = default_period(2023, 3)
    assert window_problem(q1, date(2022, 12, 15), date(2023, 3, 31)) is None
    assert window_problem(q1, date(2023, 3, 1), date(2023, 2, 1)) == "WINDOW_REVERSED"
    assert window_problem(q1, date(2022, 6, 1), date(2023, 3, 1)) == "WINDOW_START_OUT_OF_RANGE"
    assert window_problem(q1, date(2022, 12, 15), date(2023, 4, 2)) == (
        "WINDOW_CUTOFF_OUT_OF_RANGE")


def test_the_dashboard_opens_on_the_latest_period_cut_off() -> None:
    assert latest_closed_period(date(2023, 3, 13)) == "2022-12m"
    assert latest_closed_period(date(2023, 3, 14)) == "2023-3m"
    assert latest_closed_period(date(2023, 11, 2)) == "2023-9m"
    assert latest_closed_period(date(2023, 12, 31)) == "2023-12m"


def test_status_against_the_year_pace() -> None:
    i3 = PLAN_TARGETS["I3"]  # at least 40%
    assert judge(40.0, i3, 0.25) == "dat"
    assert judge(10.0, i3, 0.25) == "co_nguy_co"  # on the 3-month pace
    assert judge(9.9, i3, 0.25) == "chua_dat"  # behind it
    assert judge(39.9, i3, 1.0) == "chua_dat"  # the year is over
    assert judge(None, i3, 0.5) == "chua_dat"
    ceiling = IndicatorTarget("X", "<=", 5.0)
    assert judge(4.0, ceiling, 0.5) == "dat"
    assert judge(6.0, ceiling, 0.5) == "co_nguy_co"
    assert judge(6.0, ceiling, 1.0) == "chua_dat"


def test_numbers_are_written_the_vietnamese_way() -> None:
    assert format_number(1234.5) == "1.234,5"
    assert format_number(1234567) == "1.234.567"
    assert format_number(33.3) == "33,3"
    assert format_number(50.0) == "50"
    assert format_number(None) == "—"
