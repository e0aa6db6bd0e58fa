"""What a list of the register sends to its database, for tests that read its plans."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, event

from services.religion.application.queries import SiteFilter, list_sites
from shared.paging import PageRequest


def site_reads(conn: Connection, site_filter: SiteFilter, on: date) -> list[tuple[str, Any]]:
    """The statements (with their parameters) reading `rel_sites` that one page of the
    register's list sends through `conn`: the count and the page."""
    statements: list[tuple[str, Any]] = []

    def seen(_: Any, __: Any, statement: str, parameters: Any, *___: Any) -> None:
        statements.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", seen)
    try:
        list_sites(conn, site_filter, on, PageRequest())
    finally:
        event.remove(conn, "before_cursor_execute", seen)
    return [(st, p) for st, p in statements if "FROM rel_sites" in st]
