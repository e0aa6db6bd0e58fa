"""Bulk import of the desk's spreadsheets: dry run, row errors in Vietnamese, all-or-nothing by
default, partial import on request, re-import creating nothing, CSV and Excel."""

from __future__ import annotations

import io
import re
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from services.religion.application import importing
from services.religion.application.importing import parse_date, parse_number
from shared.adminunits import fold
from tests.integration.helpers import event_count
from tests.religion.conftest import error_of, site_body
from tests.religion.test_history import _snapshot

SAMPLES = Path(__file__).parents[2] / "services" / "religion" / "samples"
SAMPLE_CSV = SAMPLES / "co-so-ton-giao-hai-phong-MAU.csv"
SAMPLE_XLSX = SAMPLES / "co-so-ton-giao-hai-phong-MAU.xlsx"
HEADER = "Mã cơ sở;Tên cơ sở;Tôn giáo;Mã xã;Diện tích đất (m²);Ngày đăng ký;Ghi chú\n"
GOOD = [
    "TL-01;Chùa Đông Khê;Phật giáo;11755;1.250,5;01/02/2023;\n",
    "TL-02;Giáo xứ Đại Thắng;cong giao;11758;980;2023-02-03;\n",
]
BAD = [
    "TL-03;Chùa Ba;Phật giáo;99999;100;01/02/2023;\n",  # row 4: unknown commune
    "TL-04;Chùa Bốn;Đạo lạ;11755;abc;31/02/2023;\n",  # row 5: religion, number, date
    "TL-01;Chùa trùng;Phật giáo;11755;100;01/02/2023;\n",  # row 6: duplicate of row 2
    "TL-05;;Phật giáo;11755;100;01/02/2023;\n",  # row 7: no name
]


def _upload(client: TestClient, name: str, content: bytes, **params: Any) -> Any:
    return client.post("/api/v1/sites/import", params=params, files={"file": (name, content)})


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode("utf-8")


def test_the_sample_file_imports_once_from_csv_and_not_again_from_excel(
    religion: TestClient,
) -> None:
    dry = _upload(religion, SAMPLE_CSV.name, SAMPLE_CSV.read_bytes(), dry_run="true")
    assert dry.status_code == 200
    assert (dry.json()["rows"], dry.json()["would_create"], dry.json()["errors"]) == (239, 239, [])
    assert event_count(religion) == 0

    done = _upload(religion, SAMPLE_CSV.name, SAMPLE_CSV.read_bytes())
    assert done.status_code == 201
    assert (done.json()["created"], done.json()["written"]) == (239, True)
    assert event_count(religion) == 239
    sites = religion.get("/api/v1/sites", params={"district": "315", "page_size": 500}).json()
    assert sites["total"] == 40
    first = religion.get("/api/v1/sites/CSTG-315-001").json()
    assert first["land_area_m2"] == 3052.5  # "3.052,5" in the file
    assert first["registered_on"] == "2023-03-30"  # "30/03/2023"

    # The Excel copy of the same register: same data, so nothing new and nothing differing.
    again = _upload(religion, SAMPLE_XLSX.name, SAMPLE_XLSX.read_bytes())
    assert again.status_code == 200
    body = again.json()
    assert (body["format"], body["header_row"], body["created"], body["existing"]) == (
        "xlsx", 3, 0, 239)
    assert all(item["differs"] == [] for item in body["skipped"])
    assert event_count(religion) == 239

    # The bulk path writes the read model itself; a replay must give exactly the same rows.
    live = _snapshot(religion)
    assert religion.post("/api/v1/admin/rebuild-read-models").json()["events_replayed"] == 239
    assert _snapshot(religion) == live
    found = religion.get("/api/v1/sites", params={"q": "dai thang", "page_size": 500}).json()
    communes = [i["commune"]["code"] for i in found["items"]]
    # Xã Đại Thắng's three sites first, then those holding both words apart (Cao Đài ...
    # Hùng Thắng).
    assert communes[:3] == ["11758"] * 3 and "11758" not in communes[3:]
    assert all(" dai " in f" {fold(i['name'])} " for i in found["items"][3:])


