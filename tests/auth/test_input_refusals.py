"""Input refused the same way by the four services, over HTTP with AUTH_MODE=required, on
SQLite and on PostgreSQL (examiner's round O): the bounds of a year are written as a year."""

from __future__ import annotations

from typing import Any

from tests.auth.conftest import Idp, Services


def _refusal(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    (detail,) = [d for d in error["details"] if d["field"] == field]
    return dict(detail)


def test_the_bounds_of_a_year_are_not_grouped_like_an_amount(
    services: Services, idp: Idp
) -> None:
    """«Phải lớn hơn hoặc bằng 2.015» (finding O9): a year is never written with a thousands
    separator; an amount's bound still is (K10)."""
    city = idp.headers("city_staff")
    reporting, religion = services["reporting"], services["religion"]
    indicators = services["indicators"]
    low = _refusal(reporting.get("/api/v1/periods?year=2014", headers=city), "year")
    assert low["message"] == "Phải lớn hơn hoặc bằng 2015"
    assert _refusal(religion.get("/api/v1/festivals?year=1", headers=city),
                    "year")["message"] == "Phải lớn hơn hoặc bằng 1901"
    assert _refusal(religion.get("/api/v1/festivals?year=3000", headers=city),
                    "year")["message"] == "Phải nhỏ hơn hoặc bằng 2099"
    assert _refusal(indicators.get("/api/v1/indicators/1999/I3", headers=city),
                    "year")["message"] == "Phải lớn hơn hoặc bằng 2000"
