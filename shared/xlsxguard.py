"""Reading an uploaded .xlsx without letting it blow up the service.

An .xlsx is a zip of XML parts. Two tricks turn a small upload into a large cost: a part that
inflates a thousandfold (a "zip bomb": 2.8 MB in, ~980 MB of sheet XML out, which held a
service for minutes at 2.4 GB), and XML declarations (a DTD with entities, which Excel never
writes and which the parsers refused with a 500). So, before openpyxl sees anything:

1. The archive's own directory is read (`zipfile.infolist`, nothing inflated): too many
   parts, a declared total past the budget for the rows an import takes, or a part larger
   than 1 MiB that inflates more than 100-fold (Apache POI's default limit) are refused at
   once. Declared sizes can be trusted as a ceiling: `zipfile` stops inflating a part at its
   declared size and then fails its CRC check.
2. Every part is streamed through expat once, building nothing: a DOCTYPE or an entity
   declaration refuses the file before any entity could be expanded; a row of more cells
   than Excel's 16,384 columns, or more cells in all than the import could use, refuses it
   too. openpyxl builds each row element whole, so this is what keeps memory flat.
3. The first sheet is read by openpyxl in read-only (streaming) mode, at most `MAX_COLUMNS`
   columns, and reading stops after a long run of empty rows.

Formulas: openpyxl is asked for the values (`data_only`), so a formula cell gives the result
the file keeps for it (desks compute areas with formulas). A file written by a program that
does not compute formulas keeps no result, and openpyxl then gives None: an empty cell, which
would silently drop a note or be refused as "missing". The expat pass of step 2 already sees
every cell of a sheet, so it notes where a sheet has an `<f>` without a `<v>` (at no cost for
a file without such cells), and `xlsx_rows` hands that cell over as an `UncomputedFormula`
(`shared.safecells`), which each import refuses in its column as `FORMULA_WITHOUT_VALUE`.

Merged cells: the file keeps a merged range's value in its first cell only, the others empty,
while the spreadsheet shows it over the whole range (a commune merged down the rows of its
sites). The expat pass notes a sheet's ranges, and `xlsx_rows` hands over each other cell of
a range whose first cell holds a value as a `MergedCellValue` (`shared.safecells`), which each
import refuses naming the range (`MERGED_CELL`) rather than reading an empty cell.

Refusals are 422 in the one error format: `IMPORT_TOO_LARGE` for sizes, `IMPORT_UNREADABLE`
for DTDs and entities. A file that is simply broken raises `UnreadableWorkbook`, which each
service answers with the code it has always used for that.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries

from shared import messages
from shared.clock import format_date_vn
from shared.errors import InvalidInput
from shared.safecells import MergedCellValue, UncomputedFormula
from shared.validation import echoed
from shared.vnformat import format_number_vn

MAX_PARTS = 1_000
MAX_RATIO = 100
RATIO_CHECKED_FROM = 1 << 20  # small parts are covered by the total budget alone
BASE_BYTES = 8 << 20  # styles, theme, shared strings of a header and a few titles
BYTES_PER_ROW = 1_024  # a 10-column row written by Excel or openpyxl takes 300-800 bytes
MAX_ROW_CELLS = 16_384  # Excel's last column, XFD
CELLS_PER_ROW = 16  # the cells an import may hold in all: this many a row on average
SLACK_ROWS = 1_000  # titles, notes and blank rows around the data
MAX_COLUMNS = 200  # columns read; an import's columns are among the first dozen or so
BLANK_RUN_LIMIT = 1_000  # a sheet formatted down to row 1,048,576 ends where its data ends
_CHUNK = 1 << 16
_ENCODING_ERRORS = {
    expat.errors.codes[expat.errors.XML_ERROR_UNKNOWN_ENCODING],
    expat.errors.codes[expat.errors.XML_ERROR_INCORRECT_ENCODING],
}

TOO_LARGE = "IMPORT_TOO_LARGE"
TOO_LARGE_MESSAGE = messages.IMPORT_TOO_LARGE
REASON_PARTS = messages.TOO_LARGE_PARTS
REASON_BYTES = messages.TOO_LARGE_BYTES
REASON_RATIO = messages.TOO_LARGE_RATIO
REASON_ROW_CELLS = messages.TOO_LARGE_ROW_CELLS
REASON_CELLS = messages.TOO_LARGE_CELLS
UNREADABLE = "IMPORT_UNREADABLE"
DTD_MESSAGE = messages.IMPORT_DTD


class UnreadableWorkbook(ValueError):
    """The file is not a workbook openpyxl can read (broken zip, missing parts, bad XML)."""


class SeveralSheets(ValueError):
    """Another sheet of the workbook holds a header of the import's own, as the first does
    (one sheet per district or per agency): reading the first alone dropped the others
    without a word (examiner-hostile). Each import refuses the workbook, naming them."""

    def __init__(self, sheet: str, others: list[str]) -> None:
        super().__init__(f"several sheets: {sheet!r} and {others!r}")
        self.sheet = sheet
        self.others = others

    def refusal(self, template: str) -> InvalidInput:
        """The import's 422 IMPORT_SEVERAL_SHEETS: `template` (the service's own words for its
        header) given the sheet read and the others, as sent but echoed, and named in the
        details: the one form both imports refuse such a workbook with."""
        return InvalidInput(
            "IMPORT_SEVERAL_SHEETS",
            template.format(sheet=echoed(self.sheet),
                            others=", ".join(f"«{echoed(other)}»" for other in self.others)),
            sheet=self.sheet, other_sheets=self.others,
        )


#: How far down another sheet is looked at for an import's header (title lines above it).
OTHER_SHEET_HEADER_ROWS = 20


@dataclass(frozen=True)
class Limits:
    """What one import may cost, derived from the most data rows it takes."""

    max_rows: int

    @property
    def max_bytes(self) -> int:
        return BASE_BYTES + self.max_rows * BYTES_PER_ROW

    @property
    def max_cells(self) -> int:
        return (self.max_rows + SLACK_ROWS) * CELLS_PER_ROW


# Per sheet part: row number -> column number -> formula text, for the formula cells that keep
# no result. Rows and columns are numbered as openpyxl numbers them (a row's `r`, else the one
# after the previous row; a cell's column from its `r`, else the one after the previous cell).
Uncomputed = dict[int, dict[int, str]]


@dataclass(frozen=True)
class SheetMarks:
    """What the expat pass noted of a sheet part: its formula cells without a result, and its
    ranges of merged cells (as written: «B3:B5»)."""

    uncomputed: Uncomputed
    merged: tuple[str, ...] = ()


class _Refused(Exception):
    """Carries a refusal out of an expat handler."""

    def __init__(self, error: InvalidInput) -> None:
        super().__init__(error.code)
        self.error = error


def check_archive(content: bytes, filename: str, limits: Limits) -> dict[str, SheetMarks]:
    """Refuse a zip bomb or an XML declaration before anything is parsed (steps 1 and 2).
    Returns, for each sheet part that has any, its formula cells without a result and its
    merged ranges."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise UnreadableWorkbook("zip") from exc
    with archive:
        parts = archive.infolist()
        _check_sizes(parts, filename, limits)
        counter = _CellCounter(filename, limits)
        found: dict[str, SheetMarks] = {}
        for part in parts:
            marks = _scan_part(archive, part, filename, counter)
            if marks.uncomputed or marks.merged:
                found[part.filename] = marks
        return found


