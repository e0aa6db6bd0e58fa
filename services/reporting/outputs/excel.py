"""Every table of a report as an Excel workbook ready to print: one sheet per table.

Each sheet: the report's title (row 1, across the table) and data window (row 2); the table's
header on row 4, repeated on every printed page; its data below, figures as numbers (so they
can be summed) shown in the Vietnamese way (1.234 and 12,50 in a Vietnamese-language Excel or
LibreOffice). Printed on A4 landscape, fitted to the page's width, pages numbered; a narrow
code column, wrapped headers. The figures of every unit are split by section (one sheet each)
so that a sheet fitted to the width stays legible.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from copy import copy
from datetime import UTC, date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from services.reporting import messages
from services.reporting.application.reports import Report
from services.reporting.application.views import (
    THEMES,
    current_label,
    difference_value,
    differences_under,
    figure_label,
    flows_note,
    indicator_rows,
    lines_under,
    not_comparable_note,
    other_indicators_under,
    period_name,
    previous_value,
    provisional_note,
    reported_indicator_rows,
    restated_note,
    restatements_under,
    section_rows,
    subtree,
    summed_from_text,
    targets_note,
    unit_name_of,
)
from services.reporting.domain.indicators import CORE_INDICATORS
from services.reporting.domain.metrics import METRICS, SECTIONS
from services.reporting.outputs.partydoc import typographic
from services.reporting.outputs.reproducible import document_moment
from shared.clock import VN_TZ, format_date_vn
from shared.safecells import put, put_row

FONT = "Times New Roman"
TITLE_ROW, WINDOW_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3, 4
# The locale tag 42A (Vietnamese) makes LibreOffice show 1.234,56 whatever the machine's own
# language; Excel shows the separators of the reader's Windows, Vietnamese in the Commission.
INTEGER_FORMAT = "[$-42A]#,##0"
DECIMAL_FORMAT = "[$-42A]#,##0.00"
DATE_FORMAT = "dd/mm/yyyy"
# Column widths in characters: the code column narrow, the label wide, figures in between.
CODE_WIDTH, LABEL_WIDTH, TEXT_WIDTH, FIGURE_WIDTH = 8, 42, 16, 11
HEADER_LINE_PT = 15
BOLD_CHAR = 1.1  # a bold Times New Roman letter against Excel's width unit
_BOLD = Font(bold=True, name=FONT)
_PLAIN = Font(name=FONT)
_TITLE = Font(bold=True, name=FONT, size=13)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="808080")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def report_workbook(report: Report, unit: str, theme: str | None = None) -> bytes:
    indicators, sections = THEMES[theme] if theme else (CORE_INDICATORS, SECTIONS)
    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    # The plan's indicators, then those units report (I5...: none in a thematic workbook).
    rows = indicator_rows(report, unit, indicators) + (
        [] if theme else reported_indicator_rows(report, unit))
    # A figure summed from the units under it that reported says from how many, in a last
    # column there only when some row is such a sum.
    summed = [summed_from_text(r) for r in rows]
    extra = [messages.COL_SUMMED_FROM] if any(summed) else []
    _sheet(book, report, unit, messages.SHEET_INDICATORS,
           [messages.COL_INDICATOR_ID, messages.COL_INDICATOR, messages.COL_TARGET,
            messages.COL_NUMERATOR, messages.COL_DENOMINATOR, messages.COL_RATE,
            messages.COL_STATUS, f"{messages.COL_PREVIOUS} (%)", *extra],
           [[r["id"], r["name"], r["target_text"], r["numerator"], r["denominator"],
             r["value"], r["status_label"], previous_value(r), *([text] if extra else [])]
            for r, text in zip(rows, summed, strict=True)], text_columns=(3, 7, 9))
    flows = flows_note(report)
    for section in section_rows(report, unit, sections):
        _sheet(book, report, unit, messages.SHEET_SECTION[section["key"]],
               [messages.COL_NO, messages.COL_FIGURE, messages.COL_PERIOD,
                messages.COL_PREVIOUS, messages.COL_CHANGE],
               [[i, f["label"], f["value"], f["previous"], f["change"]]
                for i, f in enumerate(section["figures"], start=1)])
        if flows is not None:  # across a year boundary, flows have no change (J9)
            _note(book[messages.SHEET_SECTION[section["key"]][:31]], flows)
    nodes = [report.tree.nodes[code] for code in subtree(report, unit)]
    _sheet(book, report, unit, messages.SHEET_UNITS,
           [messages.COL_CODE, messages.COL_UNIT, messages.COL_LEVEL,
            *(f"{key} (%)" for key in indicators)],
           [[node.code, node.name, messages.LEVEL_NAMES[node.level],
             *(report.unit(node.code)["indicators"][key]["value"] for key in indicators)]
            for node in nodes], text_columns=(3,))
    for part in sections:
        keys = [m.key for m in METRICS if m.section == part]
        _sheet(book, report, unit,
               messages.SHEET_UNITS_SECTION.format(section=messages.SHEET_SECTION[part]),
               [messages.COL_CODE, messages.COL_UNIT,
                *(messages.METRIC_LABELS[key] for key in keys)],
               [row for node in nodes for row in _with_lines(report, node.code, keys)])
    other = other_indicators_under(report, unit)
    if not theme and other:
        _sheet(book, report, unit, messages.SHEET_OTHER,
               [messages.COL_INDICATOR_ID, messages.COL_CODE, messages.COL_NUMERATOR,
                messages.COL_DENOMINATOR, messages.COL_RATE],
               [[o["indicator_id"], o["unit_code"], o["numerator"], o["denominator"],
                 o["value"]] for o in other], label_column=False)
    restated = restatements_under(report, unit)
    note = restated_note(report, restated)
    # On the first sheet: why its statuses are empty (no target of the year), and the
    # restated previous column it shows.
    first = [text for text in (targets_note(report, indicators), note,
                               not_comparable_note(report, rows, unit)) if text is not None]
    if first:
        _note(book[messages.SHEET_INDICATORS[:31]], " ".join(first))
    if note is not None:
        # Listed on its own sheet too.
        _sheet(book, report, unit, messages.SHEET_RESTATED,
               [messages.COL_CODE, messages.COL_UNIT, messages.COL_FIGURE,
                messages.COL_SIGNED_PREVIOUS,
                messages.COL_RESTATED_PREVIOUS],
               [[d["unit_code"], unit_name_of(report, d["unit_code"]),
                 figure_label(d["figure"]), _cell(d["frozen"]),
                 _cell(d["current"])] for d in restated])
        _note(book[messages.SHEET_RESTATED[:31]], note)
    if not theme and report.plan is not None:
        _plan_sheets(book, report, unit, report.plan)
    differences = differences_under(report, unit)
    if differences:
        _sheet(book, report, unit, messages.SHEET_DIFFERENCES,
               [messages.COL_CODE, messages.COL_UNIT, messages.COL_FIGURE, messages.COL_FROZEN,
                current_label(report)],
               [[d["unit_code"], unit_name_of(report, d["unit_code"]),
                 figure_label(d["figure"]), _cell(d["frozen"]),
                 _cell(d["current"])] for d in differences])
    # The document's own moment in its properties, not the moment it is saved: openpyxl's
    # `save` stamps `modified` with now (finding N3); its writer alone keeps what is set.
    moment = document_moment(report).astimezone(UTC).replace(tzinfo=None)
    book.properties.created = book.properties.modified = moment
    buffer = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED,
                                      allowZip64=True)).save()
    return buffer.getvalue()


def _cell(value: float | int | str | dict[str, int] | None) -> float | int | str | None:
    """A difference's value: numbers stay numbers for the spreadsheet, a status its label, a
    sum's units «2/15»."""
    return difference_value(value) if isinstance(value, (str, dict)) else value


