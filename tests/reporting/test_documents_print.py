"""The conference documents as they print: the 6-month report of 2023 on the scenario data,
its .docx in the Party's format (Hướng dẫn 36-HD/VPTW), the PDF LibreOffice renders from it
(read back with poppler's pdftotext/pdfinfo/pdffonts), and the Excel workbook's page setup.

The documents are built from the report in memory, alike on every database (test_reports.py
runs the routes on SQLite and PostgreSQL); this module feeds the scenario once into one
SQLite-backed service and renders each PDF once, because a rendering takes seconds.
Without LibreOffice or poppler the PDF tests skip with the reason, and fail under CI=true.
"""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from docx import Document
from fastapi.testclient import TestClient

from services.reporting.adapters.tables import FACT_TABLES
from services.reporting.app import create_app
from services.reporting.outputs import pdf
from shared.natsserver import NatsServer
from shared.settings import Settings
from tests.conftest import IN_CI
from tests.integration.helpers import ensure_streams
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import two_quarter_scenario

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REPORT = "/api/v1/reports/2023-6m"
THEME = "/api/v1/themes/dat-dai-ton-giao/2023-6m"
A4_PORTRAIT = (595, 842)  # points, as pdfinfo gives them (rounded)


@dataclass
class Rendered:
    client: TestClient
    docx: bytes
    thematic_docx: bytes
    xlsx: bytes
    folder: Path

    def pdf(self, name: str) -> Path:
        return self.folder / name


def _tools_or_skip() -> None:
    missing = [tool for tool in ("pdftotext", "pdfinfo", "pdffonts") if not shutil.which(tool)]
    if pdf.engine() is None:
        missing.append("soffice")
    if missing:
        message = (f"missing {', '.join(missing)}: run `make setup` "
                   "(tools/ensure_libreoffice.sh installs them from Debian)")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def rendered(nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Rendered]:
    folder = tmp_path_factory.mktemp("documents")
    root = f"t{uuid.uuid4().hex[:10]}"
    asyncio.run(ensure_streams(nats_server.url, root, FACT_TABLES))
    settings = Settings.for_service(
        "reporting", database_url=f"sqlite:///{folder / 'reporting.db'}",
        nats_url=nats_server.url, subject_root=root, environment="test",
        relay_poll_interval_s=0.1, log_json=True)
    with TestClient(create_app(settings)) as client:
        Reporting(client, nats_server.url, root, {}).feed(two_quarter_scenario())

        def get(url: str) -> bytes:
            response = client.get(url)
            assert response.status_code == 200, response.text
            content: bytes = response.content
            return content

        yield Rendered(client, get(f"{REPORT}/report.docx"), get(f"{THEME}/report.docx"),
                       get(f"{REPORT}/tables.xlsx"), folder)


