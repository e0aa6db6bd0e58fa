"""The plan in the conference reports, through NATS: the indicators service's plan events
projected by reporting into "Kết quả thực hiện nhiệm vụ" and the district boards' reports of
the 6- and 9-month reports; hand-counted; frozen with a finalised report; reproducible by
"as of"; a rebuild by replay gives the same; Word, Excel and the dashboard page show it.
SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from services.indicators.app import create_app as indicators_app
from services.reporting import messages
from services.reporting.adapters.tables import frozen_reports, plan_events
from services.reporting.application.planprojection import PLAN_EVENT_TYPES
from shared.envelope import utcnow
from shared.eventstore import events_table
from shared.settings import Settings
from tests.integration.helpers import rebuild_and_wait, runtime_of, wait_until
from tests.reporting.conftest import Reporting

NGO_QUYEN, TIEN_LANG = "303", "315"
TON_GIAO = {"X-Department": "phong-ton-giao-dan-toc"}
MAT_TRAN = {"X-Department": "phong-mat-tran-doan-the"}
VAN_PHONG = {"X-Department": "van-phong"}


def board(district: str) -> dict[str, str]:
    return {"X-Unit-Scope": district, "X-Scopes": "indicators:read indicators:write"}


@pytest.fixture
def indicators(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    with TestClient(indicators_app(settings_factory("indicators"))) as client:
        yield client


def post(client: TestClient, url: str, body: dict[str, Any],
         headers: dict[str, str] | None = None) -> None:
    response = client.post(url, json=body, headers=headers or {})
    assert response.status_code == 201, response.text


def progress(client: TestClient, number: str, on: str, result: str,
             headers: dict[str, str], done: bool = False) -> None:
    post(client, f"/api/v1/plans/2023/items/{number}/progress",
         {"reported_on": on, "result": result, "done": done}, headers)


def wait_projected(indicators: TestClient, reporting: Reporting) -> None:
    with runtime_of(indicators).engine.connect() as conn:
        wanted = conn.execute(select(func.count()).select_from(events_table).where(
            events_table.c.event_type.in_(PLAN_EVENT_TYPES))).scalar_one()

    def projected() -> int:
        with reporting.runtime.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(plan_events)).scalar_one())

    wait_until(lambda: projected() == wanted, timeout=30)


def report(reporting: Reporting, period: str, **params: str) -> dict[str, Any]:
    response = reporting.client.get(f"/api/v1/reports/{period}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def statuses(plan: dict[str, Any]) -> dict[str, str]:
    return {i["number"]: i["status"] for i in plan["items"]["items"]}


def scenario(indicators: TestClient) -> str:
    """The plan, a year's updates, an inspection and two districts' reports. Returns a
    moment after Ngô Quyền's 6-month report was returned and before anything later."""
    post(indicators, "/api/v1/plans/2023/load", {})
    # II.1.5 gets a deadline: 30/06/2023 (the Commission's edit).
    post(indicators, "/api/v1/plans/2023/items/II.1.5/amend", {
        "kind": "task", "text": "Đánh giá giữa nhiệm kỳ kết quả thực hiện Nghị quyết Đại hội",
        "responsible": "van-phong", "coordinating": [], "recurrence": "deadline",
        "due_on": "2023-06-30", "reason": "Thường trực yêu cầu xong trước 30/6"})
    progress(indicators, "II.1.3", "2023-03-10", "Quý I: 40 hồ sơ đăng ký đất đai", TON_GIAO)
    progress(indicators, "II.1.3", "2023-06-10", "6 tháng: 95 hồ sơ, 20 giấy chứng nhận",
             TON_GIAO)
    progress(indicators, "II.1.5", "2023-05-02", "Xây dựng đề cương đánh giá", VAN_PHONG)
    progress(indicators, "II.3.1", "2023-04-01", "Ban hành kế hoạch kỷ niệm", VAN_PHONG)
    progress(indicators, "II.3.1", "2023-09-01", "Tổ chức hội thảo khoa học", VAN_PHONG,
             done=True)
    inspection = "/api/v1/plans/2023/items/III.3/inspections"
    post(indicators, inspection, {"inspection_id": "GS-1", "planned_on": "2023-04-03",
                                  "subject": "Giám sát phong trào Dân vận khéo tại Tiên Lãng",
                                  "subject_units": [TIEN_LANG]}, MAT_TRAN)
    post(indicators, f"{inspection}/GS-1/carry-out", {"carried_out_on": "2023-05-08"}, MAT_TRAN)
    post(indicators, f"{inspection}/GS-1/conclude", {
        "concluded_on": "2023-07-20", "findings": "12/21 xã có mô hình",
        "recommendations": "Nhân rộng ở 9 xã còn lại"}, MAT_TRAN)
    duty = "/api/v1/reporting-duties"
    post(indicators, f"{duty}/2023-6m/deadline",
         {"deadline": "2023-06-20", "district_codes": [NGO_QUYEN, TIEN_LANG]})
    post(indicators, f"{duty}/2023-9m/deadline",
         {"deadline": "2023-09-20", "district_codes": [NGO_QUYEN, TIEN_LANG]})
    # Dated 2023, recorded today: the Commission's record of paper reports (J17).
    submit = {"summary": "Báo cáo kỳ", "figures": {"hoi_nghi_doi_thoai": 4},
              "backdated_reason": "Báo cáo giấy"}
    post(indicators, f"{duty}/2023-6m/districts/{NGO_QUYEN}/submit",
         {**submit, "submitted_on": "2023-06-19"}, {})
    post(indicators, f"{duty}/2023-6m/districts/{NGO_QUYEN}/return",
         {"returned_on": "2023-06-21", "reason": "Thiếu số liệu cấp xã"})
    returned_moment = utcnow().isoformat()
    post(indicators, f"{duty}/2023-6m/districts/{NGO_QUYEN}/submit",
         {**submit, "submitted_on": "2023-06-24", "figures": {"hoi_nghi_doi_thoai": 6}}, {})
    post(indicators, f"{duty}/2023-6m/districts/{TIEN_LANG}/submit",
         {**submit, "submitted_on": "2023-06-23"}, {})
    post(indicators, f"{duty}/2023-9m/districts/{NGO_QUYEN}/submit",
         {**submit, "submitted_on": "2023-09-18"}, {})
    return returned_moment


