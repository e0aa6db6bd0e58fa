"""Indicators and reporting agree on definitions whose period ends before a report's cut-off
(finding: reporting counted I1, I3 and I4 at the cut-off, past the period's end, a date the
indicators service refuses) and on a definition naming no base (measured against the
register in both). The golden scenario (test_golden_indicators.py) with I1, I3 and I4 of 2023
defined over January..June; I3 keeps the plan's base of 239, I4 names none.

The hand count at 30/06 (the scenario's sites and models are listed there): I1 TL town and
Quán Toan (M3 closed only on 01/08): the city 2/217, Tiên Lãng 1/21; I3 S1 S3 S4 S5 (S2
withdrawn, S5 closed only on 01/07): 4/239, Tiên Lãng 2/4, Hồng Bàng 2/3; I4 S3 (revoked
only on 01/08) and S4: 2 of the 7 open sites, Tiên Lãng 1/4, Hồng Bàng 1/3. The 9- and
12-month reports show these, judged on the period's last day (no pace: the period ended).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.e2e import test_golden_indicators as golden
from tests.e2e.test_golden_indicators import (
    CUTOFFS,
    Row,
    Services,
    _fed,
    _get,
    _scenario,
)
from tests.indicators.conftest import Upstream, define_indicator
from tests.indicators.scenario import HAI_PHONG, HONG_BANG, TIEN_LANG
from tests.integration.helpers import wait_until

services = golden.services
upstream = golden.upstream

PERIOD_END = date(2023, 6, 30)
DEFINED: list[dict[str, Any]] = [
    {"indicator_id": "I1", "year": 2023, "name": "Xã có mô hình, 6 tháng đầu năm",
     "method": "model_coverage", "target": 100, "period_end": PERIOD_END.isoformat(),
     "qualifying_fields": ["new_rural", "exemplary_rural", "urban"]},
    {"indicator_id": "I3", "year": 2023, "name": "Hồ sơ đăng ký đất đai, 6 tháng đầu năm",
     "method": "sites_with_dossier", "target": 40, "denominator_fixed": 239,
     "period_end": PERIOD_END.isoformat()},
    {"indicator_id": "I4", "year": 2023, "name": "Giấy chứng nhận, 6 tháng đầu năm",
     "method": "sites_with_certificate", "target": 10, "period_end": PERIOD_END.isoformat(),
     # The plan's base of I4 dropped: a redefinition keeps a field it leaves out (K16).
     "denominator_fixed": None},
]
AT_PERIOD_END: dict[str, dict[str, Row]] = {
    HAI_PHONG: {"I1": (2, 217, 0.92, "chua_dat"), "I3": (4, 239, 1.67, "chua_dat"),
                "I4": (2, 7, 28.57, "dat")},
    TIEN_LANG: {"I1": (1, 21, 4.76, "chua_dat"), "I3": (2, 4, 50.0, "dat"),
                "I4": (1, 4, 25.0, "dat")},
    HONG_BANG: {"I3": (2, 3, 66.67, "dat"), "I4": (1, 3, 33.33, "dat")},
}


def _rows(services: Services, months: str, unit: str) -> tuple[dict[str, Row], dict[str, Row]]:
    """Reporting's I1, I3, I4 of a unit in a period's report, and the indicators service's on
    the last day it gives a figure for: the cut-off, or the period's end before it."""
    report = _get(services.reporting, f"/api/v1/reports/2023-{months}", unit=unit)
    reported = {i["id"]: (i["numerator"], i["denominator"], i["value"], i["status"])
                for i in report["indicators"] if i["id"] != "I2"}
    on = min(CUTOFFS[months], PERIOD_END).isoformat()
    computed: dict[str, Row] = {}
    for indicator_id in reported:
        shown = _get(services.indicators, f"/api/v1/indicators/2023/{indicator_id}",
                     unit=unit, on=on)["unit"]
        computed[indicator_id] = (shown["numerator"], shown["denominator"],
                                  shown["value_percent"], shown["status"])
    return reported, computed


