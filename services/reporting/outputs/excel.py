"""Every table of a report as an Excel workbook: one sheet per table, Vietnamese headers.

Each sheet starts with the report's title and data window (rows 1-2); the table's header is
row 4 and its data follow, with figures as numbers so they can be summed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from services.reporting import messages
from services.reporting.application.reports import Report
from services.reporting.application.views import (
    THEMES,
    indicator_rows,
    period_name,
    section_rows,
)
from services.reporting.domain.indicators import CORE_INDICATORS
from services.reporting.domain.metrics import METRICS, SECTIONS
from shared.clock import VN_TZ, format_date_vn
from shared.safecells import put, put_row

HEADER_ROW = 4
_BOLD = Font(bold=True, name="Times New Roman")
_PLAIN = Font(name="Times New Roman")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def report_workbook(report: Report, unit: str, theme: str | None = None) -> bytes:
    indicators, sections = THEMES[theme] if theme else (CORE_INDICATORS, SECTIONS)
    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    rows = indicator_rows(report, unit, indicators)
    _sheet(book, report, unit, messages.SHEET_INDICATORS,
           ["Mã", messages.COL_INDICATOR, messages.COL_TARGET, "Tử số", "Mẫu số",
            messages.COL_RATE, messages.COL_STATUS, f"{messages.COL_PREVIOUS} (%)"],
           [[r["id"], r["name"], r["target_text"], r["numerator"], r["denominator"],
             r["value"], r["status_label"], r["previous"]["value"] if r["previous"] else None]
            for r in rows])
    for section in section_rows(report, unit, sections):
        _sheet(book, report, unit, messages.SHEET_SECTION[section["key"]],
               [messages.COL_NO, messages.COL_FIGURE, messages.COL_PERIOD,
                messages.COL_PREVIOUS, messages.COL_CHANGE],
               [[i, f["label"], f["value"], f["previous"], f["change"]]
                for i, f in enumerate(section["figures"], start=1)])
    keys = [m.key for m in METRICS if m.section in sections]
    table: list[list[Any]] = []
    for code in _subtree(report, unit):
        node = report.tree.nodes[code]
        data = report.unit(code)
        table.append([
            node.code, node.name, messages.LEVEL_NAMES[node.level],
            *(data["indicators"][key]["value"] for key in indicators),
            *(data["figures"][key] for key in keys),
        ])
    _sheet(book, report, unit, messages.SHEET_UNITS,
           [messages.COL_CODE, messages.COL_UNIT, messages.COL_LEVEL,
            *(f"{key} (%)" for key in indicators),
            *(messages.METRIC_LABELS[key] for key in keys)], table)
    if not theme and report.other_indicators:
        _sheet(book, report, unit, messages.SHEET_OTHER,
               ["Mã", messages.COL_CODE, "Tử số", "Mẫu số", messages.COL_RATE],
               [[o["indicator_id"], o["unit_code"], o["numerator"], o["denominator"],
                 o["value"]] for o in report.other_indicators])
    if report.differences:
        _sheet(book, report, unit, messages.SHEET_DIFFERENCES,
               [messages.COL_CODE, messages.COL_FIGURE, messages.COL_FROZEN,
                messages.COL_CURRENT],
               [[d["unit_code"], d["figure"], d["frozen"], d["current"]]
                for d in report.differences])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _subtree(report: Report, unit: str) -> list[str]:
    order: list[str] = []
    stack = [unit]
    while stack:
        code = stack.pop()
        order.append(code)
        stack.extend(reversed(report.tree.nodes[code].children))
    return order


def _sheet(book: Workbook, report: Report, unit: str, title: str, header: Sequence[str],
           rows: Sequence[Sequence[Any]]) -> None:
    sheet = book.create_sheet(title[:31])
    name = period_name(report.period)
    put(sheet.cell(1, 1), f"{title} — {name} — {report.tree.nodes[unit].name}").font = _BOLD
    put(sheet.cell(2, 1), messages.DATA_WINDOW.format(
        data_from=format_date_vn(report.period.data_from),
        cutoff_on=format_date_vn(report.period.cutoff_on),
        as_of=report.as_of.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y"),
        scope="",
    )).font = Font(italic=True, name="Times New Roman")
    for column, text in enumerate(header, start=1):
        cell = put(sheet.cell(HEADER_ROW, column), text)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(column)].width = 14 if column > 2 else 40
    for offset, values in enumerate(rows, start=1):
        # Ids and labels here come from other services' events, typed by people: every
        # cell goes through the one formula-injection rule.
        for cell, value in zip(put_row(sheet, HEADER_ROW + offset, values), values, strict=True):
            cell.font = _PLAIN
            if isinstance(value, float):
                cell.number_format = "#,##0.0"
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
