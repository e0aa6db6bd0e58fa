"""Each data cell of a report's workbook has the look of its value's kind (font, grid, number
format, alignment), read back from the saved file: the looks are set on a kind's first cell
and copied to the others (services/reporting/outputs/excel.py `_DataCellLooks`, so that the
national workbook's 181,000 cells no longer spend most of its render in openpyxl's style
lookups; `make bench`, reporting, measures it). No database."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook, load_workbook

from services.reporting.outputs.excel import (
    DATE_FORMAT,
    DECIMAL_FORMAT,
    FONT,
    INTEGER_FORMAT,
    _DataCellLooks,
)
from shared.safecells import put_row

ROW = ["315", "Huyện Tiên Lãng", 18, 21, 85.71, date(2023, 6, 14), True, None, "=1+1"]


def test_every_data_cell_has_the_look_of_its_kind() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    looks = _DataCellLooks()
    rows = [[*ROW[n % len(ROW):], *ROW[:n % len(ROW)]] for n in range(40)]
    for number, values in enumerate(rows, start=1):
        for cell, value in zip(put_row(sheet, number, values), values, strict=True):
            looks.give(cell, value)
    buffer = io.BytesIO()
    book.save(buffer)
    read = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert read is not None
    for number, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            got = read.cell(number, column)
            assert got.font.name == FONT and not got.font.bold
            assert got.border.left.style == got.border.bottom.style == "thin"
            expected = (
                ("General", None, False) if isinstance(value, bool)
                else (DATE_FORMAT, "center", False) if isinstance(value, date)
                else (INTEGER_FORMAT, None, False) if isinstance(value, int)
                else (DECIMAL_FORMAT, None, False) if isinstance(value, float)
                else ("General", None, True))
            found = (got.number_format, got.alignment.horizontal,
                     bool(got.alignment.wrap_text))
            assert found == expected, (number, column, value)
            if not isinstance(value, bool | int | float):
                assert got.alignment.vertical == "top", (number, column, value)
