"""A running period's report reads the facts of the days between its chunks and today
(`fact_reads.days_facts`) through the indexes on the business date and on the due date, not a
scan of every fact (issue 20: on 17/04, a scan of ~950k dialogue facts for three days of
them). Read from the plans of SQLite (EXPLAIN QUERY PLAN) and PostgreSQL (EXPLAIN, sequential
scans priced out so that a small table is not scanned because it is small) on a store migrated
from the previous revision, which gets the indexes by the migration. A rebuild beside the live
tables leaves them off its tables while it loads them and makes them at its switch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, insert, inspect

from services.reporting.adapters.tables import FACT_TABLES, dialogue_facts, metadata
from services.reporting.application.fact_reads import days_facts
from shared.db import create_db_engine
from shared.migrations import upgrade
from shared.rebuild import AFTER_LOAD, ShadowTables

AS_OF = datetime(2026, 5, 1, tzinfo=UTC)
DAYS = (date(2026, 4, 14), date(2026, 4, 17))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = create_db_engine(database_url)
    yield created
    created.dispose()


def _fact(number: int, on: date, due_on: date | None = None) -> dict[str, Any]:
    return {"event_id": f"e{number}", "family": "commitment", "kind": "CommitmentMade",
            "subject": f"K{number}", "effect": 1, "state": None, "amount": None,
            "due_on": due_on, "business_on": on, "recorded_at": datetime(2026, 4, 20, tzinfo=UTC),
            "seq": number, "unit_code": "11755", "district_code": "315", "province_code": "31",
            "data": None, "superseded_at": None}


def _plan(conn: Connection, statement: str, parameters: Any) -> str:
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(str(row[3]) for row in rows)
    conn.exec_driver_sql("SET enable_seqscan = off")
    try:
        return "\n".join(str(row[0]) for row in conn.exec_driver_sql(
            f"EXPLAIN {statement}", parameters))
    finally:
        conn.exec_driver_sql("SET enable_seqscan = on")


def test_the_days_between_are_searched_by_the_date_indexes_not_scanned(engine: Engine) -> None:
    upgrade(engine, "reporting", "0012")
    with engine.begin() as conn:  # facts of a store from before the indexes
        conn.execute(insert(dialogue_facts), [
            _fact(1, date(2026, 4, 15)), _fact(2, date(2026, 4, 13)),
            _fact(3, date(2026, 2, 1), due_on=date(2026, 4, 16)), _fact(4, date(2026, 4, 18))])
    upgrade(engine, "reporting")

    statements: list[tuple[str, Any]] = []

    def seen(_: Any, __: Any, statement: str, parameters: Any, *___: Any) -> None:
        statements.append((statement, parameters))

    for source, table in FACT_TABLES.items():
        statements.clear()
        with engine.connect() as conn:
            event.listen(conn, "before_cursor_execute", seen)
            found = days_facts(conn, table, DAYS, AS_OF)
            event.remove(conn, "before_cursor_execute", seen)
            [(statement, parameters)] = statements
            plan = _plan(conn, statement, parameters)
        assert f"ix_rpt_{source}_business_on" in plan, plan
        assert f"ix_rpt_{source}_due_on" in plan, plan
        assert "SCAN rpt_" not in plan and "Seq Scan" not in plan, plan
        if source == "dialogue":  # dated in the days, or falling due in them
            assert sorted(row[0] for row in found) == ["K1", "K3"]


def test_a_rebuild_beside_makes_the_date_indexes_at_its_switch(engine: Engine) -> None:
    upgrade(engine, "reporting")
    tables = list(metadata.sorted_tables)
    shadows = ShadowTables(tables, 2)
    after_load = {str(index.name) for table in FACT_TABLES.values()
                  for index in table.indexes if index.info.get(AFTER_LOAD)}
    assert len(after_load) == 6  # business date and due date, of each source

    with engine.begin() as conn:
        shadows.create(conn)
    names = inspect(engine).get_indexes
    while_built = {str(i["name"]) for t in FACT_TABLES.values() for i in names(shadows.of(t).name)}
    assert while_built and not any(name.startswith(tuple(after_load)) for name in while_built)

    with engine.begin() as conn:
        for table in tables:
            shadows.put_in_place(conn, table)
    names = inspect(engine).get_indexes
    switched = {str(i["name"]) for t in FACT_TABLES.values() for i in names(t.name)}
    assert after_load <= switched
