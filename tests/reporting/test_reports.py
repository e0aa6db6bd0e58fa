"""The conference reports over a two-quarter scenario: figures checked by hand, reproducible
as of a time and across a full replay, frozen when finalised, documents that hold them."""

from __future__ import annotations

import asyncio
import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from docx import Document

from services.reporting.messages import SHEET_DIFFERENCES, STATUS_LABELS
from services.reporting.rebuild import rebuild
from shared.clock import today_vn
from shared.envelope import utcnow
from tests.integration.helpers import rebuild_and_wait, wait_until
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import (
    HAI_PHONG_COMMUNES,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_COMMUNES,
    TIEN_LANG_TOWN,
    Events,
    two_quarter_scenario,
)


def _get(reporting: Reporting, url: str, **params: str) -> dict[str, Any]:
    response = reporting.client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _previous(view: dict[str, Any]) -> dict[str, int | None]:
    return {f["key"]: f["previous"] for s in view["sections"] for f in s["figures"]}


def _indicators(view: dict[str, Any]) -> dict[str, tuple[int, int, float | None, str]]:
    return {
        i["id"]: (i["numerator"], i["denominator"], i["value"], i["status"])
        for i in view["indicators"]
    }


# Hand count of the scenario (tests/reporting/scenario.py). Q1 window 15/12/2022-14/03/2023:
# S2's dossier (20/03) falls outside it; K2 (due 10/03) is overdue at the cut-off.
# I2 by shared/dialoguerule.py over the window: no version before 01/01/2023 (15-31/12/2022
# owe nothing), then 01/01-14/03 = 31+28+14 = 73 days of 365. H1 (district, 2 a year) owes
# 2 x 73/365 = 0.40 -> 0; H2 and H3 (communes, 1 a year) 73/365 = 0.20 -> 0: all three meet.
Q1_CITY = {
    "sites": 3, "sites_with_dossier": 2, "sites_with_certificate": 0, "dossiers_lodged": 2,
    "cases_opened": 1, "cases_pending": 1, "cases_resolved": 0,
    "heads_in_office": 3, "heads_meeting_rule": 3, "sessions_planned": 1, "sessions_held": 1,
    "sessions_reported": 1, "attendance": 120, "issues_raised": 2,
    "issues_answered_on_spot": 1, "issues_assigned": 1, "commitments_made": 2,
    "commitments_total": 2, "commitments_done": 0, "commitments_overdue": 1,
    "commitments_in_progress": 1, "communes": HAI_PHONG_COMMUNES, "communes_with_model": 1,
    "models_active": 2, "models_new_rural": 1, "models_digital_transformation": 1,
    "models_urban": 0, "models_registered": 2,
}
# Q2 (6 months, 15/12/2022-14/06/2023): S4 registered, S2 lodged, S3 withdrawn, S1
# certified, C1 resolved, K1 done, M3 urban. I2: 01/01-14/06 = 31+28+31+30+31+14 = 165 days;
# H1 owes 2 x 165/365 = 0.90 -> 1 and held 2; H2 and H3 owe 165/365 = 0.45 -> 0: all meet.
Q2_CITY = {
    "sites": 4, "sites_with_dossier": 2, "sites_with_certificate": 1, "dossiers_lodged": 3,
    "dossiers_rejected_or_withdrawn": 1, "certificates_issued": 1,
    "cases_opened": 1, "cases_resolved": 1, "cases_pending": 0,
    "heads_in_office": 3, "heads_meeting_rule": 3, "sessions_held": 3, "attendance": 120,
    "commitments_total": 2, "commitments_done": 1, "commitments_overdue": 1,
    "commitments_in_progress": 0, "communes_with_model": 2, "models_active": 3,
    "models_urban": 1, "models_registered": 3,
}


