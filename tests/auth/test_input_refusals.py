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


def test_a_period_of_a_year_without_periods_is_refused_naming_the_years(
    services: Services, idp: Idp
) -> None:
    """Finding O8: «2010-3m» was refused INVALID_PERIOD «use the form YEAR-3m», the form it
    had; the rule broken is the years, 2015 to 2100, in reporting and indicators alike."""
    city = idp.headers("city_staff")
    for service, path in (("reporting", "/api/v1/reports/2010-3m"),
                          ("reporting", "/api/v1/periods/2101-12M"),
                          ("indicators", "/api/v1/reporting-duties/2014-12m")):
        answer = services[service].get(path, headers=city)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "PERIOD_YEAR_OUT_OF_RANGE", path
        assert "từ 2015 đến 2100" in error["message"], error["message"]
        assert error["details"]["first_year"] == 2015
        assert error["details"]["last_year"] == 2100
    # A malformed id keeps its own code.
    malformed = services["reporting"].get("/api/v1/reports/2023-4m", headers=city)
    assert malformed.json()["error"]["code"] == "INVALID_PERIOD"


def test_bidi_controls_and_invisible_characters_in_a_parameter_are_refused(
    services: Services, idp: Idp
) -> None:
    """Finding O2: `/certificates/%E2%80%AE` answered 404 «Không tìm thấy giấy chứng nhận số
    «\u202e»», the override echoed into a message shown to people; a body refuses it
    (BIDI_CONTROLS), a path and a query now do too, in every service, and a zero-width
    character, which a body's text loses, is refused in a parameter, matched as sent."""
    city = idp.headers("city_staff")
    for service, path, field, code in (
        ("religion", "/api/v1/certificates/%E2%80%AE", "path", "BIDI_CONTROLS"),
        ("religion", "/api/v1/sites?q=Ch%C3%B9a%E2%80%AEabc", "q", "BIDI_CONTROLS"),
        ("dialogue", "/api/v1/commitments?agency=%E2%81%A6x", "agency", "BIDI_CONTROLS"),
        ("indicators", "/api/v1/models/M%E2%80%8B1", "path", "INVISIBLE_CHARACTERS"),
        ("reporting", "/api/v1/reports/2023-3m?unit=%EF%BB%BF315", "unit",
         "INVISIBLE_CHARACTERS"),
        ("religion", "/api/v1/sites?x%E2%80%AE=1", "x\\u202e", "BIDI_CONTROLS"),
    ):
        answer = services[service].get(path, headers=city)
        assert answer.status_code == 422, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert error["details"] == [{"field": field, "code": code, "message": error["details"][0][
            "message"]}], path
        assert "\u202e" not in answer.text and "\u2066" not in answer.text, path
        assert not error["details"][0]["message"].isascii()
    # Vietnamese and other scripts pass untouched, in a path and a query.
    assert services["religion"].get("/api/v1/sites?q=Ch%C3%B9a%20%D8%B4%D9%84", headers=city
                                    ).status_code == 200
