"""A report against the previous period as it was signed (DOMAIN: "Finalising a report freezes
its figures"; "each against the previous period"): the previous column of a report whose
previous period was finalised shows the signed figures, marked restated when a backdated fact
moved them since; a finalised period's window can no longer be moved."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select, update

from services.reporting.adapters.tables import frozen_reports
from services.reporting.application import reports
from shared.envelope import utcnow
from tests.integration.helpers import event_count
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.lines import rendered_without, shown_everywhere
from tests.reporting.scenario import (
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    Events,
    two_quarter_scenario,
)

RESTATED = "Số liệu kỳ trước đã được điều chỉnh sau khi chốt"

WINDOW = {"data_from": "2022-12-15", "cutoff_on": "2023-03-20",
          "reason": "Hội nghị giao ban lùi một tuần"}


def _get(reporting: Reporting, url: str, **params: str) -> dict[str, Any]:
    response = reporting.client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _finalise(reporting: Reporting, period_id: str) -> str:
    finalised = reporting.client.post(f"/api/v1/reports/{period_id}/finalise",
                                      json={"scope": "31"}, headers={"x-actor": "vp"})
    assert finalised.status_code == 201, finalised.text
    digest: str = finalised.json()["content_hash"]
    return digest


def _put_window(reporting: Reporting, period_id: str, window: dict[str, str]) -> Any:
    version = reporting.client.get(f"/api/v1/periods/{period_id}").headers["ETag"]
    return reporting.client.put(f"/api/v1/periods/{period_id}", json=window,
                                headers={"if-match": version})


def _previous(view: dict[str, Any]) -> dict[str, int | None]:
    return {f["key"]: f["previous"] for s in view["sections"] for f in s["figures"]}


def _indicators(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: {k: i[k] for k in ("numerator", "denominator", "value", "status")}
            for i in view["indicators"]}


def _restated(view: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, Any]]:
    return {(d["unit_code"], d["figure"]): (d["frozen"], d["current"])
            for d in view["previous_restatements"]}


def _late_certificate(reporting: Reporting) -> None:
    """A certificate of 01/03/2023 (inside the 3-month window) typed in only now."""
    late = Events()
    late.certificate("S3", QUAN_TOAN, date(2023, 3, 1), "CS 09999", recorded=utcnow())
    reporting.publish(late.items)


def _rows_of(reporting: Reporting, rid: str) -> tuple[str, str]:
    with reporting.runtime.engine.connect() as conn:
        row = conn.execute(select(frozen_reports.c.previous_hash, frozen_reports.c.context)
                           .where(frozen_reports.c.report_id == rid)).one()
    return row.previous_hash, row.context


def test_the_previous_column_is_the_signed_report_marked_restated(
    reporting: Reporting,
) -> None:
    reporting.feed(two_quarter_scenario())
    signed = _finalise(reporting, "2023-3m")
    _late_certificate(reporting)

    q1 = _get(reporting, "/api/v1/reports/2023-3m")
    assert q1["content_hash"] == signed
    q2 = _get(reporting, "/api/v1/reports/2023-6m")
    # The two reports agree on the 3 months: the 6-month report's previous column is what
    # the 3-month report was signed with (sites_with_certificate 0), not the 1 counted now.
    assert _previous(q2) == figure_values(q1)
    assert {i["id"]: {k: i["previous"][k] for k in ("numerator", "denominator", "value",
                                                    "status")}
            for i in q2["indicators"]} == _indicators(q1)
    # The same year's definitions: each rate is the same measure (finding J9).
    assert all(i["previous"]["comparable"] for i in q2["indicators"])
    assert q1["previous_finalised"] is None, "2022-12m was never finalised"
    assert q2["previous_finalised"] == {"report_id": "2023-3m@31", "content_hash": signed,
                                        "shown": "signed"}
    assert q2["previous_restated"] is True
    restated = _restated(q2)
    assert restated[("31", "sites_with_certificate")] == (0, 1)
    assert restated[("31", "I4.numerator")] == (0, 1)
    assert restated[(QUAN_TOAN, "sites_with_certificate")] == (0, 1)
    assert q2["previous_restatements"] == q1["differences"]
    assert RESTATED in q2["previous_note"] and "0" in q2["previous_note"]
    shown_everywhere(reporting, "2023-6m", "31", RESTATED)
    # A district whose figures did not move: its tree has nothing restated.
    district = _get(reporting, "/api/v1/reports/2023-6m", unit=TIEN_LANG)
    assert district["previous_restated"] is False and district["previous_restatements"] == []
    assert district["previous_finalised"]["content_hash"] == signed
    rendered_without(reporting, "2023-6m", TIEN_LANG, RESTATED)
    flat = _get(reporting, "/api/v1/reports/2023-6m/units")
    assert flat["previous_restatements"] == q2["previous_restatements"]
    # As of before the 3-month report was signed: the figures counted then, nothing signed.
    before = _get(reporting, "/api/v1/reports/2023-6m", as_of="2024-01-01T00:00:00+07:00")
    assert before["previous_finalised"] is None and before["previous_restated"] is False

    # Finalising the 6 months freezes the column as shown: the signed 3 months, marked.
    q2_digest = _finalise(reporting, "2023-6m")
    previous_hash, _ = _rows_of(reporting, "2023-6m@31")
    assert previous_hash == signed
    again = Events()  # and another fact of the 3 months typed in after that
    again.certificate("S2", TIEN_LANG_TOWN, date(2023, 3, 2), "CS 09998", recorded=utcnow())
    reporting.publish(again.items)
    assert _get(reporting, "/api/v1/reports/2023-3m")["differences"] != q1["differences"]
    frozen = _get(reporting, "/api/v1/reports/2023-6m")
    assert frozen["content_hash"] == q2_digest
    assert _previous(frozen) == figure_values(q1)
    assert _restated(frozen) == restated
    shown_everywhere(reporting, "2023-6m", "31", RESTATED)


ENGLISH_PARTS = ("(numerator)", "(denominator)", "(value)", "(status)")


def _texts(reporting: Reporting, period: str) -> list[str]:
    """Every text a reader of `period`'s report gets: the JSON note, the dashboard, the Word
    report's paragraphs and table cells (the PDF is printed from it), the Excel cells."""
    texts = [str(_get(reporting, f"/api/v1/reports/{period}")["previous_note"])]
    page = reporting.client.get("/", params={"period": period})
    assert page.status_code == 200, page.text
    texts.append(page.text)
    docx = reporting.client.get(f"/api/v1/reports/{period}/report.docx")
    assert docx.status_code == 200, docx.text
    document = Document(io.BytesIO(docx.content))
    texts += [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    xlsx = reporting.client.get(f"/api/v1/reports/{period}/tables.xlsx")
    assert xlsx.status_code == 200, xlsx.text
    book = load_workbook(io.BytesIO(xlsx.content))
    texts += [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
              for cell in row if isinstance(cell, str)]
    return texts


def test_changed_figures_are_named_in_vietnamese_everywhere(reporting: Reporting) -> None:
    """H20: a changed indicator part reads «I4 Giấy chứng nhận QSDĐ (tử số)», never the
    English key «(numerator)», in the lists of figures changed after signing (the finalised
    report's own, and the next report's restated previous column) of every output."""
    reporting.feed(two_quarter_scenario())
    _finalise(reporting, "2023-3m")
    _late_certificate(reporting)
    for period in ("2023-3m", "2023-6m"):
        texts = _texts(reporting, period)
        english = [t for t in texts if any(word in t for word in ENGLISH_PARTS)]
        assert english == [], (period, english[:3])
        assert any("(tử số)" in t for t in texts), period


def test_a_report_frozen_before_the_rule_keeps_its_column_and_is_marked(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 6-month report finalised by the code before (its previous column the 3 months
    counted again at its finalisation, its context without the signed report): its hash
    and column as signed, and the column's difference from the signed 3 months said."""
    reporting.feed(two_quarter_scenario())
    signed = _finalise(reporting, "2023-3m")
    _late_certificate(reporting)
    with monkeypatch.context() as patch:
        patch.setattr(reports, "previous_column",
                      lambda *args: (args[-1], None))  # the code before: what was counted
        digest = _finalise(reporting, "2023-6m")
    previous_hash, context = _rows_of(reporting, "2023-6m@31")
    assert previous_hash != signed
    with reporting.runtime.engine.begin() as conn:
        conn.execute(update(frozen_reports).where(frozen_reports.c.report_id == "2023-6m@31")
                     .values(context=context.replace(',"previous_signed":null', "")))
    assert "previous_signed" not in _rows_of(reporting, "2023-6m@31")[1]

    shown = _get(reporting, "/api/v1/reports/2023-6m")
    assert shown["content_hash"] == digest
    assert _previous(shown)["sites_with_certificate"] == 1, "the column it was signed with"
    assert shown["previous_finalised"] == {"report_id": "2023-3m@31", "content_hash": signed,
                                           "shown": "recomputed"}
    assert _restated(shown)[("31", "sites_with_certificate")] == (0, 1)
    assert RESTATED in shown["previous_note"]
    shown_everywhere(reporting, "2023-6m", "31", RESTATED)


def test_the_window_of_a_finalised_period_is_not_moved(reporting: Reporting) -> None:
    reporting.feed(two_quarter_scenario())
    _finalise(reporting, "2023-3m")
    before = event_count(reporting.client)
    refused = _put_window(reporting, "2023-3m", WINDOW)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "PERIOD_FINALISED"
    assert "2023-3m@31" in error["message"]
    assert error["details"]["reports"] == ["2023-3m@31"]
    assert event_count(reporting.client) == before, "nothing written"
    assert _get(reporting, "/api/v1/periods/2023-3m")["cutoff_on"] == "2023-03-14"
    # A period nothing was finalised for stays editable: the one after; the one before only
    # where its cut-off stays (the finalised report keeps the previous column it was frozen
    # with): 2023's windows open the day after 2022's year cut-off, so moving that cut-off
    # would move the signed report's window too.
    frozen = _get(reporting, "/api/v1/reports/2023-3m")
    moved = _put_window(reporting, "2023-6m", {
        "data_from": "2022-12-15", "cutoff_on": "2023-06-20", "reason": "Lùi sơ kết"})
    assert moved.status_code == 200, moved.text
    earlier = _put_window(reporting, "2022-12m", {
        "data_from": "2021-12-15", "cutoff_on": "2022-11-30", "reason": "Tổng kết sớm"})
    assert earlier.status_code == 409, earlier.text
    assert earlier.json()["error"]["details"]["reports"] == ["2023-3m@31"]
    kept = _put_window(reporting, "2022-12m", {
        "data_from": "2021-12-15", "cutoff_on": "2022-12-14", "reason": "Tổng kết năm"})
    assert kept.status_code == 200, kept.text
    again = _get(reporting, "/api/v1/reports/2023-3m")
    assert again["content_hash"] == frozen["content_hash"]
    assert [i["previous"] for i in again["indicators"]] == [
        i["previous"] for i in frozen["indicators"]]
    assert [s["figures"] for s in again["sections"]] == [s["figures"] for s in frozen["sections"]]


def _chart_bar(html: str, indicator: str, period_id: str) -> float:
    chart = html.split(f'id="chart-{indicator}"', 1)[1].split("</figure>", 1)[0]
    found = re.search(rf'data-period="{period_id}" data-value="([0-9.]+)"', chart)
    assert found is not None, chart
    return float(found.group(1))


def test_the_progress_chart_shows_a_signed_period_as_signed(reporting: Reporting) -> None:
    """Finding J2: on one dashboard page the tile's previous column showed the signed 3-month
    figure and the progress chart the same period counted again after a late fact."""
    reporting.feed(two_quarter_scenario())
    _finalise(reporting, "2023-3m")
    _late_certificate(reporting)
    q2 = _get(reporting, "/api/v1/reports/2023-6m")
    signed, counted = _restated(q2)[("31", "I4.value")]
    assert signed != counted
    page = reporting.client.get("/", params={"period": "2023-6m"})
    assert page.status_code == 200
    assert _chart_bar(page.text, "I4", "2023-3m") == signed
    # The 3-month page itself shows it so too.
    assert _chart_bar(reporting.client.get("/", params={"period": "2023-3m"}).text,
                      "I4", "2023-3m") == signed