def _too_large(filename: str, reason: str, **details: Any) -> InvalidInput:
    return InvalidInput(TOO_LARGE, TOO_LARGE_MESSAGE.format(name=filename, reason=reason),
                        **details)


def _check_sizes(parts: list[zipfile.ZipInfo], filename: str, limits: Limits) -> None:
    if len(parts) > MAX_PARTS:
        raise _too_large(filename, REASON_PARTS.format(count=len(parts), limit=MAX_PARTS),
                         parts=len(parts), limit=MAX_PARTS)
    total = sum(part.file_size for part in parts)
    if total > limits.max_bytes:
        raise _too_large(
            filename,
            REASON_BYTES.format(size=total >> 20, limit=limits.max_bytes >> 20,
                                rows=format_number_vn(limits.max_rows)),
            uncompressed_bytes=total, limit=limits.max_bytes,
        )
    for part in parts:
        if part.file_size < RATIO_CHECKED_FROM:
            continue
        ratio = part.file_size / max(part.compress_size, 1)
        if ratio > MAX_RATIO:
            raise _too_large(
                filename,
                REASON_RATIO.format(part=part.filename, ratio=int(ratio), limit=MAX_RATIO),
                part=part.filename, ratio=int(ratio), limit=MAX_RATIO,
            )


class _CellCounter:
    """Counts cells as expat meets them, across every part of the file."""

    def __init__(self, filename: str, limits: Limits) -> None:
        self.filename = filename
        self.limit = limits.max_cells
        self.cells = 0
        self.row_cells = 0

    def start(self, name: str, _attributes: Any) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            self.row_cells = 0
        elif local in ("c", "si"):  # a sheet's cell, a shared string
            self.cells += 1
            self.row_cells += local == "c"
            if self.row_cells > MAX_ROW_CELLS:
                raise _Refused(_too_large(
                    self.filename, REASON_ROW_CELLS.format(limit=MAX_ROW_CELLS),
                    limit=MAX_ROW_CELLS))
            if self.cells > self.limit:
                raise _Refused(_too_large(
                    self.filename, REASON_CELLS.format(limit=format_number_vn(self.limit)),
                    limit=self.limit))


