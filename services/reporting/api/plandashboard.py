"""The dashboard's plan page: `/ke-hoach` (Kết quả thực hiện nhiệm vụ, báo cáo cấp huyện)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from services.reporting.api.scope import Scope
from services.reporting.application.periodchoices import period_choices
from services.reporting.application.reports import build_report, plan_reader
from services.reporting.application.state import today_of
from services.reporting.domain.periods import latest_closed_period
from services.reporting.outputs.plan import render_plan_page
from shared.jsonbody import JSONBodyRoute
from shared.web import principal_of, runtime_of

router = APIRouter(route_class=JSONBodyRoute, tags=["bảng điều khiển"])


@router.get("/ke-hoach", response_class=HTMLResponse)
def plan_page(
    request: Request, scope: Scope,
    period: Annotated[str | None, Query(max_length=10)] = None,
    as_of: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """Kết quả thực hiện nhiệm vụ của kế hoạch và tình hình báo cáo của cấp huyện."""
    runtime = runtime_of(request)
    # A district board reads its own items and its own report (planreport.plan_part).
    report = build_report(runtime, period or latest_closed_period(today_of(runtime)), scope, as_of,
                          plan_reader(principal_of(request)))
    return HTMLResponse(render_plan_page(report, period_choices(runtime, report.period.year)))
