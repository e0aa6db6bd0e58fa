"""What a command's write path costs: no None bound as a parameter on SQLite, a business
date's midnight made once, one driver cursor per unit of work, events decoded by their
validator (issue 20: instructions per command, bench peer)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

import shared.aggregate
import shared.driversql
from shared.aggregate import CommandContext, UnitOfWork
from shared.db import create_db_engine, create_schema
from shared.envelope import PendingEvent, as_business_time, new_envelope
from shared.eventstore import _EVENT_COLUMNS, EventStore, _DriverSql, kernel_metadata
from tests.integration.counter import Counted, Counter, registry


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


class _Recording:
    """A driver cursor that notes its statements and whether it was closed."""

    def __init__(self, cursor: Any, notes: list[str]) -> None:
        self._cursor = cursor
        self._notes = notes
        self.connection = cursor.connection

    def execute(self, statement: str, *args: Any) -> Any:
        self._notes.append(statement.split(" (")[0].split(" FROM")[0])
        return self._cursor.execute(statement, *args)

    def close(self) -> None:
        self._notes.append("closed")
        self._cursor.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def test_a_unit_of_work_runs_its_statements_on_one_driver_cursor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cursor each (BEGIN, the read, the append) and the driver's commit(), which prepared
    # its COMMIT afresh, cost ~8,000 instructions a command.
    engine = create_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    create_schema(engine, kernel_metadata)
    notes: list[str] = []

    class Driver:
        def __init__(self, driver: Any) -> None:
            self._driver = driver

        def cursor(self) -> _Recording:
            notes.append("cursor")
            return _Recording(self._driver.cursor(), notes)

    real = shared.driversql.driver_of
    monkeypatch.setattr(shared.aggregate, "driver_of", lambda conn: Driver(real(conn)))
    with UnitOfWork(engine, EventStore("test", "danvan"), registry,
                    CommandContext(actor="a")) as uow:
        counter = uow.load(Counter, "c1")
        counter.add(1)
        uow.save(counter)
        uow.commit()
    monkeypatch.undo()
    assert notes == ["cursor", "BEGIN IMMEDIATE", "SELECT event_type, schema_version, payload",
                     "INSERT INTO events", "INSERT INTO outbox", "COMMIT", "closed"]
    with UnitOfWork(engine, EventStore("test", "danvan"), registry,
                    CommandContext(actor="a")) as uow:
        assert uow.load(Counter, "c1").version == 1
    engine.dispose()


def test_an_event_is_decoded_by_its_validator_not_through_model_validate(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # model_validate's frame and its seven keyword arguments passed on unset cost about as
    # much as validating a small payload; the validator gives the same event.
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("model_validate called")

    monkeypatch.setattr(Counted, "model_validate", refuse)
    event = registry.decode_payload("Counted", 1, {"by": 3})
    monkeypatch.undo()
    assert event == Counted.model_validate({"by": 3}) and type(event) is Counted
    with pytest.raises(ValueError):
        registry.decode_payload("Counted", 1, {"by": "three"})