class _SheetFormulas:
    """Counts a sheet part's cells as `_CellCounter` does, and notes the formulas that keep no
    result (a cell with an `<f>` and no `<v>`), in the same start-tag handler: a cell is
    settled when the next cell, the next row or the end of the part begins, its coordinates
    are worked out only when it is noted, and the formula's text is taken only just after an
    `<f>`. So a sheet costs a few comparisons a cell more than counting alone."""

    def __init__(self, counter: _CellCounter, parser: Any) -> None:
        self.counter = counter
        self.parser = parser
        self.found: Uncomputed = {}
        # As openpyxl numbers them: the last `r` given, and how many rows or cells since.
        self.row_ref: str | None = None
        self.rows_after = 0
        self.cell_ref: str | None = None
        self.cells_after = 0
        self.formula: list[str] | None = None  # the open cell's formula text, once an <f>
        self.valued = False
        self.merged: list[str] = []  # the ranges of merged cells, as written (B3:B5)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if self.formula is not None:
            self.parser.CharacterDataHandler = None
        if local == "c":
            if self.formula is not None:
                self.settle()
            self.valued = False
            counter = self.counter
            counter.cells += 1
            counter.row_cells += 1
            if counter.row_cells > MAX_ROW_CELLS or counter.cells > counter.limit:
                counter.start(name, attributes)  # raises the refusal, as for any part
            ref = attributes.get("r")
            if ref:
                self.cell_ref, self.cells_after = ref, 0
            else:
                self.cells_after += 1
        elif local == "v":
            self.valued = True
        elif local == "f":
            self.formula = []
            self.parser.CharacterDataHandler = self.formula.append
        elif local == "row":
            if self.formula is not None:
                self.settle()
            self.counter.row_cells = 0
            ref = attributes.get("r")
            if ref:
                self.row_ref, self.rows_after = ref, 0
            else:
                self.rows_after += 1
            self.cell_ref, self.cells_after = None, 0
        elif local == "si":  # not in a sheet Excel writes, but counted wherever it is
            self.counter.start(name, attributes)
        elif local == "mergeCell":
            # Counted as a cell: a sheet of a million merged ranges costs what one of a
            # million cells would, and is refused as one.
            self.counter.cells += 1
            if self.counter.cells > self.counter.limit:
                self.counter.start("c", attributes)  # raises the refusal
            ref = attributes.get("ref")
            if ref:
                self.merged.append(ref)

    def settle(self) -> None:
        """Note the cell just read if it was a formula without a result."""
        if self.formula is not None and not self.valued:
            self.found.setdefault(self._row(), {})[self._column()] = "=" + "".join(self.formula)
        self.formula = None
        self.valued = False

    def _row(self) -> int:
        try:
            base = int(float(self.row_ref)) if self.row_ref else 0
        except ValueError:
            base = 0  # openpyxl refuses the sheet itself
        return base + self.rows_after

    def _column(self) -> int:
        base = 0
        if self.cell_ref:
            with contextlib.suppress(ValueError):  # openpyxl refuses the sheet itself
                base = column_index_from_string(self.cell_ref.rstrip("0123456789$").lstrip("$"))
        return base + self.cells_after


