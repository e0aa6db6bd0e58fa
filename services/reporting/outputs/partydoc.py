"""A document of a Party body, laid out as Hướng dẫn 36-HD/VPTW (03/4/2018) of the Party
Central Office asks (the Commission is a Party body: not Decree 30/2020, which is the State's).

What the guidance fixes and where it is done here:

* A4 portrait; margins top and bottom 20 mm, left 30 mm, right 15 mm (inside its ranges
  20-25 / 30-35 / 15-20 mm) — `_page`.
* Vietnamese characters of TCVN 6909:2001 (Unicode) in Times New Roman, in every style and
  every run, including the east-Asian and complex-script slots Word falls back to — `_fonts`.
* The header block (`header_block`), a two-column layout table without borders so nothing
  wraps: on the left the superior body (14, upright), the issuing body (14, bold), an
  asterisk under it, the number "Số …-BC/BDVTU" (14); on the right "ĐẢNG CỘNG SẢN VIỆT NAM"
  (15, bold) with its rule as long as the title, and on the line of the number the place and
  date (14, italic).
* The kind of document (16, bold, upper case) and its subject (14, bold) — `title`.
* Page numbers in Arabic figures (14), centred at the top, from the second page on —
  `_page_numbers`.
* The signer's authority and title (14, bold, upper case), room for signature and name;
  "Nơi nhận:" (14, underlined) with its lines (12) on the left — `signature_block`.

Headings are numbered by the document, not by their callers (`heading`): I., II. at the first
level, 1., 2. under it, 2.1., 2.2. under those, so numbers are unique and in order whatever
sections a report holds. Every text goes through `typographic`: one pair of quotes (“…”) in
body and tables alike, as the Commission's own plan writes them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from shared.safecells import xml_safe

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 13
NOTE_PT = 12
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, BOTTOM_MM, LEFT_MM, RIGHT_MM = 20, 20, 30, 15
TEXT_WIDTH_MM = PAGE_WIDTH_MM - LEFT_MM - RIGHT_MM
#: The header block may reach a little into the margins (as the Party's own models do) so
#: that "ĐẢNG BỘ THÀNH PHỐ HẢI PHÒNG" and the place and date each hold on one line.
HEADER_LEFT_MM, HEADER_RIGHT_MM, HEADER_OUTDENT_MM = 86, 92, 8
KEEP_TOGETHER_ROWS = 20
_FONT_SLOTS = ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def typographic(text: str) -> str:
    """Straight double quotes as the pair “…” (texts typed elsewhere, e.g. an indicator's
    name from the indicators service, use the straight ones)."""
    if '"' not in text:
        return text
    out: list[str] = []
    opening = True
    for char in text:
        if char == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append(char)
    return "".join(out)


def upper_first(text: str) -> str:
    """A label as a heading or a table shows it: its first letter upper case."""
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Column:
    """A table column: its header and its width in millimetres; a table's widths are scaled
    together to the text width (165 mm), so they may as well be read as shares of it."""

    header: str
    width_mm: float
    align_left: bool = False


@dataclass
class Signature:
    authority: str | None  # "T/M BAN THƯỜNG VỤ" and the like; None when the head signs
    title: str  # "TRƯỞNG BAN"
    name: str  # the signer's name, or a blank line the secretary fills in


@dataclass
class PartyDocument:
    """A .docx being written in the Party's format; sections call its methods in order."""

    doc: Any = field(default_factory=Document)  # python-docx ships no type hints
    _numbers: list[int] = field(default_factory=lambda: [0, 0, 0])

    def __post_init__(self) -> None:
        _page(self.doc)
        _fonts(self.doc)
        _page_numbers(self.doc)

    # -- the parts every document has --------------------------------------------------
    def header_block(self, *, superior: str, issuer: str, number: str, party: str,
                     place_date: str) -> None:
        table = self.doc.add_table(rows=2, cols=2)
        _layout_table(table, (HEADER_LEFT_MM, HEADER_RIGHT_MM), borders=False)
        _indent_table(table, -HEADER_OUTDENT_MM)
        (left, right), (number_cell, date_cell) = (r.cells for r in table.rows)
        _cell_lines(left, [(superior, {}), (issuer, {"bold": True}), ("*", {})])
        _cell_lines(right, [(party, {"bold": True, "underline": True, "size": 15})])
        _cell_lines(number_cell, [(number, {})])
        _cell_lines(date_cell, [(place_date, {"italic": True})])
        for paragraph in (*number_cell.paragraphs, *date_cell.paragraphs):
            paragraph.paragraph_format.space_before = Pt(6)

    def title(self, kind: str, subject: str, data_line: str) -> None:
        heading = self._paragraph(WD_ALIGN_PARAGRAPH.CENTER, space_before=18, space_after=0)
        _run(heading, kind, bold=True, size=16)
        subtitle = self._paragraph(WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
        _run(subtitle, subject, bold=True)
        rule = self._paragraph(WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
        _run(rule, "-----", size=NOTE_PT)
        data = self._paragraph(WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
        _run(data, data_line, italic=True, size=TABLE_PT)

    def heading(self, level: int, text: str) -> str:
        """A numbered heading: level 1 "I.", level 2 "1.", level 3 "1.1."; returns the
        number given."""
        self._numbers[level - 1] += 1
        for deeper in range(level, len(self._numbers)):
            self._numbers[deeper] = 0
        if level == 1:
            number = f"{_ROMAN[self._numbers[0] - 1]}."
        else:
            number = ".".join(str(n) for n in self._numbers[1:level]) + "."
        paragraph = self._paragraph(WD_ALIGN_PARAGRAPH.JUSTIFY, space_before=6)
        paragraph.paragraph_format.keep_with_next = True
        paragraph.paragraph_format.first_line_indent = Mm(10)
        label = text.upper() if level == 1 else upper_first(text)
        _run(paragraph, f"{number} {label}", bold=level < 3, italic=level == 3)
        return number

    def text(self, text: str, *, italic: bool = False, bold: bool = False,
             size: int | None = None) -> None:
        paragraph = self._paragraph(WD_ALIGN_PARAGRAPH.JUSTIFY)
        paragraph.paragraph_format.first_line_indent = Mm(10)
        _run(paragraph, text, italic=italic, bold=bold, size=size)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]],
              note: str | None = None) -> None:
        """One table: header row repeated on every page, the widths given (a narrow "TT"),
        rows kept whole across a page break; a note in small italics under it."""
        table = self.doc.add_table(rows=1, cols=len(columns))
        table.style = "Table Grid"
        # Between the margins, never into them: the widths are scaled to the text width.
        scale = TEXT_WIDTH_MM / sum(c.width_mm for c in columns)
        _layout_table(table, [c.width_mm * scale for c in columns], borders=True)
        header = table.rows[0]
        _repeat_as_header(header)
        for cell, column in zip(header.cells, columns, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.keep_with_next = True
            _tight(paragraph)
            _run(paragraph, upper_first(column.header), bold=True, size=TABLE_PT)
        # A short table moves to the next page whole rather than leave its header behind.
        together = len(rows) <= KEEP_TOGETHER_ROWS
        for index, values in enumerate(rows):
            row = table.add_row()
            _keep_whole(row)
            for cell, text, column in zip(row.cells, values, columns, strict=True):
                paragraph = cell.paragraphs[0]
                paragraph.paragraph_format.keep_with_next = together and index < len(rows) - 1
                paragraph.alignment = (WD_ALIGN_PARAGRAPH.LEFT if column.align_left
                                       else WD_ALIGN_PARAGRAPH.CENTER)
                _tight(paragraph)
                _run(paragraph, upper_first(text) if column.align_left else text,
                     size=TABLE_PT)
        after = self._paragraph(WD_ALIGN_PARAGRAPH.JUSTIFY, space_after=6)
        # The paragraph after a table carries its note, or is a small gap before the next.
        if note:
            _run(after, note, italic=True, size=NOTE_PT)
        else:  # the paragraph mark's size sets the empty line's height
            mark = OxmlElement("w:rPr")
            mark.append(_element("w:sz", val="8"))
            after._p.get_or_add_pPr().append(mark)

    def signature_block(self, signature: Signature, recipients_title: str,
                        recipients: Sequence[str]) -> None:
        # The signature never stands alone on a page: the body's last paragraph goes with it.
        if self.doc.paragraphs:
            self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        table = self.doc.add_table(rows=1, cols=2)
        _layout_table(table, (TEXT_WIDTH_MM * 0.58, TEXT_WIDTH_MM * 0.42), borders=False)
        left, right = table.rows[0].cells
        _keep_whole(table.rows[0])
        first = left.paragraphs[0]
        _tight(first)
        _run(first, recipients_title, underline=True)
        for line in recipients:
            _run(_tight(left.add_paragraph()), line, size=NOTE_PT)
        lines = [(line, {"bold": True}) for line in (signature.authority, signature.title)
                 if line]
        _cell_lines(right, lines)
        for paragraph in (first, right.paragraphs[0]):  # a line's gap after the body
            paragraph.paragraph_format.space_before = Pt(12)
        # Room for the signature (and the seal): about 30 mm, then the name.
        name = _tight(right.add_paragraph())
        name.alignment = WD_ALIGN_PARAGRAPH.CENTER
        name.paragraph_format.space_before = Pt(84)
        _run(name, signature.name, bold=True)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()

    def _paragraph(self, alignment: Any, *, space_before: int = 0,
                   space_after: int = 6) -> Any:
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = alignment
        paragraph.paragraph_format.space_before = Pt(space_before)
        paragraph.paragraph_format.space_after = Pt(space_after)
        return paragraph


# -- page, fonts, numbers ---------------------------------------------------------------------

def _page(doc: Any) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)


