"""A year's definition that is not the plan's counts the same in both services: the golden
scenario (test_golden_indicators.py) with I1 of 2023 redefined to count the models of digital
transformation only, and I2 of 2023 over April..December. Reporting counted I1 by the plan's
fields and I2 from 1 January whatever the definition said, so the signed report and the
indicators service gave two figures for the same date.

The hand count (the scenario's models, heads and sessions are listed there):
* I1, digital transformation only: M2 (Đại Thắng, from 01/03) is the only such model: the
  city 1/217 and Tiên Lãng 1/21 at every cut-off, Hồng Bàng 0; all behind the pace.
* I2 from 01/04: P1 (10/03) is before the window. Owed (shared/dialoguerule.py, rounded half
  up): at 14/06 (75 days) nobody owes a session (H3 2 x 75/365 = 0.41): 5/5 chưa đến hạn;
  at 14/09 (167 days) H1 and H4 owe 91/365 + 2 x 76/365 = 0.67 -> 1 and held P6, P4, H3
  owes 0.92 -> 1 and held P3, H6 0.46 -> 0: 5/5 đạt; at 14/12 (258 days) H6 owes 0.71 -> 1
  and held P5: 5/5 đạt. The 3-month report's window (01/04..14/03) holds no day: 0/0.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from docx import Document
from fastapi.testclient import TestClient

from services.reporting.messages import INDICATOR_SHORT, NO_STATUS, STATUS_LABELS, VALUE_MISSING
from shared.vnformat import format_number_vn
from tests.e2e import test_golden_indicators as golden
from tests.e2e.test_golden_indicators import (
    CUTOFFS,
    EXPECTED,
    Row,
    Services,
    _fed,
    _get,
    _indicator_rows,
    _scenario,
)
from tests.indicators.conftest import Upstream, define_indicator
from tests.indicators.scenario import (
    HAI_PHONG,
    HONG_BANG,
    HUNG_VUONG,
    TIEN_LANG,
    TIEN_LANG_TOWN,
)
from tests.integration.helpers import wait_until
from tests.reporting.conftest import figure_values

# The golden test's services and upstream streams (fixtures).
services = golden.services
upstream = golden.upstream

DEFINED: dict[str, dict[str, Any]] = {
    "I1": {"indicator_id": "I1", "year": 2023, "name": "Xã có mô hình chuyển đổi số",
           "method": "model_coverage", "target": 100,
           "qualifying_fields": ["digital_transformation"]},
    "I2": {"indicator_id": "I2", "year": 2023, "name": "Đối thoại trực tiếp từ tháng 4",
           "method": "dialogue_heads", "target": 100, "period_start": "2023-04-01"},
}
EXPECTED_DEFINED: dict[str, dict[str, dict[str, Row]]] = {
    "6m": {
        HAI_PHONG: {"I1": (1, 217, 0.46, "co_nguy_co"), "I2": (5, 5, 100.0, "chua_den_han")},
        TIEN_LANG: {"I1": (1, 21, 4.76, "co_nguy_co"), "I2": (3, 3, 100.0, "chua_den_han")},
        HONG_BANG: {"I2": (1, 1, 100.0, "chua_den_han")},
    },
    "9m": {
        HAI_PHONG: {"I1": (1, 217, 0.46, "co_nguy_co"), "I2": (5, 5, 100.0, "dat")},
        TIEN_LANG: {"I1": (1, 21, 4.76, "co_nguy_co"), "I2": (3, 3, 100.0, "dat")},
        HONG_BANG: {"I2": (1, 1, 100.0, "dat")},
    },
    "12m": {
        HAI_PHONG: {"I1": (1, 217, 0.46, "co_nguy_co"), "I2": (5, 5, 100.0, "dat")},
        TIEN_LANG: {"I1": (1, 21, 4.76, "co_nguy_co"), "I2": (3, 3, 100.0, "dat")},
        HONG_BANG: {"I2": (1, 1, 100.0, "dat")},
    },
}


def _word_rows(reporting: TestClient, months: str, unit: str,
               as_of: str | None = None) -> dict[str, tuple[str, str, str]]:
    """The Word report's table of the indicators: (n/d, rate, status) by indicator id."""
    params = {"unit": unit} | ({"as_of": as_of} if as_of else {})
    response = reporting.get(f"/api/v1/reports/2023-{months}/report.docx", params=params)
    assert response.status_code == 200, response.text
    by_name = {name: key for key, name in INDICATOR_SHORT.items()}
    found: dict[str, tuple[str, str, str]] = {}
    for table in Document(io.BytesIO(response.content)).tables:
        for row in table.rows:
            cells = [cell.text for cell in row.cells]
            if len(cells) == 7 and cells[1] in by_name:
                found[by_name[cells[1]]] = (cells[3].split(" ")[0], cells[4], cells[6])
    return found