def _plan_sheets(book: Workbook, report: Report, unit: str, plan: dict[str, Any]) -> None:
    """Kết quả thực hiện nhiệm vụ and the district boards' reports, as the report holds them."""
    _sheet(book, report, unit, messages.SHEET_PLAN,
           [messages.COL_NO, messages.COL_ITEM, messages.COL_RESPONSIBLE,
            messages.COL_ITEM_STATUS, messages.COL_LATEST_RESULT, messages.COL_SUBMITTED_ON],
           [[i["number"], i["text"], i["responsible_name"], i["status_label"],
             i["latest_result"]["result"] if i["latest_result"] else None,
             _day(i["latest_result"]["reported_on"]) if i["latest_result"] else None]
            for i in plan["items"]["items"]], text_columns=(3, 4, 5, 6))
    duty = plan["district_reports"]
    if duty is not None:
        # The reason of a back-dated first submission (J17): absent from a report signed
        # before it was part of the row, whose frozen content is shown as it was.
        _sheet(book, report, unit, messages.SHEET_DISTRICT_REPORTS,
               [messages.COL_CODE, messages.COL_UNIT, messages.COL_ITEM_STATUS,
                messages.COL_SUBMITTED_ON, messages.COL_RETURNS, messages.COL_RETURN_REASON,
                messages.COL_BACKDATED_REASON],
               [[d["district_code"], d["district_name"], d["status_label"],
                 _day(d["last_submitted_on"]), d["returns"], d["last_return_reason"],
                 d.get("first_submission_backdated_reason")]
                for d in duty["districts"]], text_columns=(3, 4, 6, 7))


def _day(value: str | None) -> date | None:
    """A day of the report's JSON as a spreadsheet date (shown dd/mm/yyyy, sorts as a date)."""
    return date.fromisoformat(value[:10]) if value else None


def _with_lines(report: Report, code: str, keys: Sequence[str]) -> list[list[Any]]:
    """A unit's row, and under it the lines its children's rows lack to add up to it."""
    rows: list[list[Any]] = [[code, report.tree.nodes[code].name,
                              *(report.unit(code)["figures"][key] for key in keys)]]
    for line in lines_under(report, code):
        rows.append(["", f"{line['label']} ({report.tree.nodes[code].name})",
                     *(line["figures"][key] for key in keys)])
    return rows