def test_plan_in_the_6_and_9_month_reports(
    indicators: TestClient, reporting: Reporting
) -> None:
    returned_moment = scenario(indicators)
    wait_projected(indicators, reporting)

    six = report(reporting, "2023-6m")["plan"]
    # At the 14/06 cut-off, hand-counted over the 47 items: overdue are the four items owed
    # at each conference that missed 14/03 (II.1.1, II.1.2, II.3.2, IV.3; II.1.3 reported on
    # 10/03), the three monthly ones (II.1.9, II.1.11, IV.4: nothing in any month) and the four
    # quarterly ones (II.1.8, II.1.10, II.2.4.d, II.2.4.e: nothing by 31/03); in progress are
    # II.1.3, II.1.5 (its 30/06 deadline not yet passed), II.3.1 and III.3 (carried out).
    assert six["items"]["status_counts"] == {"overdue": 11, "in_progress": 4,
                                             "not_started": 32, "done": 0}
    ordered = [i["number"] for i in six["items"]["items"]]
    assert ordered[:11] == ["II.1.1", "II.1.2", "II.1.8", "II.1.9", "II.1.10", "II.1.11",
                            "II.2.4.d", "II.2.4.e", "II.3.2", "IV.3", "IV.4"]
    by_number = {i["number"]: i for i in six["items"]["items"]}
    assert by_number["II.1.3"]["latest_result"]["result"] == \
        "6 tháng: 95 hồ sơ, 20 giấy chứng nhận"
    assert by_number["II.1.3"]["latest_result"]["acting_party_name"] == "Phòng Tôn giáo - Dân tộc"
    assert by_number["II.1.1"]["latest_result"] is None
    assert by_number["III.3"]["inspections"][0]["state"] == "carried_out"

    nine = report(reporting, "2023-9m")["plan"]
    # At 14/09: II.1.5 is overdue too (30/06 passed); II.3.1 is done (01/09) and III.3 done
    # (concluded 20/07); II.1.3 kept 14/06 with the report of 10/06.
    assert nine["items"]["status_counts"] == {"overdue": 12, "in_progress": 1,
                                              "not_started": 32, "done": 2}
    nine_status = statuses(nine)
    assert (nine_status["II.1.5"], nine_status["II.3.1"], nine_status["III.3"],
            nine_status["II.1.3"]) == ("overdue", "done", "done", "in_progress")
    assert {i["number"]: i for i in nine["items"]["items"]}["III.3"]["inspections"][0][
        "recommendations"] == "Nhân rộng ở 9 xã còn lại"

    # The district boards: for 6 months both reported, Ngô Quyền on time (19/06, returned on
    # 21/06 and resubmitted on 24/06), Tiên Lãng late (23/06 after the 20/06 deadline).
    districts = six["district_reports"]
    assert (districts["owed"], districts["submitted"], districts["on_time"], districts["late"],
            districts["returned"], districts["missing_overdue"]) == (2, 2, 1, 1, 0, 0)
    rows = {d["district_code"]: d for d in districts["districts"]}
    assert (rows[NGO_QUYEN]["status"], rows[NGO_QUYEN]["returns"],
            rows[NGO_QUYEN]["revision"], rows[NGO_QUYEN]["figures"]) == (
        "nop_dung_han", 1, 2, {"hoi_nghi_doi_thoai": 6})
    assert rows[TIEN_LANG]["status"] == "nop_muon"
    # For 9 months Ngô Quyền reported on time and Tiên Lãng not at all.
    nine_districts = nine["district_reports"]
    assert (nine_districts["submitted"], nine_districts["on_time"],
            nine_districts["missing_overdue"]) == (1, 1, 1)
    assert [d["status"] for d in nine_districts["districts"]] == [
        "qua_han_chua_nop", "nop_dung_han"]

    # As known when Ngô Quyền's report had been returned: returned, Tiên Lãng missing.
    then = report(reporting, "2023-6m", as_of=returned_moment)["plan"]["district_reports"]
    assert {d["district_code"]: d["status"] for d in then["districts"]} == {
        NGO_QUYEN: "tra_lai", TIEN_LANG: "qua_han_chua_nop"}
    assert report(reporting, "2023-6m", as_of=returned_moment)["plan"] == \
        report(reporting, "2023-6m", as_of=returned_moment)["plan"]

    # Finalised, the 6-month report keeps its plan as it was; a later update (II.1.2 reported
    # on 01/03, recorded now) shows as of now but not in the frozen report.
    finalised = reporting.client.post("/api/v1/reports/2023-6m/finalise", json={})
    assert finalised.status_code in (200, 201), finalised.text
    progress(indicators, "II.1.2", "2023-03-01", "Hướng dẫn đối thoại quý I",
             {"X-Department": "phong-dan-van-chinh-quyen"})
    wait_projected(indicators, reporting)
    assert statuses(report(reporting, "2023-6m")["plan"])["II.1.2"] == "overdue"
    now = utcnow().isoformat()
    assert statuses(report(reporting, "2023-6m", as_of=now)["plan"])["II.1.2"] == "in_progress"

    # Word, Excel and the dashboard page show the same.
    docx = reporting.client.get("/api/v1/reports/2023-9m/report.docx")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Kết quả thực hiện nhiệm vụ" in text
    assert "quá hạn 12" in text and "1/2 đơn vị đã nộp" in text
    book = load_workbook(io.BytesIO(reporting.client.get(
        "/api/v1/reports/2023-9m/tables.xlsx").content))
    sheet = book["Kết quả nhiệm vụ"]
    assert sheet.cell(5, 1).value == "II.1.1" and sheet.cell(5, 4).value == "Quá hạn"
    numbers = [sheet.cell(row, 1).value for row in range(5, 53)]
    assert None not in numbers[:47] and numbers[47] is None  # the 47 items, no more
    page = reporting.client.get("/ke-hoach", params={"period": "2023-9m"})
    assert page.status_code == 200
    assert 'id="item-II.1.5"' in page.text and "Quá hạn chưa nộp" in page.text

    # Replay equals live: the plan's table rebuilt from the stream gives the same report.
    live = report(reporting, "2023-9m", as_of=now)["plan"]
    rebuild_and_wait(reporting.client)
    assert report(reporting, "2023-9m", as_of=now)["plan"] == live


