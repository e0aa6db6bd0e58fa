"""Reads follow the unit tree: a district board sees its district's sites and cases only."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Select, select

from services.religion.adapters.tables import cases, certificates, sites
from shared.auth.checks import readable_district, require_unit
from shared.auth.principal import Principal
from shared.clock import today_vn
from shared.web import principal_of, runtime_of


def district_for(request: Request, requested: str | None) -> str | None:
    return readable_district(principal_of(request), requested)


def commune_for(request: Request, requested: str | None) -> None:
    _require(principal_of(request), requested)


def _require(principal: Principal, commune_code: str | None) -> None:
    if commune_code is not None and not principal.is_city:
        require_unit(principal, commune_code, today_vn())


def _commune_readable(request: Request, commune_of_record: Select[str]) -> None:
    """Refuse a record whose commune is outside the caller's tree (an unknown record is left
    to the 404). The city reads everything without a query."""
    principal = principal_of(request)
    if principal.is_city:
        return
    with runtime_of(request).engine.connect() as conn:
        commune = conn.execute(commune_of_record).scalar_one_or_none()
    _require(principal, commune)


def site_readable(request: Request, site_code: str) -> None:
    _commune_readable(request, select(sites.c.commune_code).where(sites.c.code == site_code))


def case_readable(request: Request, case_id: str) -> None:
    _commune_readable(request, select(cases.c.commune_code).where(cases.c.case_id == case_id))


def certificate_readable(request: Request, number: str) -> None:
    _commune_readable(
        request,
        select(sites.c.commune_code)
        .join(certificates, certificates.c.site_code == sites.c.code)
        .where(certificates.c.number == number),
    )
