"""Bulk update of commitment progress from a CSV or Excel file.

Agencies report progress in spreadsheets; typing each update one by one is what users give
up on. A file is checked row by row (errors name the sheet row and column, in Vietnamese),
can be tried as a dry run, and by default is applied all or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic_core import PydanticCustomError

from services.dialogue import messages
from services.dialogue.adapters.spreadsheets import (
    Cell,
    PercentCell,
    UnreadableTable,
    read_table,
)
from services.dialogue.application.commitments import follow_up
from services.dialogue.application.common import WRITE, save
from services.dialogue.domain.commitments import Commitment
from shared import vnformat
from shared.adminunits import fold
from shared.aggregate import CommandContext, UnitOfWork
from shared.auth.checks import authorize
from shared.errors import DomainError, InvalidInput
from shared.ids import record_id_key
from shared.safecells import FORMULA_TEXT_CODE, formula_refusal, unheld_refusal
from shared.sheetheader import repeated_column
from shared.validation import DATE_IN_FUTURE, clean_text, future_date_refusal
from shared.xlsxguard import SeveralSheets

Mode = Literal["all_or_nothing", "valid_rows"]
MAX_ROWS = 5000
MAX_NOTE = 500
#: The longest progress cell read, spaces around it aside («100 %» is five).
MAX_PERCENT_TEXT = 20

# Canonical field → (the Vietnamese column title, accepted spellings folded to ASCII).
COLUMNS: dict[str, tuple[str, set[str]]] = {
    "commitment_id": (messages.COLUMN_COMMITMENT_ID, {"commitment id", "ma"}),
    "progress_pct": (messages.COLUMN_PROGRESS, {"progress pct", "progress", "tien do phan tram"}),
    "updated_on": (messages.COLUMN_UPDATED_ON, {"updated on", "ngay"}),
    "note": (messages.COLUMN_NOTE, {"note"}),
}
for _title, _aliases in COLUMNS.values():
    _aliases.add(fold(_title))
REQUIRED = ("commitment_id", "progress_pct")
# Columns of the downloadable template that are there to be read, not imported.
INFORMATIONAL = {
    fold(t)
    for t in (
        messages.COLUMN_TEXT,
        messages.COLUMN_AGENCY,
        messages.COLUMN_DUE_ON,
        messages.COLUMN_STATUS,
        "STT",
    )
}
# ASCII digits only, as the kernel's number reading (shared/vnformat.py): `\d` and `int()`
# take any script's digits, which the JSON route refuses (finding M3). Matched whole on the
# stripped cell: on the raw one, `\s*%?\s*$` tried each split of a run of spaces followed by
# anything else (a 20,000-space cell: 1.7 s of processor time, quadratic; examiner H2).
_PERCENT = re.compile(r"([0-9.,]+)\s*%?")
_DMY = re.compile(r"^\s*([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})\s*$")


@dataclass
class RowError:
    row: int
    column: str | None
    message: str
    code: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message,
                "code": self.code}


@dataclass
class ParsedRow:
    row: int
    #: The id's one spelling (`shared.ids.record_id_key`), as every route reads it: a UUID
    #: typed in upper case names the same commitment (finding M4). `typed_id`: as the cell.
    commitment_id: str
    progress_pct: int
    updated_on: date
    note: str
    typed_id: str


@dataclass
class ImportReport:
    dry_run: bool
    mode: Mode
    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    #: Rows repeating the commitment's latest update: nothing written for them.
    skipped: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "mode": self.mode,
            "valid": not self.errors,
            "applied": self.applied,
            "total_rows": self.total_rows,
            "accepted_rows": len(self.results),
            "error_rows": len({e.row for e in self.errors}),
            "errors": [e.as_dict() for e in self.errors],
            "results": self.results,
            "skipped_rows": len(self.skipped),
            "skipped": self.skipped,
            "ignored_columns": self.ignored_columns,
        }


def _map_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    named: list[tuple[int, str, str]] = []
    ignored: list[str] = []
    for index, title in enumerate(header):
        folded = fold(title)
        name = next((n for n, (_, aliases) in COLUMNS.items() if folded in aliases), None)
        if name is not None:
            positions.setdefault(name, index)
            named.append((index, name, title))
        elif title and folded not in INFORMATIONAL:
            ignored.append(title)
    _refuse_repeated_column(named)
    return positions, ignored


def _is_header(row: tuple[Any, ...]) -> bool:
    """A header the import would read: its required columns («Mã cam kết», «Tiến độ (%)»)."""
    folded = {fold(str(cell)) for cell in row if cell is not None}
    return all(not folded.isdisjoint(COLUMNS[name][1]) for name in REQUIRED)


def _refuse_repeated_column(named: list[tuple[int, str, str]]) -> None:
    """Two columns of one field (a title written twice, or under an alias): reading the first
    dropped the other's figures, merely listed among the ignored columns of an import that
    wrote (examiner-hostile). Refused whole, as the register's import refuses it."""
    repeated = repeated_column(named)
    if repeated is None:
        return
    title = COLUMNS[repeated.field][0]
    message = messages.IMPORT_REPEATED_COLUMN.format(column=title, found=repeated.found)
    error = RowError(1, title, message, "REPEATED_COLUMN")
    raise InvalidInput("IMPORT_REPEATED_COLUMN", message, errors=[error.as_dict()])


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _percent(value: Cell) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        match = _PERCENT.fullmatch(value.strip())
        if not match:
            return None
        # The kernel's one reading of a number typed as text (finding J22): «1.000» was read
        # 1 %; a text that reads two ways goes up as AmbiguousNumber, the row's error.
        try:
            number = vnformat.parse_number(match.group(1))
        except vnformat.AmbiguousNumber:
            raise
        except vnformat.NumberUnreadable:
            return None
    else:
        return None
    if not number.is_integer() or not 0 <= number <= 100:
        return None
    return int(number)


