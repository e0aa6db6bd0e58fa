"""Indicators other than the plan's I1-I4, whose figures units report (method "reported",
I5...): a report gives each a total over the unit it is read from and a status, in the JSON,
the Word report and the workbook, by the kernel's rule the indicators service applies
(`planrules.reported_roll_up`: a unit's latest report known, else the sum of the units under
it; `status_of` against the year's definition). They were listed per unit, without a total or
a status, in the JSON only (F12).

Hand count, I5 of 2023 "≥ 60 %" (pace at 14/03: 60 % x 73/365 = 12 %):
* Quán Toan 3/4 (01/02); its district, Hồng Bàng, reported 5/10 for itself (01/03): Hồng
  Bàng's figure is its own report, 5/10, not its commune's.
* Thị trấn Tiên Lãng 1/4 (01/02), then 2/4 (01/03): the latest, 2/4; Tiên Lãng (no report of
  its own) 2/4 = 50 %: chưa đạt (behind 60 %, ahead of the pace).
* The city (no report of its own): 5/10 + 2/4 = 7/14 = 50 %: chưa đạt.
* 4/4 for Thị trấn Tiên Lãng on 01/04 is after the 3-month cut-off: counted at 14/06 only
  (city 9/14 = 64.29 %: đạt).
"""

from __future__ import annotations

import io
from datetime import date
from html import escape
from typing import Any

import openpyxl
from docx import Document

from services.reporting.messages import (
    COL_SUMMED_FROM,
    DASH_PREVIOUS,
    DOC_SUMMED_FROM,
    SHEET_INDICATORS,
    STATUS_LABELS,
    SUMMED_FROM,
)
from shared.adminunits import default_catalogue
from shared.envelope import utcnow
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import (
    HONG_BANG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_COMMUNES,
    TIEN_LANG_TOWN,
    Events,
    two_quarter_scenario,
)

NAME = "Tổ dân vận hoạt động hiệu quả"


def _reported(events: Events, unit: str, on: date, numerator: int, denominator: int,
              **extra: Any) -> None:
    events.add("indicators", "reported", f"I5:2023:{unit}", "ReportedFigureRecorded", on,
               {"indicator_id": "I5", "year": 2023, "unit_code": unit,
                "numerator": numerator, "denominator": denominator,
                "reported_on": on.isoformat()}, unit, **extra)


def _scenario() -> Events:
    events = two_quarter_scenario()
    events.add("indicators", "indicator", "I5-2023", "IndicatorDefined", date(2023, 1, 1), {
        "indicator_id": "I5", "year": 2023, "name": NAME, "comparator": "ge", "target": 60,
        "denominator_fixed": None, "method": "reported"})
    _reported(events, QUAN_TOAN, date(2023, 2, 1), 3, 4)
    _reported(events, HONG_BANG, date(2023, 3, 1), 5, 10)
    _reported(events, TIEN_LANG_TOWN, date(2023, 2, 1), 1, 4)
    _reported(events, TIEN_LANG_TOWN, date(2023, 3, 1), 2, 4)
    _reported(events, TIEN_LANG_TOWN, date(2023, 4, 1), 4, 4)
    return events


def _i5(reporting: Reporting, period: str, **params: str) -> dict[str, Any]:
    response = reporting.client.get(f"/api/v1/reports/{period}", params=params)
    assert response.status_code == 200, response.text
    [row] = [r for r in response.json()["reported_indicators"] if r["id"] == "I5"]
    return dict(row)


def _figure(row: dict[str, Any]) -> tuple[int, int, float | None, str | None]:
    return row["numerator"], row["denominator"], row["value"], row["status"]


def _word(reporting: Reporting, period: str, **params: str) -> list[str]:
    """The Word report's table row of I5: result, rate, status."""
    response = reporting.client.get(f"/api/v1/reports/{period}/report.docx", params=params)
    assert response.status_code == 200, response.text
    document = Document(io.BytesIO(response.content))
    rows = [[cell.text for cell in row.cells] for table in document.tables
            for row in table.rows if row.cells[1].text == NAME]
    assert len(rows) == 1, rows
    # Its sentence above the table, as the plan's indicators have.
    assert any(p.text.startswith(f"{NAME}: đạt {rows[0][3]}") for p in document.paragraphs)
    return [rows[0][3], rows[0][4], rows[0][6]]