def test_two_quarters_give_the_hand_counted_figures(reporting: Reporting) -> None:
    reporting.feed(two_quarter_scenario())

    q1 = _get(reporting, "/api/v1/reports/2023-3m")
    assert q1["period"]["data_from"] == "2022-12-15"
    assert q1["period"]["cutoff_on"] == "2023-03-14"
    assert q1["previous_period"]["id"] == "2022-12m"
    assert figure_values(q1) | Q1_CITY == figure_values(q1)
    # Statuses by shared/planrules.py at 14/03 (73/365 of the year gone): the pace of a
    # 100 % target is 20 %, of a 10 % target 2 %.
    assert _indicators(q1) == {
        "I1": (1, HAI_PHONG_COMMUNES, 0.46, "co_nguy_co"),  # 1/217 = 0.46 % behind 20 %
        "I2": (3, 3, 100.0, "chua_den_han"),  # nobody owes a session yet (see Q1_CITY)
        "I3": (2, 4, 50.0, "dat"),  # the indicators service's own denominator
        "I4": (0, 239, 0.0, "co_nguy_co"),  # the plan's 239 sites; 0 % behind 2 %
    }
    # Beside the previous period (year 2022): only S1 existed.
    assert _previous(q1)["sites"] == 1
    assert _previous(q1)["sessions_held"] == 0

    q2 = _get(reporting, "/api/v1/reports/2023-6m")
    assert figure_values(q2) | Q2_CITY == figure_values(q2)
    # At 14/06 (165/365): paces 45.21 % (100 %) and 4.52 % (10 %). H1 now owes a session
    # (2 x 165/365 = 0.90 -> 1), so I2 is judged.
    assert _indicators(q2) == {
        "I1": (2, HAI_PHONG_COMMUNES, 0.92, "co_nguy_co"),  # 2/217
        "I2": (3, 3, 100.0, "dat"),
        "I3": (2, 4, 50.0, "dat"),
        "I4": (1, 239, 0.42, "co_nguy_co"),  # 1/239 = 0.418 % -> 0.42
    }
    assert _previous(q2)["sites"] == 3
    assert _previous(q2)["sessions_held"] == 1
    changes = {f["key"]: f["change"] for s in q2["sections"] for f in s["figures"]}
    assert changes["sessions_held"] == 2

    # Drill-down city → district → commune.
    children = {c["code"]: c for c in q2["children"]}
    assert len(children) == 15
    assert children[TIEN_LANG]["figures"]["sites"] == 3
    district = _get(reporting, "/api/v1/reports/2023-6m", unit=TIEN_LANG)
    assert [p["code"] for p in district["unit"]["path"]] == ["31", TIEN_LANG]
    assert _indicators(district) == {
        "I1": (1, TIEN_LANG_COMMUNES, 4.76, "co_nguy_co"),  # 1/21
        "I2": (2, 2, 100.0, "dat"),
        "I3": (2, 3, 66.67, "dat"),  # below the city, measured against the unit's own sites
        "I4": (1, 3, 33.33, "dat"),
    }
    assert len(district["children"]) == TIEN_LANG_COMMUNES
    commune = _get(reporting, "/api/v1/reports/2023-6m", unit=TIEN_LANG_TOWN)
    assert figure_values(commune)["sites"] == 2
    assert _indicators(commune)["I1"] == (1, 1, 100.0, "dat")
    assert commune["children"] == []
    ward = _get(reporting, "/api/v1/reports/2023-6m", unit=QUAN_TOAN)
    assert figure_values(ward)["cases_resolved"] == 1

    # As of 15/02/2023 (end of day): the session of 20/02 was not yet known.
    early = _get(reporting, "/api/v1/reports/2023-3m", as_of="2023-02-15")
    assert figure_values(early)["sessions_held"] == 0
    assert figure_values(early)["sites_with_dossier"] == 2
    assert _indicators(early)["I2"] == (3, 3, 100.0, "chua_den_han")  # nothing owed by 14/03

    # The year (15/12/2022-14/12/2023): 01/01-14/12 = 365 - 17 = 348 days. H1 owes
    # 2 x 348/365 = 1.91 -> 2 and held 2; H2 owes 348/365 = 0.95 -> 1 and held 1; H3 owes 1
    # and held none: 2 of 3.
    year = _get(reporting, "/api/v1/reports/2023-12m")
    assert figure_values(year)["heads_meeting_rule"] == 2
    assert _indicators(year)["I2"][:3] == (2, 3, 66.67)

    # The flat table has every unit of the scope.
    units = _get(reporting, "/api/v1/reports/2023-6m/units")["units"]
    assert len(units) == 1 + 15 + HAI_PHONG_COMMUNES
    assert sum(u["figures"]["sites"] for u in units if u["level"] == "commune") == 4

    # Thematic report of plan II.4.2: a view of the same figures.
    theme = _get(reporting, "/api/v1/themes/dat-dai-ton-giao/2023-6m")
    assert [i["id"] for i in theme["indicators"]] == ["I3", "I4"]
    assert figure_values(theme)["sites_with_certificate"] == 1
    assert "sessions_held" not in figure_values(theme)

    # The kept endpoint of the religion slice.
    summary = _get(reporting, "/api/v1/religion/sites-summary")
    assert (summary["sites"], summary["sites_with_dossier"]) == (4, 2)