def _as_shown(value: Cell) -> str:
    """A cell echoed in a refusal as its author sees it in the sheet (L5): a number in
    Vietnamese notation with the decimals it has («55,5»), a percent cell with its sign."""
    if isinstance(value, int | float):
        shown = vnformat.format_number_vn(value, decimals=None)
        return f"{shown} %" if isinstance(value, PercentCell) else shown
    return str(value)


def _date(value: Cell) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        match = _DMY.match(text)
        try:
            if match:
                day, month, year = (int(g) for g in match.groups())
                return date(year, month, day)
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None


def _parse(
    number: int, cells: list[Cell], positions: dict[str, int], today: date
) -> tuple[ParsedRow | None, list[RowError]]:
    errors: list[RowError] = []
    unknown: set[str] = set()  # columns whose cell is a formula without a result or merged

    def fail(name: str, code: str, message: str) -> None:
        if name not in unknown:  # such a cell is judged once, not also as empty or malformed
            errors.append(RowError(number, COLUMNS[name][0], message, code))

    def cell(name: str) -> Cell:
        index = positions.get(name)
        value = cells[index] if index is not None and index < len(cells) else None
        unheld = unheld_refusal(value)
        if unheld is not None:
            # A value the .xlsx file does not hold (a formula without its result, a cell of
            # merged cells): neither empty nor the text it holds.
            fail(name, *unheld)
            unknown.add(name)
        return value

    raw_id = cell("commitment_id")
    commitment_id = "" if _blank(raw_id) else str(raw_id).strip()
    if not commitment_id:
        fail("commitment_id", "REQUIRED", messages.IMPORT_REQUIRED)
    elif len(commitment_id) > 36:
        fail("commitment_id", "TOO_LONG", messages.IMPORT_TOO_LONG.format(max_length=36))
    raw_progress = cell("progress_pct")
    progress: int | None = None
    if _blank(raw_progress):
        fail("progress_pct", "REQUIRED", messages.IMPORT_REQUIRED)
    elif isinstance(raw_progress, str) and len(raw_progress.strip()) > MAX_PERCENT_TEXT:
        fail("progress_pct", "TOO_LONG",
             messages.IMPORT_TOO_LONG.format(max_length=MAX_PERCENT_TEXT))
        raw_progress = None  # judged: not also BAD_PERCENT, nor echoed
    else:
        try:
            progress = _percent(raw_progress)
        except vnformat.AmbiguousNumber as exc:
            fail("progress_pct", exc.code, exc.message)
            raw_progress = None  # judged: not also BAD_PERCENT
    if progress is None and not _blank(raw_progress):
        fail("progress_pct", "BAD_PERCENT",
             messages.IMPORT_BAD_PERCENT.format(value=_as_shown(raw_progress)))
    raw_date = cell("updated_on")
    updated_on = today if _blank(raw_date) else _date(raw_date)
    if updated_on is None:
        fail("updated_on", "BAD_DATE", messages.IMPORT_BAD_DATE.format(value=raw_date))
    elif (future := future_date_refusal(updated_on, today)) is not None:
        fail("updated_on", DATE_IN_FUTURE, future)
    raw_note = cell("note")
    note = "" if _blank(raw_note) else str(raw_note)
    try:
        note = clean_text(note)
    except PydanticCustomError:
        fail("note", "BAD_TEXT", messages.IMPORT_BAD_TEXT)
    if len(note) > MAX_NOTE:
        fail("note", "TOO_LONG", messages.IMPORT_TOO_LONG.format(max_length=MAX_NOTE))
    refusal = formula_refusal(note)
    if refusal is not None:
        # Imported text a spreadsheet would run is refused, not stored (shared.safecells).
        fail("note", FORMULA_TEXT_CODE, refusal)
    if errors or progress is None or updated_on is None:
        return None, errors
    return ParsedRow(number, record_id_key(commitment_id), progress, updated_on, note,
                     commitment_id), []


