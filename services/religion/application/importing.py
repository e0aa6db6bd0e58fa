"""Bulk import of sites from the desk's spreadsheets.

Every row is validated like a single registration (same command model, same unit check); the
errors come back per row and column in Vietnamese. By default nothing is written when any row
fails; `only_valid` writes the valid rows. A site code already in the register is skipped, so
importing the same file twice creates nothing new. New sites are appended in bulk
(`EventStore.append_many`) and projected in the same transaction.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from services.religion import messages
from services.religion.adapters.projection import insert_sites, site_row
from services.religion.adapters.spreadsheet import Cell, Sheet, SheetRow, read_sheet
from services.religion.adapters.tables import sites
from services.religion.application.commands import RELIGIONS, RegisterSite
from services.religion.application.handlers import (
    SITE_CODE_KEY,
    WRITE,
    registered_event,
    site_code_taken,
)
from services.religion.domain.model import ReligiousSite
from shared import vnformat
from shared.adminunits import UnitCatalogue, default_catalogue, fold
from shared.aggregate import CommandContext, UnitOfWork
from shared.auth.checks import authorize, may_write
from shared.auth.securitylog import security_event
from shared.clock import format_date_vn, today_vn
from shared.envelope import EventEnvelope, PendingEvent, as_business_time, new_envelope
from shared.errors import InvalidInput
from shared.eventstore import events_table
from shared.ids import code_key
from shared.safecells import FORMULA_TEXT_CODE, formula_refusal, unheld_refusal
from shared.unitcheck import require_within
from shared.validation import DATE_IN_FUTURE, future_date_refusal, vietnamese_errors

MAX_ROWS = 100_000
CHUNK = 1_000
MAX_REPORTED = 1_000  # row messages returned in one response; counts are always complete
_RELIGIONS = {fold(r): r for r in RELIGIONS}
# ASCII digits only (`\d` takes any script's, which `int()` reads; finding M3).
_DATE_VN = re.compile(r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})$")
COMPARED = ("name", "religion", "commune_code", "address", "land_area_m2", "land_use_origin")


class _BadCell(ValueError):
    def __init__(self, message: str, code: str = "INVALID_VALUE") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class RowError:
    row: int
    field: str | None
    column: str | None
    value: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row, "column": self.column, "field": self.field, "value": self.value,
            "code": self.code, "message": self.message,
        }


@dataclass
class ImportReport:
    file: str
    format: str
    header_row: int
    dry_run: bool
    only_valid: bool
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # new codes: written once `written`
    skipped: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors})

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "header_row": self.header_row,
            "dry_run": self.dry_run,
            "only_valid": self.only_valid,
            "rows": self.rows,
            "valid_rows": self.rows - self.invalid_rows,
            "invalid_rows": self.invalid_rows,
            "error_count": len(self.errors),
            # What the file brings that the register lacks, whether or not it was written;
            # "created" counts only what this request wrote (0 for a dry run or a refusal).
            "would_create": len(self.created),
            "created": len(self.created) if self.written else 0,
            "existing": len(self.skipped),
            "written": self.written,
            "errors": [e.as_dict() for e in self.errors[:MAX_REPORTED]],
            "errors_truncated": len(self.errors) > MAX_REPORTED,
            "skipped": self.skipped[:MAX_REPORTED],
        }


# -- cell parsing --------------------------------------------------------------------------------


def _text(value: Cell) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _free_text(value: Cell) -> str | None:
    """A name, address or origin: refused when a spreadsheet would run it as a formula
    (`shared.safecells`), so the register never holds "=HYPERLINK(…)" as a site's name."""
    text = _text(value)
    refusal = None if text is None else formula_refusal(text)
    if refusal is not None:
        raise _BadCell(refusal, FORMULA_TEXT_CODE)
    return text