def _excel(reporting: Reporting, period: str, **params: str) -> list[Any]:
    """The workbook's indicators sheet row of I5: numerator, denominator, rate, status."""
    response = reporting.client.get(f"/api/v1/reports/{period}/tables.xlsx", params=params)
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))[SHEET_INDICATORS]
    [row] = [r for r in sheet.iter_rows(values_only=True) if r[0] == "I5"]
    assert row[1] == NAME and row[2] == "≥ 60%"
    return [row[3], row[4], row[5], row[6]]


def test_a_reported_indicator_has_a_total_and_a_status_in_json_word_and_excel(
    reporting: Reporting,
) -> None:
    reporting.feed(_scenario())

    city = _i5(reporting, "2023-3m")
    assert _figure(city) == (7, 14, 50.0, "chua_dat")
    assert (city["name"], city["target"], city["target_text"]) == (NAME, 60.0, "≥ 60%")
    assert _figure(_i5(reporting, "2023-3m", unit=TIEN_LANG)) == (2, 4, 50.0, "chua_dat")
    # A unit's own report, not its communes' sum.
    assert _figure(_i5(reporting, "2023-3m", unit=HONG_BANG)) == (5, 10, 50.0, "chua_dat")
    # The report of 01/04 counts from the 6-month report on.
    assert _figure(_i5(reporting, "2023-6m")) == (9, 14, 64.29, "dat")

    assert _word(reporting, "2023-3m") == ["7/14", "50", STATUS_LABELS["chua_dat"]]
    assert _word(reporting, "2023-6m", unit=TIEN_LANG) == [
        "4/4", "100", STATUS_LABELS["dat"]]
    assert _excel(reporting, "2023-3m") == [7, 14, 50.0, STATUS_LABELS["chua_dat"]]
    assert _excel(reporting, "2023-3m", unit=HONG_BANG) == [
        5, 10, 50.0, STATUS_LABELS["chua_dat"]]