def _rows_by_code(sheet: Any) -> dict[str, list[Any]]:
    """The district sheet's data rows by district code (header row found by its first cell)."""
    rows = [list(r) for r in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0].value == messages.COL_CODE)
    return {str(r[0].value): r for r in rows[header + 1:] if r[0].value}


def _html_row(page: str, row_id: str) -> str:
    """The HTML of the table row with that id."""
    start = page.index(f'<tr id="{row_id}"')
    return page[start:page.index("</tr>", start)]


def test_a_back_dated_submission_reads_the_same_in_the_report_its_word_and_excel(
    indicators: TestClient, reporting: Reporting
) -> None:
    """Finding K5: the reporting service's district row is the indicators service's row (one
    builder, shared.taskrules.duty_row), so the reason of a paper report the Commission
    recorded back-dated (J17) is in the report's JSON, its Word (a note) and its Excel (a
    column) and on the dashboard's plan page /ke-hoach (a column, with the day it was filed);
    «Ngày nộp» in Excel is a date shown dd/mm/yyyy. A report signed before the reason was
    part of the row renders without it."""
    post(indicators, "/api/v1/plans/2023/load", {})
    duty = "/api/v1/reporting-duties/2023-9m"
    reason = "Báo cáo giấy nhận ngày 19/09/2023 (văn thư vào sổ)"
    post(indicators, f"{duty}/deadline",
         {"deadline": "2023-09-20", "district_codes": [NGO_QUYEN, TIEN_LANG]})
    post(indicators, f"{duty}/districts/{TIEN_LANG}/submit",
         {"summary": "Kết quả 9 tháng", "submitted_on": "2023-09-19",
          "backdated_reason": reason, "figures": {}, "attachments": []})
    post(indicators, f"{duty}/districts/{NGO_QUYEN}/submit",
         {"summary": "Báo cáo 9 tháng", "figures": {"hoi_nghi_doi_thoai": 2}},
         board(NGO_QUYEN))
    wait_projected(indicators, reporting)

    response = reporting.client.get("/api/v1/reports/2023-9m")
    assert response.status_code == 200, response.text
    summary = response.json()["plan"]["district_reports"]
    answered = indicators.get(duty, params={"on": summary["judged_on"]})
    assert answered.status_code == 200, answered.text
    # Row for row, field for field: the same as the indicators service's.
    assert summary["districts"] == answered.json()["districts"]
    rows = {d["district_code"]: d for d in summary["districts"]}
    assert rows[TIEN_LANG]["first_submission_backdated_reason"] == reason
    assert rows[TIEN_LANG]["status"] == "nop_dung_han"
    assert rows[NGO_QUYEN]["first_submission_backdated_reason"] is None
    assert rows[TIEN_LANG]["summary"] == "Kết quả 9 tháng"

    docx = reporting.client.get("/api/v1/reports/2023-9m/report.docx")
    assert docx.status_code == 200
    document = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert reason in text and "19/09/2023" in text
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert f"Đã nộp đúng hạn {messages.DOC_BACKDATED_MARK}" in cells

    xlsx = reporting.client.get("/api/v1/reports/2023-9m/tables.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content))[messages.SHEET_DISTRICT_REPORTS]
    by_code = _rows_by_code(sheet)
    submitted_on = by_code[TIEN_LANG][3]
    assert isinstance(submitted_on.value, datetime) and submitted_on.value.date() == \
        date(2023, 9, 19)
    assert submitted_on.number_format == "dd/mm/yyyy"
    assert by_code[TIEN_LANG][6].value == reason and by_code[NGO_QUYEN][6].value is None

    # The dashboard's plan page, from the same row: the reason, with the day it was filed.
    page = reporting.client.get("/ke-hoach", params={"period": "2023-9m"})
    assert page.status_code == 200, page.text
    tien_lang = _html_row(page.text, f"district-{TIEN_LANG}")
    assert messages.COL_BACKDATED_REASON in page.text
    assert reason in tien_lang and "19/09/2023" in tien_lang
    assert "ghi nhận lùi ngày" not in _html_row(page.text, f"district-{NGO_QUYEN}")

    # Signed, then its frozen content as a report signed before the reason existed holds it:
    # Word and Excel render it as frozen, without the reason.
    signed = reporting.client.post("/api/v1/reports/2023-9m/finalise", json={})
    assert signed.status_code in (200, 201), signed.text
    old_fields = ("first_submission_backdated_reason", "summary", "reminders", "version")
    with reporting.runtime.engine.begin() as conn:
        for report_id, context in conn.execute(
                select(frozen_reports.c.report_id, frozen_reports.c.context)).all():
            frozen = json.loads(context)
            assert reason in context
            for row in frozen["plan"]["district_reports"]["districts"]:
                for name in old_fields:
                    row.pop(name, None)
            conn.execute(update(frozen_reports).where(
                frozen_reports.c.report_id == report_id).values(context=json.dumps(frozen)))
    docx = reporting.client.get("/api/v1/reports/2023-9m/report.docx")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert reason not in text
    page = reporting.client.get("/ke-hoach", params={"period": "2023-9m"})
    assert page.status_code == 200 and reason not in page.text
    xlsx = reporting.client.get("/api/v1/reports/2023-9m/tables.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content))[messages.SHEET_DISTRICT_REPORTS]
    assert _rows_by_code(sheet)[TIEN_LANG][6].value is None
