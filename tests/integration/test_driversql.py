"""The driver-level statements store exactly what SQLAlchemy would, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    insert,
    select,
)

from shared.db import create_db_engine
from shared.driversql import RowInsert

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("on", Date, nullable=False),
    Column("until", Date),
    Column("flag", Boolean, nullable=False),
    Column("area", Float),
    Column("n", Integer, nullable=False),
)
# Rows numbered by the database in arrival order (the indicators' fact tables' `seq`).
arrivals = Table(
    "arrivals",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("code", String(20), nullable=False),
    Column("on", Date, nullable=False),
)




class Stamped(TypeDecorator[datetime]):
    """A time stored as its ISO text, offset included, counting its conversions."""

    impl = String(40)
    cache_ok = True
    converted = 0

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        Stamped.converted += 1
        return None if value is None else value.isoformat()


stamps = Table(
    "stamps",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", Stamped(), nullable=False),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _row(code: str, **values: Any) -> dict[str, Any]:
    return {"code": code, "on": date(2023, 3, 15), "until": None, "flag": True, "area": 250.5,
            "n": 1, **values}


def test_a_row_inserted_on_the_driver_reads_back_as_one_inserted_by_sqlalchemy(
    engine: Engine,
) -> None:
    rows = [_row("a"), _row("b", until=date(2024, 1, 2), flag=False, area=None, n=7)]
    with engine.begin() as conn:
        for row in rows:
            RowInsert(things).run(conn, row)
            conn.execute(insert(things), {**row, "code": row["code"].upper()})
    with engine.connect() as conn:
        stored = {r.code: r._asdict() for r in conn.execute(select(things))}
    for row in rows:
        ours, theirs = stored[row["code"]], stored[row["code"].upper()]
        assert ours == {**row}
        assert {**theirs, "code": row["code"]} == ours


def test_a_row_missing_a_column_is_refused_before_anything_is_written(engine: Engine) -> None:
    row = _row("a")
    del row["until"]
    with engine.begin() as conn, pytest.raises(KeyError):
        RowInsert(things).run(conn, row)


def test_many_rows_in_few_statements_keep_their_order_and_read_back_as_sqlalchemys(
    engine: Engine,
) -> None:
    # 700 rows: more than one multi-row statement on SQLite (its variable limit).
    rows: list[dict[str, Any]] = [
        {"code": f"r{n}", "on": date(2023, 1, 1 + n % 28)} for n in range(700)]
    with engine.begin() as conn:
        RowInsert(arrivals, ["code", "on"]).run_many(conn, rows)
        conn.execute(insert(arrivals), [{**row, "code": row["code"].upper()} for row in rows])
    with engine.connect() as conn:
        stored = [(r.code, r.on) for r in conn.execute(select(arrivals).order_by(arrivals.c.seq))]
    assert stored[:700] == [(row["code"], row["on"]) for row in rows]
    assert [(code.lower(), on) for code, on in stored[700:]] == stored[:700]


def test_a_value_a_batchs_rows_share_is_converted_once_and_equal_times_keep_their_offsets(
    engine: Engine,
) -> None:
    # A batch's rows carry one time stamp (the consumers' processed and evaluated records).
    shared = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    Stamped.converted = 0
    with engine.begin() as conn:
        RowInsert(stamps, ["at"]).run_many(conn, [{"at": shared} for _ in range(600)])
    assert Stamped.converted == 1
    # Equal instants of two offsets are two texts: reused by identity, never by equality.
    hanoi = shared.astimezone(timezone(timedelta(hours=7)))
    assert hanoi == shared
    times = [shared, hanoi, hanoi, datetime(2026, 12, 6, 10, 0, tzinfo=UTC)]
    with engine.begin() as conn:
        conn.execute(stamps.delete())
        RowInsert(stamps, ["at"]).run_many(conn, [{"at": at} for at in times])
    with engine.connect() as conn:
        stored = list(conn.execute(select(stamps.c.at).order_by(stamps.c.seq)).scalars())
    assert stored == [at.isoformat() for at in times]  # the stored texts, as written
