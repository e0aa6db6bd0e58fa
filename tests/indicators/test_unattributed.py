"""After 01/07/2025 the city's drill-down is by commune, and the sites of a commune that
ceased without a recorded successor (Xã Bạch Đằng 11788, merged away on 01/01/2025; Xã Đại
Bản 11587 and Xã Quyết Tiến 11764, at the reform) count at the city, in no commune's row: the
commune table carries them as the line "Chưa gắn với đơn vị hành chính hiện hành" (the
kernel's rule, as reporting's unit table does), so its rows add up to the total (F19)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from shared.adminunits import NOT_CURRENT_UNIT
from tests.indicators.conftest import Upstream, get_json, wait_applied
from tests.indicators.scenario import HAI_PHONG, TIEN_LANG_TOWN, Events

PLAN_DEFINITIONS = 4
CEASED = ("11788", "11587", "11764")  # no successor recorded


def _sums(rows: list[dict[str, Any]], *lines: dict[str, Any] | None) -> tuple[int, int]:
    parts = [*rows, *(line for line in lines if line)]
    return sum(p["numerator"] for p in parts), sum(p["denominator"] for p in parts)


def _total(figure: dict[str, Any]) -> tuple[int, int]:
    # I3's base is the plan's 239 sites; the register's own count is what the rows hold.
    counted = figure["register_count"]
    return figure["numerator"], counted if counted is not None else figure["denominator"]


def test_the_commune_rows_add_up_to_the_total_with_the_line_of_ceased_communes(
    client: TestClient, upstream: Upstream
) -> None:
    defined = client.post("/api/v1/indicators", json={
        "indicator_id": "I3", "year": 2025, "name": "Hồ sơ đăng ký đất đai",
        "method": "sites_with_dossier", "target": 40, "denominator_fixed": 239})
    assert defined.status_code == 201, defined.text
    ev = Events()
    envelopes = []
    for n, commune in enumerate((*CEASED, TIEN_LANG_TOWN, TIEN_LANG_TOWN)):
        code = f"S{n}"
        envelopes.append(ev.site(code, commune, date(2023, 3, 1)))
        if n % 2 == 0:
            envelopes.append(ev.dossier(code, "LandDossierLodged", date(2023, 4, 1)))
    upstream.publish(*envelopes)
    wait_applied(client, PLAN_DEFINITIONS + 1 + len(envelopes))

    on = "2025-12-31"
    table = get_json(client, "/api/v1/indicators/2025/I3/units", level="commune", on=on)
    line = table["unattributed"]
    assert line["label"] == NOT_CURRENT_UNIT
    assert (line["numerator"], line["denominator"]) == (2, 3)  # S0, S2 lodged of S0-S2
    assert "counted_at_unit_itself" not in table  # a site is never the city's own
    assert _sums(table["items"], line) == _total(table["total"]) == (3, 5)

    # The city's drill-down (its children: the communes) says the same.
    view = get_json(client, "/api/v1/indicators/2025/I3", unit=HAI_PHONG, on=on)
    assert view["unattributed"] == line
    assert _sums(view["children"], view["unattributed"]) == _total(view["unit"])

    # In 2023 every site has its commune's row: no line.
    then = get_json(client, "/api/v1/indicators/2023/I3/units", level="commune",
                    on="2023-12-31")
    assert "unattributed" not in then
    assert _sums(then["items"]) == _total(then["total"])
