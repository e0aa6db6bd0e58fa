"""A flow row counts events, and says so (finding H23): «Mô hình được công nhận trong kỳ»
counted recognitions, so one model recognised at district then at city level read as two
models. The figures are sums of per-chunk counts (services/reporting/domain/counting.py), and
distinct models of a window cannot be added up from chunks (a model recognised in two chunks
of it would count in each), so the row is named for what it counts: «Lượt công nhận mô hình
trong kỳ»; likewise a dossier lodged, rejected and lodged again is two «lượt nộp hồ sơ»."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from openpyxl import load_workbook

from tests.reporting.conftest import Reporting
from tests.reporting.lines import get_json
from tests.reporting.scenario import QUAN_TOAN, two_quarter_scenario

RECOGNITIONS = "Lượt công nhận mô hình trong kỳ"
LODGINGS = "Lượt nộp hồ sơ trong kỳ"


def _figure(view: dict[str, Any], key: str) -> dict[str, Any]:
    figure: dict[str, Any] = next(f for s in view["sections"] for f in s["figures"]
                                  if f["key"] == key)
    return figure


def test_recognitions_are_counted_and_named_as_recognitions(reporting: Reporting) -> None:
    events = two_quarter_scenario()
    events.model("M-H23", QUAN_TOAN, "urban", date(2023, 4, 3))
    for level, on in (("district", date(2023, 4, 20)), ("city", date(2023, 5, 25))):
        events.add("indicators", "model", "M-H23", "ModelRecognised", on,
                   {"model_id": "M-H23", "recognition_level": level,
                    "recognised_on": on.isoformat()}, QUAN_TOAN)
    reporting.feed(events)
    view = get_json(reporting, f"/api/v1/reports/2023-6m?unit={QUAN_TOAN}")
    recognised = _figure(view, "models_recognised")
    # One model, two recognitions: the row counts the recognitions, and says so.
    assert (recognised["label"], recognised["value"]) == (RECOGNITIONS, 2)
    assert _figure(view, "dossiers_lodged")["label"] == LODGINGS
    params = {"unit": QUAN_TOAN}
    page = reporting.client.get("/", params={"period": "2023-6m", **params})
    assert RECOGNITIONS in page.text and LODGINGS in page.text
    docx = reporting.client.get("/api/v1/reports/2023-6m/report.docx", params=params)
    cells = {cell.text for table in Document(io.BytesIO(docx.content)).tables
             for row in table.rows for cell in row.cells}
    xlsx = reporting.client.get("/api/v1/reports/2023-6m/tables.xlsx", params=params)
    cells |= {cell for sheet in load_workbook(io.BytesIO(xlsx.content)).worksheets
              for row in sheet.iter_rows(values_only=True) for cell in row
              if isinstance(cell, str)}
    assert {RECOGNITIONS, LODGINGS} <= cells
    assert not {"Mô hình được công nhận trong kỳ", "Hồ sơ nộp trong kỳ"} & cells
