"""What the tests of the lines under a parent's children rows («Ghi nhận cho chính đơn vị»,
«Chưa gắn với đơn vị hành chính hiện hành») share: reading a report, finding a text in every
document a reader gets, and a report finalised by the code from before a line existed."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from services.reporting.application import roll_up
from tests.reporting.conftest import Reporting


def get_json(reporting: Reporting, url: str) -> dict[str, Any]:
    response = reporting.client.get(url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def shown_everywhere(reporting: Reporting, period: str, unit: str, text: str) -> None:
    """`text` on the dashboard, in the Word report and in the Excel tables of `unit`."""
    params = {"unit": unit}
    page = reporting.client.get("/", params={"period": period, **params})
    assert page.status_code == 200, page.text
    assert text in page.text
    docx = reporting.client.get(f"/api/v1/reports/{period}/report.docx", params=params)
    assert docx.status_code == 200, docx.text
    document = Document(io.BytesIO(docx.content))
    assert any(text in p.text for p in document.paragraphs)
    xlsx = reporting.client.get(f"/api/v1/reports/{period}/tables.xlsx", params=params)
    assert xlsx.status_code == 200, xlsx.text
    book = load_workbook(io.BytesIO(xlsx.content))
    assert any(isinstance(cell, str) and text in cell
               for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
               for cell in row)


def finalised_without(reporting: Reporting, monkeypatch: pytest.MonkeyPatch, rule: str,
                      before: Callable[..., Any], period: str, scope: str) -> str:
    """Finalise `period` with `roll_up.<rule>` as the code before the line had it (`before`),
    then forget the computed figures: the content hash it was signed with."""
    with monkeypatch.context() as patch:
        patch.setattr(roll_up, rule, before)
        finalised = reporting.client.post(
            f"/api/v1/reports/{period}/finalise", json={"scope": scope},
            headers={"x-actor": "vp"})
        assert finalised.status_code == 201, finalised.text
    reporting.state.figures.clear()
    content_hash: str = finalised.json()["content_hash"]
    return content_hash


def rendered_without(reporting: Reporting, period: str, unit: str, text: str) -> None:
    """Word and Excel of `unit` answer, and its dashboard does not show `text`."""
    for url in (f"/api/v1/reports/{period}/report.docx", f"/api/v1/reports/{period}/tables.xlsx"):
        response = reporting.client.get(url, params={"unit": unit})
        assert response.status_code == 200, (url, response.text)
    page = reporting.client.get("/", params={"period": period, "unit": unit})
    assert page.status_code == 200 and text not in page.text
