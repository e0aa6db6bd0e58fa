"""The dashboard as served (in-process, no browser): the period it opens on, the note of a
period without data, the scope line naming the unit shown, and the Vietnamese error pages a
browser gets for a bad link while a JSON client keeps the JSON error body."""

from __future__ import annotations

import re
from datetime import date

import pytest

from services.reporting.api.errorpages import prefers_html
from services.reporting.application.opening import current_period
from shared.clock import today_vn
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import TIEN_LANG, Events, two_quarter_scenario

# What Chromium and Firefox send when a person opens a link.
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,"
                     "image/avif,image/webp,*/*;q=0.8"}


def _selected_period(html: str) -> str:
    found = re.findall(r'<option value="([^"]+)" selected>', html)
    assert len(found) == 1, found
    return str(found[0])


def _window_line(html: str) -> str:
    match = re.search(r'<p class="window" id="data-window">([^<]*)</p>', html)
    assert match is not None
    return match.group(1)


def test_the_dashboard_opens_on_the_latest_period_with_data(reporting: Reporting) -> None:
    # The scenario's facts are dated January to June 2023; "today" is years later, and the
    # periods of the years since are empty: the page opens on the 2023 year report.
    reporting.feed(two_quarter_scenario())
    page = reporting.client.get("/")
    assert page.status_code == 200
    assert _selected_period(page.text) == "2023-12m"
    assert 'id="no-data"' not in page.text
    thematic = reporting.client.get("/chuyen-de/doi-thoai")
    assert _selected_period(thematic.text) == "2023-12m"
    # A period asked for by name is shown even when empty, with the note.
    empty = reporting.client.get("/", params={"period": f"{today_vn().year - 1}-6m"})
    assert _selected_period(empty.text) == f"{today_vn().year - 1}-6m"
    assert 'id="no-data"' in empty.text and "chưa có số liệu" in empty.text


def _plan_read_beside_the_data() -> Events:
    """What the indicators and dialogue services record that no unit typed in: the plan's
    I1 of 2023 defined at install (dated 01/01/2023), the statuses announced once the year
    was evaluated (dated its last day, 31/12/2023: in 2024's window, which opens 15/12/2023),
    and a version of the regulation effective in 2024."""
    plan = Events()
    plan.add("indicators", "indicator", "I1-2023", "IndicatorDefined", date(2023, 1, 1), {
        "indicator_id": "I1", "year": 2023, "name": "Mô hình Dân vận khéo",
        "comparator": "ge", "target": 100, "method": "model_coverage"}, "31")
    for unit in ("31", TIEN_LANG):
        plan.add("indicators", "indicator", f"I1-2023@{unit}", "IndicatorStatusChanged",
                 date(2023, 12, 31), {
                     "indicator_id": "I1", "year": 2023, "unit_code": unit,
                     "status": "chua_dat", "previous_status": None, "numerator": 0,
                     "denominator": 1, "value": 0.0, "target": 100.0,
                     "evaluated_on": "2023-12-31", "cause": "IndicatorDefined"}, unit)
    plan.add("dialogue", "rule", "commune", "DialogueRuleSet", date(2024, 3, 1), {
        "level": "commune", "min_sessions_per_year": 4, "effective_from": "2024-03-01",
        "legal_basis": "Quyết định sửa đổi"})
    return plan


def test_definitions_statuses_and_rules_are_no_data_to_open_on(reporting: Reporting) -> None:
    """An installed system loaded with the 2023 register, its year evaluated: the statuses
    dated 31/12/2023 and a rule of 2024 opened the page on an empty «năm 2024» (2024-12m)."""
    events = two_quarter_scenario()
    events.items += _plan_read_beside_the_data().items
    reporting.feed(events)
    page = reporting.client.get("/")
    assert page.status_code == 200
    assert _selected_period(page.text) == "2023-12m"
    assert 'id="no-data"' not in page.text
    # Asked for, 2024's year report holds none of the period's data: the note says so.
    empty = reporting.client.get("/", params={"period": "2024-12m"})
    assert 'id="no-data"' in empty.text


def test_with_no_data_at_all_it_opens_on_the_period_under_way_with_a_note(
    reporting: Reporting,
) -> None:
    reporting.feed(_plan_read_beside_the_data())  # the plan alone is no data
    page = reporting.client.get("/")
    assert page.status_code == 200
    current = current_period(today_vn())
    assert current.data_from <= today_vn() <= current.cutoff_on
    assert _selected_period(page.text) == current.id
    note = re.search(r'<p class="no-data" id="no-data">([^<]*)</p>', page.text)
    assert note is not None and "chưa có số liệu" in note.group(1)


