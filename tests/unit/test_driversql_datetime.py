"""The driver path's SQLite datetime text is exactly SQLAlchemy's (a stored time is compared and
ordered as text: one character off would move an event across an `as_of` cut-off)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, DateTime, create_engine
from sqlalchemy.dialects import sqlite

from shared.driversql import bind_processor
from shared.envelope import PendingEvent, new_envelope
from shared.eventstore import _EVENT_COLUMNS, _DriverSql
from tests.integration.counter import Counted

DIALECT = sqlite.dialect()
COLUMN: Column[Any] = Column("at", DateTime(timezone=True))
SQLALCHEMY = COLUMN.type.dialect_impl(DIALECT).bind_processor(DIALECT)


@pytest.mark.parametrize("value", [
    datetime(2023, 3, 1, tzinfo=UTC),
    datetime(2026, 12, 5, 1, 2, 3, 456789, tzinfo=UTC),
    datetime(2026, 12, 5, 1, 2, 3, 5, tzinfo=UTC),
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2026, 12, 5, 8, 0, tzinfo=timezone(timedelta(hours=7))),
    datetime(2026, 12, 5, 8, 0, 0, 1),
    date(2023, 3, 1),
    None,
])
def test_a_time_bound_on_the_driver_is_the_text_sqlalchemy_stores(
    value: datetime | date | None,
) -> None:
    assert SQLALCHEMY is not None
    assert bind_processor(COLUMN, DIALECT)(value) == SQLALCHEMY(value)


def test_what_sqlalchemy_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        bind_processor(COLUMN, DIALECT)("2023-03-01")


def _occurred_text(sql: Any, occurred_at: datetime) -> Any:
    envelope = new_envelope(
        service="test", aggregate_type="counter", aggregate_id="c", aggregate_version=1,
        pending=PendingEvent(Counted(by=1), occurred_at), actor="a", department=None,
        correlation_id=None, causation_id=None, recorded_at=datetime.now(UTC))
    return sql.params(envelope)[_EVENT_COLUMNS.index("occurred_at")]


def test_an_events_business_time_is_formatted_once_and_stored_as_sqlalchemy_stores_it() -> None:
    # The same business days come again and again: the text of one is kept (an isoformat
    # was a tenth of an append's Python), but only for UTC values, since an equal instant of
    # another zone has another wall-clock text.
    sql = _DriverSql(create_engine("sqlite://").dialect)  # with its driver
    day = datetime(2023, 3, 1, tzinfo=UTC)
    first = _occurred_text(sql, day)
    assert first == SQLALCHEMY(day)  # type: ignore[misc]
    assert _occurred_text(sql, datetime(2023, 3, 1, tzinfo=UTC)) is first
    same_instant = datetime(2023, 3, 1, 7, tzinfo=timezone(timedelta(hours=7)))
    assert same_instant == day
    assert _occurred_text(sql, same_instant) == SQLALCHEMY(same_instant) != first  # type: ignore[misc]
