"""Reading the desk's spreadsheets: CSV (UTF-8 or Windows-1258, comma/semicolon/tab) and Excel
.xlsx. Title lines above the header row are skipped, as are empty rows; row numbers are the
ones the user sees in the spreadsheet program."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.religion import messages
from shared.adminunits import fold
from shared.csvupload import UnreadableText, csv_reader
from shared.errors import InvalidInput
from shared.sheetheader import repeated_column
from shared.xlsxguard import SeveralSheets, UnreadableWorkbook, xlsx_rows

Cell = str | int | float | date | datetime | None
HEADER_SEARCH_ROWS = 20
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class SheetRow:
    number: int  # 1-based, as shown by the spreadsheet program
    cells: dict[str, Cell]  # field name -> raw value


@dataclass(frozen=True)
class Sheet:
    format: str
    header_row: int
    columns: dict[str, str]  # field name -> header as written in the file
    rows: list[SheetRow]


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for field, header in messages.COLUMN_HEADERS.items():
        index[fold(header)] = field
        index[fold(field.replace("_", " "))] = field
        for alias in messages.COLUMN_ALIASES.get(field, ()):
            index[alias] = field
    return index


HEADERS = _header_index()
_REQUIRED = ("code", "name", "religion", "commune_code")
REQUIRED_COLUMNS = frozenset(_REQUIRED)
_REQUIRED_ORDER = _REQUIRED.index


def read_sheet(filename: str, content: bytes, max_rows: int) -> Sheet:
    name = filename.lower()
    if content.startswith(XLSX_MAGIC) or name.endswith(".xlsx"):
        return _locate("xlsx", _xlsx_rows(filename, content, max_rows), max_rows)
    if name.endswith((".csv", ".txt")) or not name:
        return _locate("csv", _csv_rows(filename, content), max_rows)
    raise InvalidInput("IMPORT_UNSUPPORTED", messages.IMPORT_UNSUPPORTED.format(name=filename))


def _unreadable(filename: str, reason: str) -> InvalidInput:
    return InvalidInput("IMPORT_UNREADABLE",
                        messages.IMPORT_UNREADABLE.format(name=filename, reason=reason))


def _xlsx_rows(filename: str, content: bytes, max_rows: int) -> Iterable[Sequence[Cell]]:
    """Through the kernel's guard (`shared.xlsxguard`): a zip bomb or an XML declaration is
    refused (422) before anything is parsed, and the sheet is streamed."""
    try:
        for row in xlsx_rows(content, filename, max_rows, is_header=_is_header):
            yield tuple(_plain(getattr(cell, "value", None)) for cell in row)
    except SeveralSheets as exc:
        raise exc.refusal(messages.IMPORT_SEVERAL_SHEETS) from exc
    except UnreadableWorkbook as exc:
        raise _unreadable(filename, messages.IMPORT_BAD_XLSX) from exc


def _is_header(row: Sequence[object]) -> bool:
    """A header the register would import from: its four required columns («Mã cơ sở», «Tên
    cơ sở», «Tôn giáo», «Mã xã»). A sheet of commune codes («Mã», «Tên») beside the data is
    none."""
    fields = {HEADERS.get(fold(str(cell))) for cell in row if cell is not None}
    return fields >= REQUIRED_COLUMNS


def _plain(value: object) -> Cell:
    """Excel cells as plain values: rich text, times and formulas become their text."""
    if value is None or isinstance(value, str | int | float | date | datetime):
        return value
    return str(value)


def _csv_rows(filename: str, content: bytes) -> Iterable[Sequence[Cell]]:
    try:
        records = csv_reader(content)
    except UnreadableText as exc:
        raise _unreadable(filename, messages.IMPORT_NOT_UTF8) from exc
    try:
        yield from records
    except csv.Error as exc:  # e.g. a cell past the csv module's 128 KiB field limit
        raise _unreadable(filename, messages.IMPORT_BAD_CSV) from exc


def _refuse_repeated_columns(found: dict[int, str], row: Sequence[Cell], number: int) -> None:
    """Two columns of the header naming one field (a name written twice, or under an alias)
    are refused: reading either would drop the other without a word (examiner-hostile)."""
    repeated = repeated_column((i, field, str(row[i]).strip()) for i, field in found.items())
    if repeated is not None:
        raise InvalidInput(
            "IMPORT_REPEATED_COLUMN",
            messages.IMPORT_REPEATED_COLUMN.format(
                column=messages.COLUMN_HEADERS[repeated.field], row=number,
                found=repeated.found),
            field=repeated.field, columns=repeated.letters, header_row=number,
        )


def _locate(fmt: str, rows: Iterable[Sequence[Cell]], max_rows: int) -> Sheet:
    """Find the header row (the first with a "Mã cơ sở" column), then read the data rows."""
    columns: dict[int, str] | None = None
    written: dict[str, str] = {}
    header_row = 0
    data: list[SheetRow] = []
    for number, row in enumerate(rows, start=1):
        if columns is None:
            if number > HEADER_SEARCH_ROWS:
                break
            found = {
                i: HEADERS[fold(str(cell))]
                for i, cell in enumerate(row)
                if cell is not None and fold(str(cell)) in HEADERS
            }
            if "code" in found.values():
                _refuse_repeated_columns(found, row, number)
                columns, header_row = found, number
                written = {field: str(row[i]).strip() for i, field in found.items()}
            continue
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row):
            continue
        if len(data) >= max_rows:
            raise InvalidInput("IMPORT_TOO_MANY_ROWS",
                               messages.IMPORT_TOO_MANY_ROWS.format(limit=max_rows))
        data.append(SheetRow(number, {
            field: row[i] if i < len(row) else None for i, field in columns.items()
        }))
    if columns is None:
        raise InvalidInput("IMPORT_NO_HEADER",
                           messages.IMPORT_NO_HEADER.format(rows=HEADER_SEARCH_ROWS))
    missing = [messages.COLUMN_HEADERS[f] for f in sorted(REQUIRED_COLUMNS, key=_REQUIRED_ORDER)
               if f not in written]
    if missing:
        raise InvalidInput("IMPORT_MISSING_COLUMNS",
                           messages.IMPORT_MISSING_COLUMNS.format(columns=", ".join(missing)))
    if not data:
        raise InvalidInput("IMPORT_EMPTY", messages.IMPORT_EMPTY)
    return Sheet(fmt, header_row, written, data)
