"""The conference calendar of plan section II.3.2: when each conference's data closes.

The conferences (giao ban 3 tháng, sơ kết 6 tháng, 9 tháng, tổng kết năm) are cumulative
from the start of the year. Their data window follows the state reporting regime, Decree
09/2019/NĐ-CP art. 12: from the 15th of the month before the reporting period to the 14th of
the period's last month (15/12 of the year before → 14/12 for the year report; the 9-month
period, not in the decree, is read the same way).

The one definition: the reporting service's default periods and the plan's task rule
(items owed "by conference", shared/taskrules.py) both take their dates from here, and so
does the day a report's figures are taken at while its period still runs (`figures_day`).

The Commission may move one period's cut-off (the reporting service's `PeriodAdjusted`).
Which cut-off applies is decided here once (`cutoff_in_force`): the moved one when a move is
known, else the default. Reporting reads its own periods; the indicators service reads the
moves it consumed from reporting's stream (its period-cut-off projection), so both judge a
district's filing and an item owed "by conference" against the same day.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final

from shared import messages
from shared.ids import code_key

#: The conferences of II.3.2, by the number of months each covers.
CONFERENCE_MONTHS: Final[tuple[int, ...]] = (3, 6, 9, 12)
#: A conference's data closes on this day of the period's last month (Decree 09/2019 art. 12).
CONFERENCE_CUTOFF_DAY: Final = 14


#: A conference period's id, "2023-6m": its year and the months it covers. ASCII digits only
#: (`\\d` also takes "２０２３", which int() reads as 2023: a second id of the same period).
#: Written "2023-6m"; typed in either case, as every human code (`shared.ids.code_key`):
#: "2023-6M" names the same period.
PERIOD_ID_PATTERN: Final = r"^([0-9]{4})-(3|6|9|12)[mM]$"
#: The id under its code key (upper-cased), which is how an id is matched.
_PERIOD_KEY = re.compile(r"^([0-9]{4})-(3|6|9|12)M$")
#: The years a period id may name: the system's records start in 2015; nothing is planned
#: past this century.
FIRST_YEAR, LAST_YEAR = 2015, 2100


#: The code of a period id that names no period (not of the form 2023-6m), in every service
#: (indicators answered PERIOD_ID_INVALID and reporting INVALID_PERIOD before, finding O13).
INVALID_PERIOD: Final = "INVALID_PERIOD"


class InvalidPeriodId(ValueError):
    """A period id that names no period: one code and one wording in every service."""

    code: str = INVALID_PERIOD

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value

    @property
    def message(self) -> str:
        return messages.INVALID_PERIOD.format(value=self.value[:40])

    def details(self) -> dict[str, object]:
        return {"period_id": self.value[:40]}


#: The code of a period id of the right form naming a year outside FIRST_YEAR..LAST_YEAR.
PERIOD_YEAR_OUT_OF_RANGE: Final = "PERIOD_YEAR_OUT_OF_RANGE"


class PeriodYearOutOfRange(InvalidPeriodId):
    """«2010-3m»: written as a period is, of a year the system keeps no period of. Refused
    with its own code and the years it takes (finding O8: the refusal of a malformed id told
    a desk asking for 2014 to use the form it had used)."""

    code = PERIOD_YEAR_OUT_OF_RANGE

    def __init__(self, value: str, year: int) -> None:
        super().__init__(value)
        self.year = year

    @property
    def message(self) -> str:
        # A year is written plain (2015), never grouped like an amount (finding O9).
        return messages.PERIOD_YEAR_OUT_OF_RANGE.format(
            value=self.value[:40], year=self.year, first=FIRST_YEAR, last=LAST_YEAR)

    def details(self) -> dict[str, object]:
        return {"period_id": self.value[:40], "first_year": FIRST_YEAR, "last_year": LAST_YEAR}


def period_id(year: int, months: int) -> str:
    return f"{year}-{months}m"


def parse_period_id(value: str) -> tuple[int, int]:
    """(year, months) of a conference period id, whatever its case; InvalidPeriodId when it
    names none."""
    match = _PERIOD_KEY.match(code_key(value))
    if match is None:
        raise InvalidPeriodId(value)
    year, months = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodYearOutOfRange(value, year)
    return year, months


def canonical_period_id(value: str) -> str:
    """The period id as the system writes it ("2023-6M" -> "2023-6m"): the aggregate id of
    its period, the key of its reports. InvalidPeriodId when it names none."""
    return period_id(*parse_period_id(value))


def conference_cutoff(year: int, months: int) -> date:
    """The default data cut-off of the `months`-month conference of `year`."""
    if months not in CONFERENCE_MONTHS:
        raise ValueError(f"no {months}-month conference")
    return date(year, months, CONFERENCE_CUTOFF_DAY)


#: The cut-offs the Commission moved, by period id ("2023-6m" → its cut-off as it stands).
MovedCutoffs = Mapping[str, date]
NO_MOVES: Final[MovedCutoffs] = {}


def cutoff_in_force(year: int, months: int, moved: MovedCutoffs = NO_MOVES) -> date:
    """The cut-off of the `months`-month conference of `year` that applies: the one the
    Commission moved it to (`moved`: the latest `PeriodAdjusted` known), else the default.
    A moved period's data closes on the moved day, so everything measured against its
    cut-off (a filing, an item owed "by conference") is measured against that day."""
    return moved.get(period_id(year, months)) or conference_cutoff(year, months)


def conference_data_from(year: int) -> date:
    """Where every conference window of `year` opens by default: the day after last year's
    default cut-off."""
    return data_from_after(conference_cutoff(year - 1, 12))


def data_from_after(year_cutoff: date) -> date:
    """Where the conference windows of a year open: the day after the previous year's
    year-report cut-off, as that cut-off stands (moved or not). Consecutive years' windows
    tile the time line: no day of data counted in both years' reports, none in neither."""
    return year_cutoff + timedelta(days=1)