def test_row_errors_refuse_the_file_unless_only_valid_rows_are_asked_for(
    religion: TestClient,
) -> None:
    content = _csv(*GOOD, *BAD)
    dry = _upload(religion, "ds.csv", content, dry_run="true").json()
    assert (dry["rows"], dry["valid_rows"], dry["invalid_rows"]) == (6, 2, 4)
    found = {(e["row"], e["column"], e["code"]) for e in dry["errors"]}
    assert found == {
        (4, "Mã xã", "UNKNOWN_UNIT"),
        (5, "Tôn giáo", "INVALID_VALUE"),
        (5, "Diện tích đất (m²)", "INVALID_VALUE"),
        (5, "Ngày đăng ký", "INVALID_VALUE"),
        (6, "Mã cơ sở", "DUPLICATE_IN_FILE"),
        (7, "Tên cơ sở", "MISSING"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in dry["errors"]}
    assert messages[(6, "Mã cơ sở")] == (
        "Mã cơ sở trùng với dòng 2 của cùng tệp (mã không phân biệt chữ hoa, chữ thường)")
    assert "Đạo lạ" in messages[(5, "Tôn giáo")]
    assert "01/02/2023" in messages[(4, "Mã xã")]

    refused = _upload(religion, "ds.csv", content)
    assert refused.status_code == 422
    error = error_of(refused)
    assert error["code"] == "IMPORT_HAS_ERRORS"
    report = error["details"]["report"]
    assert report["error_count"] == 6
    # The refusal says what the file would have brought, and that nothing was written.
    assert (report["would_create"], report["created"], report["written"]) == (2, 0, False)
    assert event_count(religion) == 0

    partial = _upload(religion, "ds.csv", content, only_valid="true")
    assert partial.status_code == 201
    assert (partial.json()["created"], partial.json()["would_create"],
            partial.json()["invalid_rows"]) == (2, 2, 4)
    assert event_count(religion) == 2
    assert religion.get("/api/v1/sites/TL-02").json()["religion"] == "Công giáo"

    changed = _csv(GOOD[0].replace("Chùa Đông Khê", "Chùa Đông Khê Mới"), GOOD[1])
    again = _upload(religion, "ds.csv", changed).json()
    assert (again["created"], again["existing"]) == (0, 2)
    assert again["skipped"][0]["differs"] == ["Tên cơ sở"]
    assert event_count(religion) == 2


def test_a_row_registered_on_another_day_says_so_and_how_to_correct_it(
    religion: TestClient,
) -> None:
    """Finding J3: the registration date decides from which cut-off a site counts; a
    re-import to check the list compared every field but it, and said all agreed."""
    assert _upload(religion, "ds.csv", _csv(*GOOD)).status_code == 201
    redated = _csv(GOOD[0].replace("01/02/2023", "01/03/2023"), GOOD[1])
    again = _upload(religion, "ds.csv", redated, dry_run="true").json()
    first, second = again["skipped"]
    assert first["differs"] == ["Ngày đăng ký"]
    assert "/api/v1/sites/TL-01/registration/corrections" in first["message"]
    # The same day written another way, and a row giving no date, differ in nothing.
    assert second["differs"] == []
    undated = _csv(GOOD[0].replace("01/02/2023", ""), GOOD[1].replace("2023-02-03", "03/02/2023"))
    assert [s["differs"] for s in _upload(religion, "ds.csv", undated).json()["skipped"]] == [
        [], []]
    assert event_count(religion) == 2


def test_every_problem_of_a_row_is_reported_in_one_pass(religion: TestClient) -> None:
    content = _csv(
        # row 2: no name, an unknown religion, a commune that does not exist, a future date
        "TL-10;;Đạo lạ;99999;100;01/02/2099;\n",
        # row 3: a code no registration accepts, a negative area, a commune outside the city
        "TL 11;Chùa Mười Một;Phật giáo;00004;-5;01/02/2023;\n",
        # row 4: the same code as row 2 (which has errors of its own) and an unreadable number
        "TL-10;Chùa Trùng;Phật giáo;11755;abc;01/02/2023;\n",
    )
    dry = _upload(religion, "ds.csv", content, dry_run="true").json()
    found = sorted((e["row"], e["field"], e["code"]) for e in dry["errors"])
    assert found == [
        (2, "commune_code", "UNKNOWN_UNIT"),
        (2, "name", "MISSING"),
        (2, "registered_on", "DATE_IN_FUTURE"),
        (2, "religion", "INVALID_VALUE"),
        (3, "code", "STRING_PATTERN_MISMATCH"),
        (3, "commune_code", "OUTSIDE_JURISDICTION"),
        (3, "land_area_m2", "GREATER_THAN"),
        (4, "code", "DUPLICATE_IN_FILE"),
        (4, "land_area_m2", "INVALID_VALUE"),
    ]
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", e["code"]) for e in dry["errors"])
    assert (dry["would_create"], dry["created"], dry["written"]) == (0, 0, False)


def test_a_refused_file_reports_what_it_would_have_created(religion: TestClient) -> None:
    content = _csv(GOOD[0], BAD[3])
    refused = _upload(religion, "ds.csv", content)
    assert refused.status_code == 422
    report = error_of(refused)["details"]["report"]
    assert (report["would_create"], report["created"], report["written"]) == (1, 0, False)
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(3, "MISSING")]
    assert event_count(religion) == 0
    dry = _upload(religion, "ds.csv", content, dry_run="true").json()
    assert (dry["would_create"], dry["created"], dry["written"]) == (1, 0, False)


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_excel_cells_keep_their_types_and_rows_their_numbers(religion: TestClient) -> None:
    content = _xlsx([
        ["DANH SÁCH CƠ SỞ TÔN GIÁO"],
        [],
        ["STT", "Mã cơ sở", "Tên cơ sở", "Tôn giáo", "Mã xã", "Diện tích đất (m²)",
         "Ngày đăng ký"],
        [1, "TL-01", "Chùa Một", "Phật giáo", 11755, 1250.5, datetime(2023, 2, 1)],
        [],
        [2, "TL-02", "Chùa Hai", "Phật giáo", "11758", "-5", date(2023, 2, 1)],
    ])
    dry = _upload(religion, "ds.xlsx", content, dry_run="true").json()
    assert dry["header_row"] == 3
    assert [(e["row"], e["field"], e["code"]) for e in dry["errors"]] == [
        (6, "land_area_m2", "GREATER_THAN")]
    done = _upload(religion, "ds.xlsx", content, only_valid="true").json()
    assert done["created"] == 1
    site = religion.get("/api/v1/sites/TL-01").json()
    assert (site["commune"]["code"], site["land_area_m2"], site["registered_on"]) == (
        "11755", 1250.5, "2023-02-01")


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("ds.pdf", b"%PDF-1.4", "IMPORT_UNSUPPORTED"),
        ("ds.xlsx", b"PK\x03\x04 not really a workbook", "IMPORT_UNREADABLE"),
        ("ds.csv", "Tên;Địa chỉ\nChùa;Thôn\n".encode(), "IMPORT_NO_HEADER"),
        ("ds.csv", "Mã cơ sở;Tên cơ sở\nA;B\n".encode(), "IMPORT_MISSING_COLUMNS"),
        ("ds.csv", HEADER.encode(), "IMPORT_EMPTY"),
        ("ds.csv", b"\xff\xfe\x00M\x00a", "IMPORT_UNREADABLE"),
    ],
    ids=["pdf", "broken-xlsx", "no-header", "missing-columns", "empty", "utf16"],
)
def test_unusable_files_are_refused_with_a_reason(
    religion: TestClient, name: str, content: bytes, code: str
) -> None:
    response = _upload(religion, name, content, dry_run="true")
    assert response.status_code == 422, response.text
    assert error_of(response)["code"] == code
    assert not error_of(response)["message"].isascii()


