"""The conference report as a Word document in the state format (Decree 30/2020/NĐ-CP).

A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 14 pt (tables 13
pt); the header block of a Party committee's board; the plan's section numbering; tables of
the indicators and figures. The parts a person writes (assessment, next tasks, date, number)
are left marked for the office's secretary.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from services.reporting import messages
from services.reporting.application.reports import Report
from services.reporting.application.views import (
    THEMES,
    children_rows,
    format_number,
    indicator_rows,
    period_name,
    section_rows,
)
from services.reporting.domain.indicators import CORE_INDICATORS
from services.reporting.domain.metrics import SECTIONS
from shared.clock import VN_TZ, format_date_vn, today_vn

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 13
Doc = object  # python-docx ships no type hints


def report_document(report: Report, unit: str, theme: str | None = None) -> bytes:
    indicators, sections = THEMES[theme] if theme else (CORE_INDICATORS, SECTIONS)
    doc = Document()
    _page_and_fonts(doc)
    _header_block(doc)
    _title(doc, report, unit, theme)
    _heading(doc, messages.DOC_PART_RESULTS)
    _heading(doc, messages.DOC_PART_TARGETS)
    rows = indicator_rows(report, unit, indicators)
    for row in rows:
        _paragraph(doc, messages.DOC_INDICATOR_SENTENCE.format(
            name=row["name"], numerator=format_number(row["numerator"]),
            denominator=format_number(row["denominator"]), value=format_number(row["value"]),
            target=row["target_text"], status=row["status_label"],
        ), indent=True)
        for warning in row["warnings"]:  # the data warnings stand beside their figure
            _paragraph(doc, messages.DOC_DATA_WARNING.format(text=warning["message"]),
                       indent=True)
    _table(doc, [messages.COL_NO, messages.COL_INDICATOR, messages.COL_TARGET,
                 messages.COL_RESULT, messages.COL_RATE, messages.COL_PREVIOUS,
                 messages.COL_STATUS], [
        [str(i), row["short_name"], row["target_text"],
         f"{format_number(row['numerator'])}/{format_number(row['denominator'])}",
         format_number(row["value"]),
         format_number(row["previous"]["value"]) if row["previous"] else messages.VALUE_MISSING,
         row["status_label"]]
        for i, row in enumerate(rows, start=1)
    ], widths=(10, 55, 22, 24, 18, 18, 28))

    _heading(doc, messages.DOC_PART_TASKS)
    for section in section_rows(report, unit, sections):
        _heading(doc, messages.DOC_TASK_TITLES[section["key"]], bold=False, italic=True)
        _table(doc, [messages.COL_NO, messages.COL_FIGURE, messages.COL_PERIOD,
                     messages.COL_PREVIOUS, messages.COL_CHANGE], [
            [str(i), f["label"], format_number(f["value"]), format_number(f["previous"]),
             _signed(f["change"])]
            for i, f in enumerate(section["figures"], start=1)
        ], widths=(10, 95, 25, 25, 20))

    children = children_rows(report, unit, indicators)
    if children:
        _heading(doc, messages.DOC_PART_UNITS)
        _table(doc, [messages.COL_NO, messages.COL_UNIT,
                     *(f"{key} (%)" for key in indicators)], [
            [str(i), child["name"],
             *(format_number(child["indicators"][key]["value"]) for key in indicators)]
            for i, child in enumerate(children, start=1)
        ], widths=(10, 80, *([80 // len(indicators)] * len(indicators))))

    if report.finalisation is not None:
        _paragraph(doc, messages.DOC_FINALISED.format(
            on=format_date_vn(report.finalisation.finalised_at.astimezone(VN_TZ).date()),
            hash=report.finalisation.content_hash[:16]), italic=True)
        if report.differences:
            _paragraph(doc, messages.DOC_DIFFERENCES, bold=True)
            _table(doc, [messages.COL_NO, messages.COL_CODE, messages.COL_FIGURE,
                         messages.COL_FROZEN, messages.COL_CURRENT], [
                [str(i), d["unit_code"], _figure_label(d["figure"]), str(d["frozen"]),
                 str(d["current"])]
                for i, d in enumerate(report.differences[:200], start=1)
            ], widths=(10, 22, 80, 28, 28))

    _heading(doc, messages.DOC_PART_ASSESSMENT)
    _paragraph(doc, messages.DOC_SECRETARY_NOTE, italic=True, indent=True)
    _heading(doc, messages.DOC_PART_TASKS_NEXT)
    _paragraph(doc, messages.DOC_SECRETARY_NEXT, italic=True, indent=True)
    _signature(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _figure_label(figure: str) -> str:
    key, _, part = figure.partition(".")
    if key in messages.INDICATOR_SHORT:
        return f"{key} {messages.INDICATOR_SHORT[key]} ({part})"
    return messages.METRIC_LABELS.get(key, key)


def _signed(value: int | None) -> str:
    if value is None:
        return messages.VALUE_MISSING
    return f"+{format_number(value)}" if value > 0 else format_number(value)


def _page_and_fonts(doc: Doc) -> None:
    section = doc.sections[0]  # type: ignore[attr-defined]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]  # type: ignore[attr-defined]
    style.font.name = FONT
    style.font.size = Pt(BODY_PT)
    # Word takes Vietnamese glyphs from the east-Asian and complex-script slots too.
    fonts = style.element.rPr.rFonts
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    style.paragraph_format.space_after = Pt(6)
    style.paragraph_format.line_spacing = 1.15


def _run(paragraph: object, text: str, *, bold: bool = False, italic: bool = False,
         underline: bool = False, size: int | None = None) -> None:
    run = paragraph.add_run(text)  # type: ignore[attr-defined]
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.name = FONT
    if size:
        run.font.size = Pt(size)


def _header_block(doc: Doc) -> None:
    table = doc.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Mm(75), Mm(90)
    lines = [
        (messages.PARTY_COMMITTEE, False, 14),
        (messages.ISSUER, True, 14),
        ("*", False, 14),
        (messages.DOC_NUMBER, False, 14),
    ]
    left.paragraphs[0].text = ""
    for index, (text, bold, size) in enumerate(lines):
        paragraph = left.paragraphs[0] if index == 0 else left.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, text, bold=bold, size=size)
    title = right.paragraphs[0]
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, messages.PARTY_NAME, bold=True, underline=True, size=15)
    place = right.add_paragraph()
    place.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(place, messages.PLACE_DATE.format(day="……", month="……", year=today_vn().year),
         italic=True, size=14)


def _title(doc: Doc, report: Report, unit: str, theme: str | None) -> None:
    heading = doc.add_paragraph()  # type: ignore[attr-defined]
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_before = Pt(18)
    heading.paragraph_format.space_after = Pt(0)
    _run(heading, messages.REPORT_WORD, bold=True, size=16)
    subtitle = doc.add_paragraph()  # type: ignore[attr-defined]
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    name = period_name(report.period)
    text = (messages.THEMATIC_TITLE.format(theme=messages.THEME_TITLES[theme], period=name)
            if theme else messages.REPORT_TITLE.format(period=name))
    _run(subtitle, text, bold=True, size=14)
    node = report.tree.nodes[unit]
    window = doc.add_paragraph()  # type: ignore[attr-defined]
    window.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(window, messages.DATA_WINDOW.format(
        data_from=format_date_vn(report.period.data_from),
        cutoff_on=format_date_vn(report.period.cutoff_on),
        as_of=report.as_of.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y"),
        scope=messages.SCOPE_SUFFIX.format(scope=node.name),
    ), italic=True, size=13)
    _run(doc.add_paragraph(), "-----", size=13)  # type: ignore[attr-defined]
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER  # type: ignore[attr-defined]


def _heading(doc: Doc, text: str, *, bold: bool = True, italic: bool = False) -> None:
    paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.paragraph_format.first_line_indent = Mm(10)
    _run(paragraph, text, bold=bold, italic=italic)


def _paragraph(doc: Doc, text: str, *, bold: bool = False, italic: bool = False,
               indent: bool = False) -> None:
    paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    _run(paragraph, text, bold=bold, italic=italic)


def _table(doc: Doc, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[int]) -> None:
    table = doc.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text, width in zip(table.rows[0].cells, header, widths, strict=True):
        cell.width = Mm(width * 165 / sum(widths))
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(cell.paragraphs[0], text, bold=True, size=TABLE_PT)
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, text, width) in enumerate(zip(cells, values, widths, strict=True)):
            cell.width = Mm(width * 165 / sum(widths))
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            if index != 1:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(paragraph, text, size=TABLE_PT)
    doc.add_paragraph()  # type: ignore[attr-defined]


def _signature(doc: Doc) -> None:
    table = doc.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    left, right = table.rows[0].cells
    first = left.paragraphs[0]
    _run(first, messages.DOC_RECIPIENTS, bold=True, italic=True, size=12)
    for line in messages.DOC_RECIPIENT_LINES:
        paragraph = left.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, line, size=11)
    for index, text in enumerate((messages.DOC_SIGNER, messages.DOC_SIGNER_ROLE)):
        paragraph = right.paragraphs[0] if index == 0 else right.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, text, bold=True)