def parse_number(value: Cell) -> float | None:
    """A number cell as it is; a number typed as text by the kernel's one rule
    (shared.vnformat.parse_number: 1250,5, 1.250,5, 1,250.5, 1250.5; «1,234» or «1.250», a
    decimal or a thousand-odd number, refused AMBIGUOUS_NUMBER naming both, finding J22)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    if not text.strip():
        return None
    try:
        return vnformat.parse_number(text)
    except vnformat.NumberUnreadable as exc:
        raise _BadCell(exc.message, exc.code) from exc


def parse_date(value: Cell) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    match = _DATE_VN.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise _BadCell(messages.ROW_BAD_DATE.format(value=text)) from exc


def parse_commune(value: Cell) -> str | None:
    text = _text(value)
    if text is None:
        return None
    # ASCII digits: str.isdigit() takes any script's (finding M3), and a code padded here
    # would not be echoed as typed.
    digits = text.isascii() and text.isdigit()
    if digits and len(text) < 5:
        text = text.zfill(5)  # a spreadsheet ate the leading zeros
    if not (digits and len(text) == 5):
        raise _BadCell(messages.ROW_BAD_COMMUNE.format(value=text))
    return text


@functools.lru_cache(maxsize=256)
def _religion_named(text: str) -> str | None:
    return _RELIGIONS.get(fold(text))


def parse_religion(value: Cell) -> str | None:
    text = _text(value)
    if text is None:
        return None
    found = _religion_named(text)
    if found is None:
        raise _BadCell(messages.ROW_UNKNOWN_RELIGION.format(value=text,
                                                            allowed=", ".join(RELIGIONS)))
    return found


PARSERS: dict[str, Any] = {
    "code": _text,
    "name": _free_text,
    "religion": parse_religion,
    "commune_code": parse_commune,
    "address": _free_text,
    "land_area_m2": parse_number,
    "land_use_origin": _free_text,
    "registered_on": parse_date,
}


# -- validation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidRow:
    row: int
    command: RegisterSite
    on: date


def _error(sheet: Sheet, row: SheetRow, fld: str | None, code: str, message: str) -> RowError:
    raw = row.cells.get(fld) if fld else None
    return RowError(
        row=row.number,
        field=fld,
        column=(sheet.columns.get(fld) or messages.COLUMN_HEADERS.get(fld)) if fld else None,
        value=None if raw is None else str(raw),
        code=code,
        message=message,
    )


def validate(sheet: Sheet, jurisdiction: str) -> tuple[list[ValidRow], list[RowError]]:
    """Every problem of every row in one pass: a cell that cannot be read, a field the
    registration refuses, a date in the future, a commune unknown or outside the jurisdiction,
    a code repeated in the file. Each field is judged once (a cell that cannot be read is not
    also reported as missing); the checks across fields use the fields that passed."""
    catalogue = default_catalogue()
    today = today_vn()
    valid: list[ValidRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for row in sheet.rows:
        row_errors: list[RowError] = []
        values: dict[str, Any] = {}
        bad: set[str] = set()
        for fld, parse in PARSERS.items():
            raw = row.cells.get(fld)
            unheld = unheld_refusal(raw)
            if unheld is not None:
                # A value the .xlsx file does not hold (a formula without its result, a cell
                # of merged cells): neither empty nor the text it holds.
                row_errors.append(_error(sheet, row, fld, *unheld))
                bad.add(fld)
                continue
            try:
                parsed = parse(raw)
            except _BadCell as exc:
                row_errors.append(_error(sheet, row, fld, exc.code, str(exc)))
                bad.add(fld)
                continue
            if parsed is not None:
                values[fld] = parsed
        command: RegisterSite | None = None
        try:
            command = RegisterSite.model_validate(values)
        except ValidationError as exc:
            for item in vietnamese_errors(exc.errors(), messages.VALUE_LABELS):
                if item["field"] in bad:
                    continue
                row_errors.append(_error(sheet, row, item["field"], item["code"],
                                         item["message"]))
                bad.add(item["field"])
        # The fields that passed their own checks; pydantic normalises none of these three.
        good = {f: v for f, v in values.items() if f not in bad}
        on: date = good.get("registered_on") or today
        future = future_date_refusal(on, today) if "registered_on" in good else None
        if future is not None:
            row_errors.append(_error(sheet, row, "registered_on", DATE_IN_FUTURE, future))
        commune = good.get("commune_code")
        # A commune is judged at the registration date; with that date unreadable the row's
        # date error stands alone rather than a guess at today's map (communes merged in 2025).
        if commune is not None and "registered_on" not in bad:
            row_errors += _commune_errors(sheet, row, catalogue, commune, on, jurisdiction)
        code = good.get("code")
        if code is not None:
            # One site whatever the case of its code (shared.ids.code_key).
            first = seen.setdefault(code_key(code), row.number)
            if first != row.number:
                row_errors.append(_error(sheet, row, "code", "DUPLICATE_IN_FILE",
                                         messages.ROW_DUPLICATE_CODE.format(row=first)))
        if row_errors or command is None:
            errors += row_errors
        else:
            valid.append(ValidRow(row.number, command, on))
    return valid, errors


def _commune_errors(
    sheet: Sheet, row: SheetRow, catalogue: UnitCatalogue, commune: str, on: date, jurisdiction: str
) -> list[RowError]:
    if not catalogue.is_commune(commune, on):
        return [_error(sheet, row, "commune_code", "UNKNOWN_UNIT",
                       messages.UNKNOWN_COMMUNE.format(code=commune, on=format_date_vn(on)))]
    try:
        require_within(catalogue.require(commune, on), on, jurisdiction)
    except InvalidInput as exc:
        return [_error(sheet, row, "commune_code", exc.code, exc.message)]
    return []


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(uow: UnitOfWork, codes: list[str]) -> dict[str, dict[str, Any]]:
    """Current particulars of the codes already in the register (events are the authority;
    the read model, written in the same transactions, gives the values to compare)."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(codes):
        in_store = set(
            uow.connection.execute(
                select(events_table.c.aggregate_id).where(
                    events_table.c.aggregate_type == ReligiousSite.aggregate_type,
                    events_table.c.aggregate_id.in_(chunk),
                    events_table.c.aggregate_version == 1,
                )
            ).scalars()
        )
        if not in_store:
            continue
        for row in uow.connection.execute(
            select(sites).where(sites.c.code.in_(in_store))
        ).mappings():
            found[row["code"]] = dict(row)
        for code in in_store - found.keys():
            found[code] = {}
    return found


