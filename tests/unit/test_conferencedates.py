"""The conference calendar is written once (shared/conferencedates.py): the reporting
service's default periods, its chunks and the plan's items owed by conference agree on it."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.domain.chunks import chunk_end, chunk_of
from services.reporting.domain.periods import MONTHS, default_period
from shared.conferencedates import (
    CONFERENCE_MONTHS,
    conference_cutoff,
    conference_data_from,
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
    assert chunk_of(conference_data_from(2024)) == 202403
    assert chunk_of(date(2023, 12, 14)) == 202312
