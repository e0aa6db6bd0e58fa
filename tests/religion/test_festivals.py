"""The festival calendar: lunar dates from the Vietnamese calendar checked against published
dates, the Western computus, and the iCalendar text parsed back."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from lunardate import LunarDate as ChineseLunarDate

from services.religion.adapters import ical
from services.religion.domain.festivals import easter, lunar, observances


def _by_id(year: int) -> dict[str, tuple[date, date]]:
    return {o.id: (o.start, o.end) for o in observances(year)}


# Published dates of Phật đản (15/4 âm lịch), Vietnam Buddhist Sangha calendars.
@pytest.mark.parametrize(
    ("year", "published"),
    [(2022, date(2022, 5, 15)), (2023, date(2023, 6, 2)), (2024, date(2024, 5, 22))],
)
def test_buddhas_birthday_matches_the_published_dates(year: int, published: date) -> None:
    assert _by_id(year)["vesak"] == (published, published)


def test_summer_retreat_runs_from_the_16th_of_the_4th_month_to_vu_lan() -> None:
    days = _by_id(2023)
    assert days["summer_retreat"] == (date(2023, 6, 3), date(2023, 8, 30))
    assert days["vu_lan"] == (date(2023, 8, 30), date(2023, 8, 30))


@pytest.mark.parametrize(
    ("year", "tet"),
    [(2023, date(2023, 1, 22)), (2024, date(2024, 2, 10)), (2025, date(2025, 1, 29)),
     (2007, date(2007, 2, 17)), (1985, date(1985, 1, 21))],
)
def test_tet_follows_the_vietnamese_calendar(year: int, tet: date) -> None:
    assert lunar(1, 1, year) == tet


def test_the_vietnamese_and_chinese_calendars_differ_where_history_says_so() -> None:
    """New moons are reckoned at UTC+7 in Vietnam, UTC+8 in China: Tết 2007 and 2030 fall a
    day apart. A Chinese-calendar library would be wrong for Vietnam in those years."""
    for year in (2007, 2030):
        chinese = ChineseLunarDate(year, 1, 1).to_solar_date()
        assert lunar(1, 1, year) == chinese.replace(day=chinese.day - 1)
    for year in (2022, 2023, 2024):
        assert lunar(15, 4, year) == ChineseLunarDate(year, 4, 15).to_solar_date()


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(2023, date(2023, 4, 9)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
     (2038, date(2038, 4, 25)), (2008, date(2008, 3, 23))],
)
def test_easter_by_the_western_computus(year: int, sunday: date) -> None:
    assert easter(year) == sunday


def test_lent_and_holy_week_hang_on_easter() -> None:
    days = _by_id(2024)
    assert days["lent"] == (date(2024, 2, 14), date(2024, 3, 30))  # Ash Wednesday 14/02/2024
    assert days["holy_week"] == (date(2024, 3, 24), date(2024, 3, 30))  # Palm Sunday
    assert days["christmas"] == (date(2024, 12, 24), date(2024, 12, 25))
    # Visits before Tết start in the 12th lunar month of the year before.
    assert days["tet_visits"][1] == date(2024, 2, 9)
    assert days["tet_visits"][0].year == 2024 and days["tet_visits"][0] < date(2024, 2, 9)


def test_years_outside_the_lunar_library_are_refused() -> None:
    with pytest.raises(ValueError):
        observances(1800)


# -- iCalendar -----------------------------------------------------------------------------------


def parse_ics(text: str) -> list[dict[str, str]]:
    """A strict reader for what RFC 5545 requires of us: CRLF lines of at most 75 octets,
    unfolding, BEGIN/END nesting; returns the VEVENTs as {NAME[;params]: value}."""
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    assert logical[0] == "BEGIN:VCALENDAR" and logical[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in logical and any(x.startswith("PRODID:") for x in logical)
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in logical[1:-1]:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            current[name] = value
    assert current is None
    return events


def _unescape(value: str) -> str:
    return value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")


def test_the_ics_parses_back_to_the_same_observances() -> None:
    items = observances(2023)
    text = ical.calendar(items, name="Lịch 2023", description="Mô tả", year=2023,
                         stamp=datetime(2023, 1, 1, 8, 0))
    events = parse_ics(text)
    assert len(events) == len(items)
    assert len({e["UID"] for e in events}) == len(items)
    by_summary = {_unescape(e["SUMMARY"]): e for e in events}
    vesak = by_summary["Lễ Phật đản"]
    assert vesak["DTSTART;VALUE=DATE"] == "20230602"
    assert vesak["DTEND;VALUE=DATE"] == "20230603"  # exclusive end of an all-day event
    assert vesak["DTSTAMP"] == "20230101T080000Z"
    christmas = by_summary["Lễ Giáng sinh (Noel)"]
    assert (christmas["DTSTART;VALUE=DATE"], christmas["DTEND;VALUE=DATE"]) == (
        "20231224", "20231226")
    assert christmas["CATEGORIES"] == "Công giáo,Tin lành"
    visits = next(i for i in items if i.id == "tet_visits")
    assert _unescape(by_summary[visits.name]["DESCRIPTION"]).startswith(visits.rule)


def test_folding_never_splits_a_vietnamese_character() -> None:
    line = "SUMMARY:" + "Thăm hỏi, tặng quà các tổ chức tôn giáo dịp Tết Nguyên đán " * 4
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_the_calendar_is_served_as_json_and_ics(religion: TestClient) -> None:
    body = religion.get("/api/v1/festivals", params={"year": 2023}).json()
    vesak = next(o for o in body["observances"] if o["id"] == "vesak")
    assert (vesak["start"], vesak["lunar"], vesak["name"]) == ("2023-06-02", True, "Lễ Phật đản")
    assert body["name"] == "Lịch hướng dẫn hoạt động tôn giáo năm 2023"
    ics = religion.get("/api/v1/festivals.ics", params={"year": 2024})
    assert ics.status_code == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    events = parse_ics(ics.content.decode("utf-8"))
    assert {e["UID"] for e in events} >= {"vesak-2024@religion.danvan"}
    for year in ("1800", "2200", "năm nay"):
        refused = religion.get("/api/v1/festivals", params={"year": year})
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "VALIDATION_ERROR"
    template = religion.get("/api/v1/sites/import/template.csv")
    assert template.content.decode("utf-8-sig").startswith("Mã cơ sở,Tên cơ sở,Tôn giáo,Mã xã")
