"""A period id that names no period is refused with one code and one wording by every service
(finding O13's note: indicators said PERIOD_ID_INVALID, reporting INVALID_PERIOD, each in its
own words). Over HTTP too: tests/auth/test_input_refusals.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.indicators.application import planhandlers
from services.reporting.application.reports import require_period_id
from shared.errors import InvalidInput

REFUSERS: list[Callable[[str], object]] = [
    require_period_id, planhandlers.canonical_period, planhandlers.parse_period]


@pytest.mark.parametrize("value", ["2023-7m", "2023", "6m-2023"])
def test_every_service_refuses_a_malformed_period_alike(value: str) -> None:
    refusals = []
    for refuse in REFUSERS:
        with pytest.raises(InvalidInput) as refused:
            refuse(value)
        refusals.append(refused.value.body())
    assert all(r == refusals[0] for r in refusals), refusals
    error = refusals[0]["error"]
    assert error["code"] == "INVALID_PERIOD"
    assert f"«{value}»" in error["message"]
    assert error["details"] == {"period_id": value}


def test_a_year_without_periods_keeps_its_own_code_everywhere() -> None:
    codes = set()
    for refuse in REFUSERS:
        with pytest.raises(InvalidInput) as refused:
            refuse("2010-3m")
        codes.add(refused.value.body()["error"]["code"])
    assert codes == {"PERIOD_YEAR_OUT_OF_RANGE"}
