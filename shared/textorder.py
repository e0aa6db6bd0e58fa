"""One order of text on every database: the order of its bytes (review RV5).

A list ordered by a text column came back in the database's collation: SQLite's BINARY (the
bytes of UTF-8, which is code point order), PostgreSQL's the database was created with
(`en_US.UTF-8`, `vi_VN.UTF-8`: case and punctuation ignored at first, "a-2" after "A1",
"cs-01" before "CS-02"; C.UTF-8: bytes). A list as known at a moment is read from a replay
in SQLite (`shared.projection.InlineProjection.known_at`), so on such a PostgreSQL the same
list read now and as of now differed in order, and a page by offset held other rows. Every
list's text key is ordered by `byte_order` instead: PostgreSQL's `COLLATE "C"` is byte
order, SQLite's BINARY already, whatever collation a database was created with.

The text keys of the lists are codes and ids (ASCII), never names: byte order is their
natural order. A human code is ordered by its one spelling (`code_order`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


class _InByteOrder(ColumnElement[Any]):
    """`element` compared by its bytes (see the module)."""

    __visit_name__ = "in_byte_order"
    inherit_cache = True
    # What the statement cache keys by (SQLAlchemy's form for an element's parts).
    _traverse_internals = [("element", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, element: ColumnElement[Any]) -> None:
        self.element = element
        self.type = element.type


@compiles(_InByteOrder)
def _binary(element: _InByteOrder, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite compares text with BINARY unless told otherwise: its bytes.
    return compiler.process(element.element, **kw)


@compiles(_InByteOrder, "postgresql")
def _collate_c(element: _InByteOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.element, **kw)}) COLLATE "C"'


def byte_order(text: ColumnElement[Any]) -> ColumnElement[Any]:
    """`text` as an ORDER BY key in byte order on every database."""
    return _InByteOrder(text)


def code_order(code: ColumnElement[Any]) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The ORDER BY keys of a human code: its one spelling (`shared.ids.code_key`, upper case:
    "prb-s1" is PRB-S1, and beside it in a list), then as typed, each in byte order. The upper
    case is ASCII's alone on both databases (SQLite's `upper`, PostgreSQL's under "C"), as a
    code is (`shared.ids.CODE_PATTERN`)."""
    return byte_order(func.upper(byte_order(code))), byte_order(code)