# Which column a refusal of the aggregate points at.
_COLUMN_OF_CODE = {
    "UPDATE_BEFORE_LAST": "updated_on",
    "COMMITMENT_DONE": "progress_pct",
    "COMMITMENT_NOT_FOUND": "commitment_id",
}


@dataclass(frozen=True)
class CheckedFile:
    """A file read and its rows parsed: all that needs no look at the commitments."""

    total_rows: int
    ignored_columns: list[str]
    rows: list[ParsedRow]
    errors: list[RowError]


def check_file(context: CommandContext, content: bytes, filename: str,
               today: date) -> CheckedFile:
    """Read the file and parse every row, before the write turn: a file of 5,000 rows read
    inside it held every other command of the service for as long, as a hostile cell did
    (examiner H2; the religion import does the same, finding H15). The caller's right to
    write is checked first, so no one else makes the service read a file."""
    authorize(context, WRITE)
    try:
        table = read_table(content, filename, MAX_ROWS, is_header=_is_header)
    except UnreadableTable as exc:
        raise InvalidInput("IMPORT_BAD_FILE", messages.IMPORT_BAD_FILE) from exc
    except SeveralSheets as exc:
        raise exc.refusal(messages.IMPORT_SEVERAL_SHEETS) from exc
    positions, ignored = _map_header(table.header)
    missing = [
        RowError(1, COLUMNS[n][0], messages.IMPORT_MISSING_COLUMN.format(column=COLUMNS[n][0]),
                 "MISSING_COLUMN")
        for n in REQUIRED
        if n not in positions
    ]
    if missing:
        raise InvalidInput(
            "IMPORT_MISSING_COLUMN", missing[0].message, errors=[e.as_dict() for e in missing]
        )
    rows = [(n, cells) for n, cells in table.rows if not all(_blank(c) for c in cells)]
    if not rows:
        raise InvalidInput("IMPORT_EMPTY", messages.IMPORT_EMPTY)
    if len(rows) > MAX_ROWS:
        raise InvalidInput(
            "IMPORT_TOO_MANY_ROWS", messages.IMPORT_TOO_MANY_ROWS.format(max_rows=MAX_ROWS)
        )
    checked = CheckedFile(len(rows), ignored, [], [])
    seen: dict[tuple[str, date], int] = {}
    for number, cells in rows:
        parsed, errors = _parse(number, cells, positions, today)
        checked.errors.extend(errors)
        if parsed is None:
            continue
        key = (parsed.commitment_id, parsed.updated_on)
        if key in seen:
            checked.errors.append(
                RowError(number, COLUMNS["commitment_id"][0],
                         messages.IMPORT_DUPLICATE_ROW.format(row=seen[key]), "DUPLICATE_ROW")
            )
            continue
        seen[key] = number
        checked.rows.append(parsed)
    return checked