@pytest.fixture(scope="module")
def report_pdf(rendered: Rendered) -> Path:
    """The PDF route's answer for the 6-month report, rendered once for the module."""
    _tools_or_skip()
    response = rendered.client.get(f"{REPORT}/report.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "bao-cao-2023-6m.pdf" in response.headers["content-disposition"]
    path = rendered.pdf("report.pdf")
    path.write_bytes(response.content)
    return path


# -- the .docx --------------------------------------------------------------------------------

def _headings(docx: bytes) -> list[str]:
    numbered = re.compile(r"^((?:[IVX]+)|(?:\d+(?:\.\d+)*))\. \S")
    return [m.group(1) for p in Document(io.BytesIO(docx)).paragraphs
            if (m := numbered.match(p.text))]


def _assert_numbered_in_order(numbers: list[str]) -> None:
    """I., 1., 2., 2.1., 2.2., 3., II., III.: each number once, each the next of its level."""
    assert len(numbers) == len(set(numbers)), numbers
    roman = ["I", "II", "III", "IV", "V", "VI"]
    expected_next: dict[tuple[int, ...], int] = {}
    part = 0
    for number in numbers:
        if number in roman:
            assert roman.index(number) == part, numbers
            part += 1
            expected_next = {}
            continue
        path = tuple(int(n) for n in number.split("."))
        parent = path[:-1]
        assert path[-1] == expected_next.get(parent, 1), numbers
        expected_next[parent] = path[-1] + 1
        for deeper in [k for k in expected_next if len(k) > len(parent) + 1 or
                       (len(k) == len(path) and k[:-1] != parent)]:
            del expected_next[deeper]


@pytest.mark.parametrize("which", ["docx", "thematic_docx"])
def test_headings_are_numbered_once_and_in_order(rendered: Rendered, which: str) -> None:
    numbers = _headings(getattr(rendered, which))
    assert numbers[:2] == ["I", "1"] and "II" in numbers and "III" in numbers
    _assert_numbered_in_order(numbers)
    if which == "docx":  # the four task sections of plan II.2, numbered by the document
        assert numbers[2:8] == ["2", "2.1", "2.2", "2.3", "2.4", "3"]


def test_the_checker_rejects_the_numbers_the_issue_saw() -> None:
    with pytest.raises(AssertionError):
        _assert_numbered_in_order(["I", "1", "2", "2.4", "2.4", "2.3", "2.3"])
    with pytest.raises(AssertionError):
        _assert_numbered_in_order(["I", "1", "3"])


@pytest.mark.parametrize("which", ["docx", "thematic_docx"])
def test_times_new_roman_in_every_style_and_run(rendered: Rendered, which: str) -> None:
    with zipfile.ZipFile(io.BytesIO(getattr(rendered, which))) as package:
        parts = {name: ElementTree.fromstring(package.read(name)) for name in package.namelist()
                 if re.fullmatch(r"word/(document|styles|header\d*|footer\d*)\.xml", name)}
    fonts = [f for root in parts.values() for f in root.iter(f"{W}rFonts")]
    assert len(fonts) > 50
    for element in fonts:
        named = {k.removeprefix(W): v for k, v in element.attrib.items()}
        assert not [k for k in named if k.endswith("Theme") or k == "cstheme"], named
        assert {named.get(slot) for slot in ("ascii", "hAnsi", "eastAsia", "cs")} == {
            "Times New Roman"}, named
    runs = [r for name in parts if name != "word/styles.xml" for r in parts[name].iter(f"{W}r")]
    assert runs and all(r.find(f"{W}rPr/{W}rFonts") is not None for r in runs)


def test_the_word_report_reads_as_the_commission_writes(rendered: Rendered) -> None:
    doc = Document(io.BytesIO(rendered.docx))
    header = doc.tables[0]
    assert [c.text for c in header.rows[0].cells] == [
        "ĐẢNG BỘ THÀNH PHỐ HẢI PHÒNG\nBAN DÂN VẬN THÀNH ỦY\n*", "ĐẢNG CỘNG SẢN VIỆT NAM"]
    assert [c.text for c in header.rows[1].cells] == [
        "Số …-BC/BDVTU", "Hải Phòng, ngày …… tháng …… năm ……"]
    text = "\n".join(p.text for p in doc.paragraphs)
    # Which data the document reflects: the window, the as_of and the day it was made.
    assert re.search(r"từ ngày 15/12/2022 đến ngày 14/06/2023, theo dữ liệu ghi nhận đến "
                     r"\d\d:\d\d ngày \d\d/\d\d/\d{4}; phạm vi: Thành phố Hải Phòng; "
                     r"văn bản lập ngày \d\d/\d\d/\d{4}", text), text
    signature = doc.tables[-1]
    assert signature.cell(0, 0).text.startswith("Nơi nhận:\n- Ban Dân vận Trung ương")
    assert signature.cell(0, 0).text.endswith("- Lưu.")
    assert signature.cell(0, 1).text.split("\n")[0] == "TRƯỞNG BAN"
    # One kind of quotes in body and tables, as the plan writes them.
    everything = text + "".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "“Dân vận khéo”" in everything and '"' not in everything
    # A narrow TT column in every data table; labels begin upper case.
    for table in doc.tables[1:-1]:
        widths = [c.width for c in table.rows[0].cells]
        assert table.rows[0].cells[0].text == "TT" and widths[0] < min(widths[1:])
        assert abs(sum(w.mm for w in widths) - 165) < 0.5  # between the margins, 210-30-15
        for row in table.rows[1:]:
            label = row.cells[1].text
            assert label[:1] == label[:1].upper(), label


def test_the_plan_base_is_explained_where_it_is_the_denominator(rendered: Rendered) -> None:
    """The scenario's I3 has a base declared by the indicators service (4 sites), I4 the
    plan's 239: each result is marked, and a note under the table says where its base comes
    from and what the register holds (4 sites)."""
    doc = Document(io.BytesIO(rendered.docx))
    table = doc.tables[1]
    results = {row.cells[1].text: row.cells[3].text for row in table.rows[1:]}
    assert results["Hồ sơ đăng ký đất đai"] == "2/4 (*)"
    assert results["Giấy chứng nhận QSDĐ"] == "1/239 (**)"
    assert results["Đối thoại trực tiếp"] == "3/3"  # no fixed base, no mark
    note = next(p.text for p in doc.paragraphs if p.text.startswith("(*) "))
    declared, plan = note.split(" (**) ")
    assert declared.startswith("(*) Mẫu số 4 của chỉ tiêu I3 là số cơ sở được khai báo")
    assert plan.startswith("Mẫu số 239 là tổng số cơ sở tôn giáo đang sử dụng đất mà Kế hoạch")
    assert "mục II.1.3" in plan and plan.endswith("sổ theo dõi hiện có 4 cơ sở đang sử dụng đất.")
    # The register's count is said once, in the note, not again as a data warning.
    assert not [p.text for p in doc.paragraphs if p.text.startswith("Lưu ý số liệu: Sổ theo dõi")]


# -- the PDF ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float


def _pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


def _pages(path: Path) -> int:
    return int(_pdf_info(path)["Pages"])


def _page_text(path: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True, text=True, check=True).stdout


def _words(path: Path, page: int) -> list[Word]:
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True, text=True, check=True).stdout
    return [Word(m.group(5), float(m.group(1)), float(m.group(2)), float(m.group(3)))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                 r'yMax="([\d.]+)">([^<]*)</word>', html)]


