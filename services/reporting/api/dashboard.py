"""The dashboard pages: `/` (every indicator) and `/chuyen-de/<theme>` (plan II.4.2)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from services.reporting.api.access import own_unit, report_unit
from services.reporting.api.scope import Scope
from services.reporting.application.figures import compute
from services.reporting.application.opening import has_data, opening_period
from services.reporting.application.periodchoices import period_choices
from services.reporting.application.reports import (
    Report,
    build_report,
    load_period,
    signed_content,
)
from services.reporting.application.state import state_of, today_of
from services.reporting.application.views import require_theme, require_unit
from services.reporting.domain.periods import MONTHS, period_id
from services.reporting.outputs.dashboard import ProgressPoint, render_dashboard
from shared.adminunits import default_catalogue
from shared.adminunits.model import NATION_OR_UNIT_CODE_PATTERN
from shared.clock import day_vn
from shared.db import read_connection
from shared.jsonbody import JSONBodyRoute
from shared.runtime import ServiceRuntime
from shared.web import principal_of, runtime_of

router = APIRouter(route_class=JSONBodyRoute, tags=["bảng điều khiển"])

PeriodParam = Annotated[str | None, Query(max_length=10)]
UnitParam = Annotated[str | None, Query(pattern=NATION_OR_UNIT_CODE_PATTERN)]
AsOf = Annotated[str | None, Query(max_length=40)]


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, scope: Scope, period: PeriodParam = None,
    unit: UnitParam = None, as_of: AsOf = None,
) -> HTMLResponse:
    """Bảng điều khiển: chỉ tiêu I1-I4, tiến độ qua các kỳ, kết quả theo đơn vị."""
    return _page(request, None, period, scope, unit, as_of)


@router.get("/chuyen-de/{theme}", response_class=HTMLResponse)
def thematic_dashboard(
    request: Request, theme: Annotated[str, Path(max_length=40)], scope: Scope,
    period: PeriodParam = None, unit: UnitParam = None, as_of: AsOf = None,
) -> HTMLResponse:
    require_theme(theme)
    return _page(request, theme, period, scope, unit, as_of)


def _page(
    request: Request, theme: str | None, period: str | None, scope: str,
    unit: str | None, as_of: str | None,
) -> HTMLResponse:
    # A district board sees its own district (and drills down into its communes), as the
    # JSON, Word and Excel outputs show it; another unit is refused.
    principal = principal_of(request)
    unit = own_unit(principal, unit)
    runtime = runtime_of(request)
    today = today_of(runtime)
    if period is None:
        # A unit that has ceased (a district after 1 July 2025) opens on the last period of
        # its own time: the latest one has no such unit, and a district board's page would
        # be a refusal (README: records of the district's own time stay readable).
        last = default_catalogue().last_day(unit) if unit else None
        day = min(today, last + timedelta(days=1)) if last else today
        with read_connection(runtime.engine) as conn:
            opening = opening_period(conn, day)
        period, has = opening.period_id, opening.has_data
        report = build_report(runtime, period, scope, as_of)
    else:
        report = build_report(runtime, period, scope, as_of)
        with read_connection(runtime.engine) as conn:
            has = has_data(conn, report.period.data_from, report.figures_on)
    code = require_unit(report, report_unit(principal, unit, report))
    html = render_dashboard(report, code, theme, _progress(runtime, report, code),
                            period_choices(runtime, report.period.year), has_data=has)
    return HTMLResponse(html)


def _progress(runtime: ServiceRuntime, report: Report, unit: str) -> list[ProgressPoint]:
    """The unit's indicators at each conference period of the report's year, as of the
    report's own time: as signed for a period whose report for the scope was finalised by
    then, else counted; periods not yet cut off stay empty."""
    points = []
    with read_connection(runtime.engine) as conn:
        for months in MONTHS:
            pid = period_id(report.period.year, months)
            period = load_period(conn, runtime.store, pid, report.as_of)
            if pid == report.period.id:
                points.append(ProgressPoint(period, report.unit(unit)["indicators"]))
                continue
            if period.cutoff_on > day_vn(report.as_of):
                points.append(ProgressPoint(period, None))
                continue
            # A signed period is shown as signed, as the tile's previous column is (J2): a
            # recount here put two values of one period on one page once a correction came.
            signed = signed_content(state_of(runtime), conn, runtime.store, pid, report.scope,
                                    report.as_of)
            if signed is None:
                signed = compute(state_of(runtime), conn, period, report.scope,
                                 report.as_of).content()
            content = signed["units"].get(unit)
            points.append(ProgressPoint(period, content["indicators"] if content else None))
    return points
