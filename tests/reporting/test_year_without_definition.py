"""A year whose indicators the Commission has not defined (G11): the indicators service says
the indicator does not exist (INDICATOR_NOT_FOUND), so a report of that year shows the figures
without a target or a status and says "Chưa có chỉ tiêu năm 2025", on the JSON, the dashboard,
Word and Excel; a definition recorded for the year makes it judged; the plan's own year keeps
the plan's targets without any record (`shared/planrules.plan_targets_apply`)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from openpyxl import load_workbook

from services.reporting.messages import SHEET_DIFFERENCES
from shared.envelope import utcnow
from shared.planrules import CORE_INDICATORS, STATUS_LABELS
from tests.integration.helpers import wait_until
from tests.reporting.conftest import Reporting
from tests.reporting.lines import get_json, shown_everywhere
from tests.reporting.scenario import Events, two_quarter_scenario

DAI_BAN = "11587"  # Xã Đại Bản, in Quận Hồng Bàng from 01/01/2025
NO_TARGET = "Chưa có chỉ tiêu năm 2025"


def _indicators(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in view["indicators"]}


def _scenario_2025() -> Events:
    e = Events()
    e.site("S1", DAI_BAN, date(2025, 1, 10))
    e.site("S2", DAI_BAN, date(2025, 1, 12))
    e.dossier("LandDossierLodged", "S1", DAI_BAN, date(2025, 2, 1), "lodged")
    e.model("M1", DAI_BAN, "new_rural", date(2025, 1, 15))
    return e


def test_a_year_without_definitions_shows_figures_without_target_or_status(
    reporting: Reporting,
) -> None:
    reporting.feed(_scenario_2025())
    view = get_json(reporting, "/api/v1/reports/2025-6m")
    indicators = _indicators(view)
    assert set(indicators) == set(CORE_INDICATORS)
    for indicator in indicators.values():
        assert (indicator["target"], indicator["comparator"], indicator["status"]) == (
            None, None, None), indicator
        assert indicator["target_text"] == ""
        assert indicator["status_label"] == NO_TARGET
    # The figures are still counted and shown.
    assert indicators["I3"]["numerator"] == 1
    # Against the register's two open sites, not the 2023 plan's 239 (a number of the plan,
    # which applies to its year alone: planrules.plan_base), and with no note of a base.
    for site_indicator in ("I3", "I4"):
        assert indicators[site_indicator]["denominator"] == 2, indicators[site_indicator]
        assert not indicators[site_indicator].get("warnings"), indicators[site_indicator]
    assert indicators["I3"]["value"] == 50.0
    assert indicators["I1"]["numerator"] == 1 and indicators["I1"]["denominator"] > 0
    shown_everywhere(reporting, "2025-6m", "31", NO_TARGET)
    page = reporting.client.get("/", params={"period": "2025-6m", "unit": "31"}).text
    for label in STATUS_LABELS.values():
        assert f'tile-status">{label}<' not in page

    # The Commission defines I3 for 2025: from then on I3 is judged by it; the others not.
    defined = Events()
    definition = defined.add("indicators", "indicator", "I3-2025", "IndicatorDefined",
                             date(2025, 1, 3), {
        "indicator_id": "I3", "year": 2025, "name": "Cơ sở tôn giáo có hồ sơ đăng ký đất đai",
        "comparator": "ge", "target": 40}, recorded=utcnow())
    reporting.publish([definition])
    wait_until(lambda: _indicators(get_json(reporting, "/api/v1/reports/2025-6m"))["I3"][
        "target"] == 40)
    judged = _indicators(get_json(reporting, "/api/v1/reports/2025-6m"))
    assert judged["I3"]["status"] in STATUS_LABELS
    assert judged["I3"]["status_label"] == STATUS_LABELS[judged["I3"]["status"]]
    assert judged["I3"]["target_text"] == "≥ 40%"
    assert judged["I3"]["numerator"] == indicators["I3"]["numerator"]
    for other in ("I1", "I2", "I4"):
        assert (judged[other]["target"], judged[other]["status"]) == (None, None)
        assert judged[other]["status_label"] == NO_TARGET


def test_the_plan_year_keeps_the_plan_targets_without_a_definition(
    reporting: Reporting,
) -> None:
    # The scenario defines I3 of 2023 only: I1, I2 and I4 are the plan's, still judged.
    reporting.feed(two_quarter_scenario())
    indicators = _indicators(get_json(reporting, "/api/v1/reports/2023-6m"))
    assert {key: indicators[key]["target"] for key in CORE_INDICATORS} == {
        "I1": 100, "I2": 100, "I3": 40, "I4": 10}
    for indicator in indicators.values():
        assert indicator["status"] in STATUS_LABELS, indicator
        assert indicator["status_label"] != NO_TARGET.replace("2025", "2023")


def test_a_finalised_report_without_targets_keeps_them_empty_and_lists_a_later_status(
    reporting: Reporting,
) -> None:
    reporting.feed(_scenario_2025())
    finalised = reporting.client.post("/api/v1/reports/2025-6m/finalise", json={"scope": "31"},
                                      headers={"x-actor": "vp"})
    assert finalised.status_code == 201, finalised.text
    later = Events()
    later.add("indicators", "indicator", "I3-2025", "IndicatorDefined", date(2025, 1, 3), {
        "indicator_id": "I3", "year": 2025, "name": "Cơ sở tôn giáo có hồ sơ đăng ký đất đai",
        "comparator": "ge", "target": 40}, recorded=utcnow())
    reporting.publish(later.items)

    def differences() -> dict[tuple[str, str], tuple[Any, Any]]:
        shown = get_json(reporting, "/api/v1/reports/2025-6m")
        return {(d["unit_code"], d["figure"]): (d["frozen"], d["current"])
                for d in shown["differences"]}

    wait_until(lambda: ("31", "I3.status") in differences())
    frozen, current = differences()[("31", "I3.status")]
    assert frozen is None and current in STATUS_LABELS
    # What was signed is shown as signed: no target, the line.
    shown = _indicators(get_json(reporting, "/api/v1/reports/2025-6m"))
    assert (shown["I3"]["target"], shown["I3"]["status"]) == (None, None)
    assert shown["I3"]["status_label"] == NO_TARGET
    shown_everywhere(reporting, "2025-6m", "31", NO_TARGET)
    # The differences of the Word and Excel documents: from no status to the status now.
    docx = reporting.client.get("/api/v1/reports/2025-9m/report.docx")
    assert docx.status_code == 200, docx.text
    cells = {cell.text for table in Document(io.BytesIO(docx.content)).tables
             for row in table.rows for cell in row.cells}
    assert STATUS_LABELS[current] in cells
    xlsx = reporting.client.get("/api/v1/reports/2025-6m/tables.xlsx")
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content))[SHEET_DIFFERENCES]
    assert STATUS_LABELS[current] in {value for row in sheet.iter_rows(values_only=True)
                                      for value in row}


def test_a_year_without_targets_says_why_and_how_the_commission_records_them(
    reporting: Reporting,
) -> None:
    """The line «Chưa có chỉ tiêu năm 2025» said no status, not why nor what to do: every
    output now says the figures are not judged for want of the year's targets and what to do,
    in words; staff's outputs (JSON, dashboard) also name the command that records them (POST
    /api/v1/indicators with the year), the signed documents never (H14)."""
    reporting.feed(_scenario_2025())
    view = get_json(reporting, "/api/v1/reports/2025-6m")
    note = view["targets_note"]
    assert note is not None
    assert "Năm 2025 chưa có chỉ tiêu cho I1, I2, I3, I4" in note
    assert "chưa đánh giá tình trạng thực hiện" in note
    assert 'POST /api/v1/indicators với "year": 2025' in note
    shown_everywhere(reporting, "2025-6m", "31", "Đề nghị Văn phòng Ban nhập chỉ tiêu năm 2025")
    page = reporting.client.get("/", params={"period": "2025-6m"}).text
    assert "POST /api/v1/indicators" in page
    docx = reporting.client.get("/api/v1/reports/2025-9m/report.docx")
    document = Document(io.BytesIO(docx.content))
    texts = [p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells]
    xlsx = reporting.client.get("/api/v1/reports/2025-6m/tables.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    texts += [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
              for cell in row if isinstance(cell, str)]
    technical = [t for t in texts if any(w in t for w in ("POST ", "/api/", '"year"'))]
    assert technical == []
    # No target judges the figure: «kết quả», not «đạt» (achieved), before it.
    sentences = [t for t in texts if t.startswith(view["indicators"][0]["name"] + ":")]
    assert sentences and all(": kết quả " in t and ": đạt " not in t for t in sentences)
    # A thematic report names its own indicators.
    theme = get_json(reporting, "/api/v1/themes/dat-dai-ton-giao/2025-6m")
    assert "chưa có chỉ tiêu cho I3, I4:" in theme["targets_note"]
    # The plan's year has its targets: no such line.
    reporting.feed(two_quarter_scenario())
    assert get_json(reporting, "/api/v1/reports/2023-6m")["targets_note"] is None
    page = reporting.client.get("/", params={"period": "2023-6m"}).text
    assert "POST /api/v1/indicators" not in page


def test_nobody_owing_a_session_is_not_yet_due_in_a_year_without_targets(
    reporting: Reporting,
) -> None:
    """Finding J5: whether anyone owes a session is the dialogue rule's, not the target's. In
    a year without targets, two heads in office owing nothing yet (by the 6-month cut-off at
    one session a year) showed I2 as 2/2 (100 %), then as the previous rate 100 beside the
    next period's 0/2: a fall that did not happen."""
    # 2024 (none of the commune's units cease in it, so the heads owe by the 9 months).
    events = Events()
    events.site("S1", DAI_BAN, date(2024, 1, 10))
    events.head("H1", DAI_BAN, "people_committee_chair", date(2023, 6, 1))
    events.head("H2", DAI_BAN, "party_secretary", date(2023, 6, 1))
    events.add("dialogue", "rule", "commune", "DialogueRuleSet", date(2024, 1, 1), {
        "level": "commune", "min_sessions_per_year": 1, "effective_from": "2024-01-01"})
    reporting.feed(events)
    early = _indicators(get_json(reporting, "/api/v1/reports/2024-6m"))["I2"]
    assert (early["numerator"], early["denominator"], early["status"]) == (
        2, 2, "chua_den_han")
    assert early["status_label"] == STATUS_LABELS["chua_den_han"]
    later = _indicators(get_json(reporting, "/api/v1/reports/2024-9m"))["I2"]
    # By the 9 months each owes one: counted, not judged (no target), and no previous rate.
    assert (later["numerator"], later["denominator"], later["status"]) == (0, 2, None)
    assert later["previous"]["status"] == "chua_den_han"
    docx = reporting.client.get("/api/v1/reports/2024-9m/report.docx")
    rows = [[cell.text for cell in row.cells]
            for table in Document(io.BytesIO(docx.content)).tables for row in table.rows]
    dialogue = [row for row in rows if "Đối thoại trực tiếp" in row]
    assert dialogue and all("100" not in row for row in dialogue), dialogue
