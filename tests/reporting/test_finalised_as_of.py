"""A finalised report asked with `as_of` (F17): the figures as known then, never under the
finalisation's stamp and hash, with what differs from the frozen figures; asked as of a time
before the finalisation, a report not finalised yet. Every output: JSON, the flat table, the
Word report and the theme's, the workbook, the dashboard pages."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
from docx import Document

from services.reporting.messages import COL_AS_OF, COL_CURRENT, COL_FROZEN, SHEET_DIFFERENCES
from shared.envelope import utcnow
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import QUAN_TOAN, Events, two_quarter_scenario

REPORT = "/api/v1/reports/2023-3m"
LIVE_LINE = "không phải số liệu đã chốt"  # messages.DOC_LIVE / DASH_LIVE


def _json(reporting: Reporting, url: str, **params: str) -> dict[str, Any]:
    response = reporting.client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _text(reporting: Reporting, url: str, **params: str) -> str:
    """Every paragraph and table cell of a Word document, or the text of a page."""
    response = reporting.client.get(url, params=params)
    assert response.status_code == 200, response.text
    if not url.endswith(".docx"):
        page: str = response.text
        return page
    doc = Document(io.BytesIO(response.content))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _finalised_then_late(reporting: Reporting) -> tuple[str, str]:
    """2023-3m finalised, then a late certificate of 01/03 that moves its figures: the hash
    of the frozen figures and an instant before the finalisation."""
    reporting.feed(two_quarter_scenario())
    before = utcnow().isoformat()
    finalised = reporting.client.post(f"{REPORT}/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    late = Events()
    late.certificate("S3", QUAN_TOAN, date(2023, 3, 1), "CS 09999", recorded=utcnow())
    reporting.publish(late.items)
    return finalised.json()["content_hash"], before


def test_a_finalised_report_asked_as_of_now_is_live_without_the_stamp(
    reporting: Reporting,
) -> None:
    digest, _ = _finalised_then_late(reporting)
    now = utcnow().isoformat()

    # JSON: the figures as known now, said not to be the frozen ones, and what differs.
    plain = _json(reporting, REPORT)
    assert plain["figures_finalised"] is True and plain["content_hash"] == digest
    live = _json(reporting, REPORT, as_of=now)
    assert live["figures_finalised"] is False
    assert live["finalised"]["content_hash"] == digest
    assert live["content_hash"] != digest
    assert figure_values(live)["sites_with_certificate"] == 1
    diffs = {(d["unit_code"], d["figure"]): (d["frozen"], d["current"])
             for d in live["differences"]}
    assert diffs[("31", "sites_with_certificate")] == (0, 1)
    assert diffs[("31", "I4.numerator")] == (0, 1)
    assert live["differences"] == plain["differences"], "frozen against the same figures"
    units = _json(reporting, f"{REPORT}/units", as_of=now)
    assert units["figures_finalised"] is False and units["differences"] == live["differences"]

    # Word (the report and a theme's): the stamp and its hash only over the frozen figures.
    for url in (f"{REPORT}/report.docx", "/api/v1/themes/doi-thoai/2023-3m/report.docx"):
        signed = _text(reporting, url)
        assert digest[:16] in signed and LIVE_LINE not in signed
        shown = _text(reporting, url, as_of=now)
        assert digest[:16] not in shown and "mã băm" not in shown, url
        assert LIVE_LINE in shown, url
        assert COL_AS_OF in shown, "the differences from the frozen figures are listed"

    # The workbook: the differences sheet, beside the figures as of the time asked.
    xlsx = reporting.client.get(f"{REPORT}/tables.xlsx", params={"as_of": now})
    assert xlsx.status_code == 200, xlsx.text
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content))[SHEET_DIFFERENCES]
                .iter_rows(values_only=True))
    assert any(row[-2:] == (COL_FROZEN, COL_AS_OF) for row in rows)
    # Each changed figure's unit by its name beside its code, as the units tables (J11).
    assert any(row[:2] == ("31", "Thành phố Hải Phòng") for row in rows), rows
    docx = reporting.client.get(f"{REPORT}/report.docx", params={"as_of": now})
    cells = [tuple(cell.text for cell in row.cells)
             for table in Document(io.BytesIO(docx.content)).tables for row in table.rows]
    assert any(row[1:3] == ("31", "Thành phố Hải Phòng") for row in cells)
    assert not any(COL_CURRENT in row for row in rows)

    # The dashboard pages.
    for path in ("/", "/chuyen-de/doi-thoai"):
        signed = _text(reporting, path, period="2023-3m")
        assert digest[:12] in signed and LIVE_LINE not in signed
        shown = _text(reporting, path, period="2023-3m", as_of=now)
        assert digest[:12] not in shown, path
        assert LIVE_LINE in shown and "số liệu khác với số liệu đã chốt" in shown, path


def test_a_report_asked_as_of_before_its_finalisation_was_not_finalised_then(
    reporting: Reporting,
) -> None:
    digest, before = _finalised_then_late(reporting)
    view = _json(reporting, REPORT, as_of=before)
    assert view["finalised"] is None and view["figures_finalised"] is False
    assert view["differences"] == []
    assert figure_values(view)["sites_with_certificate"] == 0
    for url in (f"{REPORT}/report.docx", "/api/v1/themes/doi-thoai/2023-3m/report.docx"):
        shown = _text(reporting, url, as_of=before)
        assert digest[:16] not in shown and LIVE_LINE not in shown, url
    page = _text(reporting, "/", period="2023-3m", as_of=before)
    assert digest[:12] not in page and 'id="finalised"' not in page



def test_a_district_document_over_the_city_signing_says_whose_signing_it_is(
    reporting: Reporting,
) -> None:
    """The district board's own document (H7) shows the figures the Commission froze for the
    city's report: it names that report, never as the board's own signing (finding J23)."""
    digest, _ = _finalised_then_late(reporting)
    text = _text(reporting, f"{REPORT}/report.docx", unit="303")
    assert "Ban Dân vận Thành ủy đã chốt cho báo cáo 2023-3m@31" in text
    assert digest[:16] in text and "do Ban Dân vận Quận ủy chốt" in text
    assert "Số liệu đã chốt ngày" not in text
    assert "(Ban Dân vận Quận ủy bổ sung nhiệm vụ trọng tâm kỳ tới.)" in text
    city = _text(reporting, f"{REPORT}/report.docx")
    assert "Số liệu đã chốt ngày" in city and "(Văn phòng Ban bổ sung" in city