def test_a_period_ending_before_the_cutoff_and_a_definition_without_base_agree(
    services: Services, upstream: Upstream
) -> None:
    _fed(services, upstream, _scenario(upstream))
    for body in DEFINED:
        response = define_indicator(services.indicators, body)
        assert response.status_code in (200, 201), response.text

    def read() -> bool:
        shown = {i["id"]: i for i in _get(services.reporting, "/api/v1/reports/2023-3m")[
            "indicators"]}
        return bool(shown["I4"]["target"] == 10 and shown["I1"]["status"] is not None)

    wait_until(read, timeout=60)
    # The indicators service gives no figure past the period's end.
    refused = services.indicators.get("/api/v1/indicators/2023/I3",
                                      params={"on": "2023-09-14"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == \
        "DATE_OUTSIDE_PERIOD"

    for months in CUTOFFS:
        for unit in (HAI_PHONG, TIEN_LANG, HONG_BANG):
            reported, computed = _rows(services, months, unit)
            assert reported == computed, (months, unit)
            if months in ("9m", "12m"):
                for indicator_id, row in AT_PERIOD_END[unit].items():
                    assert reported[indicator_id] == row, (months, unit, indicator_id)


TIEN_LANG_BASE = 10
SCOPED_AND_REPORTED: list[dict[str, Any]] = [
    # I3 of 2023 for Tiên Lãng only, against a base of 10 sites of its own.
    {"indicator_id": "I3", "year": 2023, "name": "Hồ sơ đăng ký đất đai, huyện Tiên Lãng",
     "method": "sites_with_dossier", "target": 40, "denominator_fixed": TIEN_LANG_BASE,
     "scope_unit_codes": [TIEN_LANG]},
    # I4 of 2023 taken from the units' reports rather than the register.
    {"indicator_id": "I4", "year": 2023, "name": "Giấy chứng nhận (số liệu báo cáo)",
     "method": "reported", "target": 10, "denominator_fixed": None},
]
#: I4's reports: Tiên Lãng 3 of 20, Hồng Bàng 1 of 5 (01/03); Tiên Lãng 6 of 20 (01/05).
I4_REPORTS = [(TIEN_LANG, 3, 20, "2023-03-01"), (HONG_BANG, 1, 5, "2023-03-01"),
              (TIEN_LANG, 6, 20, "2023-05-01")]


def test_a_definitions_scope_and_method_agree(
    services: Services, upstream: Upstream
) -> None:
    """Reporting judged I1-I4 by the plan's scope and method whatever the definition said:
    I3 defined for Tiên Lãng against 10 sites, I4 reported by units. Hand count at 14/06:
    I3 Tiên Lãng 2/10 (S1, S3), 20 % against 40 % (pace 18.08 %: chưa đạt); the city and
    Hồng Bàng are outside the scope: no status. I4 Tiên Lãng 6/20, Hồng Bàng 1/5, the city
    their sum 7/25 = 28 %: đạt; at 14/03 Tiên Lãng 3/20 and the city 4/25."""
    _fed(services, upstream, _scenario(upstream))
    for body in SCOPED_AND_REPORTED:
        response = define_indicator(services.indicators, body)
        assert response.status_code in (200, 201), response.text
    for unit, numerator, denominator, on in I4_REPORTS:
        response = services.indicators.post(
            "/api/v1/indicators/2023/I4/reported-figures",
            json={"unit_code": unit, "numerator": numerator, "denominator": denominator,
                  "reported_on": on})
        assert response.status_code == 201, response.text

    def shown(months: str, unit: str) -> dict[str, Row]:
        report = _get(services.reporting, f"/api/v1/reports/2023-{months}", unit=unit)
        return {i["id"]: (i["numerator"], i["denominator"], i["value"], i["status"])
                for i in report["indicators"] if i["id"] in ("I3", "I4")}

    # Both have consumed the reports: reporting, and the indicators service's own facts
    # (its reported figures come back through its own stream).
    wait_until(lambda: shown("6m", HAI_PHONG)["I4"][:2] == (7, 25) and _get(
        services.indicators, "/api/v1/indicators/2023/I4", unit=HAI_PHONG,
        on=CUTOFFS["6m"].isoformat())["unit"]["numerator"] == 7, timeout=60)
    assert shown("6m", TIEN_LANG) == {"I3": (2, 10, 20.0, "chua_dat"),
                                      "I4": (6, 20, 30.0, "dat")}
    assert shown("6m", HAI_PHONG)["I4"] == (7, 25, 28.0, "dat")
    assert shown("3m", HAI_PHONG)["I4"] == (4, 25, 16.0, "dat")
    assert shown("6m", HAI_PHONG)["I3"][3] is None  # outside I3's scope: not judged
    # Said so, not with Tiên Lãng's target beside «no target of the year» (finding H24).
    for unit in (HAI_PHONG, HONG_BANG):
        row = next(i for i in _get(services.reporting, "/api/v1/reports/2023-6m",
                                   unit=unit)["indicators"] if i["id"] == "I3")
        assert row["target_text"] == "", (unit, row)
        assert row["status_label"] == "Chỉ tiêu năm 2023 chỉ áp dụng cho Huyện Tiên Lãng", row
    page = services.reporting.get("/", params={"period": "2023-6m", "unit": HAI_PHONG}).text
    assert 'data-status="None"' not in page and 'id="tile-I3"' in page
    for months in CUTOFFS:
        on = CUTOFFS[months].isoformat()
        for unit in (HAI_PHONG, TIEN_LANG, HONG_BANG):
            reported = shown(months, unit)
            for indicator_id, row in reported.items():
                answer = services.indicators.get(f"/api/v1/indicators/2023/{indicator_id}",
                                                 params={"unit": unit, "on": on})
                if answer.status_code != 200:  # the unit is outside the definition's scope
                    assert indicator_id == "I3" and unit != TIEN_LANG, answer.text
                    assert row[3] is None, (months, unit, indicator_id)
                    continue
                mine = answer.json()["unit"]
                assert row == (mine["numerator"], mine["denominator"], mine["value_percent"],
                               mine["status"]), (months, unit, indicator_id)


def test_an_indicator_whose_period_begins_after_the_cutoff_is_not_judged(
    services: Services, upstream: Upstream
) -> None:
    """I3 of 2023 defined over April..December: at the 3-month cut-off (14/03) the indicators
    service has no figure (DATE_OUTSIDE_PERIOD); the report shows the counts without a
    status (it judged 4/239 against a pace of nothing: chưa đạt). From the 6 months on both
    give the same figure and status."""
    _fed(services, upstream, _scenario(upstream))
    response = define_indicator(services.indicators, {
        "indicator_id": "I3", "year": 2023, "name": "Hồ sơ đăng ký đất đai từ tháng 4",
        "method": "sites_with_dossier", "target": 40, "denominator_fixed": 239,
        "period_start": "2023-04-01"})
    assert response.status_code in (200, 201), response.text

    def i3(months: str, unit: str) -> Row:
        report = _get(services.reporting, f"/api/v1/reports/2023-{months}", unit=unit)
        [row] = [i for i in report["indicators"] if i["id"] == "I3"]
        return row["numerator"], row["denominator"], row["value"], row["status"]

    wait_until(lambda: i3("3m", HAI_PHONG)[3] is None, timeout=60)
    assert i3("3m", HAI_PHONG) == (4, 239, 1.67, None)
    refused = services.indicators.get("/api/v1/indicators/2023/I3",
                                      params={"on": "2023-03-14"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == \
        "DATE_OUTSIDE_PERIOD"
    for months in ("6m", "9m", "12m"):
        for unit in (HAI_PHONG, TIEN_LANG):
            shown = _get(services.indicators, "/api/v1/indicators/2023/I3", unit=unit,
                         on=CUTOFFS[months].isoformat())["unit"]
            assert i3(months, unit) == (shown["numerator"], shown["denominator"],
                                        shown["value_percent"], shown["status"]), (months, unit)