def _as_word(row: Row) -> tuple[str, str, str]:
    numerator, denominator, value, status = row
    return (f"{format_number_vn(numerator)}/{format_number_vn(denominator)}",
            VALUE_MISSING if value is None else format_number_vn(value, 2),
            STATUS_LABELS[status] if status else NO_STATUS)


def _define(services: Services) -> str:
    """Record both definitions; the moment after, once reporting has read them."""
    for body in DEFINED.values():
        response = define_indicator(services.indicators, body)
        assert response.status_code in (200, 201), response.text

    def read() -> bool:
        report = _get(services.reporting, "/api/v1/reports/2023-12m")
        shown = {i["id"]: i for i in report["indicators"]}
        return bool(shown["I1"]["numerator"] == 1 and shown["I2"]["numerator"] == 5)

    wait_until(read, timeout=60)
    return datetime.now(UTC).isoformat()


def test_a_definitions_fields_and_period_count_alike_in_both_services_and_the_word_report(
    services: Services, upstream: Upstream
) -> None:
    _fed(services, upstream, _scenario(upstream))
    before = datetime.now(UTC).isoformat()
    defined_at = _define(services)

    for months, units in EXPECTED_DEFINED.items():
        for unit, expected in units.items():
            reported, computed = _indicator_rows(services, months, unit)
            for indicator_id, row in expected.items():
                assert reported[indicator_id] == row, (months, unit, indicator_id)
                assert computed[indicator_id] == row, (months, unit, indicator_id)
            word = _word_rows(services.reporting, months, unit)
            for indicator_id in ("I1", "I2"):
                assert word[indicator_id] == _as_word(reported[indicator_id]), (
                    months, unit, indicator_id)

    # The 3-month report's I2 window (01/04..14/03) holds no day: nothing to judge.
    march = {i["id"]: i for i in _get(services.reporting, "/api/v1/reports/2023-3m")[
        "indicators"]}
    assert (march["I2"]["numerator"], march["I2"]["denominator"], march["I2"]["status"]) == (
        0, 0, None)

    # Computed from the facts (an "as of" before the latest fact) as from the chunk figures:
    # a model of a field no definition counts, registered after the definitions.
    extra = services.indicators.post("/api/v1/models", json={
        "model_id": "M9", "unit_code": HUNG_VUONG, "field": "other",
        "title": "Dân vận khéo M9", "started_on": "2023-02-01"})
    assert extra.status_code == 201, extra.text
    wait_until(lambda: figure_values(_get(services.reporting, "/api/v1/reports/2023-12m"))[
        "models_other"] == 1, timeout=60)
    for months in ("9m", "12m"):
        reported, computed = _indicator_rows(services, months, HAI_PHONG, defined_at)
        assert reported == computed, months
        assert reported["I1"] == EXPECTED_DEFINED[months][HAI_PHONG]["I1"], months
        assert reported["I2"] == EXPECTED_DEFINED[months][HAI_PHONG]["I2"], months
        word = _word_rows(services.reporting, months, HAI_PHONG, defined_at)
        assert word["I2"] == _as_word(reported["I2"]), months

    # As known before the definitions were recorded: the plan's, in both services.
    for months in ("9m", "12m"):
        reported, computed = _indicator_rows(services, months, HAI_PHONG, before)
        assert reported == computed, months
        assert reported["I1"] == EXPECTED[months][HAI_PHONG]["I1"], months
        assert reported["I2"] == EXPECTED[months][HAI_PHONG]["I2"], months



