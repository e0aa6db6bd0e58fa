"""A report seen from a unit lists only that unit's tree: the figures moved since the city's
report was finalised (`differences`) and the reported indicators. A district board reading
the city's finalised report once read every district's corrections, in every output."""

from __future__ import annotations

import io
from datetime import date
from html import escape
from typing import Any

import openpyxl
from docx import Document

from services.reporting.messages import COL_FROZEN, DASH_CHANGED, SHEET_DIFFERENCES, SHEET_OTHER
from shared.envelope import utcnow
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import (
    HONG_BANG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    Events,
    two_quarter_scenario,
)

CITY = {"X-Unit-Scope": "31", "X-Scopes": "reporting:read"}
DISTRICT = {"X-Unit-Scope": TIEN_LANG, "X-Scopes": "reporting:read"}
#: What the district's key may read of the scenario's units (a few of its 21 communes).
OTHER_DISTRICT = {HONG_BANG, QUAN_TOAN}
PERIOD = "2023-3m"
THEME = "dat-dai-ton-giao"  # the religion theme: both late corrections are religion's


def _reported(events: Events, indicator: str, unit: str) -> None:
    events.add("indicators", "reported", f"{indicator}:2023:{unit}", "ReportedFigureRecorded",
               date(2023, 2, 1), {"indicator_id": indicator, "year": 2023, "unit_code": unit,
                                   "numerator": 3, "denominator": 4}, unit)


def _finalised_then_corrected(reporting: Reporting) -> None:
    """The city's 2023-3m finalised, then a late correction in each of two districts."""
    events = two_quarter_scenario()
    _reported(events, "X1", QUAN_TOAN)
    _reported(events, "X1", TIEN_LANG_TOWN)
    reporting.feed(events)
    finalised = reporting.client.post(f"/api/v1/reports/{PERIOD}/finalise",
                                      json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    late = Events()
    late.certificate("S3", QUAN_TOAN, date(2023, 3, 1), "CS 09999", recorded=utcnow())
    late.site("S9", TIEN_LANG_TOWN, date(2023, 2, 1))
    reporting.publish(late.items)


def _json(reporting: Reporting, url: str, headers: dict[str, str]) -> dict[str, Any]:
    response = reporting.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _units(rows: list[dict[str, Any]]) -> set[str]:
    return {row["unit_code"] for row in rows}


def _docx_differences(reporting: Reporting, url: str, headers: dict[str, str]) -> set[str]:
    """The unit codes of the Word document's table of differences."""
    response = reporting.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    codes: set[str] = set()
    for table in Document(io.BytesIO(response.content)).tables:
        header = [cell.text for cell in table.rows[0].cells]
        if COL_FROZEN in header:
            codes |= {row.cells[1].text for row in table.rows[1:]}
    return codes


def _xlsx_codes(reporting: Reporting, url: str, headers: dict[str, str],
                sheet: str) -> set[str]:
    """The unit codes of a sheet of the Excel tables (none without the sheet)."""
    response = reporting.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    if sheet not in book.sheetnames:
        return set()
    column = 2 if sheet == SHEET_OTHER else 1
    rows = book[sheet].iter_rows(min_row=5, min_col=column, max_col=column, values_only=True)
    return {str(value) for (value,) in rows if value is not None}


def test_a_district_reads_only_its_own_trees_differences_in_every_output(
    reporting: Reporting,
) -> None:
    _finalised_then_corrected(reporting)
    report, theme = f"/api/v1/reports/{PERIOD}", f"/api/v1/themes/{THEME}/{PERIOD}"

    city = _json(reporting, report, CITY)
    assert {"31", HONG_BANG, QUAN_TOAN, TIEN_LANG, TIEN_LANG_TOWN} <= _units(
        city["differences"]), "the city sees every unit's corrections"
    assert _units(city["other_indicators"]) == {QUAN_TOAN, TIEN_LANG_TOWN}
    own = {TIEN_LANG, TIEN_LANG_TOWN}

    district = _json(reporting, report, DISTRICT)
    assert district["unit"]["code"] == TIEN_LANG
    assert _units(district["differences"]) == own
    assert district["differences"] == [d for d in city["differences"] if d["unit_code"] in own]
    assert _units(district["other_indicators"]) == {TIEN_LANG_TOWN}
    assert _units(_json(reporting, theme, DISTRICT)["differences"]) == own
    assert _units(_json(reporting, theme, CITY)["differences"]) >= OTHER_DISTRICT
    # The flat table of every unit: the readable units' rows and their differences only.
    flat = _json(reporting, f"{report}/units", DISTRICT)
    assert _units(flat["differences"]) == own
    # A commune reads its own figures' corrections, not its district's.
    commune = _json(reporting, f"{report}?unit={TIEN_LANG_TOWN}", CITY)
    assert _units(commune["differences"]) == {TIEN_LANG_TOWN}

    for root in (report, theme):
        assert _docx_differences(reporting, f"{root}/report.docx", CITY) >= OTHER_DISTRICT
        assert _docx_differences(reporting, f"{root}/report.docx", DISTRICT) == own
        xlsx = f"{root}/tables.xlsx"
        assert _xlsx_codes(reporting, xlsx, CITY, SHEET_DIFFERENCES) >= OTHER_DISTRICT
        assert _xlsx_codes(reporting, xlsx, DISTRICT, SHEET_DIFFERENCES) == own
    assert _xlsx_codes(reporting, f"{report}/tables.xlsx", DISTRICT, SHEET_OTHER) == {
        TIEN_LANG_TOWN}

    # The dashboard's note counts the unit's own changed figures.
    page = reporting.client.get(f"/?period={PERIOD}", headers=DISTRICT)
    assert page.status_code == 200, page.text
    assert escape(DASH_CHANGED.format(count=len(district["differences"]))) in page.text
