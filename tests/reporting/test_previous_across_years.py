"""The previous column across a year boundary (finding J9): the 3-month report of 2024 stands
beside the year report of 2023, which was counted and signed on 2023's definitions (its base,
its fields) and over 2023's window. The previous rate is shown as it was reported, on its own
year's definition (a signed report is never counted again by another year's rules), and where
the measure changed it is marked as not comparable, with what changed, in every output; a flow
of the whole year before has no «tăng, giảm» beside this year's first months. Hand-counted:

| | 2023-12m (15/12/2022-14/12/2023) | 2024-3m (15/12/2023-14/03/2024) | 2024-6m (to 14/06) |
|---|---|---|---|
| I3 base (defined) | 4, target 40 | 8, target 60 | 8 |
| sites with a dossier (stock) | S1, S2: 2 | + S3: 3 | + S4: 4 |
| I3 | 2/4 = 50 % | 3/8 = 37,5 % (not a fall) | 4/8 = 50 % |
| dossiers lodged (flow) | 2 | 1 | 2 (S3, S4) |
| I4 base | the plan's 239 (no definition) | none defined: the 4 sites | 4 |
| I4 | 1/239 = 0,42 % | 1/4 = 25 % | 1/4 = 25 % |
| I1 fields | the plan's three | + digital transformation | the same |
| I1 (217 communes) | 0 | Đại Thắng's digital model: 1/217 = 0,46 % | 0,46 % |
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from html import escape
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from services.reporting import messages
from services.reporting.application import comparability, reports
from services.reporting.outputs import pdf
from shared.adminunits import HAI_PHONG
from shared.envelope import utcnow
from shared.planrules import BASIS_METHOD, rate_basis_changes
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting
from tests.reporting.lines import get_json
from tests.reporting.scenario import DAI_THANG, TIEN_LANG, TIEN_LANG_TOWN, Events

NOT_COMPARABLE = "không so sánh trực tiếp được"
FLOWS_NOT_COMPARED = "không tính tăng, giảm"


def _i3(year: int, base: int, target: int) -> dict[str, Any]:
    return {"indicator_id": "I3", "year": year, "name": "Cơ sở tôn giáo có hồ sơ đăng ký đất đai",
            "comparator": "ge", "target": target, "denominator_fixed": base}


def across_years() -> Events:
    e = Events()
    for site in ("S1", "S2", "S3", "S4"):
        e.site(site, TIEN_LANG_TOWN, date(2023, 1, 10))
    for site, on in (("S1", date(2023, 3, 1)), ("S2", date(2023, 8, 1)),
                     ("S3", date(2024, 2, 1)), ("S4", date(2024, 4, 10))):
        e.dossier("LandDossierLodged", site, TIEN_LANG_TOWN, on, "lodged")
    e.certificate("S1", TIEN_LANG_TOWN, date(2023, 6, 1), "CS 01")
    e.model("M1", DAI_THANG, "digital_transformation", date(2023, 2, 1))
    e.add("indicators", "indicator", "I3-2023", "IndicatorDefined", date(2023, 1, 3),
          _i3(2023, 4, 40))
    e.add("indicators", "indicator", "I3-2024", "IndicatorDefined", date(2024, 1, 3),
          _i3(2024, 8, 60))
    e.add("indicators", "indicator", "I1-2024", "IndicatorDefined", date(2024, 1, 3), {
        "indicator_id": "I1", "year": 2024, "name": "Mô hình “Dân vận khéo”",
        "comparator": "ge", "target": 100, "qualifying_fields": [
            "new_rural", "exemplary_rural", "urban", "digital_transformation"]})
    return e


def _rows(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in view["indicators"]}


def _figures(view: dict[str, Any]) -> dict[str, tuple[int, int | None, int | None]]:
    return {f["key"]: (f["value"], f["previous"], f["change"])
            for section in view["sections"] for f in section["figures"]}


def _previous(row: dict[str, Any]) -> tuple[Any, ...]:
    before = row["previous"]
    return (before["numerator"], before["denominator"], before["value"], before["comparable"],
            before["basis_changes"])


def _texts(reporting: Reporting, period: str) -> tuple[list[str], list[list[str]], str, list[Any]]:
    """The Word report's paragraphs and its indicators table, the dashboard page, and the
    cells of the workbook's first sheet and of its religion sheet."""
    docx = reporting.client.get(f"/api/v1/reports/{period}/report.docx")
    assert docx.status_code == 200, docx.text
    document = Document(io.BytesIO(docx.content))
    table = next(t for t in document.tables
                 if t.rows[0].cells[1].text == messages.COL_INDICATOR)
    page = reporting.client.get("/", params={"period": period})
    assert page.status_code == 200, page.text
    xlsx = reporting.client.get(f"/api/v1/reports/{period}/tables.xlsx")
    assert xlsx.status_code == 200, xlsx.text
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = [cell for name in (messages.SHEET_INDICATORS, messages.SHEET_SECTION["religion"])
             for row in book[name[:31]].iter_rows(values_only=True) for cell in row]
    return ([p.text for p in document.paragraphs],
            [[c.text for c in row.cells] for row in table.rows], page.text, cells)