def test_a_finalised_reports_reported_totals_do_not_move(reporting: Reporting) -> None:
    reporting.feed(_scenario())
    finalised = reporting.client.post("/api/v1/reports/2023-3m/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    late = Events()
    _reported(late, HONG_BANG, date(2023, 3, 10), 10, 10, recorded=utcnow())
    reporting.publish(late.items)
    # Counted now: Hồng Bàng's latest report by 14/03 is 10/10 (12/14 = 85.71 %, đạt).
    now = utcnow().isoformat()
    assert _figure(_i5(reporting, "2023-3m", as_of=now)) == (12, 14, 85.71, "dat")
    # Signed: as it was.
    assert _figure(_i5(reporting, "2023-3m")) == (7, 14, 50.0, "chua_dat")
    assert _word(reporting, "2023-3m") == ["7/14", "50", STATUS_LABELS["chua_dat"]]


def test_a_reported_indicator_has_the_previous_period_and_a_dashboard_tile(
    reporting: Reporting,
) -> None:
    """As the I1-I4 rows: the previous period's figure beside it (the 6-month report shows
    the 3-month 7/14), in the JSON, Word and Excel, read from the previous period's signed
    report once it is finalised (a report typed in late moves neither); and a tile on the
    dashboard page."""
    reporting.feed(_scenario())
    six = _i5(reporting, "2023-6m")
    assert six["previous"] == {"numerator": 7, "denominator": 14, "value": 50.0,
                               "status": "chua_dat", "target": 60.0, "comparable": True,
                               "basis_changes": []}
    assert _i5(reporting, "2023-6m", unit=TIEN_LANG)["previous"]["value"] == 50.0
    # The 3-month report's previous period is 2022's year report: no I5 then.
    assert _i5(reporting, "2023-3m")["previous"] == {
        "numerator": 0, "denominator": 0, "value": None, "status": None, "target": None,
        "comparable": True, "basis_changes": []}
    response = reporting.client.get("/api/v1/reports/2023-6m/report.docx")
    document = Document(io.BytesIO(response.content))
    [word] = [[cell.text for cell in row.cells] for table in document.tables
              for row in table.rows if row.cells[1].text == NAME]
    assert word[5] == "50"
    book = reporting.client.get("/api/v1/reports/2023-6m/tables.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(book.content))[SHEET_INDICATORS]
    [excel] = [r for r in sheet.iter_rows(values_only=True) if r[0] == "I5"]
    assert excel[7] == 50.0
    page = reporting.client.get("/", params={"period": "2023-6m", "unit": "31"})
    assert page.status_code == 200
    assert 'id="tile-I5"' in page.text and 'data-numerator="9" data-denominator="14"' in page.text
    assert DASH_PREVIOUS.format(value="50") in page.text

    # The 3 months signed, then a report of 10/03 typed in late: the 6-month report's
    # previous column is the signed 7/14, as its I1-I4 column; and stays so once signed.
    signed = reporting.client.post("/api/v1/reports/2023-3m/finalise", json={"scope": "31"})
    assert signed.status_code == 201, signed.text
    late = Events()
    _reported(late, HONG_BANG, date(2023, 3, 10), 10, 10, recorded=utcnow())
    reporting.publish(late.items)
    now = utcnow().isoformat()
    assert _figure(_i5(reporting, "2023-3m", as_of=now)) == (12, 14, 85.71, "dat")
    assert _i5(reporting, "2023-6m")["previous"]["numerator"] == 7
    finalised = reporting.client.post("/api/v1/reports/2023-6m/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    assert _i5(reporting, "2023-6m")["previous"]["numerator"] == 7


def test_a_reported_figure_typed_in_after_signing_is_among_the_differences(
    reporting: Reporting,
) -> None:
    """A finalised report keeps the I5 it was signed with, and lists what moved since among
    its `differences`, as it lists I1-I4's (examiner-figures, Medium): Hồng Bàng's 10/10 typed
    in after the signing turned the city's I5 from 7/14 «chưa đạt» to 12/14 «đạt» while the
    signed report and the live view as of now listed no difference at all."""
    reporting.feed(_scenario())
    finalised = reporting.client.post("/api/v1/reports/2023-3m/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    late = Events()
    _reported(late, HONG_BANG, date(2023, 3, 10), 10, 10, recorded=utcnow())
    reporting.publish(late.items)
    expected = {
        ("31", "I5.numerator"): (7, 12), ("31", "I5.value"): (50.0, 85.71),
        ("31", "I5.status"): ("chua_dat", "dat"),
        (HONG_BANG, "I5.numerator"): (5, 10), (HONG_BANG, "I5.value"): (50.0, 100.0),
        (HONG_BANG, "I5.status"): ("chua_dat", "dat"),
    }

    def i5_differences(**params: str) -> dict[tuple[str, str], tuple[Any, Any]]:
        response = reporting.client.get("/api/v1/reports/2023-3m", params=params)
        assert response.status_code == 200, response.text
        return {(d["unit_code"], d["figure"]): (d["frozen"], d["current"])
                for d in response.json()["differences"] if d["figure"].startswith("I5.")}

    assert i5_differences() == expected
    assert i5_differences(as_of=utcnow().isoformat()) == expected
    # The Word report lists them in its table of differences.
    response = reporting.client.get("/api/v1/reports/2023-3m/report.docx")
    document = Document(io.BytesIO(response.content))
    cells = [[cell.text for cell in row.cells] for table in document.tables
             for row in table.rows]
    assert any("I5 (tử số)" in row and "7" in row and "12" in row for row in cells), cells


# -- how complete a summed figure is (examiner: a signed report presented a partial sum) ---

DO_SON = "308"  # Quận Đồ Sơn: 6 communes in 2023
CITY_DISTRICTS = 15  # the city's district-level units in 2023 (Bạch Long Vĩ has no commune)


def _communes(district: str) -> list[str]:
    return [unit.code for unit in default_catalogue().children(district, date(2023, 3, 14))]


def _summed(units_with_figure: int, units_under: int) -> dict[str, int]:
    return {"units_with_figure": units_with_figure, "units_under": units_under}


def _summed_text(units_with_figure: int, units_under: int) -> str:
    return SUMMED_FROM.format(with_figure=units_with_figure, under=units_under)


def _word_paragraphs(reporting: Reporting, url: str, **params: str) -> list[str]:
    response = reporting.client.get(url, params=params)
    assert response.status_code == 200, response.text
    return [p.text for p in Document(io.BytesIO(response.content)).paragraphs]


def _excel_summed(reporting: Reporting, url: str, indicator: str, **params: str) -> Any:
    """The workbook's indicators sheet: the cell of `indicator` under «summed from» (None
    without the column)."""
    response = reporting.client.get(url, params=params)
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))[SHEET_INDICATORS]
    header = [cell.value for cell in sheet[4]]
    if COL_SUMMED_FROM not in header:
        return None
    [row] = [r for r in sheet.iter_rows(values_only=True) if r[0] == indicator]
    return row[header.index(COL_SUMMED_FROM)]


def test_a_summed_reported_figure_says_how_many_units_under_it_reported(
    reporting: Reporting,
) -> None:
    """The city's I5 of 14/03, 7/14, is the sum of 2 of its 15 districts (Hồng Bàng's own
    5/10, Tiên Lãng's 2/4, itself the sum of 1 of its 21 communes): the JSON, the Word
    report, the workbook and the dashboard tile say so; Hồng Bàng's own report is no sum.
    With every commune of Đồ Sơn reporting, Đồ Sơn is a full sum (6/6), one more district
    of the city's (3/15)."""
    reporting.feed(_scenario())
    city = _i5(reporting, "2023-3m")
    assert _figure(city) == (7, 14, 50.0, "chua_dat")
    assert city["summed_from"] == _summed(2, CITY_DISTRICTS)
    assert _i5(reporting, "2023-3m", unit=TIEN_LANG)["summed_from"] == _summed(
        1, TIEN_LANG_COMMUNES)
    assert _i5(reporting, "2023-3m", unit=HONG_BANG)["summed_from"] is None  # its own
    assert _i5(reporting, "2023-3m", unit=QUAN_TOAN)["summed_from"] is None

    text = _summed_text(2, CITY_DISTRICTS)
    paragraphs = _word_paragraphs(reporting, "/api/v1/reports/2023-3m/report.docx")
    assert DOC_SUMMED_FROM.format(text=text) in paragraphs, paragraphs
    assert _excel_summed(reporting, "/api/v1/reports/2023-3m/tables.xlsx", "I5") == text
    page = reporting.client.get("/", params={"period": "2023-3m", "unit": "31"})
    assert page.status_code == 200
    assert escape(text) in page.text and 'data-units-with-figure="2"' in page.text
    # A unit's own report: nothing said, no column.
    own = _word_paragraphs(reporting, "/api/v1/reports/2023-3m/report.docx", unit=HONG_BANG)
    assert not any("tổng hợp từ số liệu" in p for p in own)
    assert _excel_summed(reporting, "/api/v1/reports/2023-3m/tables.xlsx", "I5",
                         unit=HONG_BANG) is None

    full = Events()
    for commune in _communes(DO_SON):
        _reported(full, commune, date(2023, 3, 1), 1, 2)
    reporting.publish(full.items)
    communes = len(_communes(DO_SON))
    assert communes == 6
    do_son = _i5(reporting, "2023-3m", unit=DO_SON)
    assert (do_son["numerator"], do_son["denominator"]) == (6, 12)
    assert do_son["summed_from"] == _summed(communes, communes)
    assert _excel_summed(reporting, "/api/v1/reports/2023-3m/tables.xlsx", "I5",
                         unit=DO_SON) == _summed_text(6, 6)
    city = _i5(reporting, "2023-3m")
    assert (_figure(city), city["summed_from"]) == (
        (13, 26, 50.0, "chua_dat"), _summed(3, CITY_DISTRICTS))


def test_a_finalised_reports_summed_from_is_frozen(reporting: Reporting) -> None:
    """Derived from the reported rows the report was signed with: a district's report typed
    in after the signing moves the figures of now (3 of 15 districts), not the signed ones."""
    reporting.feed(_scenario())
    finalised = reporting.client.post("/api/v1/reports/2023-3m/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    late = Events()
    _reported(late, DO_SON, date(2023, 3, 10), 1, 1, recorded=utcnow())
    reporting.publish(late.items)
    now = utcnow().isoformat()
    assert _i5(reporting, "2023-3m", as_of=now)["summed_from"] == _summed(3, CITY_DISTRICTS)
    assert _i5(reporting, "2023-3m")["summed_from"] == _summed(2, CITY_DISTRICTS)
    paragraphs = _word_paragraphs(reporting, "/api/v1/reports/2023-3m/report.docx")
    assert DOC_SUMMED_FROM.format(text=_summed_text(2, CITY_DISTRICTS)) in paragraphs


def test_an_i4_defined_reported_says_how_many_units_under_it_reported(
    reporting: Reporting,
) -> None:
    """I4 of 2023 defined "reported": the city's 4/25 of 14/03 is the sum of Tiên Lãng's 3/20
    and Hồng Bàng's 1/5, 2 of 15 districts, in the plan's indicators' rows (JSON, the flat
    table, Word, Excel), and kept in a finalised report's content: a report typed in after
    the signing moves the figure of now only. A counted indicator says nothing."""
    events = two_quarter_scenario()
    events.add("indicators", "indicator", "I4-2023", "IndicatorDefined", date(2023, 1, 1), {
        "indicator_id": "I4", "year": 2023, "name": "Giấy chứng nhận (số liệu báo cáo)",
        "comparator": "ge", "target": 10, "denominator_fixed": None, "method": "reported"})
    for unit, numerator, denominator in ((TIEN_LANG, 3, 20), (HONG_BANG, 1, 5)):
        events.add("indicators", "reported", f"I4:2023:{unit}", "ReportedFigureRecorded",
                   date(2023, 3, 1), {"indicator_id": "I4", "year": 2023, "unit_code": unit,
                                      "numerator": numerator, "denominator": denominator,
                                      "reported_on": "2023-03-01"}, unit)
    reporting.feed(events)

    def i4(**params: str) -> dict[str, Any]:
        response = reporting.client.get("/api/v1/reports/2023-3m", params=params)
        assert response.status_code == 200, response.text
        rows = {row["id"]: row for row in response.json()["indicators"]}
        assert rows["I3"]["summed_from"] is None  # counted, no sum of reports
        return dict(rows["I4"])

    city = i4()
    assert (city["numerator"], city["denominator"]) == (4, 25)
    assert city["summed_from"] == _summed(2, CITY_DISTRICTS)
    assert i4(unit=TIEN_LANG)["summed_from"] is None
    units = reporting.client.get("/api/v1/reports/2023-3m/units").json()["units"]
    [flat] = [row for row in units if row["code"] == "31"]
    assert flat["indicators"]["I4"]["summed_from"] == _summed(2, CITY_DISTRICTS)
    text = _summed_text(2, CITY_DISTRICTS)
    assert DOC_SUMMED_FROM.format(text=text) in _word_paragraphs(
        reporting, "/api/v1/reports/2023-3m/report.docx")
    assert _excel_summed(reporting, "/api/v1/reports/2023-3m/tables.xlsx", "I4") == text

    finalised = reporting.client.post("/api/v1/reports/2023-3m/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    late = Events()
    late.add("indicators", "reported", f"I4:2023:{DO_SON}", "ReportedFigureRecorded",
             date(2023, 3, 10), {"indicator_id": "I4", "year": 2023, "unit_code": DO_SON,
                                 "numerator": 1, "denominator": 1,
                                 "reported_on": "2023-03-10"}, DO_SON, recorded=utcnow())
    reporting.publish(late.items)
    assert i4(as_of=utcnow().isoformat())["summed_from"] == _summed(3, CITY_DISTRICTS)
    assert i4()["summed_from"] == _summed(2, CITY_DISTRICTS)


def test_a_districts_own_report_equal_to_its_old_sum_is_among_the_differences(
    reporting: Reporting,
) -> None:
    """Tiên Lãng's I5 signed at 14/03 was 2/4, the sum of 1 of its 21 communes; its own report
    of 2/4 typed in after the signing moves no number, but the figure is now the district's
    own, not a partial sum: the differences list it (examiner-figures leftover: nothing was
    listed), in the JSON, the Word report and the workbook. The city's sum is unchanged (still
    2 of 15 districts): nothing listed for it."""
    reporting.feed(_scenario())
    finalised = reporting.client.post("/api/v1/reports/2023-3m/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    late = Events()
    _reported(late, TIEN_LANG, date(2023, 3, 10), 2, 4, recorded=utcnow())
    reporting.publish(late.items)
    now = utcnow().isoformat()
    assert _i5(reporting, "2023-3m", unit=TIEN_LANG, as_of=now)["summed_from"] is None
    expected = [{"unit_code": TIEN_LANG, "figure": "I5.summed_from",
                 "frozen": _summed(1, TIEN_LANG_COMMUNES), "current": None}]
    for params in ({}, {"as_of": now}):
        response = reporting.client.get("/api/v1/reports/2023-3m", params=params)
        assert response.status_code == 200, response.text
        assert response.json()["differences"] == expected, params
    label = "I5 (tổng hợp từ số đơn vị trực thuộc có báo cáo)"
    response = reporting.client.get("/api/v1/reports/2023-3m/report.docx")
    document = Document(io.BytesIO(response.content))
    rows = [[cell.text for cell in row.cells] for table in document.tables
            for row in table.rows]
    assert [TIEN_LANG, label, f"1/{TIEN_LANG_COMMUNES}", "—"] in [
        [row[1], *row[3:6]] for row in rows if len(row) >= 6], rows
    book = reporting.client.get("/api/v1/reports/2023-3m/tables.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(book.content))
    cells = [row for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    assert (TIEN_LANG, "Huyện Tiên Lãng", label, f"1/{TIEN_LANG_COMMUNES}", None) in cells


def test_the_dashboards_drill_down_shows_the_reported_indicators_of_each_unit(
    reporting: Reporting,
) -> None:
    """The drill-down table under the tiles had I1-I4 only: a reader of the city saw the city's
    I5 tile (7/14) and no district's figure of it. Each district's row now has its I5 as it
    reads it: Hồng Bàng's own 5/10 (no sum), Tiên Lãng's 2/4 summed from 1 of its 21 communes
    (said so), a district with no figure empty, as the JSON's children rows have them."""
    reporting.feed(_scenario())
    page = reporting.client.get("/", params={"period": "2023-3m", "unit": "31"})
    assert page.status_code == 200
    table = page.text[page.text.index('id="drilldown"'):]
    table = table[:table.index("</table>")]
    assert f"<th>I5. {escape(NAME)} (%)</th>" in table

    def cell(unit: str) -> str:
        row = table[table.index(f'<tr data-unit="{unit}"'):]
        row = row[:row.index("</tr>")]
        found: str = row[row.index('data-indicator="I5"'):].split("</td>")[0]
        return found

    assert 'data-value="50.0"' in cell(HONG_BANG) and "data-units-with-figure" not in cell(
        HONG_BANG)
    tien_lang = cell(TIEN_LANG)
    assert 'data-value="50.0"' in tien_lang
    assert (f'data-units-with-figure="1" data-units-under="{TIEN_LANG_COMMUNES}"'
            in tien_lang)
    assert escape(_summed_text(1, TIEN_LANG_COMMUNES)) in tien_lang
    assert 'data-value=""' in cell(DO_SON)  # no report under it

    children = reporting.client.get("/api/v1/reports/2023-3m").json()["children"]
    reported = {row["code"]: row["reported_indicators"] for row in children}
    assert reported[TIEN_LANG] == [{"id": "I5", "numerator": 2, "denominator": 4,
                                    "value": 50.0, "status": "chua_dat",
                                    "summed_from": _summed(1, TIEN_LANG_COMMUNES)}]
    assert reported[HONG_BANG][0]["summed_from"] is None
    assert reported[DO_SON][0]["value"] is None
