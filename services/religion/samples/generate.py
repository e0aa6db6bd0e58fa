"""Writes the sample register of 239 religious sites (DỮ LIỆU MẪU — sample data, not real
records) on real Hai Phong commune codes of the three-level era, as the desk's CSV and Excel.

Run: `python -m services.religion.samples.generate` (deterministic: the same files every time).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from services.religion import messages
from shared import safecells
from shared.adminunits import HAI_PHONG, default_catalogue

HERE = Path(__file__).parent
CSV_FILE = HERE / "co-so-ton-giao-hai-phong-MAU.csv"
XLSX_FILE = HERE / "co-so-ton-giao-hai-phong-MAU.xlsx"
SITES = 239  # the denominator of indicators I3 and I4 in the 2023 plan
TIEN_LANG_SITES = 40
ON = date(2023, 6, 1)
SAMPLE_NOTE = "DỮ LIỆU MẪU — không phải số liệu thật"
TITLE = "DANH SÁCH CƠ SỞ TÔN GIÁO SỬ DỤNG ĐẤT TRÊN ĐỊA BÀN THÀNH PHỐ HẢI PHÒNG (DỮ LIỆU MẪU)"
NOTE_HEADER = "Ghi chú"
FIELDS = ("code", "name", "religion", "commune_code", "address", "land_area_m2",
          "land_use_origin", "registered_on")

PAGODA_NAMES = (
    "Phúc Lâm", "Linh Quang", "Hưng Phúc", "Diên Phúc", "Quang Minh", "Phổ Chiếu", "Thiên Phúc",
    "Long Hoa", "Bảo Quang", "Sùng Phúc", "An Lạc", "Hoa Nghiêm", "Từ Quang", "Viên Giác",
)
ORIGINS = (
    "Đất cơ sở tôn giáo sử dụng ổn định trước ngày 01/7/2004",
    "Nhà nước giao đất không thu tiền sử dụng đất",
    "Đất do nhân dân hiến tặng trước ngày 01/7/2004",
    "Đất nhận chuyển nhượng hợp pháp",
    "Đang xác minh nguồn gốc",
)


@dataclass(frozen=True)
class SampleSite:
    code: str
    name: str
    religion: str
    commune_code: str
    address: str
    land_area_m2: float
    land_use_origin: str
    registered_on: date


def sample_sites() -> list[SampleSite]:
    rng = random.Random(2023)
    catalogue = default_catalogue()
    districts = [d for d in catalogue.children(HAI_PHONG, ON) if catalogue.children(d.code, ON)]
    tien_lang = [d for d in districts if d.code == "315"]
    others = [d for d in districts if d.code != "315"]
    # Tiên Lãng (the pilot) first, then the others in turn until 239.
    plan: list[str] = []
    tl_communes = catalogue.children("315", ON)
    plan += [tl_communes[i % len(tl_communes)].code for i in range(TIEN_LANG_SITES)]
    pools = {d.code: catalogue.children(d.code, ON) for d in others}
    i = 0
    while len(plan) < SITES:
        district = others[i % len(others)]
        communes = pools[district.code]
        plan.append(communes[(i // len(others)) % len(communes)].code)
        i += 1
    assert tien_lang, "Huyện Tiên Lãng must exist in 2023"
    counters: dict[str, int] = {}
    result = []
    for commune_code in plan:
        commune = catalogue.require(commune_code, ON, "commune")
        district_code = commune.parent_code or ""
        counters[district_code] = counters.get(district_code, 0) + 1
        roll = rng.random()
        religion = ("Phật giáo" if roll < 0.64 else "Công giáo" if roll < 0.93
                    else "Tin lành" if roll < 0.98 else "Cao Đài")
        if religion == "Phật giáo":
            name = f"Chùa {rng.choice(PAGODA_NAMES)} ({commune.short_name})"
        elif religion == "Công giáo":
            name = f"Giáo xứ {commune.short_name}"
        elif religion == "Tin lành":
            name = f"Chi hội Tin lành {commune.short_name}"
        else:
            name = f"Thánh thất Cao Đài {commune.short_name}"
        result.append(SampleSite(
            code=f"CSTG-{district_code}-{counters[district_code]:03d}",
            name=name,
            religion=religion,
            commune_code=commune_code,
            address=f"Thôn {rng.randint(1, 12)}, {commune.name}",
            land_area_m2=round(rng.uniform(250, 9000), 1),
            land_use_origin=rng.choice(ORIGINS),
            registered_on=date(2023, 1, 3) + timedelta(days=rng.randint(0, 150)),
        ))
    return result


def vn_number(value: float) -> str:
    """1250.5 -> "1.250,5", as Vietnamese spreadsheets write it."""
    whole, _, decimals = f"{value:,.1f}".partition(".")
    return f"{whole.replace(',', '.')},{decimals}"


def csv_bytes(rows: list[SampleSite]) -> bytes:
    # UTF-8 with BOM: what Excel writes and needs to show Vietnamese correctly.
    return safecells.csv_bytes(
        [*(messages.COLUMN_HEADERS[f] for f in FIELDS), NOTE_HEADER],
        [[s.code, s.name, s.religion, s.commune_code, s.address, vn_number(s.land_area_m2),
          s.land_use_origin, s.registered_on.strftime("%d/%m/%Y"), SAMPLE_NOTE] for s in rows],
    )


def xlsx_bytes(rows: list[SampleSite]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Co so ton giao"
    safecells.put_row(sheet, 1, [TITLE])
    safecells.put_row(sheet, 3, ["STT", *(messages.COLUMN_HEADERS[f] for f in FIELDS),
                                 NOTE_HEADER])
    for n, s in enumerate(rows, start=1):
        safecells.put_row(sheet, 3 + n, [
            n, s.code, s.name, s.religion, s.commune_code, s.address, s.land_area_m2,
            s.land_use_origin, s.registered_on, SAMPLE_NOTE,
        ])
    for row in sheet.iter_rows(min_row=4, min_col=9, max_col=9):
        for cell in row:
            cell.number_format = "DD/MM/YYYY"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def main() -> None:
    rows = sample_sites()
    CSV_FILE.write_bytes(csv_bytes(rows))
    XLSX_FILE.write_bytes(xlsx_bytes(rows))
    print(f"{len(rows)} sites -> {CSV_FILE.name}, {XLSX_FILE.name}")


if __name__ == "__main__":
    main()