def test_the_previous_year_is_shown_as_reported_and_marked_where_it_measured_otherwise(
    reporting: Reporting,
) -> None:
    reporting.feed(across_years())
    year = _rows(get_json(reporting, "/api/v1/reports/2023-12m"))
    assert (year["I3"]["numerator"], year["I3"]["denominator"], year["I3"]["value"]) == (
        2, 4, 50.0)
    assert (year["I4"]["denominator"], year["I1"]["numerator"]) == (239, 0)

    view = get_json(reporting, "/api/v1/reports/2024-3m")
    rows = _rows(view)
    # This period on 2024's definitions.
    assert (rows["I3"]["numerator"], rows["I3"]["denominator"], rows["I3"]["value"]) == (
        3, 8, 37.5)
    assert (rows["I4"]["numerator"], rows["I4"]["denominator"], rows["I4"]["value"]) == (
        1, 4, 25.0)
    assert (rows["I1"]["numerator"], rows["I1"]["value"]) == (1, 0.46)
    # The previous column: 2023's report as it was counted, on 2023's definitions, and marked
    # where 2024 measures otherwise: 50 % beside 37,5 % is no fall, 0,42 % beside 25 % no rise.
    assert _previous(rows["I3"]) == (2, 4, 50.0, False, ["base"])
    assert rows["I3"]["previous"]["target"] == 40.0
    assert _previous(rows["I4"]) == (1, 239, 0.42, False, ["base"])
    assert _previous(rows["I1"]) == (0, 217, 0.0, False, ["fields"])
    # I2 measured alike in both years (no head: no figure either side).
    assert rows["I2"]["previous"]["comparable"] is True
    note = view["previous_not_comparable_note"]
    assert note is not None and NOT_COMPARABLE in note
    assert "I3 Hồ sơ đăng ký đất đai (mẫu số kỳ trước là số cố định 4 theo chỉ tiêu năm 2023, " \
        "kỳ này là số cố định 8 theo chỉ tiêu năm 2024)" in note
    assert "I4 Giấy chứng nhận QSDĐ (mẫu số kỳ trước là số cố định 239 theo chỉ tiêu năm " \
        "2023, kỳ này là số thực tế (4))" in note
    assert "kỳ này thuộc lĩnh vực «xây dựng nông thôn mới», «nông thôn mới kiểu mẫu», " \
        "«chỉnh trang, hiện đại hóa đô thị», «chuyển đổi số»" in note
    # A flow of the whole of 2023 beside 2024's first months: no change; stocks keep theirs.
    figures = _figures(view)
    assert figures["dossiers_lodged"] == (1, 2, None)
    assert figures["certificates_issued"] == (0, 1, None)
    assert figures["sites_with_dossier"] == (3, 2, 1)
    assert figures["sites"] == (4, 4, 0)
    flows = view["previous_flows_note"]
    assert flows is not None and FLOWS_NOT_COMPARED in flows
    assert "từ ngày 15/12/2022 đến ngày 14/12/2023" in flows
    assert "lũy kế từ ngày 15/12/2023" in flows

    # Every output says it: the Word table marks the rates and explains them under it, and
    # its tables of figures leave the flows' change empty; the dashboard's tiles and notes;
    # the workbook's notes.
    paragraphs, table, page, cells = _texts(reporting, "2024-3m")
    previous_column = {row[1]: row[5] for row in table[1:]}
    assert previous_column["Hồ sơ đăng ký đất đai"] == "50 (a)"
    assert previous_column["Giấy chứng nhận QSDĐ"] == "0,42 (a)"
    assert any(p.startswith("(a) ") and NOT_COMPARABLE in p for p in paragraphs)
    assert any(FLOWS_NOT_COMPARED in p for p in paragraphs)
    tiles = dict(re.findall(r'id="tile-(I\d)".*?tile-previous">([^<]*)<', page))
    assert tiles["I3"] == "Kỳ trước: 50% (cách tính khác, không so sánh trực tiếp)"
    assert 'id="previous-not-comparable"' in page and 'id="previous-flows"' in page
    assert any(isinstance(c, str) and NOT_COMPARABLE in c for c in cells)
    assert any(isinstance(c, str) and FLOWS_NOT_COMPARED in c for c in cells)

    # Within 2024 the measure is the same: no mark, and the flows' change is the quarter's.
    later = get_json(reporting, "/api/v1/reports/2024-6m")
    rows = _rows(later)
    assert (rows["I3"]["value"], _previous(rows["I3"])) == (50.0, (3, 8, 37.5, True, []))
    assert all(row["previous"]["comparable"] for row in rows.values())
    assert later["previous_not_comparable_note"] is None
    assert later["previous_flows_note"] is None
    assert _figures(later)["dossiers_lodged"] == (2, 1, 1)
    paragraphs, table, page, _ = _texts(reporting, "2024-6m")
    assert "(a)" not in {row[5] for row in table[1:]}
    assert not any(NOT_COMPARABLE in p or FLOWS_NOT_COMPARED in p for p in paragraphs)
    assert 'id="previous-not-comparable"' not in page


