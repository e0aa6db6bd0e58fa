"""JSON API of the reporting service: periods, reports, finalisation, documents."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from services.reporting.api.access import may_read_report_unit, report_unit
from services.reporting.api.scope import Scope
from services.reporting.application.catchup import require_sources_applied
from services.reporting.application.queries import religious_sites_summary
from services.reporting.application.reports import (
    Finalisation,
    adjust_period,
    build_report,
    finalise_report,
    load_period,
    period_version,
    plan_reader,
    require_may_finalise,
    require_period_id,
)
from services.reporting.application.state import state_of, today_of
from services.reporting.application.views import (
    period_view,
    report_view,
    require_theme,
    require_unit,
    units_document,
)
from services.reporting.domain.periods import MONTHS, Period, period_id
from services.reporting.outputs.documents import FORMATS, DocumentFormat
from shared.adminunits.model import NATION_OR_UNIT_CODE_PATTERN, SCOPE_CODE_PATTERN
from shared.auth.checks import RequiredScope, city_level, may_read_record
from shared.clock import today_vn
from shared.commandapi import CommandDep
from shared.commands import CommandResponse, CommandResult
from shared.commandthreads import waits_outside_database
from shared.concurrency import TaggedResponse, etag, tagged
from shared.db import read_connection
from shared.envelope import EventEnvelope
from shared.errors import InvalidInput
from shared.jsonbody import JSONBodyRoute
from shared.openapi import IF_MATCH_REQUIRED, file_responses
from shared.paging import Paging
from shared.validation import Day, RequiredShortText, WholeNumber
from shared.web import principal_of, runtime_of

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=["báo cáo"])
#: Commands of the city level only: refused to a district board before the body is read.
CITY_LEVEL = [city_level("reporting:write")]

PeriodId = Annotated[str, Path(max_length=10, description="Kỳ báo cáo, ví dụ 2023-3m")]
UnitParam = Annotated[str | None, Query(pattern=NATION_OR_UNIT_CODE_PATTERN)]
AsOf = Annotated[str | None, Query(max_length=40, description="Thời điểm số liệu (ISO)")]
Theme = Annotated[str, Path(max_length=40)]


class AdjustPeriod(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data_from: Day
    cutoff_on: Day
    reason: RequiredShortText


class FinaliseReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: str | None = Field(default=None, pattern=SCOPE_CODE_PATTERN)  # default: jurisdiction
    as_of: str | None = Field(default=None, max_length=40)
    # A past `as_of` whose report differs from the report of now is signed only when the
    # caller says it knows (409 LATER_FACTS_NOT_ACKNOWLEDGED otherwise, finding N13).
    acknowledge_later_facts: bool = False


@router.get("/periods")
def list_periods(
    request: Request, paging: Paging,
    year: Annotated[WholeNumber | None, Query(ge=2015, le=2100)] = None,
) -> dict[str, Any]:
    """Các kỳ báo cáo 3, 6, 9 tháng và năm của một năm, với thời gian chốt số liệu."""
    runtime = runtime_of(request)
    year = year or today_vn().year
    with read_connection(runtime.engine) as conn:
        periods = [load_period(conn, runtime.store, period_id(year, m)) for m in MONTHS]
    listed = paging.of([period_view(p) for p in periods], year=year)
    # Deprecated: the list's name before the one envelope of every list (`items`).
    listed["periods"] = listed["items"]
    return listed


@router.get("/periods/{period_id}")
def get_period(period_id: PeriodId, request: Request) -> TaggedResponse:
    """Một kỳ, với ETag = phiên bản (0: kỳ mặc định chưa điều chỉnh lần nào)."""
    runtime = runtime_of(request)
    period_id = require_period_id(period_id)
    with read_connection(runtime.engine) as conn:
        period = load_period(conn, runtime.store, period_id)
        version = period_version(conn, runtime.store, period_id)
    return tagged({**period_view(period), "version": version}, version)


@router.put("/periods/{period_id}", dependencies=CITY_LEVEL,
             response_model=CommandResponse, responses=IF_MATCH_REQUIRED)
def put_period(period_id: PeriodId, command: AdjustPeriod, cmd: CommandDep) -> JSONResponse:
    """Điều chỉnh thời gian lấy số liệu của một kỳ (mặc định theo Nghị định 09/2019/NĐ-CP).
    Thay cả cửa sổ số liệu: cần If-Match (ETag của kỳ; 428 nếu thiếu)."""
    period_id = require_period_id(period_id)
    expected = cmd.if_match.version  # required: checked by the handler after the caller

    def respond(
        outcome: tuple[Period, list[EventEnvelope]],
    ) -> tuple[int, Any, dict[str, str]]:
        period, envelopes = outcome
        result = CommandResult(envelopes)
        headers = {"ETag": etag(result.version)} if result.version is not None else {}
        return 200, {**period_view(period), **result.body()}, headers

    return cmd.perform(
        lambda uow: adjust_period(
            uow, period_id, command.data_from, command.cutoff_on, command.reason, expected
        ),
        respond,
    )


@router.get("/reports/{period_id}")
def get_report(
    period_id: PeriodId, request: Request, scope: Scope, unit: UnitParam = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Báo cáo một kỳ: chỉ tiêu, số liệu so với kỳ trước, các đơn vị trực thuộc."""
    principal = principal_of(request)
    report = build_report(runtime_of(request), period_id, scope, as_of, plan_reader(principal))
    return report_view(report, report_unit(principal, unit, report))


