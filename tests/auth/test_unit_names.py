"""The same unit has the same name in every service on a given date: 11755 is "Thị trấn Tiên
Lãng" until 30/06/2025 and "Xã Tiên Lãng" from 1 July 2025, in the register, the reports and
the unit catalogue alike."""

from __future__ import annotations

from typing import Any

from tests.auth.conftest import TIEN_LANG_TOWN, Idp, Services, site_body
from tests.integration.helpers import runtime_of

TOWN_2023, COMMUNE_2025 = "Thị trấn Tiên Lãng", "Xã Tiên Lãng"


def _report_name(report: dict[str, Any], code: str) -> str:
    names: dict[str, str] = {u["code"]: u["name"] for u in report["units"]}
    return names[code]


def test_a_unit_is_named_alike_by_every_service_on_a_date(services: Services, idp: Idp) -> None:
    city = idp.headers("city_staff")
    religion, reporting, indicators = (
        services["religion"], services["reporting"], services["indicators"])
    site = {**site_body("CS-N1", TIEN_LANG_TOWN), "registered_on": "2023-03-01"}
    assert religion.post("/api/v1/sites", json=site, headers=city).status_code == 201
    with runtime_of(religion).engine.connect() as conn:
        envelopes = list(runtime_of(religion).store.iter_all(conn))
    consumer = next(c for c in runtime_of(reporting).consumers if c.durable.endswith("religion"))
    consumer._apply(envelopes)

    for on, name, period in (("2023-06-30", TOWN_2023, "2023-6m"),
                             ("2025-12-31", COMMUNE_2025, "2025-12m")):
        [item] = religion.get("/api/v1/sites", params={"as_of": on}, headers=city).json()["items"]
        assert item["commune"]["name"] == name, on
        unit = indicators.get(f"/api/v1/units/{TIEN_LANG_TOWN}", params={"on": on},
                              headers=city).json()
        assert unit["name"] == name, on
        report = reporting.get(f"/api/v1/reports/{period}/units", headers=city).json()
        assert _report_name(report, TIEN_LANG_TOWN) == name, period
    # The district is named as it was last, once it has ceased.
    [late] = religion.get("/api/v1/sites", params={"as_of": "2025-12-31"},
                          headers=city).json()["items"]
    assert late["district"] == {"code": "315", "name": "Huyện Tiên Lãng"}