def test_a_reported_indicators_total_and_status_are_the_indicators_services(
    services: Services,
) -> None:
    """F12: an indicator whose figures units report (CT5) has in the report the total and the
    status the indicators service gives on the cut-off: Tiên Lãng's own 18/20 (not its
    commune's 1/2), Hồng Bàng 9/12, the city 27/32 = 84.38 % against ≥ 90 % (chưa đạt, above
    the pace at 14/06); the report of 01/07 counts from the 9-month report on."""
    defined = define_indicator(services.indicators, {
        "indicator_id": "CT5", "year": 2023, "name": "Cơ quan được đánh giá tốt công tác dân vận",
        "target": 90, "numerator": "Số cơ quan xếp loại tốt", "denominator": "Số cơ quan"})
    assert defined.status_code == 201, defined.text
    for unit, numerator, denominator, on in ((TIEN_LANG, 18, 20, "2023-06-01"),
                                             (TIEN_LANG_TOWN, 1, 2, "2023-05-01"),
                                             (HONG_BANG, 9, 12, "2023-06-01"),
                                             (HONG_BANG, 12, 12, "2023-07-01")):
        response = services.indicators.post(
            "/api/v1/indicators/2023/CT5/reported-figures",
            json={"unit_code": unit, "numerator": numerator, "denominator": denominator,
                  "reported_on": on})
        assert response.status_code == 201, response.text

    def rows(months: str, unit: str) -> tuple[Row, Row]:
        report = _get(services.reporting, f"/api/v1/reports/2023-{months}", unit=unit)
        [mine] = [r for r in report["reported_indicators"] if r["id"] == "CT5"]
        shown = _get(services.indicators, "/api/v1/indicators/2023/CT5", unit=unit,
                     on=CUTOFFS[months].isoformat())["unit"]
        return ((mine["numerator"], mine["denominator"], mine["value"], mine["status"]),
                (shown["numerator"], shown["denominator"], shown["value_percent"],
                 shown["status"]))

    def reported_9m() -> tuple[int, int] | None:
        """The city's CT5 counts in the 9-month report; None until reporting has the
        definition (a busy machine's consumer may not have it at the first look)."""
        report = _get(services.reporting, "/api/v1/reports/2023-9m", unit=HAI_PHONG)
        found = [r for r in report["reported_indicators"] if r["id"] == "CT5"]
        return (found[0]["numerator"], found[0]["denominator"]) if found else None

    wait_until(lambda: reported_9m() == (30, 32), timeout=60)
    expected = {("6m", HAI_PHONG): (27, 32, 84.38, "chua_dat"),
                ("6m", TIEN_LANG): (18, 20, 90.0, "dat"),
                ("6m", HONG_BANG): (9, 12, 75.0, "chua_dat"),
                ("9m", HAI_PHONG): (30, 32, 93.75, "dat")}
    for (months, unit), row in expected.items():
        reported, computed = rows(months, unit)
        assert reported == computed == row, (months, unit)
        word = _word_rows_named(services.reporting, months, unit,
                                "Cơ quan được đánh giá tốt công tác dân vận")
        assert word == _as_word(row), (months, unit)


def _word_rows_named(reporting: TestClient, months: str, unit: str,
                     name: str) -> tuple[str, str, str]:
    """The Word report's table row of the indicator named `name`: (n/d, rate, status)."""
    response = reporting.get(f"/api/v1/reports/2023-{months}/report.docx",
                             params={"unit": unit})
    assert response.status_code == 200, response.text
    [cells] = [[cell.text for cell in row.cells]
               for table in Document(io.BytesIO(response.content)).tables
               for row in table.rows if row.cells[1].text == name]
    return cells[3], cells[4], cells[6]
