"""The document formats a report is downloaded in, one entry each: the routes are made from
this list (services/reporting/api/routes.py), so a format is added here and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.reporting.application.reports import Report
from services.reporting.outputs.excel import report_workbook
from services.reporting.outputs.pdf import to_pdf
from services.reporting.outputs.reproducible import document_moment, fixed_pdf, fixed_zip
from services.reporting.outputs.word import report_document

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"

Render = Callable[[Report, str, str | None], bytes]


def report_docx(report: Report, unit: str, theme: str | None = None) -> bytes:
    """The Word report, the same bytes for the same report (outputs/reproducible.py)."""
    return fixed_zip(report_document(report, unit, theme), document_moment(report))


def report_xlsx(report: Report, unit: str, theme: str | None = None) -> bytes:
    """The tables, the same bytes for the same report."""
    return fixed_zip(report_workbook(report, unit, theme), document_moment(report))


def report_pdf(report: Report, unit: str, theme: str | None = None) -> bytes:
    """The PDF of the Word report: the same document, rendered (outputs/pdf.py), the same
    bytes for the same report."""
    document = report_docx(report, unit, theme)
    return fixed_pdf(to_pdf(document, ".docx"), document_moment(report), document)


@dataclass(frozen=True)
class DocumentFormat:
    file: str  # the last segment of the route: report.docx
    media_type: str
    stem: str  # of the downloaded file's name: bao-cao-2023-6m.docx
    render: Render
    summary: str

    @property
    def extension(self) -> str:
        return self.file.rpartition(".")[2]

    def filename(self, period_id: str, theme: str | None) -> str:
        middle = f"-{theme}" if theme else ""
        return f"{self.stem}{middle}-{period_id}.{self.extension}"


FORMATS: tuple[DocumentFormat, ...] = (
    DocumentFormat("report.docx", DOCX, "bao-cao", report_docx,
                   "Báo cáo dạng Word theo thể thức văn bản của Đảng (Hướng dẫn 36-HD/VPTW)"),
    DocumentFormat("report.pdf", PDF, "bao-cao", report_pdf,
                   "Báo cáo dạng PDF, in từ chính bản Word (503 nếu máy chủ chưa cài "
                   "LibreOffice)"),
    DocumentFormat("tables.xlsx", XLSX, "so-lieu", report_xlsx,
                   "Các bảng số liệu dạng Excel, sẵn sàng để in (A4 ngang)"),
)