@pytest.mark.parametrize("header", [
    "Mã cơ sở;Tên cơ sở;Tôn giáo;Mã xã;Ngày đăng ký;Tên cơ sở\n",
    "Mã cơ sở;Tên cơ sở;Tôn giáo;Mã xã;Ngày đăng ký;ten co so ton giao\n",
], ids=["same-header", "alias"])
def test_a_column_given_twice_in_the_header_is_refused_naming_both(
    religion: TestClient, header: str
) -> None:
    """Two columns of one field (examiner-hostile): the last was read and the other dropped
    without a word, so a sheet with «Tên cơ sở» in B and again in F registered the name of F
    (201 "written"), as a JSON key given twice did before finding O1. Refused whole, both
    columns named by their letters, nothing written, dry run or not."""
    content = (header + "TL-91;Chùa A;Phật giáo;11755;01/02/2023;Chùa B\n").encode()
    events = event_count(religion)
    for dry_run in ("true", "false"):
        response = _upload(religion, "ds.csv", content, dry_run=dry_run)
        assert response.status_code == 422, response.text
        error = error_of(response)
        assert error["code"] == "IMPORT_REPEATED_COLUMN"
        assert "Tên cơ sở" in error["message"] and "cột B" in error["message"]
        assert "cột F" in error["message"]
        assert error["details"] == {"field": "name", "columns": ["B", "F"], "header_row": 1}
    assert event_count(religion) == events
    assert religion.get("/api/v1/sites/TL-91").status_code == 404
    # The same sheet without the second column imports.
    single = ("Mã cơ sở;Tên cơ sở;Tôn giáo;Mã xã;Ngày đăng ký\n"
              "TL-91;Chùa A;Phật giáo;11755;01/02/2023\n")
    assert _upload(religion, "ds.csv", single.encode()).status_code == 201
    assert religion.get("/api/v1/sites/TL-91").json()["name"] == "Chùa A"


