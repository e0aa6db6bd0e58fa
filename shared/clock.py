"""Business time is Vietnamese time (Asia/Ho_Chi_Minh); storage time is UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from shared import messages

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
#: The first day the API takes (shared.validation) and the first day of the unit catalogue
#: (shared.adminunits): the plan's records start in the 1990s at the earliest.
FIRST_DAY = date(1990, 1, 1)


def today_vn() -> date:
    return datetime.now(VN_TZ).date()


def day_vn(moment: datetime) -> date:
    """The Vietnamese calendar day of an instant: before 07:00 there, UTC still reads the day
    before, so a cut-off or "today" judged on the UTC date is a day late for seven hours."""
    return moment.astimezone(VN_TZ).date()


def in_utc(moment: datetime) -> datetime:
    """An instant in UTC; a naive one is taken as UTC already, as every stored time is (SQLite
    gives them back without their zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def end_of_day_vn(day: date) -> datetime:
    """The last instant of `day` in Vietnam: what was recorded "by" that day, all of it."""
    return datetime.combine(day, time.max, VN_TZ)


def format_date_vn(value: date) -> str:
    """dd/mm/yyyy, as Vietnamese documents write dates."""
    return value.strftime("%d/%m/%Y")


def format_moment_vn(moment: datetime) -> str:
    """An instant as a Vietnamese reads it, in Vietnam's time: «07:00 ngày 01/01/2030», with
    the seconds when it has any («19:05:30 ngày 06/12/2026»). A naive one is UTC (in_utc)."""
    local = in_utc(moment).astimezone(VN_TZ)
    clock = "%H:%M" if local.second == 0 and local.microsecond == 0 else "%H:%M:%S"
    return messages.MOMENT.format(time=local.strftime(clock), day=format_date_vn(local.date()))


def iso_or_none(value: date | None) -> str | None:
    """A date's (or an instant's) ISO 8601 text for a JSON body; None stays None."""
    return value.isoformat() if value is not None else None