def _finalise(reporting: Reporting, period_id: str) -> None:
    finalised = reporting.client.post(f"/api/v1/reports/{period_id}/finalise",
                                      json={"scope": "31"}, headers={"x-actor": "vp"})
    assert finalised.status_code == 201, finalised.text


def test_a_signed_report_keeps_its_previous_column_and_its_marks(reporting: Reporting) -> None:
    reporting.feed(across_years())
    _finalise(reporting, "2023-12m")
    _finalise(reporting, "2024-3m")
    signed = get_json(reporting, "/api/v1/reports/2024-3m")
    assert signed["figures_finalised"] is True
    # Afterwards: a 2023 lodging typed in late (dated inside 2023's window), and 2024's base
    # redefined. The signed 2024-3m keeps its column as signed: 2023's signed 2/4 on 2023's
    # base, marked against the base 2024-3m was signed with, the same words.
    late = Events()
    late.site("S5", TIEN_LANG_TOWN, date(2023, 1, 10))
    late.dossier("LandDossierLodged", "S5", TIEN_LANG_TOWN, date(2023, 11, 1), "lodged")
    late.versions[("indicators", "indicator", "I3-2024")] = 1
    late.add("indicators", "indicator", "I3-2024", "IndicatorDefined", date(2024, 1, 3),
             _i3(2024, 5, 60), recorded=utcnow())
    reporting.publish(late.items)
    # Both arrived: 2023 counts the late lodging now, 2024 is measured on the new base.
    now = utcnow().isoformat().replace("+", "%2B")
    assert _rows(get_json(reporting, f"/api/v1/reports/2023-12m?as_of={now}"))["I3"][
        "numerator"] == 3
    assert _rows(get_json(reporting, "/api/v1/reports/2024-6m"))["I3"]["denominator"] == 5
    again = get_json(reporting, "/api/v1/reports/2024-3m")
    rows = _rows(again)
    assert _previous(rows["I3"]) == (2, 4, 50.0, False, ["base"])
    assert (rows["I3"]["numerator"], rows["I3"]["denominator"]) == (3, 8)
    for key in ("previous_not_comparable_note", "previous_flows_note", "content_hash"):
        assert again[key] == signed[key], key
    assert [row["previous"] for row in again["indicators"]] == [
        row["previous"] for row in signed["indicators"]]
    assert _figures(again) == _figures(signed)


