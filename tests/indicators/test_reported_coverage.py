"""A reported indicator's figure summed from the units under a unit says how complete it is
(`summed_from`, the kernel's `planrules.reported_coverage`): a city's figure may be the sum
of 2 of its 15 districts, and nothing said so (examiner, left open).

Hand count, CT5 of 2023 reported on 15/12: Tiên Lãng's Thị trấn 3/4 and Đại Thắng 1/2 (2 of
its 21 communes: 4/6), Hồng Bàng 9/12 for itself (its own report, no sum); the city 13/18
from 2 of its 15 districts. Then every commune of Đồ Sơn 1/2 (6 of 6: 6/12, a full sum); the
city 19/30 from 3 of 15."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.adminunits import default_catalogue
from tests.indicators.conftest import get_json
from tests.indicators.scenario import DAI_THANG, HONG_BANG, TIEN_LANG, TIEN_LANG_TOWN
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.e2e

DO_SON = "308"  # Quận Đồ Sơn: 6 communes in 2023
CITY_DISTRICTS = 15  # the city's district-level units in 2023
TIEN_LANG_COMMUNES = 21
URL = "/api/v1/indicators/2023/CT5"


def _report(client: TestClient, unit: str, numerator: int, denominator: int) -> None:
    response = client.post(f"{URL}/reported-figures", json={
        "unit_code": unit, "numerator": numerator, "denominator": denominator,
        "reported_on": "2023-12-15"})
    assert response.status_code == 201, response.text


def _summed(units_with_figure: int, units_under: int) -> dict[str, int]:
    return {"units_with_figure": units_with_figure, "units_under": units_under}


def _shown(client: TestClient, **params: str) -> dict[str, Any]:
    return get_json(client, URL, on="2023-12-31", **params)


def test_a_summed_reported_figure_says_how_many_units_under_it_have_one(
    client: TestClient,
) -> None:
    defined = client.post("/api/v1/indicators", json={
        "indicator_id": "CT5", "year": 2023, "name": "Tỷ lệ cơ quan được đánh giá tốt",
        "target": 90, "numerator": "Số cơ quan xếp loại tốt", "denominator": "Số cơ quan"})
    assert defined.status_code == 201, defined.text
    for unit, numerator, denominator in ((TIEN_LANG_TOWN, 3, 4), (DAI_THANG, 1, 2),
                                         (HONG_BANG, 9, 12)):
        _report(client, unit, numerator, denominator)
    # The figures come back through the service's own stream.
    wait_until(lambda: _shown(client)["unit"]["denominator"] == 18)

    city = _shown(client)
    assert (city["unit"]["numerator"], city["unit"]["summed_from"]) == (
        13, _summed(2, CITY_DISTRICTS))
    rows = {row["unit_code"]: row for row in city["children"]}
    assert len(rows) == CITY_DISTRICTS
    assert rows[TIEN_LANG]["summed_from"] == _summed(2, TIEN_LANG_COMMUNES)
    assert rows[HONG_BANG]["summed_from"] is None  # its own report
    assert rows[DO_SON]["summed_from"] is None  # no figure at all (0/0)
    district = _shown(client, unit=TIEN_LANG)
    assert (district["unit"]["numerator"], district["unit"]["denominator"]) == (4, 6)
    assert district["unit"]["summed_from"] == _summed(2, TIEN_LANG_COMMUNES)
    # The year's overview gives the city's total with it.
    [overview] = [item for item in get_json(client, "/api/v1/indicators", year=2023,
                                            on="2023-12-31")["items"]
                  if item["indicator"]["indicator_id"] == "CT5"]
    assert overview["total"]["summed_from"] == _summed(2, CITY_DISTRICTS)

    communes = [unit.code for unit in default_catalogue().children(DO_SON, date(2023, 12, 15))]
    assert len(communes) == 6
    for commune in communes:
        _report(client, commune, 1, 2)
    wait_until(lambda: _shown(client)["unit"]["denominator"] == 30)
    do_son = _shown(client, unit=DO_SON)["unit"]
    assert (do_son["numerator"], do_son["denominator"], do_son["summed_from"]) == (
        6, 12, _summed(6, 6))
    assert _shown(client)["unit"]["summed_from"] == _summed(3, CITY_DISTRICTS)
    # A counted indicator has no sum of reports.
    assert get_json(client, "/api/v1/indicators/2023/I3", on="2023-12-31")["unit"][
        "summed_from"] is None