def _scan_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, filename: str,
               counter: _CellCounter) -> SheetMarks:
    def declaration(*_: Any) -> None:
        raise _Refused(InvalidInput(UNREADABLE,
                                    DTD_MESSAGE.format(name=filename, part=part.filename)))

    parser = expat.ParserCreate()
    sheet = _SheetFormulas(counter, parser)

    def first(name: str, attributes: dict[str, str]) -> None:
        # A sheet (its root element, whatever the part is called) has its rows and cells
        # followed; any other part is only counted.
        handler: Callable[[str, Any], None] = counter.start
        if name.rpartition(":")[2] == "worksheet":
            handler = sheet.start
        parser.StartElementHandler = handler
        handler(name, attributes)

    parser.StartDoctypeDeclHandler = declaration
    parser.EntityDeclHandler = declaration
    parser.StartElementHandler = first
    counter.row_cells = 0
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        sheet.settle()
    except _Refused as refused:
        raise refused.error from None
    except expat.ExpatError as exc:
        if exc.code in _ENCODING_ERRORS:
            # Excel writes UTF-8; an encoding expat cannot read is one another parser might,
            # past this check.
            raise UnreadableWorkbook(part.filename) from exc
        # Not XML (an image, a printer setting) or broken XML: nothing was declared before the
        # point where expat stopped, and openpyxl refuses the part itself if it needs it.
        return SheetMarks(sheet.found, tuple(sheet.merged))
    except Exception as exc:  # a broken part, an encoding Python refuses (LookupError, …)
        raise UnreadableWorkbook(part.filename) from exc
    return SheetMarks(sheet.found, tuple(sheet.merged))


