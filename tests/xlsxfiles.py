"""Hostile .xlsx files built in the test, small on disk: zip bombs, XML declarations, rows of
too many cells. Each is a real workbook (openpyxl's own parts) with one part replaced."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>"
)
_CLOSE = "</sheetData></worksheet>"


def _parts() -> dict[str, bytes]:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["x"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _row(number: int, values: Iterable[str]) -> str:
    cells = "".join(
        f'<c r="{_column(i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        for i, v in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'


def _column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def workbook(sheet: Iterable[bytes], *, stored: bool = False,
             replace: dict[str, bytes] | None = None) -> bytes:
    """A workbook whose first sheet is the streamed `sheet` XML (deflated unless `stored`)."""
    parts = {**_parts(), **(replace or {})}
    out = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in parts.items():
            if name != SHEET:
                archive.writestr(name, data)
        info = zipfile.ZipInfo(SHEET)
        info.compress_type = method
        with archive.open(info, "w", force_zip64=True) as stream:
            for chunk in sheet:
                stream.write(chunk)
    return out.getvalue()


def plain_sheet(header: list[str], *rows: list[str]) -> Iterator[bytes]:
    """An ordinary sheet: what the hostile ones are variations of."""
    yield (_OPEN + _row(1, header)).encode()
    for number, row in enumerate(rows, start=2):
        yield _row(number, row).encode()
    yield _CLOSE.encode()


def bomb_sheet(header: list[str], row: list[str], inflated_bytes: int) -> Iterator[bytes]:
    """A sheet of the same data row repeated until it inflates to about `inflated_bytes`
    (rows and cells without coordinates, which are optional, so each row is the same bytes
    and deflate shrinks them about a thousandfold)."""
    yield (_OPEN + _row(1, header)).encode()
    cells = "".join(f'<c t="inlineStr"><is><t>{escape(v)}</t></is></c>' for v in row)
    block = (f"<row>{cells}</row>" * 1000).encode()
    for _ in range(max(1, inflated_bytes // len(block))):
        yield block
    yield _CLOSE.encode()


def wide_row_sheet(header: list[str], cells: int) -> Iterator[bytes]:
    """A header, then one row of `cells` cells (stored, so no compression ratio to catch)."""
    yield (_OPEN + _row(1, header)).encode()
    yield _row(2, ("1" for _ in range(cells))).encode()
    yield _CLOSE.encode()


def many_cells_sheet(header: list[str], rows: int, width: int) -> Iterator[bytes]:
    yield (_OPEN + _row(1, header)).encode()
    for number in range(2, rows + 2):
        yield _row(number, ("1" for _ in range(width))).encode()
    yield _CLOSE.encode()


LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY a "ha">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]>"
)


def dtd_sheet(header: list[str], row: list[str]) -> Iterator[bytes]:
    """A "billion laughs" sheet: a DTD whose entity `&i;`, used in the first data cell,
    would expand to 10^8 copies of "ha"."""
    laughing = ["&i;", *row[1:]]
    cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in laughing)
    text = _OPEN.replace("<worksheet", LAUGHS + "<worksheet", 1) + _row(1, header)
    yield (text + f'<row r="2">{cells}</row>' + _CLOSE).encode()


def dtd_in_content_types(header: list[str], row: list[str]) -> bytes:
    """A plain sheet, with the DTD in the package's content types instead."""
    types = _parts()["[Content_Types].xml"].decode()
    declared = LAUGHS.replace("worksheet", "Types") + types
    return workbook(plain_sheet(header, row), replace={"[Content_Types].xml": declared.encode()})


@dataclass(frozen=True)
class Formula:
    """A formula cell: `text` without its "=", and the result the file keeps for it, if any
    (Excel and LibreOffice keep one; a program that does not compute formulas keeps none)."""

    text: str
    cached: float | str | None = None


def formula_sheet(header: list[str], *rows: list[str | float | Formula]) -> Iterator[bytes]:
    """A sheet of text, number and formula cells, as written by any program."""
    yield (_OPEN + _row(1, header)).encode()
    for number, row in enumerate(rows, start=2):
        cells = "".join(_cell(f"{_column(i)}{number}", v) for i, v in enumerate(row, start=1))
        yield f'<row r="{number}">{cells}</row>'.encode()
    yield _CLOSE.encode()


def _cell(ref: str, value: str | float | Formula) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    if not isinstance(value, Formula):
        return f'<c r="{ref}"><v>{value}</v></c>'
    formula = f"<f>{escape(value.text)}</f>"
    if value.cached is None:
        return f'<c r="{ref}">{formula}</c>'
    kind = ' t="str"' if isinstance(value.cached, str) else ""
    return f'<c r="{ref}"{kind}>{formula}<v>{escape(str(value.cached))}</v></c>'