def year_data_window(year: int, moved: MovedCutoffs = NO_MOVES) -> tuple[date, date]:
    """The data window of `year`'s conferences: from the day after the previous year's
    12-month cut-off in force to the year's own 12-month cut-off in force (by default
    15/12 of the year before to 14/12). Consecutive years' windows tile the time line, so a
    flow of the year (I2's sessions, `planrules.i2_window`) counted in it counts in exactly
    one year."""
    return (data_from_after(cutoff_in_force(year - 1, CONFERENCE_MONTHS[-1], moved)),
            cutoff_in_force(year, CONFERENCE_MONTHS[-1], moved))


def years_windowed_by(period: str) -> tuple[int, ...]:
    """The years whose data window (`year_data_window`) a move of `period`'s cut-off
    changes: a year report's cut-off closes its own year's window and opens the next one's
    (so I2's sessions and heads of both years are counted over other days); the 3, 6 and
    9-month cut-offs bound no year's window."""
    year, months = parse_period_id(period)
    return (year, year + 1) if months == CONFERENCE_MONTHS[-1] else ()


def has_begun(data_from: date, today: date) -> bool:
    """Whether a conference period has begun on `today`: its data window is open (a period
    whose window opens later has no figure yet, and its report is refused)."""
    return data_from <= today


def is_running(cutoff_on: date, today: date) -> bool:
    """Whether a conference period still runs on `today`: its cut-off day has not ended
    (events dated up to it can still be typed in). Its figures are provisional."""
    return today <= cutoff_on


def first_signing_day(cutoff_on: date) -> date:
    """The first day a conference report may be signed (finalised) on: the day after its
    cut-off as it stands. Until the cut-off day has ended in Vietnam, events dated up to it
    can still be typed in, so a report signed with figures known by then (an `as_of` on or
    before the cut-off day) would freeze a part of the period, as little as nothing, as its
    whole (finding H6). The signing moment must be in this day or later. The day alone does
    not say what was recorded by then (facts typed in years later): the reporting service
    judges a past signing moment by what its facts knew then (finding N13, its README)."""
    return cutoff_on + timedelta(days=1)


def figures_day(cutoff_on: date, today: date) -> date:
    """The one day a conference report's figures are taken at: stock figures are the state
    at the end of it, flows run up to it. The cut-off; while the period runs, `today`: the
    state at a cut-off still to come is not known (a commitment due on 20/12 is not overdue
    on 05/12, whatever it will be on the 14th)."""
    return min(cutoff_on, today)
