"""The festival guidance calendar (plan II.2.4): the observances for which the Commission
guides localities and visits religious organisations, with their dates for any year.

Lunar dates are computed with `lunar-vn`, an implementation of Hồ Ngọc Đức's algorithm for the
Vietnamese calendar (new moons reckoned at UTC+7). The Chinese calendar (UTC+8, e.g. the
`lunardate` package) puts some new moons a day later: Tết 2007 and 2030, Phật đản 2056 differ.
Easter follows the Western (Gregorian) computus used by Catholics and Protestants in Vietnam.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from lunar_vn import LunarDate, lunar_to_solar

from services.religion import messages

#: Years the calendar serves: the lunar library covers 1900–2100; the Tết visits of a year start
#: in the 12th lunar month of the year before.
FIRST_YEAR: Final = 1901
LAST_YEAR: Final = 2099


@dataclass(frozen=True)
class Observance:
    id: str
    name: str
    religions: str
    start: date
    end: date  # inclusive
    rule: str  # how the date is reckoned, in Vietnamese
    guidance: str

    @property
    def lunar(self) -> bool:
        return "âm lịch" in self.rule


def lunar(day: int, month: int, lunar_year: int) -> date:
    """Solar date of day/month (not the leap month) of a Vietnamese lunar year."""
    return lunar_to_solar(LunarDate(day=day, month=month, year=lunar_year, leap=False))


def easter(year: int) -> date:
    """Western Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _lunar_rule(day: int, month: int) -> str:
    return messages.LUNAR_DATE.format(day=day, month=month)


def _observance(key: str, religions: str, start: date, end: date, rule: str) -> Observance:
    name, guidance = messages.FESTIVALS[key]
    return Observance(key, name, religions, start, end, rule, guidance)


def observances(year: int) -> list[Observance]:
    """Every observance falling (or starting) in `year`, ordered by start date."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} outside {FIRST_YEAR}..{LAST_YEAR}")
    christian = messages.RELIGIONS_CATHOLIC_PROTESTANT
    buddhist = messages.RELIGION_BUDDHISM
    tet = lunar(1, 1, year)
    sunday = easter(year)
    vesak = lunar(15, 4, year)
    vu_lan = lunar(15, 7, year)
    day = timedelta(days=1)
    items = [
        # Visits run from mid-12th month of the lunar year before to the eve of Tết.
        _observance("tet_visits", messages.RELIGION_ALL, lunar(15, 12, year - 1), tet - day,
                    f"{_lunar_rule(15, 12)} – {messages.TET_EVE}"),
        _observance("tet", messages.RELIGION_ALL, tet, tet + 2 * day, _lunar_rule(1, 1)),
        _observance("lent", christian, sunday - 46 * day, sunday - day, messages.LENT_RULE),
        _observance("holy_week", christian, sunday - 7 * day, sunday - day,
                    messages.HOLY_WEEK_RULE),
        _observance("easter", christian, sunday, sunday, messages.EASTER_RULE),
        _observance("vesak", buddhist, vesak, vesak, _lunar_rule(15, 4)),
        _observance("summer_retreat", buddhist, lunar(16, 4, year), vu_lan,
                    f"{_lunar_rule(16, 4)} – {_lunar_rule(15, 7)}"),
        _observance("vu_lan", buddhist, vu_lan, vu_lan, _lunar_rule(15, 7)),
        _observance("christmas", christian, date(year, 12, 24), date(year, 12, 25),
                    messages.CHRISTMAS_RULE),
    ]
    return sorted(items, key=lambda o: (o.start, o.id))
