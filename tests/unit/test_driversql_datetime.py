"""The driver path's SQLite datetime text is exactly SQLAlchemy's (a stored time is compared and
ordered as text: one character off would move an event across an `as_of` cut-off)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, DateTime
from sqlalchemy.dialects import sqlite

from shared.driversql import bind_processor

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
