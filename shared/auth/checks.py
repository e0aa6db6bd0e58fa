"""Authorisation, decided where the command is handled: a scope and a unit in scope.

Handlers call `authorize(uow, "religion:write", unit_code, on)` with the unit the command
touches and its business date. Writes follow one rule (`shared.auth.units.covers_write`): a
board writes a record of a unit it covered on the record's date, or of a merged commune the
service's placing catalogue places today on a unit it covers today (review R4). Reads of
records follow one rule (`shared.auth.units.covers_during`): a record is the caller's when its
unit was in the caller's scope on some day of the record's life; a list narrows its rows by
`record_clause`, a read of one record checks `require_record`, so a list and the record's own
page never disagree. A refusal is a 403 in the error format naming what was missing, and an
`authz_fail` security log line.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.params import Depends as DependsParam
from sqlalchemy import ColumnElement
from starlette.requests import Request

from shared import messages
from shared.adminunits import UnitCatalogue
from shared.aggregate import CommandContext, UnitOfWork
from shared.auth.http import authenticate_request
from shared.auth.principal import SCOPES, Principal
from shared.auth.securitylog import security_event
from shared.auth.units import (
    commune_filter,
    covers,
    covers_during,
    covers_write,
    district_filter,
    reach,
    scope_clause,
)
from shared.clock import format_date_vn, today_vn
from shared.errors import Forbidden
from shared.requestguard import refuse_undeclared_query


def require_scope(principal: Principal, scope: str) -> None:
    if principal.has_scope(scope):
        return
    security_event(
        "authz_fail",
        principal.actor,
        scope,
        reason="missing_scope",
        credential=principal.credential_id,
    )
    raise Forbidden(
        "MISSING_SCOPE",
        messages.MISSING_SCOPE.format(scope=scope, label=SCOPES.get(scope, scope)),
        required_scope=scope,
    )


class RequiredScope:
    """A route's dependency on one scope: it authenticates the caller and checks the scope,
    and the OpenAPI document names it on the operation (shared/openapi.py reads it off the
    route's dependencies). `waived` opens the route to anyone (METRICS_PUBLIC)."""

    def __init__(self, scope: str, *, waived: bool = False, city_only: bool = False,
                 any_query: bool = False) -> None:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope}")
        self.scope = scope
        self.waived = waived
        self.city_only = city_only
        # A probe's route (/metrics) takes whatever its scraper adds; every other route
        # refuses a query parameter it does not take, once the caller may use it.
        self.any_query = any_query

    async def __call__(self, request: Request) -> None:
        # Async: only the authentication may block, and it goes to the thread pool itself.
        if self.waived:
            return
        principal = await authenticate_request(request)
        if self.city_only:
            require_city(principal, self.scope)
        else:
            require_scope(principal, self.scope)
        if not self.any_query:
            refuse_undeclared_query(request)


def city_level(scope: str) -> DependsParam:
    """The route dependency of a command only the city level may issue (`require_city`,
    the one rule, also called by its handler): decided by the credential alone, it runs
    before FastAPI reads the body, so a district board's malformed body gets its 403
    CITY_LEVEL_ONLY, not the 422 of the body's fields (docs/api-conventions.md, finding K14)."""
    return DependsParam(RequiredScope(scope, city_only=True))


class ServiceScopes:
    """The guard of a service's routers: reads need `<service>:read`, checked here for the
    service's whole API; writes need `<service>:write`, checked by the command handlers
    (which know the unit and the date a command touches), so a route that takes a command
    context is documented with the write scope unless it declares a `RequiredScope`."""

    def __init__(self, service: str) -> None:
        self.read = f"{service}:read"
        self.write = f"{service}:write"

    async def __call__(self, request: Request) -> None:
        # Async like every dependency that does no I/O (a plain `def` would cost each request
        # a round trip through the thread pool); the authentication is called, not declared as
        # a dependency of its own: each one FastAPI resolves costs the loop more than it does.
        principal = await authenticate_request(request)
        if request.method in ("GET", "HEAD"):
            require_scope(principal, self.read)
        # Every read of the service's routers passes here: a misspelt filter is refused
        # after the caller's scope (finding H16), not silently dropped.
        refuse_undeclared_query(request)


#: The attribute naming the `ServiceScopes` of a service's command route included without it
#: (shared/web.py: the command's dependency authenticates first itself), for its documentation.
SERVICE_GUARD = "danvan_service_guard"


def require_unit(principal: Principal, unit_code: str, on: date) -> None:
    if covers(principal.unit_scope, unit_code, on):
        return
    _refuse_unit(principal, unit_code, on)


def require_record(
    principal: Principal, unit_code: str, first: date, last: date | None,
    placing: UnitCatalogue | None = None,
) -> None:
    """One record of `unit_code` living from `first` to `last` (None: it lives on; a dated
    fact gives its day twice): 403 unless its unit, or with `placing` the unit it counts at
    (`covers_during`), was in the caller's scope on one of those days, the rule its lists
    narrow by (`record_clause`, given the same `placing`)."""
    if covers_during(principal.unit_scope, unit_code, first, last, placing):
        return
    _refuse_record(principal, unit_code)


def record_clause(
    principal: Principal,
    unit: ColumnElement[Any],
    first: ColumnElement[Any],
    last: ColumnElement[Any],
    placing: UnitCatalogue | None = None,
) -> ColumnElement[bool] | None:
    """The condition a list puts on its rows (None for the city): `require_record` in SQL."""
    return scope_clause(principal.unit_scope, unit, first, last, placing)