def _defined(e: Events, indicator_id: str, year: int, scope: list[str],
             **extra: Any) -> None:
    """A definition as the indicators service records it: its scope's units written out
    (`scope_unit_codes`, ["31"] for the city by default)."""
    e.add("indicators", "indicator", f"{indicator_id}-{year}", "IndicatorDefined",
          date(year, 1, 3), {"indicator_id": indicator_id, "year": year,
                             "name": f"Chỉ tiêu {indicator_id}", "comparator": "ge",
                             "target": 50, "scope_unit_codes": scope, **extra})


def test_a_year_without_definitions_has_the_city_scope_of_one_scoped_to_the_city(
    reporting: Reporting,
) -> None:
    """Finding P2: 2023's definitions scoped to the city (["31"], as the indicators service
    writes them) and 2024 without definitions (the plan's scope, the whole city) measure the
    same units: I1 and I2 stay comparable, and I3's and I4's base alone differs (the fixed
    239 beside the register's count); no «phạm vi» in the note, in any output."""
    e = Events()
    e.site("S1", TIEN_LANG_TOWN, date(2023, 1, 10))
    for indicator_id in ("I1", "I2"):
        _defined(e, indicator_id, 2023, [HAI_PHONG])
    _defined(e, "I3", 2023, [HAI_PHONG], denominator_fixed=239)
    reporting.feed(e)

    view = get_json(reporting, "/api/v1/reports/2024-3m")
    rows = _rows(view)
    for indicator_id in ("I1", "I2"):
        assert rows[indicator_id]["previous"]["comparable"] is True, indicator_id
        assert rows[indicator_id]["previous"]["basis_changes"] == [], indicator_id
    # I3 (defined, 239) and I4 (the plan's 239) beside the register's count: the base only.
    for indicator_id in ("I3", "I4"):
        assert rows[indicator_id]["previous"]["basis_changes"] == ["base"], indicator_id
    note = view["previous_not_comparable_note"]
    assert note is not None and "I3" in note and "I4" in note
    assert "phạm vi" not in note and "I1" not in note and "I2" not in note
    paragraphs, table, page, cells = _texts(reporting, "2024-3m")
    # The Word table marks I3's and I4's previous rates only.
    assert sum(row[5].endswith("(a)") for row in table[1:]) == 2
    assert not any("phạm vi áp dụng" in p for p in paragraphs)
    assert "phạm vi áp dụng" not in page
    assert not any(isinstance(c, str) and "phạm vi áp dụng" in c for c in cells)


def test_a_definition_scoped_to_a_district_is_another_scope_than_the_city(
    reporting: Reporting,
) -> None:
    """A real change of scope is still said: 2023's I2 over the city, 2024's over Tiên Lãng
    alone; and the other way round, from the plan's scope (no units of its own) to one
    district."""
    e = Events()
    _defined(e, "I2", 2023, [HAI_PHONG])
    _defined(e, "I2", 2024, [TIEN_LANG])
    _defined(e, "I1", 2024, [TIEN_LANG])  # 2023's I1: the plan's, no definition
    reporting.feed(e)

    view = get_json(reporting, f"/api/v1/reports/2024-3m?unit={TIEN_LANG}")
    rows = _rows(view)
    for indicator_id in ("I1", "I2"):
        assert rows[indicator_id]["previous"]["comparable"] is False, indicator_id
        assert rows[indicator_id]["previous"]["basis_changes"] == ["scope"], indicator_id
    note = view["previous_not_comparable_note"]
    assert "phạm vi áp dụng kỳ trước là Thành phố Hải Phòng, kỳ này là Huyện Tiên Lãng" in note
    assert "phạm vi áp dụng kỳ trước là toàn thành phố theo Kế hoạch, kỳ này là Huyện " \
        "Tiên Lãng" in note


