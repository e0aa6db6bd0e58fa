"""What a command's write path costs: no None bound as a parameter on SQLite, a business
date's midnight made once, one driver cursor per unit of work, events decoded by their
validator (issue 20: instructions per command, bench peer)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine

from shared.envelope import PendingEvent, as_business_time, new_envelope
from shared.eventstore import _EVENT_COLUMNS, _DriverSql
from tests.integration.counter import Counted


def _envelope(**optional: str | None) -> Any:
    return new_envelope(
        service="test", aggregate_type="counter", aggregate_id="c", aggregate_version=1,
        pending=PendingEvent(Counted(by=1), as_business_time(date(2023, 3, 1)),
                             optional.get("unit_code")),
        actor="a", department=optional.get("department"),
        correlation_id=optional.get("correlation_id"),
        causation_id=optional.get("causation_id"), recorded_at=datetime.now(UTC))


@pytest.mark.parametrize("optional", [
    {},
    {"unit_code": "11755"},
    {"department": "Ban", "causation_id": "x"},
    {"unit_code": "11755", "department": "Ban", "correlation_id": "c", "causation_id": "x"},
])
def test_sqlite_is_given_no_none_to_bind(optional: dict[str, str]) -> None:
    # sqlite3 asks its adapters about every None it binds (~3,000 instructions each): an
    # empty optional field is NULL in the statement's text instead.
    sql = _DriverSql(create_engine("sqlite://").dialect)
    envelope = _envelope(**optional)
    statement, values = sql.insert(envelope)
    assert None not in values
    assert statement.count("?") == len(values)
    assert statement.count("NULL") == len(_EVENT_COLUMNS) - len(values)
    # The values are those of the columns left as parameters, in their order.
    full = sql.params(envelope)
    assert values == [v for v in full if v is not None]


def test_a_business_dates_midnight_is_made_once() -> None:
    first = as_business_time(date(2023, 3, 1))
    assert first == datetime(2023, 3, 1, tzinfo=UTC) and first.tzinfo is UTC
    assert as_business_time(date(2023, 3, 1)) is first
    moment = datetime(2023, 3, 1, 7, tzinfo=UTC)
    assert as_business_time(moment) is moment
    assert as_business_time(datetime(2023, 3, 1)) == first