@dataclass(frozen=True)
class CheckedFile:
    """A file read and its rows validated: all that needs no look at the register."""

    filename: str
    sheet: Sheet
    valid: list[ValidRow]
    errors: list[RowError]


def check_file(context: CommandContext, jurisdiction: str, filename: str,
               content: bytes) -> CheckedFile:
    """Read the file and validate every row, before the write turn: on SQLite the writers
    take turns, and reading and validating a large file (seconds for 30,000 rows, more for
    .xlsx) inside the turn held every other desk's command for as long (finding H15). The
    caller's right to write is checked first, so no one else makes the service read a file."""
    authorize(context, WRITE)
    sheet = read_sheet(filename, content, MAX_ROWS)
    valid, errors = validate(sheet, jurisdiction)
    return CheckedFile(filename, sheet, valid, errors)


def import_sites(
    uow: UnitOfWork,
    filename: str,
    content: bytes,
    *,
    dry_run: bool,
    only_valid: bool,
) -> ImportReport:
    """Read, validate and import in one go (the write turn covers it all: scripts, tests)."""
    checked = check_file(uow.context, uow.jurisdiction, filename, content)
    return import_checked(uow, checked, dry_run=dry_run, only_valid=only_valid)


def import_checked(
    uow: UnitOfWork,
    checked: CheckedFile,
    *,
    dry_run: bool,
    only_valid: bool,
) -> ImportReport:
    """The part of an import that reads and writes the register, in the write turn."""
    authorize(uow, WRITE)
    sheet = checked.sheet
    report = ImportReport(checked.filename, sheet.format, sheet.header_row, dry_run, only_valid,
                          rows=len(sheet.rows))
    # Copies: the checked file stays as it was (a retry of the turn starts from it again).
    report.errors = list(checked.errors)
    valid = _within_unit_scope(uow, sheet, list(checked.valid), report.errors)
    existing = _existing(uow, [v.command.code for v in valid])
    others = _others_sites(uow, sheet, valid, existing, report.errors)
    others |= _taken_in_other_case(uow, sheet, valid, existing, report.errors)
    fresh: list[ValidRow] = []
    for item in valid:
        current = existing.get(item.command.code)
        if item.row in others:
            continue
        if current is None:
            fresh.append(item)
            continue
        report.skipped.append(_skipped(item, current))
    report.created = [item.command.code for item in fresh]
    if dry_run:
        return report
    if report.errors and not only_valid:
        raise InvalidInput(
            "IMPORT_HAS_ERRORS",
            messages.IMPORT_HAS_ERRORS.format(count=len(report.errors), rows=report.invalid_rows),
            report=report.as_dict(),
        )
    _write(uow, fresh)
    report.written = bool(fresh)
    return report


def _skipped(item: ValidRow, current: dict[str, Any]) -> dict[str, Any]:
    """A row of a site already in the register: what differs from the register, and how to
    change it. The registration date is compared when the row gives one (finding J3: it decides
    from which cut-off the site counts, and a re-import to check the list said all agreed);
    it is put right by a correction, not by amending the site, so the message says which."""
    command = item.command
    fields = [f for f in COMPARED if current and current.get(f) != getattr(command, f)]
    redated = bool(current) and command.registered_on is not None and (
        current.get("registered_on") != command.registered_on)
    if redated:
        fields.append("registered_on")
    differs = [messages.COLUMN_HEADERS[f] for f in fields]
    if not differs:
        message = messages.ROW_EXISTS_SAME
    else:
        message = messages.ROW_EXISTS_DIFFERENT.format(fields=", ".join(differs))
        if redated:
            message += messages.ROW_REGISTRATION_DIFFERS.format(code=command.code)
    return {"row": item.row, "code": command.code, "differs": differs, "message": message}