def test_word_and_excel_documents_hold_the_figures(reporting: Reporting) -> None:
    reporting.feed(two_quarter_scenario())
    response = reporting.client.get("/api/v1/reports/2023-3m/report.docx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    doc = Document(io.BytesIO(response.content))
    section = doc.sections[0]
    mm = {
        name: round(length.mm) if (length := getattr(section, name)) is not None else None
        for name in ("page_width", "page_height", "left_margin", "right_margin", "top_margin",
                     "bottom_margin")
    }
    assert (mm["page_width"], mm["page_height"]) == (210, 297)  # A4
    assert mm["left_margin"] in range(30, 36)
    assert mm["right_margin"] in range(15, 21)
    assert mm["top_margin"] in range(20, 26) and mm["bottom_margin"] in range(20, 26)
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert doc.styles["Normal"].font.size.pt in (13, 14)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO" in text
    assert "Kết quả công tác dân vận 3 tháng đầu năm 2023" in text
    assert "15/12/2022" in text and "14/03/2023" in text
    header = doc.tables[0]
    assert "BAN DÂN VẬN THÀNH ỦY" in header.cell(0, 0).text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in header.cell(0, 1).text
    assert "Hải Phòng, ngày" in header.cell(1, 1).text
    rows = {
        row.cells[1].text: [c.text for c in row.cells] for t in doc.tables[1:] for row in t.rows
    }
    assert rows["Hồ sơ đăng ký đất đai"][3:5] == ["2/4 (*)", "50"]  # a declared base: noted
    assert rows["Đối thoại trực tiếp"][3:5] == ["3/3", "100"]  # nothing owed yet: Q1_CITY
    assert rows["Đối thoại trực tiếp"][6] == "Chưa đến hạn"  # not judged: nothing due
    assert rows["Lượt người tham dự"][2] == "120"
    assert rows["Cơ sở tôn giáo đang sử dụng đất"][2:4] == ["3", "1"]  # this period, before
    assert rows["Huyện Tiên Lãng"][2] == "4,76"  # I1 of the district: 1 of its 21 communes of 2023

    response = reporting.client.get("/api/v1/reports/2023-3m/tables.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert {"Chỉ tiêu", "Tôn giáo - đất đai", "Đối thoại", "Dân vận khéo",
            "Vụ việc vi phạm", "Theo đơn vị"} <= set(book.sheetnames)
    indicators = {row[0]: row for row in book["Chỉ tiêu"].iter_rows(min_row=5, values_only=True)}
    assert indicators["I3"][3:6] == (2, 4, 50.0)
    units = list(book["Theo đơn vị"].iter_rows(min_row=4, values_only=True))
    assert units[0][:2] == ("Mã đơn vị", "Đơn vị")
    assert len(units) == 1 + 1 + 15 + HAI_PHONG_COMMUNES

    # A district's report is its own board's, to the Commission (finding H7).
    district = Document(io.BytesIO(reporting.client.get(
        "/api/v1/reports/2023-3m/report.docx", params={"unit": TIEN_LANG}).content))
    block = district.tables[0]
    assert "HUYỆN ỦY TIÊN LÃNG" in block.cell(0, 0).text
    assert "BAN DÂN VẬN" in block.cell(0, 0).text
    assert "THÀNH ỦY" not in block.cell(0, 0).text
    assert "BDVHU" in block.cell(0, 0).text + block.cell(1, 0).text
    assert "Tiên Lãng, ngày" in block.cell(1, 1).text
    whole = "\n".join([p.text for p in district.paragraphs]
                      + [c.text for t in district.tables for r in t.rows for c in r.cells])
    assert "Ban Dân vận Thành ủy (để b/c)" in whole and "Thường trực Huyện ủy" in whole
    assert "Ban Dân vận Trung ương" not in whole
    # Its parts to write are the district board's, not the Commission office's (J23).
    assert "(Ban Dân vận Huyện ủy bổ sung nội dung đánh giá.)" in whole
    assert "Văn phòng Ban" not in whole

    # The 6 months' previous column: I2 was «chưa đến hạn» at 3 months (nobody owed a
    # session), so its 3/3 = 100 is no rate to compare with (finding H10): a dash.
    six = Document(io.BytesIO(reporting.client.get("/api/v1/reports/2023-6m/report.docx").content))
    rows6 = {row.cells[1].text: [c.text for c in row.cells]
             for t in six.tables[1:] for row in t.rows}
    assert rows6["Đối thoại trực tiếp"][5] == "—", rows6["Đối thoại trực tiếp"]
    assert rows6["Hồ sơ đăng ký đất đai"][5] == "50"  # a judged rate keeps its figure
    book6 = openpyxl.load_workbook(io.BytesIO(
        reporting.client.get("/api/v1/reports/2023-6m/tables.xlsx").content))
    indicators6 = {row[0]: row for row in book6["Chỉ tiêu"].iter_rows(min_row=5,
                                                                     values_only=True)}
    assert indicators6["I2"][7] is None and indicators6["I3"][7] == 50.0
    page = reporting.client.get("/", params={"period": "2023-6m"}).text
    tile = page[page.index('id="tile-I2"'):]
    assert "Kỳ trước" not in tile[:tile.index("</div></div>")]
    # Nor do the bars of the year's conferences set it beside the 6 months' rate: no bar
    # of 100 at 3 months, the status said instead; a judged rate keeps its bar.
    chart = page[page.index('id="chart-I2"'):]
    chart = chart[:chart.index("</figure>")]
    assert 'class="bar status-chua_den_han"' not in chart
    assert 'data-period="2023-3m" data-value=' not in chart
    assert 'data-period="2023-3m">Chưa đến hạn</text>' in chart
    assert 'data-period="2023-6m" data-value=' in chart
    chart3 = page[page.index('id="chart-I3"'):]
    assert 'data-period="2023-3m" data-value="50.0"' in chart3[:chart3.index("</figure>")]

    thematic = reporting.client.get("/api/v1/themes/doi-thoai/2023-3m/report.docx")
    assert thematic.status_code == 200
    doc = Document(io.BytesIO(thematic.content))
    assert "Đối thoại trực tiếp" in "\n".join(p.text for p in doc.paragraphs)


def test_reports_are_reproducible_and_finalised_figures_stay_frozen(
    reporting: Reporting,
) -> None:
    reporting.feed(two_quarter_scenario())
    as_of = utcnow().isoformat()
    first = _get(reporting, "/api/v1/reports/2023-3m/units", as_of=as_of)
    again = _get(reporting, "/api/v1/reports/2023-3m/units", as_of=as_of)
    assert again == first

    # Drop every projection and replay the streams: the same figures.
    rebuild_and_wait(reporting.client)
    replayed = _get(reporting, "/api/v1/reports/2023-3m/units", as_of=as_of)
    assert replayed == first

    # Finalise, then a late correction: a certificate of 01/03 recorded only now.
    finalised = reporting.client.post(
        "/api/v1/reports/2023-3m/finalise", json={"scope": "31"}, headers={"x-actor": "vp"}
    )
    assert finalised.status_code == 201, finalised.text
    digest = finalised.json()["content_hash"]
    frozen_as_of = finalised.json()["as_of"]
    again = reporting.client.post("/api/v1/reports/2023-3m/finalise", json={"scope": "31"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "REPORT_ALREADY_FINALISED"
    late = Events()
    late.certificate("S3", QUAN_TOAN, date(2023, 3, 1), "CS 09999", recorded=utcnow())
    reporting.publish(late.items)

    shown = _get(reporting, "/api/v1/reports/2023-3m")
    assert shown["finalised"]["content_hash"] == digest
    assert shown["content_hash"] == digest, "the frozen figures, not silently changed ones"
    assert figure_values(shown)["sites_with_certificate"] == 0
    diffs = {(d["unit_code"], d["figure"]): (d["frozen"], d["current"])
             for d in shown["differences"]}
    assert diffs[("31", "sites_with_certificate")] == (0, 1)
    assert diffs[("31", "certificates_issued")] == (0, 1)
    assert diffs[("303", "sites_with_certificate")] == (0, 1)
    assert diffs[(QUAN_TOAN, "sites_with_certificate")] == (0, 1)
    assert diffs[("31", "I4.numerator")] == (0, 1)
    assert diffs[("31", "I4.value")] == (0.0, 0.42)  # 1/239, 2 decimals half up
    assert all(unit in {"31", "303", QUAN_TOAN} for unit, _ in diffs)
    _differences_print_with_status_labels(reporting, shown["differences"])
    # Asked as of the finalisation, the report is exactly the frozen one; as of now, not.
    at_freeze = _get(reporting, "/api/v1/reports/2023-3m", as_of=frozen_as_of)
    assert at_freeze["content_hash"] == digest
    now = _get(reporting, "/api/v1/reports/2023-3m", as_of=utcnow().isoformat())
    assert figure_values(now)["sites_with_certificate"] == 1
    # The finalisation is an event of the reporting service's own store.
    catalogue = _get(reporting, "/api/v1/events/catalogue")
    assert {"ReportFinalised", "PeriodAdjusted"} <= set(catalogue["events"])


def _differences_print_with_status_labels(
    reporting: Reporting, differences: list[dict[str, Any]]
) -> None:
    """The Word and Excel documents of a finalised report list its differences, a status
    change by its Vietnamese labels (a status is a code, not a number: it once broke the Word
    document of any finalised report whose statuses had moved)."""
    statuses = [(d["frozen"], d["current"]) for d in differences
                if d["figure"].endswith(".status")]
    assert statuses, "the late certificate moves a status: the case this checks"
    labels = {(STATUS_LABELS.get(was, was), STATUS_LABELS.get(now, now))
              for was, now in statuses if was is not None and now is not None}
    docx = reporting.client.get("/api/v1/reports/2023-3m/report.docx")
    assert docx.status_code == 200, docx.text
    rows = [tuple(cell.text for cell in row.cells)
            for table in Document(io.BytesIO(docx.content)).tables for row in table.rows]
    assert labels <= {row[-2:] for row in rows}
    assert not any(code in cell for row in rows for cell in row for code in STATUS_LABELS)
    xlsx = reporting.client.get("/api/v1/reports/2023-3m/tables.xlsx")
    assert xlsx.status_code == 200, xlsx.text
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))[SHEET_DIFFERENCES]
    cells = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert labels <= {row[-2:] for row in cells}
    assert not any(value in STATUS_LABELS for row in cells for value in row)


def test_a_period_window_is_editable_without_moving_older_reports(
    reporting: Reporting,
) -> None:
    reporting.feed(two_quarter_scenario())
    listed = _get(reporting, "/api/v1/periods", year="2023")
    periods = listed["items"]
    assert listed["periods"] == periods  # the deprecated name, kept for older clients
    assert (listed["year"], listed["total"], listed["pages"]) == (2023, 4, 1)
    page = _get(reporting, "/api/v1/periods", year="2023", page="2", page_size="3")
    assert [p["id"] for p in page["items"]] == ["2023-12m"]
    assert [(p["id"], p["data_from"], p["cutoff_on"]) for p in periods] == [
        ("2023-3m", "2022-12-15", "2023-03-14"),
        ("2023-6m", "2022-12-15", "2023-06-14"),
        ("2023-9m", "2022-12-15", "2023-09-14"),
        ("2023-12m", "2022-12-15", "2023-12-14"),
    ]
    before = utcnow().isoformat()
    window = {"data_from": "2022-12-15", "cutoff_on": "2023-03-31",
              "reason": "Hội nghị giao ban lùi sang tháng 4"}
    blind = reporting.client.put("/api/v1/periods/2023-3m", json=window)
    assert blind.status_code == 428
    assert blind.json()["error"]["code"] == "PRECONDITION_REQUIRED"
    read = reporting.client.get("/api/v1/periods/2023-3m")
    assert read.headers["ETag"] == '"0"'
    moved = reporting.client.put(
        "/api/v1/periods/2023-3m", json=window, headers={"if-match": read.headers["ETag"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["adjusted"] is True
    assert moved.json()["version"] == 1 and moved.headers["ETag"] == '"1"'
    assert moved.json()["events"][0]["event_type"] == "PeriodAdjusted"
    stale = reporting.client.put(
        "/api/v1/periods/2023-3m",
        json={"data_from": "2022-12-15", "cutoff_on": "2023-03-20", "reason": "Lại đổi"},
        headers={"if-match": "0"},
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["details"]["current_version"] == 1
    assert figure_values(_get(reporting, "/api/v1/reports/2023-3m"))["sites_with_dossier"] == 3
    old = _get(reporting, "/api/v1/reports/2023-3m", as_of=before)
    assert old["period"]["cutoff_on"] == "2023-03-14"
    assert figure_values(old)["sites_with_dossier"] == 2


BAD_REQUESTS: list[tuple[str, str, str, dict[str, Any] | None, int, str]] = [
    ("unknown period", "GET", "/api/v1/reports/2023-4m", None, 422, "INVALID_PERIOD"),
    ("year out of range", "GET", "/api/v1/reports/1999-3m", None, 422,
     "PERIOD_YEAR_OUT_OF_RANGE"),
    ("as of in the future", "GET", "/api/v1/reports/2023-3m?as_of=2099-01-01", None, 422,
     "AS_OF_IN_FUTURE"),
    ("as of garbage", "GET", "/api/v1/reports/2023-3m?as_of=hôm-qua", None, 422,
     "INVALID_AS_OF"),
    ("scope not a province", "GET", "/api/v1/reports/2023-3m?scope=99", None, 422,
     "UNKNOWN_SCOPE"),
    ("unit outside the scope", "GET", "/api/v1/reports/2023-3m?unit=01001", None, 422,
     "UNKNOWN_UNIT_IN_SCOPE"),
    ("malformed unit", "GET", "/api/v1/reports/2023-3m?unit=abc", None, 422,
     "VALIDATION_ERROR"),
    ("unknown theme", "GET", "/api/v1/themes/khac/2023-3m", None, 422, "UNKNOWN_THEME"),
    ("reversed window", "PUT", "/api/v1/periods/2023-3m",
     {"data_from": "2023-03-14", "cutoff_on": "2023-01-01", "reason": "x"}, 422,
     "WINDOW_REVERSED"),
    ("cut-off after the period", "PUT", "/api/v1/periods/2023-3m",
     {"data_from": "2022-12-15", "cutoff_on": "2023-05-01", "reason": "x"}, 422,
     "WINDOW_CUTOFF_OUT_OF_RANGE"),
    ("blank reason", "PUT", "/api/v1/periods/2023-3m",
     {"data_from": "2022-12-15", "cutoff_on": "2023-03-10", "reason": ""}, 422,
     "VALIDATION_ERROR"),
    ("NUL in reason", "PUT", "/api/v1/periods/2023-3m",
     {"data_from": "2022-12-15", "cutoff_on": "2023-03-10", "reason": "a\u0000b"}, 422,
     "VALIDATION_ERROR"),
    ("finalise in the future", "POST", "/api/v1/reports/2023-3m/finalise",
     {"scope": "31", "as_of": "2099-01-01T00:00:00+07:00"}, 422, "AS_OF_IN_FUTURE"),
    # A signed report holds the period's whole figures: not before its cut-off day has ended.
    ("finalise before the cut-off day ended", "POST", "/api/v1/reports/2023-3m/finalise",
     {"scope": "31", "as_of": "2023-03-14T23:00:00+07:00"}, 422, "CUTOFF_NOT_PASSED"),
    ("finalise a period to come", "POST", f"/api/v1/reports/{today_vn().year + 1}-3m/finalise",
     {"scope": "31"}, 422, "CUTOFF_NOT_PASSED"),
    ("finalise unknown field", "POST", "/api/v1/reports/2023-3m/finalise",
     {"scope": "31", "figures": {}}, 422, "VALIDATION_ERROR"),
]


def test_bad_requests_get_a_4xx_and_write_nothing(reporting: Reporting) -> None:
    for case, method, url, body, status, code in BAD_REQUESTS:
        # The period's window is replaced only with If-Match (the default period: version 0).
        headers = {"If-Match": '"0"'} if method == "PUT" else None
        response = reporting.client.request(method, url, json=body, headers=headers)
        assert response.status_code == status, (case, response.text)
        error = response.json()["error"]
        assert error["code"] == code, case
        assert not error["message"].isascii(), (case, "a Vietnamese message")
    with reporting.runtime.engine.connect() as conn:
        assert reporting.runtime.store.read_all(conn) == []


def test_a_report_before_2020_has_the_units_of_the_first_era(reporting: Reporting) -> None:
    """K15: the catalogue's first era reaches back to 01/01/1990, so 2020-3m (its previous
    period cut off on 14/12/2019) and 2015-6m are reports of the city like any other (they
    were refused BEFORE_UNIT_CATALOGUE)."""
    for period in ("2020-3m", "2015-6m"):
        units = _get(reporting, f"/api/v1/reports/{period}/units")["units"]
        assert TIEN_LANG in {u["code"] for u in units}
        assert _get(reporting, f"/api/v1/reports/{period}")["period"]["id"] == period


def test_the_earliest_report_the_api_can_ask_for_has_the_first_eras_units(
    reporting: Reporting,
) -> None:
    """BEFORE_UNIT_CATALOGUE (a report read before the catalogue's first era) was removed as
    unreachable: the era reaches back to 01/01/1990 (K15), the API's first day, and no day a
    report reads is earlier. 2015-6m, whose previous period is the first (2015-3m), is a
    report of the city's units, also with 2015-3m's cut-off moved as far back as the API lets;
    such a move is refused by the period's own rule, not by the catalogue."""
    read = reporting.client.get("/api/v1/periods/2015-3m")
    moved = reporting.client.put(
        "/api/v1/periods/2015-3m", headers={"if-match": read.headers["ETag"]},
        json={"data_from": "1990-01-01", "cutoff_on": "1990-01-02", "reason": "Thử ngày đầu"})
    assert moved.status_code == 422, moved.text
    assert moved.json()["error"]["code"] != "BEFORE_UNIT_CATALOGUE"
    units = _get(reporting, "/api/v1/reports/2015-6m/units")["units"]
    assert TIEN_LANG in {u["code"] for u in units}
    report = _get(reporting, "/api/v1/reports/2015-6m")
    assert report["previous_period"]["id"] == "2015-3m", report["previous_period"]


def test_the_first_years_3_month_report_is_answered_with_its_previous_period(
    reporting: Reporting,
) -> None:
    """2015-3m, the first period the API takes, was a 500: its previous period 2014-12m is of
    a year no period id may name (InvalidPeriodId escaped). Its previous column is that year
    report's default window (cut off on 14/12/2014, as 2015 opens after it), in the JSON, the
    units, the Word and Excel and the dashboard; it can be signed."""
    report = _get(reporting, "/api/v1/reports/2015-3m")
    assert report["previous_period"]["id"] == "2014-12m", report["previous_period"]
    assert report["previous_period"]["cutoff_on"] == "2014-12-14"
    assert report["period"]["data_from"] == "2014-12-15"
    assert _get(reporting, "/api/v1/reports/2015-3m/units")["units"]
    for url in ("/api/v1/reports/2015-3m/report.docx", "/api/v1/reports/2015-3m/tables.xlsx",
                "/?period=2015-3m", "/ke-hoach?period=2015-3m"):
        response = reporting.client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
    signed = reporting.client.post("/api/v1/reports/2015-3m/finalise",
                                   json={"scope": "31", "as_of": "2015-03-16"})
    assert signed.status_code in (200, 201), signed.text


def test_a_report_is_signed_no_earlier_than_the_day_after_its_cut_off(
    reporting: Reporting,
) -> None:
    """H6: a 6-month report signed as of a day before its cut-off, or as of before any data,
    would freeze a part of the period (all zeros) as its whole: refused, naming the first day
    it may be signed on; the first instant of that day is accepted."""
    reporting.feed(two_quarter_scenario())
    url = "/api/v1/reports/2023-6m/finalise"
    for as_of in ("2023-06-13", "2023-06-14T23:59:59+07:00", "2020-01-01"):
        refused = reporting.client.post(url, json={"scope": "31", "as_of": as_of})
        assert refused.status_code == 422, (as_of, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "CUTOFF_NOT_PASSED", as_of
        assert "15/06/2023" in error["message"], error["message"]
        assert error["details"]["first_day"] == "2023-06-15"
    with reporting.runtime.engine.connect() as conn:
        assert not [e for e in reporting.runtime.store.read_all(conn)
                    if e.event_type == "ReportFinalised"]
    signed = reporting.client.post(url, json={"scope": "31", "as_of": "2023-06-15T00:00:00+07:00"})
    assert signed.status_code == 201, signed.text


def test_the_documented_finalise_example_is_accepted(reporting: Reporting) -> None:
    """A partner copies the body the OpenAPI document shows: it must finalise, not be refused
    (it showed the cut-off day itself as `as_of`, which the cut-off rule refuses)."""
    reporting.feed(two_quarter_scenario())
    operation = reporting.client.get("/openapi.json").json()["paths"][
        "/api/v1/reports/{period_id}/finalise"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["example"]
    finalised = reporting.client.post("/api/v1/reports/2023-3m/finalise", json=body)
    assert finalised.status_code == 201, (body, finalised.text)


def test_the_dashboard_page_is_served_with_its_assets(reporting: Reporting) -> None:
    reporting.feed(two_quarter_scenario())
    page = reporting.client.get("/", params={"period": "2023-3m"})
    assert page.status_code == 200
    html = page.text
    assert 'lang="vi"' in html and "http://" not in html and "https://" not in html
    assert 'id="tile-I3"' in html and 'data-value="50.0"' in html
    assert "0,46%" in html  # Vietnamese number format, 2 decimals (I1: 1 of 217 communes)
    assert "15/12/2022" in html
    for asset in ("/static/reporting/dashboard.js", "/static/reporting/dashboard.css"):
        assert asset in html
        assert reporting.client.get(asset).status_code == 200
    wait_until(lambda: reporting.client.get("/chuyen-de/doi-thoai").status_code == 200)


def test_a_ceased_districts_board_opens_its_dashboard_on_its_own_last_period(
    reporting: Reporting,
) -> None:
    """Since 1 July 2025 there are no districts: the latest period has no unit "315", and the
    Tiên Lãng board's dashboard answered a JSON 422 instead of opening on its own time."""
    events = two_quarter_scenario()
    # A fact of 2026 (Đặc khu Bạch Long Vĩ exists from the 2025 reform): the city's dashboard
    # opens on a period after the districts ended.
    events.site("S-2026", "11948", date(2026, 1, 10))
    reporting.feed(events)
    board = {"X-Unit-Scope": TIEN_LANG, "X-Scopes": "reporting:read"}
    page = reporting.client.get("/", headers=board)
    assert page.status_code == 200, page.text[:300]
    assert "text/html" in page.headers["content-type"]
    # Its data are of 2023: the page opens on that year's report, the district's own.
    assert "Huyện Tiên Lãng" in page.text and "14/12/2023" in page.text
    themed = reporting.client.get("/chuyen-de/doi-thoai", headers=board)
    assert themed.status_code == 200, themed.text[:300]


def test_the_rebuild_command_reproduces_every_figure(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    reporting.feed(two_quarter_scenario())
    settings = reporting.runtime.settings
    monkeypatch.setenv("REPORTING_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("NATS_URL", settings.nats_url)
    monkeypatch.setenv("SUBJECT_ROOT", settings.subject_root)
    assert asyncio.run(rebuild([2023])) == 0
    printed = capsys.readouterr().out
    assert printed.count("bằng nhau") == 4
    assert "không đổi" in printed
    reporting.wait_projected()
    assert figure_values(_get(reporting, "/api/v1/reports/2023-6m")) | Q2_CITY == figure_values(
        _get(reporting, "/api/v1/reports/2023-6m"))


def test_a_2023_report_lists_the_units_of_2023_by_their_2023_names(reporting: Reporting) -> None:
    """15 districts and 217 communes with their 2023 names in the JSON, Word and Excel
    outputs; the same report for mid-2025 has the 167 communes after the rearrangement."""
    names_2023 = {"311": "Huyện Thuỷ Nguyên", "312": "Huyện An Dương", "11341": "Phường Lạc Viên",
                  "11347": "Phường Gia Viên", "11755": "Thị trấn Tiên Lãng"}
    units = _get(reporting, "/api/v1/reports/2023-12m/units")["units"]
    by_level: dict[str, list[dict[str, Any]]] = {}
    for unit in units:
        by_level.setdefault(unit["level"], []).append(unit)
    assert (len(by_level["district"]), len(by_level["commune"])) == (15, 217)
    named = {u["code"]: u["name"] for u in units}
    assert {code: named[code] for code in names_2023} == names_2023
    assert named["31"] == "Thành phố Hải Phòng"
    assert sum(1 for u in by_level["commune"] if u["parent"] == "315") == 21
    assert named["318"] == "Huyện Bạch Long Vĩ"  # a district with no commune

    docx = reporting.client.get("/api/v1/reports/2023-12m/report.docx")
    doc = Document(io.BytesIO(docx.content))
    cells = {row.cells[1].text for t in doc.tables[1:] for row in t.rows}
    assert {"Huyện Thuỷ Nguyên", "Huyện An Dương"} <= cells
    assert not {"Thành phố Thuỷ Nguyên", "Quận An Dương"} & cells
    book = openpyxl.load_workbook(io.BytesIO(
        reporting.client.get("/api/v1/reports/2023-12m/tables.xlsx").content))
    rows = {row[0]: row[1] for row in book["Theo đơn vị"].iter_rows(min_row=5, values_only=True)}
    assert {code: rows[code] for code in names_2023} == names_2023
    assert len(rows) == 1 + 15 + 217

    mid_2025 = _get(reporting, "/api/v1/reports/2025-6m/units")["units"]
    named_2025 = {u["code"]: u["name"] for u in mid_2025}
    assert sum(1 for u in mid_2025 if u["level"] == "commune") == 167
    assert (named_2025["311"], named_2025["312"], named_2025["11341"]) == (
        "Thành phố Thuỷ Nguyên", "Quận An Dương", "Phường Gia Viên")
    assert "11347" not in named_2025  # merged into 11341 on 1 January 2025


def test_heads_leave_office_with_their_unit(reporting: Reporting) -> None:
    """Huyện Tiên Lãng (H1) and Phường Quán Toan (H3) ceased on 01/07/2025; their heads, who
    never left, are not in office in 2026 (the dialogue service cuts their terms at
    30/06/2025 too). Thị trấn Tiên Lãng's code lives on in the new Xã Tiên Lãng, which the
    catalogue records as merged that day: H2's term ends on 30/06/2025 as well and only the
    new commune's head H4, from 01/07/2025, counts in 2026 (H2 and H4 before the fix)."""
    events = two_quarter_scenario()
    events.head("H4", TIEN_LANG_TOWN, "people_committee_chair", date(2025, 7, 1))
    reporting.feed(events)
    report = _get(reporting, "/api/v1/reports/2026-6m")
    i2 = next(i for i in report["indicators"] if i["id"] == "I2")
    assert i2["denominator"] == 1
    units = _get(reporting, "/api/v1/reports/2026-6m/units")["units"]
    assert {u["code"]: u["figures"]["heads_in_office"] for u in units
            if u["figures"]["heads_in_office"]} == {"31": 1, TIEN_LANG_TOWN: 1}
    # In 2025's 6-month report all three were still in office.
    earlier = _get(reporting, "/api/v1/reports/2025-6m")
    assert next(i for i in earlier["indicators"] if i["id"] == "I2")["denominator"] == 3


def test_a_years_definition_recorded_after_a_cut_off_decides_that_periods_target(
    reporting: Reporting,
) -> None:
    """The indicators service applies a year's definition to the whole year, whenever it was
    recorded; reporting judged a period only by definitions dated up to its cut-off, so the
    same year and data gave I3 "đạt" in one service and a different target in the other."""
    events = two_quarter_scenario()
    reporting.feed(events)
    before = _get(reporting, "/api/v1/reports/2023-3m")
    i3 = next(i for i in before["indicators"] if i["id"] == "I3")
    assert (i3["denominator"], i3["target"]) == (4, 40)
    redefined = events.add("indicators", "indicator", "I3-2023", "IndicatorDefined",
                           date(2023, 9, 1), {
        "indicator_id": "I3", "year": 2023, "name": "Cơ sở tôn giáo có hồ sơ đăng ký đất đai",
        "comparator": "ge", "target": 60, "denominator_fixed": 5}, recorded=utcnow())
    defined_at = utcnow().isoformat()
    reporting.publish([redefined])
    wait_until(lambda: next(i for i in _get(reporting, "/api/v1/reports/2023-3m")["indicators"]
                            if i["id"] == "I3")["target"] == 60)
    after = next(i for i in _get(reporting, "/api/v1/reports/2023-3m")["indicators"]
                 if i["id"] == "I3")
    assert (after["numerator"], after["denominator"], after["target"]) == (2, 5, 60)
    # As known before it was recorded, the report is what it was.
    earlier = _get(reporting, "/api/v1/reports/2023-3m", as_of=before["as_of"])
    assert next(i for i in earlier["indicators"] if i["id"] == "I3")["target"] == 40
    assert defined_at > before["as_of"]


def test_an_unknown_theme_names_the_themes(reporting: Reporting) -> None:
    refused = reporting.client.get("/api/v1/themes/xyz/2023-3m")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["details"]["allowed"] == ["dan-van-kheo", "doi-thoai", "dat-dai-ton-giao"]
    assert "«Đối thoại trực tiếp" in error["message"] and "(doi-thoai)" in error["message"]


def test_a_district_that_ceased_is_named_with_the_periods_that_still_have_it(
    reporting: Reporting,
) -> None:
    """Finding H19: asked for Tiên Lãng (ceased on 01/07/2025 with the two-level local
    government) in 2026, the answer said only «not in the report's scope»."""
    refused = reporting.client.get("/api/v1/reports/2026-3m", params={"unit": TIEN_LANG})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "UNKNOWN_UNIT_IN_SCOPE"
    assert "Huyện Tiên Lãng" in error["message"] and "01/07/2025" in error["message"]
    assert "30/06/2025" in error["message"] and error["details"]["last_day"] == "2025-06-30"
    # A code that never was a unit keeps the plain refusal.
    plain = reporting.client.get("/api/v1/reports/2026-3m", params={"unit": "99999"})
    assert plain.json()["error"]["code"] == "UNKNOWN_UNIT_IN_SCOPE"
    assert "99999" in plain.json()["error"]["message"]