def _note(sheet: Any, text: str) -> None:
    """A sentence in the free line between the data window and the table's header."""
    put(sheet.cell(NOTE_ROW, 1), text).font = Font(italic=True, name=FONT)
    sheet.merge_cells(f"A{NOTE_ROW}:{get_column_letter(sheet.max_column)}{NOTE_ROW}")
    sheet.cell(NOTE_ROW, 1).alignment = Alignment(horizontal="left", vertical="top",
                                                  wrap_text=True)
    sheet.row_dimensions[NOTE_ROW].height = HEADER_LINE_PT * 3


def _sheet(book: Workbook, report: Report, unit: str, title: str, header: Sequence[str],
           rows: Sequence[Sequence[Any]], *, text_columns: Sequence[int] = (),
           label_column: bool = True) -> None:
    """One printable table: column 1 a code (narrow), column 2 its label (wide, unless
    label_column is False), text_columns (1-based) of text, the others figures."""
    sheet = book.create_sheet(title[:31])
    name = period_name(report.period)
    last = get_column_letter(len(header))
    put(sheet.cell(TITLE_ROW, 1),
        f"{title} — {name[:1].upper()}{name[1:]} — {report.tree.nodes[unit].name}").font = _TITLE
    window = messages.DATA_WINDOW.format(
        data_from=format_date_vn(report.period.data_from),
        cutoff_on=format_date_vn(report.period.cutoff_on),
        as_of=report.as_of.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y"),
        scope="",
    )
    note = provisional_note(report)
    put(sheet.cell(WINDOW_ROW, 1), window if note is None else f"{note} {window}").font = \
        Font(italic=True, bold=note is not None, name=FONT)
    for row in (TITLE_ROW, WINDOW_ROW):
        sheet.merge_cells(f"A{row}:{last}{row}")
        sheet.cell(row, 1).alignment = Alignment(horizontal="left", vertical="center")
    header_lines = 1
    for column, text in enumerate(header, start=1):
        cell = put(sheet.cell(HEADER_ROW, column), text)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _GRID
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        width = (CODE_WIDTH if column == 1 else LABEL_WIDTH if column == 2 and label_column
                 else TEXT_WIDTH if column in text_columns else FIGURE_WIDTH)
        sheet.column_dimensions[get_column_letter(column)].width = width
        header_lines = max(header_lines, _lines(text, width))
    # A file written by openpyxl carries no row heights, and a spreadsheet does not grow a
    # row for wrapped text until it is edited: the header would print cut to one line.
    sheet.row_dimensions[HEADER_ROW].height = HEADER_LINE_PT * header_lines + 4
    looks = _DataCellLooks()
    for offset, values in enumerate(rows, start=1):
        # Ids and labels here come from other services' events, typed by people: every
        # cell goes through the one formula-injection rule.
        # One pair of quotes (“…”) as in the Word report: names typed elsewhere use "…".
        values = [typographic(v) if isinstance(v, str) else v for v in values]
        for cell, value in zip(put_row(sheet, HEADER_ROW + offset, values), values, strict=True):
            looks.give(cell, value)
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 3 if label_column else 2)
    _print_setup(sheet)


class _DataCellLooks:
    """A data cell's font, border, number format and alignment, by the kind of its value.

    Each style openpyxl is given is looked up in the workbook's lists of fonts, borders and
    alignments by its hash, which it computes afresh over every attribute each time: about
    two such lookups a cell made the national workbook (181,000 cells, 760 KiB) the slowest
    thing the service renders (39 s on a loaded machine, three quarters of it these lookups;
    documents were not measured at volume before). A kind's first cell is styled as before
    and the others take a copy of its style indices, the same numbers in the same file."""

    def __init__(self) -> None:
        self._made: dict[type, StyleArray] = {}

    def give(self, cell: Any, value: object) -> None:
        kind = type(value)
        made = self._made.get(kind)
        if made is not None:
            cell._style = copy(made)
            return
        cell.font, cell.border = _PLAIN, _GRID
        if isinstance(value, bool):
            pass
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
            cell.alignment = Alignment(vertical="top", horizontal="center")
        elif isinstance(value, int):
            cell.number_format = INTEGER_FORMAT
        elif isinstance(value, float):
            cell.number_format = DECIMAL_FORMAT
        else:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        self._made[kind] = copy(cell._style)


def _lines(text: str, width: float) -> int:
    """The lines a bold header takes in a column `width` characters wide, word by word."""
    lines, used = 1, 0.0
    for word in text.split():
        size = len(word) * BOLD_CHAR
        if used and used + 1 + size > width - 1:
            lines, used = lines + 1, size
        else:
            used += (1 if used else 0) + size
    return lines


def _print_setup(sheet: Worksheet) -> None:
    """A4 landscape, as wide as one page and as long as it takes, header rows on every
    page, pages numbered (the issue's workbook printed column A alone over 80 pages)."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # 0: as many pages down as needed
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    footer = sheet.oddFooter
    if footer is not None:  # openpyxl always makes one; its type says it may not
        footer.center.text = messages.SHEET_FOOTER
        footer.center.font = FONT