def _signed_texts(reporting: Reporting, period: str, scope: str) -> dict[str, Any]:
    """Everything a report says of its previous rates: the JSON rows' marks and its note, the
    dashboard's tiles and note, and the documents' bytes (a signed report's are the same on
    every download, finding N3: so is every word in them)."""
    query = f"?scope={scope}"
    view = get_json(reporting, f"/api/v1/reports/{period}{query}")
    page = reporting.client.get("/", params={"period": period, "scope": scope})
    assert page.status_code == 200, page.text
    said: dict[str, Any] = {
        "note": view["previous_not_comparable_note"],
        "rows": [(row["id"], row["previous"]) for row in
                 (*view["indicators"], *view["reported_indicators"])],
        "tiles": re.findall(r'class="tile-previous">([^<]*)<', page.text),
        "page_note": re.findall(r'id="previous-not-comparable">([^<]*)<', page.text),
    }
    for file in ("report.docx", "tables.xlsx", "report.pdf"):
        if file.endswith(".pdf") and pdf.engine() is None:
            continue  # no LibreOffice here: the PDF route answers 503 (its own tests)
        response = reporting.client.get(f"/api/v1/reports/{period}/{file}{query}")
        assert response.status_code == 200, (file, response.text)
        said[file] = hashlib.sha256(response.content).hexdigest()
    return said


def test_a_signed_reports_note_is_not_changed_by_a_later_fix_of_the_rule(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Review RV-P7: whether a previous rate is the same measure is the kernel's rule, and a
    rule gets fixed (P2 changed the «phạm vi» of 2024's and 2025's signed reports). A signed
    report says what it said when it was signed, in every output and after a rebuild; a
    running report says what the rule says now. A report finalised before the answers were
    recorded with it (its event without `rate_comparisons`) is read by the rule as it stands,
    as it always was (the fallback: no event is edited to freeze it afterwards)."""
    reporting.feed(across_years())
    _finalise(reporting, "2024-3m")
    # The next report, finalised as before the answers were recorded with it.
    with monkeypatch.context() as before_rv_p7:
        before_rv_p7.setattr(reports, "_recorded", lambda compared: None)
        _finalise(reporting, "2024-6m")
    signed = _signed_texts(reporting, "2024-3m", HAI_PHONG)
    assert signed["note"] is not None and NOT_COMPARABLE in signed["note"]
    assert signed["page_note"] == [escape(signed["note"], quote=True)]
    for period in ("2024-6m", "2024-9m"):  # signed without the answers, running
        assert get_json(reporting, f"/api/v1/reports/{period}")[
            "previous_not_comparable_note"] is None

    # The rule is fixed: its every answer turns (a comparable rate is now of another method,
    # one that was not comparable now is).
    monkeypatch.setattr(
        comparability, "rate_basis_changes",
        lambda before, now: () if rate_basis_changes(before, now) else (BASIS_METHOD,))
    assert _signed_texts(reporting, "2024-3m", HAI_PHONG) == signed
    for period in ("2024-6m", "2024-9m"):  # the rule as it stands, as they always were
        changed = get_json(reporting, f"/api/v1/reports/{period}")
        assert NOT_COMPARABLE in changed["previous_not_comparable_note"], period
    paragraphs, *_ = _texts(reporting, "2024-9m")
    assert any(p.startswith("(a) ") and NOT_COMPARABLE in p for p in paragraphs)

    # The read models replayed: the answers are the event's, not a read model's.
    rebuild_and_wait(reporting.client)
    assert _signed_texts(reporting, "2024-3m", HAI_PHONG) == signed
