"""Statements of the hot write paths, run on the driver's cursor.

The write paths that run for every event (the event store's append, the consumers' record of
processed events, the reporting projections) skip SQLAlchemy's per-statement work: their
statements are written once per dialect here, and values are converted by the columns' own
bind processors, so what is stored is exactly what SQLAlchemy would store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Dialect, Table
from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME


def driver_of(conn: Connection) -> Any:
    """The driver's own connection under `conn` (sqlite3's, psycopg's), for the statements of
    the hot paths. The pool's `dbapi_connection` is a plain attribute, where its
    `driver_connection` (the same object for every synchronous driver) is a property of a
    property: called several times per command, the chain cost more than its cursor."""
    return conn.connection.dbapi_connection


def placeholder(dialect: Dialect) -> str:
    """The driver's parameter mark: `?` for sqlite3, `%s` for psycopg."""
    return "?" if dialect.paramstyle in ("qmark", "numeric") else "%s"


def bind_processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """How SQLAlchemy would convert a value of this column for this dialect's driver."""
    impl = column.type.dialect_impl(dialect)
    processor = impl.bind_processor(dialect)
    if (processor is not None and isinstance(impl, SQLITE_DATETIME)
            and impl._storage_format == SQLITE_DATETIME._storage_format):
        return _sqlite_datetime(processor)
    return processor or _unchanged


#: Wall-clock seconds whose text `_sqlite_datetime` keeps, at most (then it starts again).
REMEMBERED_SECONDS = 4096


