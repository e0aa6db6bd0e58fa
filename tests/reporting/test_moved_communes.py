"""A commune that changed district: a district board's unit table of a report and the
report seen from one of its units say the same thing (F20). Xã Đại Bản (11587) was in Huyện
An Dương (312) until 31/12/2024 and in Quận Hồng Bàng (303) from 01/01/2025: An Dương's 2023
report holds it and opens on it, its mid-2025 report neither; Hải An's the other way round.
A report's units are read as of its cut-off."""

from __future__ import annotations

import pytest

from tests.reporting.conftest import Reporting

AN_DUONG = "312"
HAI_AN = "303"
MOVED = ("11587", "11599", "11602")  # Đại Bản, An Hưng, An Hồng: 312 -> 303 on 01/01/2025
PERIODS = {"2023-6m": AN_DUONG, "2025-6m": HAI_AN}  # whose the moved communes are then


def _board(district: str) -> dict[str, str]:
    return {"X-Unit-Scope": district, "X-Scopes": "reporting:read"}


@pytest.mark.parametrize("district", [AN_DUONG, HAI_AN])
def test_a_board_opens_a_report_on_exactly_the_units_its_table_lists(
    reporting: Reporting, district: str
) -> None:
    board = _board(district)
    for period, holder in PERIODS.items():
        table = reporting.client.get(f"/api/v1/reports/{period}/units", headers=board)
        assert table.status_code == 200, table.text
        listed = {row["code"] for row in table.json()["units"]}
        assert set(MOVED) <= listed if district == holder else not set(MOVED) & listed, (
            period, listed)
        for code in MOVED:
            for url in (f"/api/v1/reports/{period}",
                        f"/api/v1/themes/dat-dai-ton-giao/{period}"):
                page = reporting.client.get(url, params={"unit": code}, headers=board)
                assert page.status_code == (200 if code in listed else 403), (
                    url, code, page.text)