def xlsx_rows(
    content: bytes, filename: str, max_rows: int,
    is_header: Callable[[tuple[Any, ...]], bool] | None = None,
) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows, from row 1, as tuples of openpyxl read-only cells (at most
    `MAX_COLUMNS`); empty rows included (so row numbers stay the user's) until a run of
    `BLANK_RUN_LIMIT` of them ends the sheet. The caller stops after `max_rows` data rows.
    A formula cell that keeps no result comes as an `UncomputedFormula` cell (module doc).
    `is_header`: the import's own header, given a row's values; another sheet holding one
    within its first OTHER_SHEET_HEADER_ROWS rows raises SeveralSheets before any row."""
    found = check_archive(content, filename, Limits(max_rows))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # any failure to open an outside file means "unreadable"
        raise UnreadableWorkbook("open") from exc
    try:
        if not workbook.worksheets:
            raise UnreadableWorkbook("no sheet")
        first = workbook.worksheets[0]
        if is_header is not None:
            others = [sheet.title for sheet in workbook.worksheets[1:]
                      if _holds_header(sheet, is_header)]
            if others:
                raise SeveralSheets(first.title, others)
        marks = found.get(str(getattr(first, "_worksheet_path", "")).lstrip("/"))
        uncomputed = marks.uncomputed if marks is not None else {}
        merged = _MergedRanges(marks.merged) if marks is not None and marks.merged else None
        rows = first.iter_rows(max_col=MAX_COLUMNS)
        blank_run = 0
        number = 0
        while True:
            try:
                row: tuple[Any, ...] = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # the parser failing on the file, not our fault
                raise UnreadableWorkbook("sheet") from exc
            number += 1  # read-only rows come one per sheet row from row 1, gaps filled
            if formulas := uncomputed.get(number):
                row = tuple(_Formula(formulas[index]) if index in formulas else cell
                            for index, cell in enumerate(row, start=1))
            if merged is not None:
                row = merged.marked(number, row)
            if all(_blank(getattr(cell, "value", None)) for cell in row):
                blank_run += 1
                if blank_run >= BLANK_RUN_LIMIT:
                    return
            else:
                blank_run = 0
            yield row
    finally:
        workbook.close()


def _holds_header(sheet: Any, is_header: Callable[[tuple[Any, ...]], bool]) -> bool:
    try:
        rows = sheet.iter_rows(max_row=OTHER_SHEET_HEADER_ROWS, max_col=MAX_COLUMNS,
                               values_only=True)
        return any(is_header(row) for row in rows)
    except Exception as exc:  # the parser failing on the file, not our fault
        raise UnreadableWorkbook("sheet") from exc


@dataclass(frozen=True)
class _Formula:
    """Stands for an openpyxl cell that is a formula without a result."""

    formula: str
    number_format: str = "General"

    @property
    def value(self) -> UncomputedFormula:
        return UncomputedFormula(self.formula)


@dataclass(frozen=True)
class _Merged:
    """Stands for an openpyxl cell inside a merged range whose first cell holds a value."""

    cell: str
    merged: str
    first: str
    shown: str
    number_format: str = "General"

    @property
    def value(self) -> MergedCellValue:
        return MergedCellValue(self.cell, self.merged, self.first, self.shown)


@dataclass(frozen=True)
class _Range:
    text: str  # as the file writes it (B3:B5)
    first: str  # its first cell (B3)
    first_at: tuple[int, int]  # that cell's column and row
    shown: str  # that cell's value, as the sheet shows it
    last_row: int


class _MergedRanges:
    """A sheet's merged ranges, met row by row as `xlsx_rows` reads them: a cell of a range
    but its first, empty in the file, is handed over as a `_Merged` cell when the first cell
    holds a value, which the spreadsheet shows over the whole range (a commune merged down
    the rows of its sites, a name across two columns). Each import refuses such a cell naming
    the range (shared.safecells.merged_refusal): read as it is, a required field was refused
    as missing in a cell the official sees filled, an optional one silently dropped.

    Bounded: `check_archive` counts each range as a cell; a range is looked at from its
    first row, over the columns read (MAX_COLUMNS), each column held by one range at a time
    (overlapping ranges, which Excel never writes, are left as they are); a row costs a look
    at its columns only while some range covers it."""

    def __init__(self, refs: Iterable[str]) -> None:
        starts: list[tuple[int, int, int, int, str]] = []
        for ref in refs:
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
            except (TypeError, ValueError):
                continue  # openpyxl reads no such range either
            if min_col is None or min_row is None or max_col is None or max_row is None:
                continue  # a whole row or column: no range Excel merges
            if min_col > MAX_COLUMNS or (min_col, min_row) == (max_col, max_row):
                continue
            starts.append((min_row, min_col, max_row, min(max_col, MAX_COLUMNS), ref))
        starts.sort()
        self._starts = starts
        self._next = 0
        self._held: list[_Range | None] = [None] * (MAX_COLUMNS + 1)
        self._covered_to = 0  # the last row some range read so far covers

    def marked(self, number: int, row: tuple[Any, ...]) -> tuple[Any, ...]:
        """Row `number` with the cells of merged ranges handed over as `_Merged`."""
        starts = self._starts
        while self._next < len(starts) and starts[self._next][0] <= number:
            min_row, min_col, max_row, max_col, ref = starts[self._next]
            self._next += 1
            if min_row == number:
                self._begin(number, row, min_col, max_row, max_col, ref)
        if number > self._covered_to:
            return row
        marked = list(row)
        for index, cell in enumerate(row, start=1):
            held = self._held[index] if index <= MAX_COLUMNS else None
            if held is None or held.last_row < number or held.first_at == (index, number):
                continue
            if _blank(getattr(cell, "value", None)):
                marked[index - 1] = _Merged(_ref(index, number), held.text, held.first,
                                            held.shown)
        return tuple(marked)

    def _begin(self, number: int, row: tuple[Any, ...], min_col: int, max_row: int,
               max_col: int, ref: str) -> None:
        value = getattr(row[min_col - 1], "value", None) if min_col <= len(row) else None
        if _blank(value):
            return  # nothing shown over the range: its cells are as empty as they look
        columns = range(min_col, max_col + 1)
        if any((held := self._held[c]) is not None and held.last_row >= number
               for c in columns):
            return
        taken = _Range(ref.upper().replace("$", ""), _ref(min_col, number), (min_col, number),
                       _shown(value), max_row)
        for column in columns:
            self._held[column] = taken
        self._covered_to = max(self._covered_to, max_row)


def _ref(column: int, row: int) -> str:
    return f"{get_column_letter(column)}{row}"


def _shown(value: Any) -> str:
    """A cell's value as the sheet shows it, echoed: a date dd/mm/yyyy, a number in the
    Vietnamese way (55,5), a text as typed."""
    if isinstance(value, datetime | date):
        return format_date_vn(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number_vn(value, decimals=None)
    return echoed(str(value))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