def _sqlite_datetime(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite DATETIME processor with a shortcut for a plain datetime: the same
    text (`YYYY-MM-DD HH:MM:SS.ffffff`, the wall-clock fields, any offset left out), its
    seconds remembered. Formatting the whole text costs about 13,000 instructions (isoformat
    of an aware datetime formats its offset too, only to be cut off; SQLAlchemy's dict format
    as many), and every appended event stamps one: the commands of one second share the
    `YYYY-MM-DD HH:MM:SS` part, so only the microseconds are written per value. Keyed by the
    wall-clock fields, which are what the text holds (equal instants of two offsets are two
    texts, as before)."""
    seconds: dict[tuple[int, int, int, int, int, int], str] = {}

    def process(value: Any) -> Any:
        if type(value) is datetime:
            key = (value.year, value.month, value.day, value.hour, value.minute, value.second)
            text = seconds.get(key)
            if text is None:
                if len(seconds) >= REMEMBERED_SECONDS:
                    seconds.clear()
                text = seconds[key] = value.isoformat(" ", "seconds")[:19]
            # "%06d" % microsecond, at half the cost: 1,000,000 + it has seven digits.
            return f"{text}.{str(1_000_000 + value.microsecond)[1:]}"
        return processor(value)

    return process


def _unchanged(value: Any) -> Any:
    return value


# Values per `IN (...)` list: with its other parameters a statement stays within the 999
# variables of SQLite builds before 3.32.
IN_LIST_SIZE = 900


def in_lists(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """`values` in slices short enough for one `IN (...)` list each."""
    for start in range(0, len(values), IN_LIST_SIZE):
        yield values[start:start + IN_LIST_SIZE]


class RowsInsert:
    """An INSERT of many rows (with an optional `ON CONFLICT ...` tail), in few statements.

    sqlite3's executemany steps every row with the GIL let go and taken back. Beside a busy
    event loop (parsing the next batch of messages) each taking-back waits up to the
    interpreter's switch interval: a projection consumer ran at half its speed on a thread,
    while the same work on one thread did not. On SQLite the rows therefore go as multi-row
    VALUES, as many per statement as the connection's variable limit allows, in statement
    sizes that are powers of two (few distinct texts for the statement cache). PostgreSQL
    keeps executemany, which psycopg pipelines.
    """

    MAX_ROWS = 512

    def __init__(self, dialect: Dialect, head: str, width: int, tail: str = "",
                 returning: str = "") -> None:
        """`head`: `INSERT INTO t (a, b, c)`; `width`: the number of values of a row;
        `returning`: a `RETURNING ...` clause, for `run_returning`."""
        self._head = head
        self._width = width
        self._tail = f" {tail}" if tail else ""
        self._returning = f" {returning}" if returning else ""
        mark = placeholder(dialect)
        self._row = f"({', '.join([mark] * width)})"
        self._sqlite = dialect.name == "sqlite"
        self._texts: dict[int, str] = {}
        self.one = self._text(1)

    def _text(self, rows: int) -> str:
        text = self._texts.get(rows)
        if text is None:
            text = self._texts[rows] = (
                f"{self._head} VALUES {', '.join([self._row] * rows)}{self._tail}")
        return text

    def run(self, cursor: Any, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if not self._sqlite:
            cursor.executemany(self.one, rows)
            return
        for size, start in self._chunks(cursor, len(rows)):
            chunk = rows[start:start + size]
            cursor.execute(self._text(size), [value for row in chunk for value in row])

    def run_returning(self, cursor: Any, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """Insert `rows` as `run` does, on either database as multi-row VALUES (a statement
        per row is what this saves); the rows the RETURNING clause gave, in no set order."""
        returned: list[Any] = []
        for size, start in self._chunks(cursor, len(rows)):
            chunk = rows[start:start + size]
            cursor.execute(self._text(size) + self._returning,
                           [value for row in chunk for value in row])
            returned.extend(cursor.fetchall())
        return returned

    def _chunks(self, cursor: Any, count: int) -> Iterator[tuple[int, int]]:
        """(rows, first row) of each statement: as many rows as the variable limit allows
        (999 where the driver does not tell it), in powers of two."""
        limit = (cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
                 if self._sqlite else 999)
        size = 1 << (min(self.MAX_ROWS, max(limit // self._width, 1)).bit_length() - 1)
        start = 0
        while start < count:
            while size > count - start:
                size >>= 1
            yield size, start
            start += size


# Per column index, how its value is converted for the driver.
_Converters = tuple[tuple[int, Callable[[Any], Any]], ...]


class RowInsert:
    """An INSERT of one whole row of `table` (a dict naming every column, or every one of
    `columns`) on the driver's cursor, each value converted by its column's bind processor:
    what `conn.execute(insert(table), row)` stores, without SQLAlchemy's per-statement work (a
    command's inline projection: that work cost more than SQLite's insert with its indexes).
    `run_many` inserts many rows in few statements (`RowsInsert`): a consumed batch's fact
    rows, where SQLAlchemy's executemany converts each row's parameters one by one and
    sqlite3 lets go of the GIL for each row.
    """

    def __init__(self, table: Table, columns: Sequence[str] | None = None) -> None:
        self._table = table
        self._columns = [table.c[name] for name in columns] if columns else list(table.columns)
        self._names = tuple(column.name for column in self._columns)
        self._by_dialect: dict[str, tuple[str, _Converters, RowsInsert]] = {}

    def _compiled(self, dialect: Dialect) -> tuple[str, _Converters, RowsInsert]:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            mark = placeholder(dialect)
            quote = dialect.identifier_preparer  # a column may be named by a keyword
            columns = ", ".join(quote.quote(name) for name in self._names)
            head = f"INSERT INTO {quote.format_table(self._table)} ({columns})"
            sql = f"{head} VALUES ({', '.join([mark] * len(self._names))})"
            converters = tuple(
                (index, processor)
                for index, column in enumerate(self._columns)
                if (processor := bind_processor(column, dialect)) is not _unchanged
            )
            many = RowsInsert(dialect, head, len(self._names))
            found = self._by_dialect[dialect.name] = (sql, converters, many)
        return found

    def _values(self, converters: _Converters, row: dict[str, Any]) -> list[Any]:
        values = [row[name] for name in self._names]  # a column left out is a KeyError
        for index, convert in converters:
            if values[index] is not None:
                values[index] = convert(values[index])
        return values

    def run(self, conn: Connection, row: dict[str, Any]) -> None:
        sql, converters, _ = self._compiled(conn.dialect)
        values = self._values(converters, row)
        cursor = driver_of(conn).cursor()
        try:
            cursor.execute(sql, values)
        finally:
            cursor.close()

    def run_many(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Each row as `run` would insert it, in order, in few statements."""
        if not rows:
            return
        _, converters, many = self._compiled(conn.dialect)
        names = self._names
        # Rows of one batch share values (the time stamp every row of a batch carries): one
        # met again as the very object the last row had is converted once. By identity, not
        # equality: equal datetimes of two offsets are stored as two different texts.
        last: list[list[Any]] = [[None, None] for _ in converters]
        values: list[list[Any]] = []
        for row in rows:
            row_values = [row[name] for name in names]  # a column left out is a KeyError
            for (index, convert), seen in zip(converters, last, strict=True):
                value = row_values[index]
                if value is None:
                    continue
                if value is not seen[0]:
                    seen[0], seen[1] = value, convert(value)
                row_values[index] = seen[1]
            values.append(row_values)
        cursor = driver_of(conn).cursor()
        try:
            many.run(cursor, values)
        finally:
            cursor.close()
