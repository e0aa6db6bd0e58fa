"""The conference calendar is written once (shared/conferencedates.py): the reporting
service's default periods, its chunks and the plan's items owed by conference agree on it."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.domain.chunks import chunk_end, chunk_of, chunk_start
from services.reporting.domain.periods import MONTHS, default_period
from shared.conferencedates import (
    CONFERENCE_MONTHS,
    InvalidPeriodId,
    canonical_period_id,
    conference_cutoff,
    conference_data_from,
    figures_day,
    has_begun,
    is_running,
    parse_period_id,
)
from shared.taskrules import Schedule, occurrence_dues


def test_decree_09_dates() -> None:
    assert conference_cutoff(2023, 6) == date(2023, 6, 14)
    assert conference_data_from(2023) == date(2022, 12, 15)
    with pytest.raises(ValueError):
        conference_cutoff(2023, 5)


def test_reporting_periods_and_plan_items_share_the_calendar() -> None:
    assert MONTHS == CONFERENCE_MONTHS
    periods = [default_period(2023, m) for m in MONTHS]
    # An item owed by conference is due on each default period's cut-off, no other day.
    assert occurrence_dues(Schedule("by_conference", 2023)) == [p.cutoff_on for p in periods]
    assert {p.data_from for p in periods} == {conference_data_from(2023)}
    # The chunks cut where the periods do: the cut-off closes a chunk, the next day opens one.
    for period in periods:
        assert chunk_end(chunk_of(period.cutoff_on)) == period.cutoff_on
    assert chunk_start(chunk_of(conference_data_from(2024))) == conference_data_from(2024)
    assert chunk_of(conference_data_from(2024)) == 20231221
    assert chunk_of(date(2023, 12, 14)) == 20231214


def test_a_running_period_is_counted_up_to_today() -> None:
    """Decree 09 window of the 2026 year report: 15/12/2025 → 14/12/2026; the first quarter
    of 2027 opens on 15/12/2026."""
    year, first = default_period(2026, 12), default_period(2027, 3)
    today = date(2026, 12, 5)
    assert (year.has_begun(today), year.is_running(today)) == (True, True)
    assert figures_day(year.cutoff_on, today) == today
    assert year.counted_on(today).cutoff_on == today
    assert year.counted_on(today).data_from == year.data_from
    assert not first.has_begun(today) and first.has_begun(date(2026, 12, 15))
    # The cut-off day itself still runs (events dated on it may still come); then it ends.
    assert year.is_running(date(2026, 12, 14)) and not year.is_running(date(2026, 12, 15))
    ended = date(2026, 12, 15)
    assert figures_day(year.cutoff_on, ended) == year.cutoff_on
    assert year.counted_on(ended) is year, "an ended period is counted as it is"
    assert not has_begun(date(2026, 12, 15), today) and is_running(date(2026, 12, 14), today)


@pytest.mark.parametrize(("typed", "written"), [
    ("2023-6m", "2023-6m"), ("2023-6M", "2023-6m"), ("2024-12M", "2024-12m"),
])
def test_a_period_id_is_one_period_whatever_its_case(typed: str, written: str) -> None:
    assert canonical_period_id(typed) == written
    assert parse_period_id(typed) == parse_period_id(written)


@pytest.mark.parametrize("typed", ["2023-5M", "2023-6", "2023-6mm", "２０２３-6M", "2014-6M"])
def test_what_names_no_period_in_any_case_is_refused(typed: str) -> None:
    with pytest.raises(InvalidPeriodId):
        canonical_period_id(typed)
