"""How an uploaded CSV file's dialect is guessed (shared/csvupload.py): every layout a desk's
spreadsheet program writes reads back as written, and a hostile line costs the guess no more
than reading it (examiner H1: csv.Sniffer's regular expressions froze the religion service
43 s on a 72 KB line, and would have frozen dialogue for hours on 4 KB of quotes)."""

from __future__ import annotations

import csv
import io

import pytest

from services.dialogue.adapters.spreadsheets import read_table
from services.religion.adapters.spreadsheet import read_sheet
from shared.csvupload import csv_dialect
from shared.errors import InvalidInput

HEADER = ["Mã cơ sở", "Tên cơ sở", "Tôn giáo", "Mã xã", "Địa chỉ", "Diện tích đất (m²)",
          "Ngày đăng ký"]
ROWS = [
    ["TL-01", "Chùa Đông Khê", "Phật giáo", "11755", "Thôn 7, xã Tiên Lãng", "1.250,5",
     "01/02/2023"],
    ["TL-02", 'Nhà thờ "Đại Thắng"', "Công giáo", "11758", "", "980", "2023-02-03"],
    ["TL-03", "Chùa\nBa", "Phật giáo", "11755", "Thôn Tây; xóm 2", "100", ""],
]
TITLE = ["DANH SÁCH CƠ SỞ TÔN GIÁO, NĂM 2023"]


def _written(rows: list[list[str]], delimiter: str, **options: object) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, **options).writerows(rows)  # type: ignore[arg-type]
    return buffer.getvalue()


def _read(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text, newline=""), csv_dialect(text)) if row]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize(
    ("above", "options"),
    [
        ([], {}),
        ([], {"lineterminator": "\n"}),
        ([], {"quoting": csv.QUOTE_ALL}),
        # A title line, on its own or as Excel writes a merged one (empty cells after it).
        ([TITLE, []], {}),
        ([TITLE + [""] * 6, [""] * 7], {}),
    ],
    ids=["excel", "lf", "all-quoted", "title", "merged-title"],
)
def test_every_layout_a_spreadsheet_writes_reads_back_as_written(
    delimiter: str, above: list[list[str]], options: dict[str, object]
) -> None:
    rows = [*above, HEADER, *ROWS]
    assert _read(_written(rows, delimiter, **options)) == [r for r in rows if r]
    # The header alone (an empty template) and a two-column progress sheet.
    assert _read(_written([HEADER], delimiter)) == [HEADER]
    progress = [["Mã cam kết", "Tiến độ (%)"], ["DT-1", "45,5"], ["DT-2", "100 %"]]
    assert _read(_written(progress, delimiter)) == progress


def test_cells_after_a_separator_and_a_space_and_a_single_column() -> None:
    spaced = 'Mã cơ sở, Tên cơ sở, Mã xã\nTL-01, Chùa A, 11755\nTL-02, "Chùa, B", 11755\n'
    assert _read(spaced) == [["Mã cơ sở", "Tên cơ sở", "Mã xã"], ["TL-01", "Chùa A", "11755"],
                             ["TL-02", "Chùa, B", "11755"]]
    assert _read("Mã cơ sở\nTL-01\n") == [["Mã cơ sở"], ["TL-01"]]
    # Semicolons, with commas unquoted in its cells: the count that agrees wins.
    semicolons = "Mã;Địa chỉ;Diện tích\nTL-1;Thôn 7, xã A;1.250,5\nTL-2;Thôn 8, xã B;980,5\n"
    assert csv_dialect(semicolons).delimiter == ";"


# Each of these held the interpreter's lock for hours with csv.Sniffer (measured: 24 KB of
# the first, 2.2 s of processor time, growing with the square; 610 bytes of the second, 27 s,
# growing with the fourth power). The timeout is no speed bound: read as now, each is a
# single pass over the text, milliseconds; it only ends the test that would otherwise hang.
LONG_QUOTED_LINE = "Mã cơ sở" + ',"a' * 400_000 + "\n"  # 1.2 MB in one line
LINE_OF_QUOTES = 'Mã cam kết,"Tiến độ (%)",c\n' + '" ' * 2_000 + "x\n"  # 4 KB


@pytest.mark.timeout(120)
@pytest.mark.parametrize("text", [LONG_QUOTED_LINE, LINE_OF_QUOTES],
                         ids=["long-quoted-line", "line-of-quotes"])
def test_a_hostile_line_is_read_in_one_pass(text: str) -> None:
    assert csv_dialect(text).delimiter == ","
    content = text.encode()
    with pytest.raises(InvalidInput) as refused:
        read_sheet("ds.csv", content, 100)
    assert refused.value.code in {"IMPORT_MISSING_COLUMNS", "IMPORT_NO_HEADER"}
    assert read_table(content, "tien-do.csv", 100).header[0] == text.split(",", 1)[0]
