"""Reads follow the unit tree, by one rule (shared.auth.checks): a record is the caller's when
its unit, or the unit it counts at (a merged commune's successor, placed by the successions
recorded: `shared.unitsuccessions.catalogue_now`), was in the caller's scope on some day of the
record's life (`queries.HEAD_LIFE`...).
A list narrows by it in SQL (`within`), the read of one record checks the same columns of that
record (`require_readable`), so a district board opens every record its lists show and no
other, a commune that changed district included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, select

from services.dialogue.adapters.tables import unit_successions
from services.dialogue.application import queries
from shared.adminunits import UnitCatalogue
from shared.asof import as_of_field
from shared.auth.checks import readable_unit, record_clause, require_listable, require_record
from shared.auth.principal import Principal
from shared.db import read_connection
from shared.paging import PageRequest
from shared.unitsuccessions import catalogue_now


def unit_filter(
    principal: Principal, requested: str | None, include_subunits: bool = True
) -> tuple[str | None, bool]:
    """The unit a computation over a tree is made for (the rule compliance) and whether its
    sub-units count: the caller's own unit with its sub-units when none was asked, a
    requested unit only inside the scope."""
    unit = readable_unit(principal, requested)
    if requested is None and unit is not None:
        return unit, True
    return unit, include_subunits


def list_filter(principal: Principal, requested: str | None) -> str | None:
    """The unit a list is narrowed to, as asked: refused only when the caller's scope never
    held it (a commune that left the district lists the records of the district's time).
    Which rows are the caller's is `within`'s to say."""
    require_listable(principal, requested)
    return requested


def within(
    principal: Principal, life: tuple[ColumnElement[Any], ...], conn: Connection,
    placing: UnitCatalogue | None = None,
) -> list[ColumnElement[bool]]:
    """The condition a list puts on its rows for the caller (none for the city): a record of
    the scope's units, or of a unit it succeeded (placed as a list for a unit places it,
    `shared.unitsuccessions.catalogue_now`, or `placing`: a list as known at a moment places
    by the successors recorded by then), on a day of the record's life (finding N7)."""
    if principal.is_city:
        return []
    if placing is None:
        placing = catalogue_now(conn, unit_successions)
    clause = record_clause(principal, life[0], life[1], life[2], placing)
    return [] if clause is None else [clause]


def require_readable(
    principal: Principal,
    conn: Connection,
    life: tuple[ColumnElement[Any], ...],
    record: ColumnElement[bool],
) -> None:
    """Refuse one record the caller's lists do not hold (an unknown one is left to the 404)."""
    if principal.is_city:
        return
    found = conn.execute(select(*life).where(record)).one_or_none()
    if found is not None:
        placing = catalogue_now(conn, unit_successions)
        require_record(principal, found[0], found[1], found[2], placing)


def listed(
    engine: Engine, principal: Principal, life: tuple[ColumnElement[Any], ...],
    as_of: datetime | None, day: date, paging: PageRequest,
    query_for: Callable[[UnitCatalogue, date], Select[Any]],
    page_of: Callable[[Connection, Select[Any], int, int], dict[str, Any]],
) -> dict[str, Any]:
    """A page of a list of records (sessions, issues, commitments) the caller may read, now or
    with `as_of` as the read models stood then (`queries.read_as_of`): `query_for` builds its
    query for the placing catalogue and `day`, the one day the list places records on and
    judges them at (`queries.day_of`), `page_of` reads the page. The caller checks the unit
    asked (`list_filter`) before: a refused request costs no replay (review RV2)."""
    with read_connection(engine) as conn, queries.read_as_of(conn, as_of) as then:
        placing = queries.placing_as_of(conn, as_of)
        query = query_for(placing, day).where(
            *within(principal, life, conn, placing))
        found = page_of(then, query, paging.limit, paging.offset)
    return paging.envelope(found["items"], found["total"], **as_of_field(as_of))
