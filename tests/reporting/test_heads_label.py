"""`heads_in_office` is named for what it counts (finding L4): every head in office at some
time in I2's window, one who has left included (I2's denominator), not only the heads in
office at the cut-off that «Người đứng đầu đương nhiệm» reads as. The one label
(`messages.METRIC_LABELS`) in JSON, on the dashboard, in Word and in Excel, worded as the
indicators service words the same denominator («… đương nhiệm trong kỳ»)."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from openpyxl import load_workbook

from services.indicators import messages as indicators_messages
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.lines import get_json
from tests.reporting.scenario import QUAN_TOAN, two_quarter_scenario

LABEL = "Người đứng đầu cấp ủy, chính quyền đương nhiệm trong kỳ (kể cả người đã thôi giữ chức)"
OLD = "Người đứng đầu đương nhiệm"


def test_heads_in_office_is_named_for_every_head_of_the_period(reporting: Reporting) -> None:
    events = two_quarter_scenario()
    # Quán Toan's chair left on 31/03/2023: not in office at the 6-month cut-off, counted.
    events.head("H-L4", QUAN_TOAN, "people_committee_chair", date(2022, 1, 1))
    events.add("dialogue", "head", "H-L4", "HeadLeftOffice", date(2023, 3, 31), {
        "head_id": "H-L4", "unit_code": QUAN_TOAN, "role": "people_committee_chair",
        "to_date": "2023-03-31"}, QUAN_TOAN)
    reporting.feed(events)
    params = {"unit": QUAN_TOAN}
    view = get_json(reporting, f"/api/v1/reports/2023-6m?unit={QUAN_TOAN}")
    assert figure_values(view)["heads_in_office"] == 2  # H3 and the chair who left
    (figure,) = [f for s in view["sections"] for f in s["figures"]
                 if f["key"] == "heads_in_office"]
    assert figure["label"] == LABEL
    # The indicators service's denominator of I2, in the same words.
    assert indicators_messages.I2_DENOMINATOR.removeprefix("Số người") in LABEL

    page = reporting.client.get("/", params={"period": "2023-6m", **params}).text
    docx = reporting.client.get("/api/v1/reports/2023-6m/report.docx", params=params)
    document = Document(io.BytesIO(docx.content))
    word = [p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells]
    xlsx = reporting.client.get("/api/v1/reports/2023-6m/tables.xlsx", params=params)
    excel = [cell for sheet in load_workbook(io.BytesIO(xlsx.content)).worksheets
             for row in sheet.iter_rows(values_only=True) for cell in row
             if isinstance(cell, str)]
    for texts in ([page], word, excel):
        assert any(LABEL in text for text in texts)
        assert not any(OLD in text for text in texts)
