"""Conference periods (kỳ báo cáo giao ban, sơ kết, tổng kết) of plan section II.3.2.

Every conference period is cumulative from the start of the year: 3, 6 and 9 months and the
whole year. Its data window follows the state reporting regime, Decree 09/2019/NĐ-CP art. 12:
"thời gian chốt số liệu" runs from the 15th of the month before the reporting period to the
14th of the period's last month; for the year report, 15/12 of the year before to 14/12. The
9-month period is not in the decree and is read the same way (15/12 → 14/09). An office may
move the window of one period of one year (a `PeriodAdjusted` event); every period of a year
opens the day after the previous year's year-report cut-off as it stands, so moving that
cut-off moves the next year's windows with it. The calendar itself is the kernel's
(shared/conferencedates.py), shared with the plan's task rule.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date

from shared.conferencedates import (
    CONFERENCE_MONTHS,
    FIRST_YEAR,
    LAST_YEAR,
    InvalidPeriodId,
    conference_cutoff,
    conference_data_from,
    data_from_after,
    figures_day,
    has_begun,
    is_running,
    parse_period_id,
    period_id,
)

__all__ = ["InvalidPeriodId", "parse_period_id", "period_id"]

MONTHS = CONFERENCE_MONTHS


@dataclass(frozen=True)
class Period:
    """One conference period: calendar extent and the data window actually counted."""

    year: int
    months: int
    starts_on: date
    ends_on: date
    data_from: date
    cutoff_on: date
    adjusted: bool = False
    reason: str = ""

    @property
    def id(self) -> str:
        return period_id(self.year, self.months)

    @property
    def is_year(self) -> bool:
        return self.months == 12

    @property
    def pace(self) -> float:
        """Share of the year's work expected by this period (3/12 ... 12/12)."""
        return self.months / 12

    def has_begun(self, today: date) -> bool:
        return has_begun(self.data_from, today)

    def is_running(self, today: date) -> bool:
        return is_running(self.cutoff_on, today)

    def counted_on(self, today: date) -> Period:
        """The window a report of `today` counts: up to the kernel's `figures_day` (the
        cut-off, or today while the period runs). The period itself when it has ended."""
        day = figures_day(self.cutoff_on, today)
        return self if day == self.cutoff_on else replace(self, cutoff_on=day)

    def with_window(self, data_from: date, cutoff_on: date, reason: str) -> Period:
        return replace(self, data_from=data_from, cutoff_on=cutoff_on, adjusted=True,
                       reason=reason)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "year": self.year,
            "months": self.months,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "data_from": self.data_from.isoformat(),
            "cutoff_on": self.cutoff_on.isoformat(),
            "adjusted": self.adjusted,
            "reason": self.reason,
        }


def default_period(year: int, months: int) -> Period:
    """The Decree 09/2019 window: 15/12 of the year before → the 14th of the last month."""
    if months not in MONTHS:
        raise InvalidPeriodId(period_id(year, months))
    return Period(
        year=year,
        months=months,
        starts_on=date(year, 1, 1),
        ends_on=date(year, months, calendar.monthrange(year, months)[1]),
        data_from=conference_data_from(year),
        cutoff_on=conference_cutoff(year, months),
    )


def previous_year_report_id(year: int) -> str | None:
    """The year report whose cut-off sets where `year`'s periods open; None for the first
    year the system knows."""
    return period_id(year - 1, MONTHS[-1]) if year > FIRST_YEAR else None


def previous_period_id(value: str) -> str:
    """The conference before: 6 months follows 3 months; 3 months follows last year's report."""
    year, months = parse_period_id(value)
    return period_id(year - 1, 12) if months == 3 else period_id(year, months - 3)


def window_problem(
    period: Period, data_from: date, cutoff_on: date, opens: date,
    neighbours: tuple[date | None, date | None] = (None, None),
) -> str | None:
    """Why a proposed window is not acceptable, as a message key; None when it is.

    The window must be ordered and cannot close after the period has ended (the conference
    reports on it). It must open on `opens`, the day after the previous year's year-report
    cut-off as it stands (`year_opens`): every period of a year is counted from the year's
    one data start, so that consecutive years tile the time line (a later start leaves days
    counted in no report, an earlier one counts them in both years). Its cut-off keeps its
    place among the year's conferences (`neighbours`: the cut-offs of the year's period
    before and after, as they stand): a 6-month report ending before the 3-month one would
    count less, and its "previous period" column show falls that never happened (H5).
    """
    if data_from > cutoff_on:
        return "WINDOW_REVERSED"
    if data_from != opens:
        return "WINDOW_START_NOT_CONTIGUOUS"
    if cutoff_on > period.ends_on or cutoff_on < period.starts_on:
        return "WINDOW_CUTOFF_OUT_OF_RANGE"
    earlier, later = neighbours
    if (earlier is not None and cutoff_on < earlier) or (later is not None and cutoff_on > later):
        return "WINDOW_CUTOFF_OUT_OF_ORDER"
    return None


def same_year_neighbours(value: str) -> tuple[str | None, str | None]:
    """The periods of the same year just before and after a period (3M has none before, 12M
    none after): their cut-offs bound its own (`window_problem`)."""
    year, months = parse_period_id(value)
    before = period_id(year, months - 3) if months > MONTHS[0] else None
    after = period_id(year, months + 3) if months < MONTHS[-1] else None
    return before, after


def year_opens(year: int, previous_year_report: Period | None) -> date:
    """The data start of every period of `year`: the day after the previous year's report
    cut-off (`previous_year_report`, as it stands), the default one before the first year."""
    if previous_year_report is None:
        return conference_data_from(year)
    return data_from_after(previous_year_report.cutoff_on)


def following_year_ids(value: str) -> list[str]:
    """The periods whose data start a period's cut-off sets: for a year report, every period
    of the next year; for the others, none."""
    year, months = parse_period_id(value)
    if months != MONTHS[-1] or year >= LAST_YEAR:
        return []
    return [period_id(year + 1, m) for m in MONTHS]


def latest_closed_period(today: date) -> str:
    """The newest period whose data are cut off by `today` (what the dashboard opens on)."""
    for year in (today.year, today.year - 1):
        for months in reversed(MONTHS):
            if default_period(year, months).cutoff_on <= today:
                return period_id(year, months)
    return period_id(today.year - 1, 12)
