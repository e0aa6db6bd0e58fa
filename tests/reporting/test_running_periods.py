"""Reports of periods not yet ended. On 05/12/2026 the 2026 year report (cut-off 14/12/2026)
is counted as of that day and marked provisional in every output; the first quarter of 2027
(data from 15/12/2026) has not begun and is refused; a period already ended is as before.
Once the examiner found a commitment due 10/12/2026 counted overdue on 05/12/2026 (judged at
a cut-off still to come), and a full report of 2027 served in December 2026."""

from __future__ import annotations

import io
from datetime import date
from html import escape
from typing import Any

import openpyxl
import pytest
from docx import Document

from services.reporting.application.views import THEMES
from services.reporting.messages import PERIOD_NOT_STARTED, PROVISIONAL
from tests.dialogue.conftest import FakeToday
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import Events

TODAY = date(2026, 12, 5)
COMMUNE = "11755"  # Xã Tiên Lãng (from 01/07/2025)
RUNNING, NOT_BEGUN, ENDED = "2026-12m", "2027-3m", "2026-9m"
NOTE = PROVISIONAL.format(on="05/12/2026", cutoff_on="14/12/2026")


@pytest.fixture
def clock() -> FakeToday:
    return FakeToday(TODAY)


def _commitments(reporting: Reporting) -> None:
    """K0 due 03/12/2026 (overdue on the 5th), K1 due 10/12/2026 (overdue only from the
    11th: at the cut-off, not on the 5th), both made on 01/12/2026."""
    events = Events()
    for cid, due in (("K0", date(2026, 12, 3)), ("K1", date(2026, 12, 10))):
        events.commitment(cid, "SES1", COMMUNE, date(2026, 12, 1), due)
    reporting.feed(events)


def _get(reporting: Reporting, url: str, **params: str) -> dict[str, Any]:
    response = reporting.client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_running_periods_report_is_taken_at_today_and_marked_provisional(
    reporting: Reporting, clock: FakeToday,
) -> None:
    _commitments(reporting)
    running = _get(reporting, f"/api/v1/reports/{RUNNING}")
    assert figure_values(running)["commitments_overdue"] == 1, "K1 is not overdue on 05/12"
    assert figure_values(running)["commitments_in_progress"] == 1
    assert (running["provisional"], running["figures_on"]) == (True, "2026-12-05")
    assert running["provisional_note"] == NOTE
    assert running["period"]["cutoff_on"] == "2026-12-14", "the period itself is not moved"
    # The same report asked later as of a moment of 03/12: taken at that day (K0 is due
    # that day, overdue only from the 4th).
    earlier = _get(reporting, f"/api/v1/reports/{RUNNING}", as_of="2026-12-03T12:00:00+07:00")
    assert earlier["figures_on"] == "2026-12-03"
    assert figure_values(earlier)["commitments_overdue"] == 0
    theme = _get(reporting, f"/api/v1/themes/doi-thoai/{RUNNING}")
    assert theme["provisional"] is True
    assert figure_values(theme)["commitments_overdue"] == 1

    # Every document and page says so where its data window is.
    docx = reporting.client.get(f"/api/v1/reports/{RUNNING}/report.docx")
    assert docx.status_code == 200, docx.text
    assert NOTE in [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
    xlsx = reporting.client.get(f"/api/v1/reports/{RUNNING}/tables.xlsx")
    assert xlsx.status_code == 200, xlsx.text
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert all(str(sheet.cell(2, 1).value).startswith(NOTE) for sheet in book.worksheets)
    for page in ("/", "/chuyen-de/doi-thoai", "/ke-hoach"):
        shown = reporting.client.get(page, params={"period": RUNNING})
        assert shown.status_code == 200, shown.text
        assert escape(NOTE) in shown.text, page

    # A period ended on the day is not provisional: its figures are its cut-off's.
    ended = _get(reporting, f"/api/v1/reports/{ENDED}")
    assert (ended["provisional"], ended["figures_on"]) == (False, "2026-09-14")
    assert ended["provisional_note"] is None
    ended_xlsx = reporting.client.get(f"/api/v1/reports/{ENDED}/tables.xlsx")
    first = openpyxl.load_workbook(io.BytesIO(ended_xlsx.content)).worksheets[0]
    assert "tạm tính" not in str(first.cell(2, 1).value)

    # The cut-off day ended: the year report is final, K1 overdue (due 10/12).
    clock.set(date(2026, 12, 15))
    final = _get(reporting, f"/api/v1/reports/{RUNNING}")
    assert (final["provisional"], final["figures_on"]) == (False, "2026-12-14")
    assert figure_values(final)["commitments_overdue"] == 2
    # On its cut-off day a period still runs: provisional, taken at that day.
    clock.set(date(2026, 12, 14))
    last_day = _get(reporting, f"/api/v1/reports/{RUNNING}")
    assert (last_day["provisional"], last_day["figures_on"]) == (True, "2026-12-14")


NOT_BEGUN_URLS = [
    f"/api/v1/reports/{NOT_BEGUN}",
    f"/api/v1/reports/{NOT_BEGUN}/units",
    *(f"/api/v1/reports/{NOT_BEGUN}/{file}" for file in ("report.docx", "tables.xlsx",
                                                          "report.pdf")),
    *(f"/api/v1/themes/{theme}/{NOT_BEGUN}{file}" for theme in THEMES
      for file in ("", "/report.docx", "/tables.xlsx", "/report.pdf")),
]
NOT_BEGUN_PAGES = ["/", *(f"/chuyen-de/{theme}" for theme in THEMES), "/ke-hoach"]


def test_a_period_not_begun_is_refused_in_every_route(
    reporting: Reporting, clock: FakeToday,
) -> None:
    _commitments(reporting)
    message = PERIOD_NOT_STARTED.format(period=NOT_BEGUN, data_from="15/12/2026")
    for url in NOT_BEGUN_URLS:
        response = reporting.client.get(url)
        assert response.status_code == 422, url
        error = response.json()["error"]
        assert (error["code"], error["message"]) == ("PERIOD_NOT_STARTED", message), url
    for page in NOT_BEGUN_PAGES:
        response = reporting.client.get(page, params={"period": NOT_BEGUN},
                                        headers={"accept": "text/html"})
        assert response.status_code == 422, page
        assert "PERIOD_NOT_STARTED" in response.text, page
    # From the day its data window opens, it is a running period's provisional report.
    clock.set(date(2026, 12, 15))
    begun = _get(reporting, f"/api/v1/reports/{NOT_BEGUN}")
    assert (begun["provisional"], begun["figures_on"]) == (True, "2026-12-15")