def test_a_workbook_with_rows_on_another_sheet_is_refused_naming_the_sheets(
    religion: TestClient,
) -> None:
    """A workbook of one sheet per district (examiner-hostile): the first sheet was imported
    and every other one dropped without a word, the active one included, 201 "written". A
    workbook where another sheet also has the register's header is refused whole, naming the
    sheets; a sheet of notes or of commune codes beside the data is no such sheet."""
    header = ["Mã cơ sở", "Tên cơ sở", "Tôn giáo", "Mã xã", "Ngày đăng ký"]
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Tiên Lãng"
    first.append(header)
    first.append(["SH-1", "Chùa A", "Phật giáo", "11755", "05/01/2023"])
    notes = book.create_sheet("Hướng dẫn")
    notes.append(["Mã", "Tên", "Ghi chú"])
    notes.append(["11755", "Thị trấn Tiên Lãng", "Mã xã"])
    second = book.create_sheet("Vĩnh Bảo")
    second.append(["Danh sách cơ sở tôn giáo huyện Vĩnh Bảo"])
    second.append(header)
    second.append(["SH-2", "Chùa B", "Phật giáo", "11755", "05/01/2023"])
    book.active = 2
    out = io.BytesIO()
    book.save(out)
    events = event_count(religion)
    for dry_run in ("true", "false"):
        response = _upload(religion, "ds.xlsx", out.getvalue(), dry_run=dry_run)
        assert response.status_code == 422, response.text
        error = error_of(response)
        assert error["code"] == "IMPORT_SEVERAL_SHEETS", error
        assert "«Tiên Lãng»" in error["message"] and "«Vĩnh Bảo»" in error["message"]
        assert "Hướng dẫn" not in error["message"]
        assert error["details"] == {"sheet": "Tiên Lãng", "other_sheets": ["Vĩnh Bảo"]}
    assert event_count(religion) == events
    # Without the second district's sheet, the workbook imports (its notes sheet beside it).
    del book["Vĩnh Bảo"]
    out = io.BytesIO()
    book.save(out)
    assert _upload(religion, "ds.xlsx", out.getvalue()).status_code == 201


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.250,5", 1250.5), ("1250,5", 1250.5), ("1,250.5", 1250.5), ("1250.5", 1250.5),
     ("1.234.567", 1234567.0), ("1,234,567", 1234567.0), ("0,500", 0.5), ("12,50", 12.5),
     ("12.5", 12.5), (" 980 ", 980.0), ("1 250,5", 1250.5), ("", None), (42, 42.0)],
)
def test_numbers_as_desks_type_them(text: str | int, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["1,234", "1.250", "12,500", "-1.250"])
def test_a_number_that_reads_two_ways_is_refused_not_guessed(text: str) -> None:
    """Finding J22: «1,234» is 1,234 in Vietnamese and 1234 in an English-locale export; it
    was read 1,234 m² silently (and «1.250» 1250). Refused, naming both readings."""
    with pytest.raises(ValueError) as refused:
        parse_number(text)
    assert getattr(refused.value, "code", None) == "AMBIGUOUS_NUMBER"