@router.get("/reports/{period_id}/units")
def get_report_units(
    period_id: PeriodId, request: Request, scope: Scope, as_of: AsOf = None
) -> Response:
    """Mọi số liệu của mọi đơn vị trong phạm vi báo cáo."""
    principal = principal_of(request)
    report = build_report(runtime_of(request), period_id, scope, as_of)
    return json_response(
        units_document(report, lambda code: may_read_report_unit(principal, code, report)))


# Asks of the sources one finalisation makes at most, when the period's window moves between
# its ask and its report (post_finalise).
_FINALISE_ASKS = 3


@router.post("/reports/{period_id}/finalise", status_code=201, response_model=CommandResponse,
             dependencies=[Depends(RequiredScope("reports:finalise"))])
@waits_outside_database  # for its sources (require_sources_applied)
def post_finalise(period_id: PeriodId, command: FinaliseReport, cmd: CommandDep) -> JSONResponse:
    """Chốt số liệu báo cáo: số liệu được đóng băng, mọi thay đổi sau đó được liệt kê."""
    period_id = require_period_id(period_id)
    # Who may sign which scope first: a board out of scope is refused its 403 whatever the
    # sources' state (J13).
    require_may_finalise(cmd.context, period_id, command.scope, cmd.runtime.settings.jurisdiction)

    def respond(
        outcome: tuple[Finalisation, list[EventEnvelope]],
    ) -> tuple[int, Any, dict[str, str]]:
        finalisation, envelopes = outcome
        body = {**finalisation.as_dict(), **CommandResult(envelopes).body()}
        return 201, body, {"Location": f"/api/v1/reports/{period_id}"}

    state = state_of(cmd.runtime)
    for attempt in range(1, _FINALISE_ASKS + 1):
        # Before the moment of the report is taken: what was recorded before it is applied.
        # The report's as_of is at the latest the moment the sources were asked (L6).
        asked_at = require_sources_applied(cmd.runtime)
        try:
            return cmd.perform(
                partial(finalise_report, state=state, period_id=period_id,
                        scope=command.scope, as_of_param=command.as_of, asked_at=asked_at,
                        acknowledge_later_facts=command.acknowledge_later_facts),
                respond,
            )
        except InvalidInput as refused:
            # The period's window was moved after the ask and before this finalisation held
            # the period: the moment of the ask is then before the move, and a report of that
            # moment would freeze the old window (AS_OF_BEFORE_WINDOW_MOVED). The move is
            # committed, so a new ask is after it, as a finalisation sent after the move would
            # be. A moment the caller chose is the caller's: refused as it is.
            if (command.as_of is not None or refused.code != "AS_OF_BEFORE_WINDOW_MOVED"
                    or attempt == _FINALISE_ASKS):
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


@router.get("/themes/{theme}/{period_id}")
def get_theme(
    theme: Theme, period_id: PeriodId, request: Request, scope: Scope,
    unit: UnitParam = None, as_of: AsOf = None,
) -> dict[str, Any]:
    """Báo cáo chuyên đề (mục II.4.2 Kế hoạch) trên cùng số liệu."""
    require_theme(theme)
    report = build_report(runtime_of(request), period_id, scope, as_of)
    return report_view(report, report_unit(principal_of(request), unit, report), theme)


@router.get("/religion/sites-summary")
def sites_summary(request: Request) -> dict[str, Any]:
    """Số cơ sở tôn giáo và số cơ sở đã có hồ sơ đăng ký đất đai, theo xã và cộng lại, trong
    phạm vi đơn vị của người hỏi."""
    principal = principal_of(request)
    runtime = runtime_of(request)
    # Placed on the jurisdiction's tree of the service's day, as its report of today is.
    return religious_sites_summary(
        runtime.engine, runtime.settings.jurisdiction, today_of(runtime),
        lambda code, since, placing: may_read_record(principal, code, since, None, placing))


def _document_routes(fmt: DocumentFormat) -> None:
    """The routes of one document format: the conference report and each thematic report,
    e.g. /reports/2023-6m/report.pdf and /themes/doi-thoai/2023-6m/report.pdf."""

    def report(
        period_id: PeriodId, request: Request, scope: Scope, unit: UnitParam = None,
        as_of: AsOf = None,
    ) -> Response:
        return _document(fmt, request, scope, period_id, unit, as_of, None)

    def theme(
        theme: Theme, period_id: PeriodId, request: Request, scope: Scope,
        unit: UnitParam = None, as_of: AsOf = None,
    ) -> Response:
        require_theme(theme)
        return _document(fmt, request, scope, period_id, unit, as_of, theme)

    for path, endpoint, kind in (
        (f"/reports/{{period_id}}/{fmt.file}", report, "report"),
        (f"/themes/{{theme}}/{{period_id}}/{fmt.file}", theme, "theme"),
    ):
        router.add_api_route(
            path, endpoint, methods=["GET"], response_class=Response,
            responses=file_responses(fmt.media_type), summary=fmt.summary,
            name=f"get_{kind}_{fmt.extension}",
        )


def _document(
    fmt: DocumentFormat, request: Request, scope: str, period_id: str, unit: str | None,
    as_of: str | None, theme: str | None,
) -> Response:
    principal = principal_of(request)
    report = build_report(runtime_of(request), period_id, scope, as_of, plan_reader(principal))
    body = fmt.render(report, require_unit(report, report_unit(principal, unit, report)), theme)
    return _download(body, fmt.media_type, fmt.filename(report.period.id, theme))


for _format in FORMATS:
    _document_routes(_format)


def json_response(body: dict[str, Any]) -> Response:
    """A JSON body written by orjson: a national table is thousands of units, which FastAPI's
    own encoder walks in Python several times slower."""
    return Response(orjson.dumps(body), media_type="application/json")


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
