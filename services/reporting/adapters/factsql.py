"""The projections' statements, written once per dialect and fact table, run on the driver's
cursor (`shared.driversql`: multi-row inserts on SQLite, executemany on PostgreSQL).

A rebuild writes a million fact rows and as many chunk figures: through SQLAlchemy's
per-row parameter processing that costs more than the database's own work. Dates and times
are converted here by the column types' own bind processors, so the stored values are
exactly those SQLAlchemy would write (and reads through SQLAlchemy see the same).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import Column, Connection, Dialect, Table

from shared.db import advisory_key
from shared.driversql import RowsInsert, bind_processor, placeholder

FACT_COLUMNS = ("event_id", "family", "kind", "subject", "effect", "state", "amount", "due_on",
                "business_on", "recorded_at", "seq", "unit_code", "district_code",
                "province_code", "data", "superseded_at")
CHUNK_KEY = ("source", "unit_code", "district_code", "province_code", "chunk")


def _time_processor(column: Column[Any], dialect: Dialect) -> Callable[[datetime], Any]:
    """The bind processor of a UTC time, or the same text by `isoformat` where it gives
    exactly what the processor does (SQLite's storage format): a third of the cost."""
    processor = bind_processor(column, dialect)

    def formatted(value: datetime) -> Any:
        # A UTC time's text ends with "+00:00", which the storage format leaves out.
        return value.isoformat(" ", "microseconds")[:-6]

    samples = (datetime(2026, 1, 2, 3, 4, 5, 60708, tzinfo=UTC), datetime(999, 1, 1, tzinfo=UTC))
    if all(isinstance(processor(s), str) and processor(s) == formatted(s) for s in samples):
        return formatted
    return processor


def _upsert(
    dialect: Dialect, table: Table, key: Sequence[str], added: Sequence[str]
) -> RowsInsert:
    """Adds `added` to the row of `key`, creating it (other figures 0) if it is not there,
    and stamps it (the last value of a row: see `tables.figure_chunks`)."""
    columns = [*key, *added, "stamp"]
    updates = ", ".join([*(f"{name} = {table.name}.{name} + excluded.{name}" for name in added),
                         "stamp = excluded.stamp"])
    return RowsInsert(
        dialect, f"INSERT INTO {table.name} ({', '.join(columns)})", len(columns),
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}",
    )


class FactSql:
    """Statements of one fact table's projection (SQLite and PostgreSQL both read
    `INSERT ... ON CONFLICT DO UPDATE`), into the chunk, sessions and marks tables of the
    same generation (`shared.rebuild`: the live ones, or those of a rebuild under way)."""

    _cache: ClassVar[dict[tuple[str, str], FactSql]] = {}

    def __init__(
        self, dialect: Dialect, table: Table, figure_chunks: Table, head_sessions: Table,
        source_marks: Table,
    ) -> None:
        mark = placeholder(dialect)
        self.insert_facts = RowsInsert(
            dialect, f"INSERT INTO {table.name} ({', '.join(FACT_COLUMNS)})", len(FACT_COLUMNS))
        self.any_fact = f"SELECT 1 FROM {table.name} LIMIT 1"
        # A stored fact a correction of this batch replaces (shared/corrections.py).
        self.supersede = (f"UPDATE {table.name} SET superseded_at = {mark}"
                          f" WHERE event_id = {mark}")
        # Replicas sharing a durable consumer apply batches of one source one at a time: a
        # subject's stock figures are worked out from its stored facts, which a concurrent
        # batch would be adding to unseen. (SQLite's writers queue at BEGIN already.)
        self.lock: tuple[str, tuple[int]] | None = (
            ("SELECT pg_advisory_xact_lock(%s)", (advisory_key(table.name),))
            if dialect.name == "postgresql" else None
        )
        self._dialect = dialect
        self._figure_chunks = figure_chunks
        self._upserts: dict[tuple[str, ...], RowsInsert] = {}
        self.upsert_head_sessions = _upsert(dialect, head_sessions, ("head_id", "chunk"), ("held",))
        marks = source_marks.name
        self.mark_complete = f"SELECT complete, facts FROM {marks} WHERE source = {mark}"
        self.insert_marks = (
            f"INSERT INTO {marks} (source, generation, facts, complete)"
            f" VALUES ({mark}, {mark}, 0, {mark}) ON CONFLICT (source) DO NOTHING"
        )
        self.update_marks = (
            f"UPDATE {marks} SET facts = facts + {mark}, latest_recorded_at = CASE"
            f" WHEN latest_recorded_at IS NULL OR latest_recorded_at < {mark} THEN {mark}"
            f" ELSE latest_recorded_at END WHERE source = {mark}"
        )
        self._date = bind_processor(table.c.business_on, dialect)
        self._dates: dict[date, Any] = {}
        self.time: Callable[[datetime], Any] = _time_processor(table.c.recorded_at, dialect)

    def date(self, value: date | None) -> Any:
        """A date as stored (few distinct dates: each converted once)."""
        if value is None:
            return None
        stored = self._dates.get(value)
        if stored is None:
            if len(self._dates) > 100_000:
                self._dates.clear()
            stored = self._dates[value] = self._date(value)
        return stored

    def upsert_chunks(self, figures: tuple[str, ...]) -> RowsInsert:
        """Adds to these figures of a chunk row (creating it with zeros elsewhere)."""
        statement = self._upserts.get(figures)
        if statement is None:
            statement = self._upserts[figures] = _upsert(
                self._dialect, self._figure_chunks, CHUNK_KEY, figures)
        return statement

    @classmethod
    def of(
        cls, conn: Connection, table: Table, figure_chunks: Table, head_sessions: Table,
        source_marks: Table,
    ) -> FactSql:
        # A generation's tables share its suffix: the fact table's name tells them apart.
        key = (conn.dialect.name, table.name)
        sql = cls._cache.get(key)
        if sql is None:
            sql = cls._cache[key] = cls(
                conn.dialect, table, figure_chunks, head_sessions, source_marks)
        return sql