#: Why a row is refused before anything is written: (field, code, message), or None.
Refusal = Callable[[ValidRow], tuple[str, str, str] | None]


def _refuse_rows(sheet: Sheet, valid: list[ValidRow], errors: list[RowError],
                 refusal: Refusal) -> set[int]:
    """The rows `refusal` refuses, each a row error like any other (the whole file is refused
    unless `only_valid`, and such a row is never written): their numbers."""
    rows = {r.number: r for r in sheet.rows}
    refused: set[int] = set()
    for item in valid:
        found = refusal(item)
        if found is not None:
            refused.add(item.row)
            errors.append(_error(sheet, rows[item.row], *found))
    return refused


def _others_sites(
    uow: UnitOfWork, sheet: Sheet, valid: list[ValidRow], existing: dict[str, dict[str, Any]],
    errors: list[RowError],
) -> set[int]:
    """Rows naming a site already in the register under a commune outside the importer's
    scope: row errors, never compared. Compared field by field, a district's desk learnt from
    'differs' whether its guesses at another district's record were right (G15); a code is
    unique in the register, so that it is taken is all the row may say."""
    principal = uow.context.principal
    today = today_vn()

    def outside(item: ValidRow) -> tuple[str, str, str] | None:
        commune = existing.get(item.command.code, {}).get("commune_code")
        if commune is None or may_write(uow, commune, today):
            return None
        return "code", "UNIT_OUT_OF_SCOPE", messages.ROW_CODE_OUT_OF_SCOPE.format(
            code=item.command.code, scope=principal.unit_scope)

    refused = _refuse_rows(sheet, valid, errors, outside)
    if refused:
        security_event("authz_fail", principal.actor, "sites_import",
                       reason="existing_site_out_of_scope", rows=len(refused),
                       unit_scope=principal.unit_scope)
    return refused


def _taken_in_other_case(
    uow: UnitOfWork, sheet: Sheet, valid: list[ValidRow], existing: dict[str, dict[str, Any]],
    errors: list[RowError],
) -> set[int]:
    """Rows of a new code that a site of the register holds in another case ("prb-s1" for
    PRB-S1): refused as the registration over the API refuses them, naming the site."""
    fresh = [item.command.code for item in valid if item.command.code not in existing]
    taken = uow.code_holders(SITE_CODE_KEY, fresh)

    def in_other_case(item: ValidRow) -> tuple[str, str, str] | None:
        holder = taken.get(item.command.code)
        if holder is None:
            return None
        return "code", "SITE_EXISTS", site_code_taken(item.command.code, holder).message

    return _refuse_rows(sheet, valid, errors, in_other_case)


def _within_unit_scope(
    uow: UnitOfWork, sheet: Sheet, valid: list[ValidRow], errors: list[RowError]
) -> list[ValidRow]:
    """Rows of communes outside the importer's unit scope are row errors, like any other:
    the whole file is refused unless `only_valid`, and such a row is never written."""
    principal = uow.context.principal

    def outside(item: ValidRow) -> tuple[str, str, str] | None:
        if may_write(uow, item.command.commune_code, item.on):
            return None
        return "commune_code", "UNIT_OUT_OF_SCOPE", messages.ROW_OUT_OF_SCOPE.format(
            code=item.command.commune_code, scope=principal.unit_scope)

    refused = _refuse_rows(sheet, valid, errors, outside)
    if refused:
        security_event("authz_fail", principal.actor, "sites_import", reason="unit_out_of_scope",
                       rows=len(refused), unit_scope=principal.unit_scope)
    return [item for item in valid if item.row not in refused]


def _write(uow: UnitOfWork, rows: Sequence[ValidRow]) -> None:
    recorded_at = uow.recording_time()
    context = uow.context
    for chunk in _chunks(rows):
        events = [(item, registered_event(item.command, item.on)) for item in chunk]
        uow.claim_codes(SITE_CODE_KEY, [item.command.code for item in chunk], site_code_taken)
        envelopes: list[EventEnvelope] = [
            new_envelope(
                service=uow.store.service,
                aggregate_type=ReligiousSite.aggregate_type,
                aggregate_id=item.command.code,
                aggregate_version=1,
                pending=PendingEvent(event, as_business_time(item.on), event.commune_code),
                actor=context.actor,
                department=context.department,
                correlation_id=context.correlation_id,
                causation_id=context.causation_id,
                recorded_at=recorded_at,
            )
            for item, event in events
        ]
        uow.store.append_many(uow.connection, envelopes)
        insert_sites(uow.connection, [site_row(e, item.on) for item, e in events])
        # Counted by the unit of work on commit (metrics, relay wake-up).
        uow.appended.extend(envelopes)