@pytest.mark.parametrize("text", ["abc", "1,2,3", "1e3", "nan", "1.234,5.6"])
def test_a_text_that_is_no_number_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_an_ambiguous_area_is_refused_in_its_row_with_both_readings(religion: TestClient) -> None:
    """J22 end to end: the row with «1,234» m² is an error of its row and column, its message
    naming 1,234 and 1.234; the row with 1.234,0 beside it is read 1234."""
    content = _csv("TL-01;Chùa Đông Khê;Phật giáo;11755;1,234;01/02/2023;\n",
                   "TL-02;Chùa Tây;Phật giáo;11755;1.234,0;01/02/2023;\n")
    dry = _upload(religion, "ds.csv", content, dry_run="true").json()
    (error,) = dry["errors"]
    assert (error["row"], error["column"], error["code"]) == (
        2, "Diện tích đất (m²)", "AMBIGUOUS_NUMBER")
    assert "1,234" in error["message"] and "1.234" in error["message"]
    assert dry["would_create"] == 1
    assert _upload(religion, "ds.csv", content).status_code == 422
    assert event_count(religion) == 0
    assert _upload(religion, "ds.csv", content, only_valid="true").status_code == 201
    assert religion.get("/api/v1/sites/TL-02").json()["land_area_m2"] == 1234.0


def test_dates_as_desks_type_them() -> None:
    assert parse_date("01/02/2023") == date(2023, 2, 1)
    assert parse_date("1-2-2023") == date(2023, 2, 1)
    assert parse_date("2023-02-01") == date(2023, 2, 1)
    assert parse_date(datetime(2023, 2, 1, 0, 0)) == date(2023, 2, 1)
    with pytest.raises(ValueError):
        parse_date("31/02/2023")


def test_other_desks_write_while_a_file_is_read_and_validated(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding H15: reading and validating a file happens before the write turn. Inside it,
    a 30,000-row file held every other desk's command for its whole length. Here a site is
    registered over the API while the file's rows are validated, and gets its answer then."""
    answers: list[Any] = []
    validate = importing.validate

    def validating(*args: Any) -> Any:
        other = threading.Thread(
            target=lambda: answers.append(religion.post("/api/v1/sites", json=site_body("TL-99")))
        )
        other.start()
        # Not a speed bound: one registration answers within a second; while the import held
        # the write turn it waited for the whole import, so it had no answer here.
        other.join(timeout=20)
        return validate(*args)

    monkeypatch.setattr(importing, "validate", validating)
    done = _upload(religion, "ds.csv", _csv(*GOOD))
    assert [a.status_code for a in answers] == [201]
    assert done.status_code == 201, done.text
    assert done.json()["created"] == 2
    assert event_count(religion) == 3