def _set_fonts(r_pr: Any) -> None:
    fonts = r_pr.get_or_add_rFonts()
    # The template's theme fonts (Calibri, Cambria...) would win over the named font.
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for slot in _FONT_SLOTS:
        fonts.set(qn(slot), FONT)


def _fonts(doc: Any) -> None:
    """Times New Roman as the document default and in every style the template carries."""
    styles = doc.styles.element
    # Every font the styles name: the defaults, each style, each table style's parts.
    for fonts in list(styles.iter(qn("w:rFonts"))):
        _set_fonts(fonts.getparent())
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1


def _field(paragraph: Any, instruction: str, size: int) -> None:
    for kind, text in (("begin", None), (None, instruction), ("separate", None),
                       (None, "1"), ("end", None)):
        run = paragraph.add_run()
        run.font.size = Pt(size)
        _set_fonts(run._r.get_or_add_rPr())
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == instruction:
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = f" {instruction} "
            run._r.append(code)
        else:
            run.text = text


def _page_numbers(doc: Any) -> None:
    section = doc.sections[0]
    section.different_first_page_header_footer = True  # no number on the first page
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(paragraph, "PAGE", BODY_PT)


# -- runs, cells, tables ----------------------------------------------------------------------

def _run(paragraph: Any, text: str, *, bold: bool = False, italic: bool = False,
         underline: bool = False, size: int | None = None) -> Any:
    run = paragraph.add_run(typographic(xml_safe(text)))
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.name = FONT
    _set_fonts(run._r.get_or_add_rPr())
    if size:
        run.font.size = Pt(size)
    return run