def test_the_scope_line_names_the_unit_shown(reporting: Reporting) -> None:
    reporting.feed(two_quarter_scenario())
    city = _window_line(reporting.client.get("/", params={"period": "2023-3m"}).text)
    assert city.endswith("phạm vi: Thành phố Hải Phòng)")
    district = reporting.client.get("/", params={"period": "2023-3m", "unit": TIEN_LANG})
    assert _window_line(district.text).endswith("phạm vi: Huyện Tiên Lãng)")
    commune = reporting.client.get("/chuyen-de/doi-thoai",
                                   params={"period": "2023-3m", "unit": "11755"})
    line = _window_line(commune.text)
    assert "Hải Phòng" not in line
    assert re.search(r"phạm vi: (Xã|Thị trấn|Phường) [^;]+\)$", line), line


BAD_LINKS = [
    ("/?period=2023-7m", 422, "INVALID_PERIOD", "2023-7m"),
    ("/?period=2023-3m&unit=99999", 422, "UNKNOWN_UNIT_IN_SCOPE", "99999"),
    ("/?unit=abc", 422, "VALIDATION_ERROR", "Đơn vị"),
    # Refused by the kernel before any route (finding N8: it answered a browser in JSON).
    ("/?period=2024-9m&unit=%00", 422, "VALIDATION_ERROR", "ký tự điều khiển"),
    ("/chuyen-de/doi%01-thoai", 422, "VALIDATION_ERROR", "ký tự điều khiển"),
    ("/chuyen-de/khong-co", 422, "UNKNOWN_THEME", "khong-co"),
    ("/chuyen-de/doi-thoai/them", 404, "NOT_FOUND", "Không tìm thấy"),
    ("/bang-dieu-khien", 404, "NOT_FOUND", "Không tìm thấy"),
]


def test_a_bad_link_gives_a_browser_a_vietnamese_page_and_a_program_json(
    reporting: Reporting,
) -> None:
    # One service for the six links (each case is a request, not a new service).
    for url, status, code, shown in BAD_LINKS:
        page = reporting.client.get(url, headers=BROWSER)
        assert page.status_code == status, url
        assert page.headers["content-type"].startswith("text/html"), url
        html = page.text
        assert 'lang="vi"' in html and '{"error"' not in html  # a page, not the JSON body
        assert f'<code id="error-code">{code}</code>' in html, url
        assert f"(HTTP {status})" in html
        assert shown in html, url
        assert '<a id="back-link" href="/">' in html
        assert "/static/reporting/dashboard.css" in html
        for accept in ("application/json", "*/*"):
            answer = reporting.client.get(url, headers={"accept": accept})
            assert answer.status_code == status, (url, accept)
            assert answer.headers["content-type"] == "application/json"
            assert answer.json()["error"]["code"] == code


def test_the_json_api_answers_json_even_to_a_browser(reporting: Reporting) -> None:
    answer = reporting.client.get("/api/v1/reports/2023-7m", headers=BROWSER)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "INVALID_PERIOD"


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (BROWSER["accept"], True),
        ("text/html", True),
        ("*/*", False),
        ("", False),
        ("application/json", False),
        ("application/json, text/html;q=0.5", False),
        ("text/html;q=0.9, application/json;q=0.9", True),
        ("text/html;q=0", False),
        ("text/html;q=abc, */*", False),
    ],
)
def test_html_is_given_only_to_who_prefers_it(accept: str, html: bool) -> None:
    assert prefers_html(accept) is html


@pytest.mark.parametrize("hour", ["06:00", "08:00"])
def test_the_progress_chart_judges_a_cut_off_on_vietnams_date(
    reporting: Reporting, hour: str
) -> None:
    """Finding K1: before 07:00 in Vietnam the UTC date is still the day before, and the
    chart left out a period whose cut-off day it already was (14/03 for the 3-month report),
    while the same page said its figures ran to that day."""
    reporting.feed(two_quarter_scenario())
    page = reporting.client.get("/", params={
        "period": "2023-6m", "unit": TIEN_LANG, "as_of": f"2023-03-14T{hour}:00+07:00"})
    assert page.status_code == 200, page.text
    chart = page.text.split('id="chart-I4"', 1)[1].split("</figure>", 1)[0]
    assert 'data-period="2023-3m"' in chart, chart
