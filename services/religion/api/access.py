"""Reads follow the unit tree, by one rule (shared.auth.checks): a record is the caller's when
its commune, or the commune it counts at (a merged commune's successor, `catalogue_now`), was
in the caller's scope on some day of the record's life. A list narrows by it
in SQL (`queries.SITE_LIFE`, `queries.CASE_LIFE`), the read of one record checks the same
columns of that record, so a district board opens every record its lists show and no other."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import ColumnElement, Select, select

from services.religion.adapters.tables import cases, certificates, sites, unit_successions
from services.religion.application.queries import CASE_LIFE, SITE_LIFE
from shared.auth.checks import readable_district, require_listable, require_record
from shared.db import read_connection
from shared.unitsuccessions import catalogue_now
from shared.web import principal_of, runtime_of


def district_for(request: Request, requested: str | None) -> str | None:
    return readable_district(principal_of(request), requested)


def commune_for(request: Request, requested: str | None) -> None:
    """A commune asked for: refused only when the caller's scope never held it (a commune
    that left the district still lists the records of the district's time)."""
    require_listable(principal_of(request), requested)


def reader_scope(request: Request) -> str:
    return principal_of(request).unit_scope


def _record_readable(request: Request, life_of_record: Select[Any]) -> None:
    """Refuse a record the caller's lists do not hold (an unknown record is left to the
    404). The city reads everything without a query."""
    principal = principal_of(request)
    if principal.is_city:
        return
    with read_connection(runtime_of(request).engine) as conn:
        life = conn.execute(life_of_record).one_or_none()
        placing = catalogue_now(conn, unit_successions) if life is not None else None
    if life is not None:
        # Placed as the lists place it (`queries.within`): a merged commune's record is its
        # successor's board's too (finding N7).
        require_record(principal, life[0], life[1], life[2], placing)


def _life(columns: tuple[ColumnElement[Any], ...]) -> Select[Any]:
    return select(*columns)


def site_readable(request: Request, site_code: str) -> None:
    _record_readable(request, _life(SITE_LIFE).where(sites.c.code == site_code))


def case_readable(request: Request, case_id: str) -> None:
    _record_readable(request, _life(CASE_LIFE).where(cases.c.case_id == case_id))


def certificate_readable(request: Request, number: str) -> None:
    """A certificate is read as its site is."""
    _record_readable(
        request,
        _life(SITE_LIFE)
        .join(certificates, certificates.c.site_code == sites.c.code)
        .where(certificates.c.number == number),
    )