def require_listable(principal: Principal, unit_code: str | None) -> None:
    """A list asked for one unit: refused when the caller's scope never held it (a commune
    that left the district still lists the records of the district's time)."""
    spans = reach(principal.unit_scope)
    if unit_code is None or spans is None or unit_code in spans:
        return
    _refuse_unit(principal, unit_code, today_vn())


def _refuse_unit(principal: Principal, unit_code: str, on: date) -> None:
    """403 for a unit the caller named: the refusal names it back, with the day."""
    _refuse(principal, unit_code, "unit_out_of_scope",
            messages.UNIT_OUT_OF_SCOPE.format(unit=unit_code, scope=principal.unit_scope,
                                              on=format_date_vn(on)),
            unit_code=unit_code, on=on.isoformat())


def _refuse_record(principal: Principal, unit_code: str) -> None:
    """403 for a record of another scope's unit. Unlike a unit the caller named, the record's
    unit is not the caller's to learn: the refusal names the caller's scope only, or a guessed
    code (and a chosen date) would tell another district's register, commune by commune and
    day by day (finding H4). The security log keeps the unit."""
    _refuse(principal, unit_code, "record_out_of_scope",
            messages.RECORD_OUT_OF_SCOPE.format(scope=principal.unit_scope))


def _refuse(principal: Principal, unit: str, reason: str, message: str, **details: str) -> None:
    security_event(
        "authz_fail",
        principal.actor,
        f"unit:{unit}",
        reason=reason,
        unit_scope=principal.unit_scope,
        credential=principal.credential_id,
    )
    raise Forbidden("UNIT_OUT_OF_SCOPE", message, **details, unit_scope=principal.unit_scope)


def authorize(
    context: UnitOfWork | CommandContext | Principal,
    scope: str,
    unit_code: str | None = None,
    on: date | None = None,
    *,
    record: bool = False,
) -> None:
    """The command's scope, and when it touches a unit, that unit for a write dated `on`
    (default today): `may_write`, the one rule of every write. Given the command's unit of
    work, a merged commune's records are also the writes of the board that has the commune's
    successor today (review R4).
    `record`: the unit is an existing record's, not one the caller named (`_refuse_record`)."""
    principal = _principal(context)
    require_scope(principal, scope)
    if unit_code is None:
        return
    if may_write(context, unit_code, on):
        return
    if record:
        _refuse_record(principal, unit_code)
    else:
        _refuse_unit(principal, unit_code, on or today_vn())


def may_write(
    context: UnitOfWork | CommandContext | Principal, unit_code: str, on: date | None = None
) -> bool:
    """`authorize`'s unit check as a yes or no (an import's rows): the caller's scope may write
    today (Vietnam time) a record of `unit_code` dated `on` (default today)
    (`shared.auth.units.covers_write`), placing a merged commune's records by the service's
    catalogue when `context` is the command's unit of work."""
    day = today_vn()
    placing = context.placing if isinstance(context, UnitOfWork) else None
    return covers_write(_principal(context).unit_scope, unit_code, on or day, day, placing)


def _principal(context: UnitOfWork | CommandContext | Principal) -> Principal:
    if isinstance(context, UnitOfWork):
        return context.context.principal
    return context.principal if isinstance(context, CommandContext) else context


def require_city(context: CommandContext | Principal, scope: str) -> None:
    """Actions that concern the whole city (targets, rules, report periods): city level only."""
    principal = context.principal if isinstance(context, CommandContext) else context
    require_scope(principal, scope)
    if not principal.is_city:
        security_event(
            "authz_fail",
            principal.actor,
            scope,
            reason="city_level_only",
            unit_scope=principal.unit_scope,
        )
        raise Forbidden(
            "CITY_LEVEL_ONLY",
            messages.CITY_LEVEL_ONLY.format(scope=principal.unit_scope),
            required_unit_scope="31",
            unit_scope=principal.unit_scope,
        )


def readable_district(principal: Principal, requested: str | None) -> str | None:
    """The district filter a list must use: the requested one if within scope, the
    principal's own when none was asked; a request outside the scope is refused."""
    own = district_filter(principal.unit_scope)
    if own is None:
        return requested
    if requested is not None and requested != own:
        require_unit(principal, requested, today_vn())
    return own


def readable_unit(
    principal: Principal, requested: str | None, on: date | None = None
) -> str | None:
    """Same for lists filtered by any unit code: a district or commune the caller may read."""
    if principal.is_city:
        return requested
    if requested is None:
        return principal.unit_scope
    if requested == principal.unit_scope:
        return requested
    require_unit(principal, requested, on or today_vn())
    return requested


def may_read_record(
    principal: Principal, unit_code: str, first: date, last: date | None,
    placing: UnitCatalogue | None = None,
) -> bool:
    """`require_record` as a yes or no, for a list made in Python."""
    return covers_during(principal.unit_scope, unit_code, first, last, placing)


def may_read_unit(principal: Principal, unit_code: str | None, on: date | None = None) -> bool:
    if principal.is_city:
        return True
    if unit_code is None:
        return False
    return covers(principal.unit_scope, unit_code, on or today_vn())


__all__ = [
    "SERVICE_GUARD",
    "RequiredScope",
    "ServiceScopes",
    "authorize",
    "city_level",
    "commune_filter",
    "may_read_record",
    "may_read_unit",
    "may_write",
    "readable_district",
    "readable_unit",
    "record_clause",
    "require_city",
    "require_listable",
    "require_record",
    "require_scope",
    "require_unit",
]


#: The operations of a service (dead letters, rebuilding read models, running its scans now)
#: concern every unit's records at once: an administrator of the city only. A district
#: administrator manages its own API keys and reads its own audit, never the city's dead
#: letters (whole events of other districts) nor a rebuild of the central read models.
OPERATIONS = RequiredScope("admin", city_only=True)