def import_progress(
    uow: UnitOfWork,
    checked: CheckedFile,
    today: date,
    *,
    dry_run: bool,
    mode: Mode = "all_or_nothing",
) -> ImportReport:
    """The part of an import that reads and writes the commitments, in the write turn."""
    authorize(uow, WRITE)
    # Copies: the checked file stays as it was (a retry of the turn starts from it again).
    report = ImportReport(dry_run=dry_run, mode=mode, total_rows=checked.total_rows,
                          ignored_columns=list(checked.ignored_columns),
                          errors=list(checked.errors))
    loaded: dict[str, Commitment] = {}
    for parsed in checked.rows:
        number = parsed.row
        commitment = loaded.get(parsed.commitment_id)
        if commitment is None:
            # Not held as `load` holds (up to 5,000 advisory locks in one transaction, most
            # of PostgreSQL's shared lock table): a row decides on its commitment alone,
            # which it writes under the version guard (`UnitOfWork.load_many`).
            commitment = uow.load_many(Commitment, [parsed.commitment_id])[parsed.commitment_id]
            loaded[parsed.commitment_id] = commitment
        try:
            if not commitment.exists:
                raise InvalidInput(
                    "COMMITMENT_NOT_FOUND",
                    messages.COMMITMENT_NOT_FOUND.format(id=parsed.typed_id),
                )
            # A row for a commitment outside the importer's units is refused like a bad row.
            # The commitment's unit is the record's: the row is told the importer's scope only,
            # as `POST /commitments/{id}/progress` answers (finding J7, as H4).
            authorize(uow, WRITE, commitment.unit_code, parsed.updated_on, record=True)
            # Already recorded (the same file again, a retried upload): skipped, writing
            # nothing, as the sites import skips a row the register already holds.
            repeated = commitment.repeats_last_update(
                parsed.progress_pct, parsed.updated_on, parsed.note)
            if not repeated:
                # Judged at the row's date, not today (see commitments.update_progress).
                commitment.detect_overdue(parsed.updated_on)
                commitment.update_progress(parsed.progress_pct, parsed.updated_on, parsed.note)
        except DomainError as exc:
            column = _COLUMN_OF_CODE.get(exc.code)
            report.errors.append(
                RowError(number, COLUMNS[column][0] if column else None, exc.message, exc.code)
            )
            continue
        if repeated:
            report.skipped.append({
                "row": number, "commitment_id": parsed.commitment_id,
                "message": messages.IMPORT_ROW_ALREADY_RECORDED,
            })
            continue
        report.results.append(
            {
                "row": number,
                "commitment_id": parsed.commitment_id,
                "progress_pct": parsed.progress_pct,
                "updated_on": parsed.updated_on.isoformat(),
                "status": commitment.status,
                "status_label": messages.COMMITMENT_STATUS[commitment.status],
            }
        )
    report.errors.sort(key=lambda e: e.row)
    if report.errors and mode == "all_or_nothing" and not dry_run:
        raise InvalidInput(
            "IMPORT_REJECTED",
            messages.IMPORT_NOT_ALL_OR_NOTHING.format(count=len({e.row for e in report.errors})),
            errors=[e.as_dict() for e in report.errors],
            total_rows=report.total_rows,
        )
    if not dry_run:
        # Today's standing once all of a commitment's rows are in: an overdue recorded
        # between two rows would precede (in the stream) a row dated before it.
        changed = [c for c in loaded.values() if c.pending]
        for commitment in changed:
            follow_up(commitment, today)
        save(uow, *changed)
        report.applied = True
    return report