def _tight(paragraph: Any) -> Any:
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    return paragraph


def _cell_lines(cell: Any, lines: Sequence[tuple[str, dict[str, Any]]]) -> None:
    for index, (text, style) in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _tight(paragraph)
        _run(paragraph, text, **style)


def _layout_table(table: Any, widths_mm: Sequence[float], *, borders: bool) -> None:
    """Fixed column widths, written where Word and LibreOffice each read them (the grid and
    every cell), so a narrow column stays narrow instead of being evened out."""
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    _put(tbl_pr, _element("w:tblLayout", type="fixed"), _TBL_PR_ORDER)
    _put(tbl_pr, _element("w:tblW", w=str(sum(Mm(w).twips for w in widths_mm)), type="dxa"),
         _TBL_PR_ORDER)
    for column, width_mm in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_mm,
                                strict=True):
        column.set(qn("w:w"), str(Mm(width_mm).twips))
    for row in table.rows:
        for cell, width_mm in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width_mm)
    if not borders:
        edges = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            edges.append(_element(f"w:{edge}", val="nil"))
        _put(tbl_pr, edges, _TBL_PR_ORDER)
        margins = OxmlElement("w:tblCellMar")
        for edge in ("left", "right"):
            margins.append(_element(f"w:{edge}", w="0", type="dxa"))
        _put(tbl_pr, margins, _TBL_PR_ORDER)


def _indent_table(table: Any, mm: float) -> None:
    # A centred table ignores its indent: the header block starts at the indent instead.
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    twips = Mm(abs(mm)).twips * (1 if mm >= 0 else -1)
    _put(table._tbl.tblPr, _element("w:tblInd", w=str(twips), type="dxa"), _TBL_PR_ORDER)


def _repeat_as_header(row: Any) -> None:
    _put(row._tr.get_or_add_trPr(), _element("w:tblHeader"), _TR_PR_ORDER)
    _keep_whole(row)


def _keep_whole(row: Any) -> None:
    _put(row._tr.get_or_add_trPr(), _element("w:cantSplit"), _TR_PR_ORDER)


# Word refuses a file whose properties are out of the schema's order: each element goes in
# its place in the sequence (ECMA-376 CT_TblPr, CT_TrPr).
_TBL_PR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                 "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd",
                 "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
                 "tblCaption", "tblDescription")
_TR_PR_ORDER = ("cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter",
                "cantSplit", "trHeight", "tblHeader", "tblCellSpacing", "jc", "hidden")


def _element(tag: str, **attributes: str) -> Any:
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _put(parent: Any, element: Any, order: Sequence[str]) -> None:
    """Replace parent's child of the same tag with element, at its place in order."""
    name = element.tag.rpartition("}")[2]
    for old in parent.findall(element.tag):
        parent.remove(old)
    later = set(order[order.index(name) + 1:])
    for index, child in enumerate(parent):
        if child.tag.rpartition("}")[2] in later:
            parent.insert(index, element)
            return
    parent.append(element)