def _phrase(words: list[Word], phrase: str) -> list[Word]:
    """The words of the phrase, found in order (first occurrence)."""
    tokens = phrase.split()
    for start in range(len(words) - len(tokens) + 1):
        if [w.text for w in words[start:start + len(tokens)]] == tokens:
            return words[start:start + len(tokens)]
    raise AssertionError(f"{phrase!r} not found on the page")


def _one_line(words: list[Word]) -> float:
    tops = {round(w.y0) for w in words}
    assert max(tops) - min(tops) <= 1, words  # on one line, no wrap
    return min(w.y0 for w in words)


def test_the_pdf_has_a_sane_length_and_page_numbers(report_pdf: Path) -> None:
    info = _pdf_info(report_pdf)
    pages = int(info["Pages"])
    assert 2 <= pages <= 5, pages  # the issue's draft ran to 6 pages
    width, height = (round(float(v)) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (width, height) == A4_PORTRAIT
    # From the second page on, the page's number stands alone at the top, centred.
    assert not re.match(r"\s*1\s*$", _page_text(report_pdf, 1).splitlines()[0])
    for page in range(2, pages + 1):
        top = min(_words(report_pdf, page), key=lambda w: (round(w.y0), w.x0))
        assert top.text == str(page), (page, top)
        assert abs((top.x0 + top.x1) / 2 - (30 + 195) / 2 * 72 / 25.4) < 15
        assert top.y0 < 20 * 72 / 25.4  # in the top margin


def test_the_header_block_lines_are_where_they_belong(report_pdf: Path) -> None:
    words = _words(report_pdf, 1)
    middle = (30 + 195) / 2 * 72 / 25.4  # of the text between the margins (30 and 15 mm)
    committee = _phrase(words, "ĐẢNG BỘ THÀNH PHỐ HẢI PHÒNG")
    party = _phrase(words, "ĐẢNG CỘNG SẢN VIỆT NAM")
    issuer = _phrase(words, "BAN DÂN VẬN THÀNH ỦY")
    star = _phrase(words, "*")
    number = _phrase(words, "Số …-BC/BDVTU")
    place = _phrase(words, "Hải Phòng, ngày …… tháng …… năm ……")
    top = _one_line(committee)
    assert abs(_one_line(party) - top) <= 3  # first line, left and right
    assert max(w.x1 for w in committee + issuer + number) < middle
    assert min(w.x0 for w in party + place) > middle - 10
    assert top < _one_line(issuer) < _one_line(star) < _one_line(number)
    assert abs(_one_line(place) - _one_line(number)) <= 3  # place and date beside the number
    # The left lines are centred on one another.
    centres = [(ws[0].x0 + ws[-1].x1) / 2 for ws in (committee, issuer, star, number)]
    assert max(centres) - min(centres) < 6, centres
    title = _phrase(words, "BÁO CÁO")
    assert _one_line(title) > _one_line(place)


def test_the_pdf_is_set_in_times_new_roman_or_its_metric_twin(report_pdf: Path) -> None:
    out = subprocess.run(["pdffonts", str(report_pdf)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    names = {line.split()[0].partition("+")[2] or line.split()[0] for line in out if line}
    assert names and all(re.match(r"(LiberationSerif|TimesNewRoman)", n) for n in names), names


def test_the_signature_leaves_room_for_the_name(report_pdf: Path) -> None:
    last = _pages(report_pdf)
    words = _words(report_pdf, last)
    title = _phrase(words, "TRƯỞNG BAN")
    name = _phrase(words, "……………………………")
    gap_mm = (_one_line(name) - _one_line(title)) * 25.4 / 72
    assert 25 <= gap_mm <= 45, gap_mm
    assert min(w.x0 for w in title) > A4_PORTRAIT[0] / 2
    # Not alone on its page: the body's last part comes with it.
    assert "NHIỆM VỤ TRỌNG TÂM KỲ TỚI" in _page_text(report_pdf, last)


def test_without_libreoffice_the_pdf_route_answers_503_in_vietnamese(
    rendered: Rendered, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "engine", lambda: None)
    response = rendered.client.get(f"{THEME}/report.pdf")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "PDF_ENGINE_MISSING" and "LibreOffice" in error["message"]


def test_a_failing_engine_is_a_503_too_never_a_500(
    rendered: Rendered, monkeypatch: pytest.MonkeyPatch
) -> None:
    false = shutil.which("false")
    assert false is not None
    monkeypatch.setattr(pdf, "engine", lambda: false)  # exits 1 and writes no PDF
    response = rendered.client.get(f"{REPORT}/report.pdf")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "PDF_ENGINE_FAILED"


def test_the_dashboard_offers_the_pdf_beside_the_word_report(rendered: Rendered) -> None:
    page = rendered.client.get("/", params={"period": "2023-6m"})
    assert page.status_code == 200
    links = dict(re.findall(r'<a id="download-(\w+)" href="([^"]+)"', page.text))
    assert links["pdf"] == links["docx"].replace("report.docx", "report.pdf")
    assert "/reports/2023-6m/report.pdf?" in links["pdf"]


def test_a_bad_theme_or_period_is_refused_before_any_rendering(rendered: Rendered) -> None:
    for url in ("/api/v1/themes/khong-co/2023-6m/report.pdf",
                "/api/v1/reports/2023-7m/report.pdf", "/api/v1/reports/2023-7m/tables.xlsx"):
        response = rendered.client.get(url)
        assert response.status_code == 422, url
        assert response.json()["error"]["code"] in {"UNKNOWN_THEME", "INVALID_PERIOD"}


# -- Excel ------------------------------------------------------------------------------------

def test_every_sheet_prints_on_a4_landscape_fitted_to_the_width(rendered: Rendered) -> None:
    book = openpyxl.load_workbook(io.BytesIO(rendered.xlsx))
    assert {"Chỉ tiêu", "Theo đơn vị", "Đơn vị - Đối thoại"} <= set(book.sheetnames)
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.paperSize, setup.orientation) == (9, "landscape"), sheet.title
        fitted = sheet.sheet_properties.pageSetUpPr
        assert fitted is not None and fitted.fitToPage, sheet.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.print_title_rows == "$4:$4", sheet.title
        assert sheet["A1"].value.startswith(sheet.title) and sheet["A1"].font.bold
        assert sheet.column_dimensions["A"].width <= 8 < sheet.column_dimensions["B"].width
        figures = [c for row in sheet.iter_rows(min_row=5) for c in row[2:]
                   if c.value is not None and not isinstance(c.value, str)]
        assert figures, sheet.title
        for cell in figures:
            assert isinstance(cell.value, int | float)
            assert cell.number_format in {"[$-42A]#,##0", "[$-42A]#,##0.00"}, cell.number_format
    names = [str(row[1].value) for row in book["Chỉ tiêu"].iter_rows(min_row=5)]
    assert any("“Dân vận khéo”" in n for n in names) and not any('"' in n for n in names)
    rates = [row[5] for row in book["Chỉ tiêu"].iter_rows(min_row=5)]
    assert {c.number_format for c in rates if isinstance(c.value, float)} == {"[$-42A]#,##0.00"}


def test_the_units_sheet_prints_on_a_few_pages_with_its_header_repeated(
    rendered: Rendered
) -> None:
    """The widest sheet (the dialogue figures of the city's 233 units) alone, as
    LibreOffice prints it: every column on the first page, the header again on the next."""
    _tools_or_skip()
    book = openpyxl.load_workbook(io.BytesIO(rendered.xlsx))
    for name in [n for n in book.sheetnames if n != "Đơn vị - Đối thoại"]:
        book.remove(book[name])
    buffer = io.BytesIO()
    book.save(buffer)
    path = rendered.pdf("units.pdf")
    path.write_bytes(pdf.to_pdf(buffer.getvalue(), ".xlsx"))
    info = _pdf_info(path)
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert width > height  # landscape
    pages = int(info["Pages"])
    assert 2 <= pages <= 12, pages  # 233 rows; the issue's workbook printed 80 pages
    first, second = _page_text(path, 1), _page_text(path, 2)
    # The last column's header on the first page (fitted to the width), the header again
    # on the second (each cell's text wraps over lines: look for words of it).
    assert "Cam kết đang" in first and "Phường Hùng Vương" in first
    assert "Người đứng" in second and "Mã đơn vị" in second
    assert re.search(r"Trang 2/\d+", second)
