"""Reading and writing the tables users exchange: CSV (UTF-8, as Excel saves it) and .xlsx."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from shared.csvupload import UnreadableText, csv_reader
from shared.safecells import csv_bytes, put_row
from shared.vnformat import TYPED_DECIMALS
from shared.xlsxguard import UnreadableWorkbook, xlsx_rows

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Cell = str | int | float | date | datetime | None


class UnreadableTable(ValueError):
    pass


@dataclass(frozen=True)
class Table:
    header: list[str]
    # (row number as the user sees it in the sheet, cells)
    rows: list[tuple[int, list[Cell]]]


def read_table(
    content: bytes, filename: str = "", max_rows: int = 100_000,
    is_header: Callable[[tuple[Any, ...]], bool] | None = None,
) -> Table:
    """Header and non-blank rows; reading stops once `max_rows` + 1 rows are in (the caller
    refuses the file) or, in a workbook, after a long run of empty rows. `is_header`: the
    import's header, which no other sheet of a workbook may hold (shared.xlsxguard
    SeveralSheets, raised as it is)."""
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _read_xlsx(content, filename, max_rows, is_header)
    return _read_csv(content, max_rows)


def _blank(cells: Sequence[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _read_csv(content: bytes, max_rows: int) -> Table:
    try:
        reader = csv_reader(content)
    except UnreadableText as exc:
        raise UnreadableTable(exc.reason) from exc
    header: list[str] = []
    rows: list[tuple[int, list[Cell]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if number == 1:
                header = [h.strip() for h in cells]
            elif not _blank(cells):
                rows.append((number, list(cells)))
                if len(rows) > max_rows:
                    break
    except csv.Error as exc:
        raise UnreadableTable("csv") from exc
    return Table(header, rows)


def _read_xlsx(
    content: bytes, filename: str, max_rows: int,
    is_header: Callable[[tuple[Any, ...]], bool] | None,
) -> Table:
    """Through the kernel's guard (`shared.xlsxguard`): a zip bomb or an XML declaration is
    refused (422) before anything is parsed, and the sheet is streamed."""
    header: list[str] = []
    rows: list[tuple[int, list[Cell]]] = []
    try:
        for number, cells in enumerate(xlsx_rows(content, filename, max_rows, is_header),
                                   start=1):
            values = [_cell_value(cell) for cell in cells]
            if number == 1:
                header = ["" if v is None else str(v).strip() for v in values]
            elif not _blank(values):
                rows.append((number, values))
                if len(rows) > max_rows:
                    break
    except UnreadableWorkbook as exc:
        raise UnreadableTable("xlsx") from exc
    return Table(header, rows)


class PercentCell(float):
    """The number of a percent-formatted cell, as the percentage the sheet shows: 45 % is
    stored as 0.45 and read 45 (not 45.00000000000001: 0.55 × 100 is no whole number)."""


def _cell_value(cell: Any) -> Cell:
    value = getattr(cell, "value", None)
    if isinstance(value, bool):
        # As the sheet shows it (L5: echoed back «True»).
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float) and "%" in str(getattr(cell, "number_format", "")):
        return PercentCell(round(value * 100, TYPED_DECIMALS))
    if isinstance(value, str | int | float | date | datetime) or value is None:
        return value
    return str(value)


def write_xlsx(sheet_title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """One sheet: a bold header row, then the rows; text cells neutralised (`shared.safecells`)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title[:31]
    for cell in put_row(sheet, 1, header):
        cell.font = Font(bold=True, name="Times New Roman")
    for number, row in enumerate(rows, start=2):
        put_row(sheet, number, row)
    for index, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(title) + 4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    return csv_bytes(header, rows)
