"""HTTP API of the indicators: definitions, figures with drill-down, evidence, restated view,
status history and reported figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, func, select

from services.indicators import messages
from services.indicators.adapters.facts import load_reported
from services.indicators.api.common import IndicatorPath, YearPath
from services.indicators.application import handlers
from services.indicators.application.commands import DefineIndicator, RecordReportedFigure
from services.indicators.application.compute import compute
from services.indicators.application.queries import (
    Moment,
    definition_json,
    evidence_view,
    figure_json,
    figures_view,
    find_definition,
    labels,
    lines_json,
    reader_total,
    restated_view,
    status_history,
    year_overview,
)
from services.indicators.domain.definitions import Definition
from services.indicators.domain.figures import IndicatorFigures
from services.indicators.domain.model import Indicator
from shared.adminunits import LEVELS, UnknownUnitError
from shared.adminunits.model import UNIT_CODE_PATTERN
from shared.asof import AsOf
from shared.auth.checks import (
    city_level,
    may_read_unit,
    readable_unit,
    require_city,
    require_record,
)
from shared.clock import day_vn, format_date_vn, today_vn
from shared.commandapi import CHANGED, CommandDep
from shared.commands import CommandResponse
from shared.concurrency import TaggedResponse, tagged, with_expected_version
from shared.db import read_connection
from shared.envelope import utcnow
from shared.errors import InvalidInput
from shared.eventstore import events_table
from shared.jsonbody import JSONBodyRoute
from shared.openapi import IF_MATCH_REQUIRED
from shared.paging import Offset, Paging
from shared.validation import Day, WholeNumber, not_in_future
from shared.web import principal_of, runtime_of

router = APIRouter(
    route_class=JSONBodyRoute, prefix="/api/v1/indicators", tags=[messages.TAG_INDICATORS])
#: Commands of the city level only: refused to a district board before the body is read.
CITY_LEVEL = [city_level("indicators:write")]
UnitQuery = Annotated[str | None, Query(pattern=UNIT_CODE_PATTERN)]


def _moment(definition: Definition, on: date | None, as_of: datetime | None) -> Moment:
    """When a figure is looked at. Without `on`, the figure "now" of the moment asked: the
    Vietnamese day of `as_of` when one is given, so a link with `as_of` gives the same figures
    tomorrow (evaluated today, what heads owe would grow day by day)."""
    if on is not None:
        definition.require_in_period(on, messages.EVALUATION_DATE)
        # A status on a day to come is a verdict on what has not happened ("chưa đạt" for a
        # year not yet over): refused, as an `as_of` to come is.
        not_in_future(on, today_vn())
    day = day_vn(as_of) if as_of is not None else today_vn()
    return Moment(on=on or definition.evaluation_date(day), as_of=as_of or utcnow())


def _figures(conn: Connection, definition: Definition, moment: Moment) -> IndicatorFigures:
    try:
        return compute(conn, definition, moment.on, moment.as_of)
    except UnknownUnitError as exc:
        raise InvalidInput(
            "UNIT_NOT_VALID_ON",
            messages.UNIT_NOT_VALID_ON.format(code=exc.code, on=format_date_vn(moment.on)),
        ) from exc


@router.get("/labels")
def indicator_labels() -> dict[str, Any]:
    """Nhãn tiếng Việt của các trạng thái, lĩnh vực, cấp công nhận, giải thưởng."""
    return dict(labels())


@router.get("")
def list_indicators(
    request: Request, year: Annotated[WholeNumber, Query(ge=2000, le=2100)],
    on: Day | None = None, as_of: AsOf = None,
) -> dict[str, Any]:
    """Các chỉ tiêu của năm với kết quả và tình trạng thực hiện của phạm vi được giao (cấp
    thành phố: toàn phạm vi của chỉ tiêu; cấp huyện, xã: đơn vị của mình)."""
    reader = readable_unit(principal_of(request), None)
    with read_connection(runtime_of(request).engine) as conn:
        items = year_overview(conn, year, as_of, lambda d: _moment(d, on, as_of), reader)
    return {"year": year, "status_rule": messages.STATUS_RULE, "items": items}


@router.post("", dependencies=CITY_LEVEL, status_code=201, response_model=CommandResponse,
             responses={**CHANGED, **IF_MATCH_REQUIRED})
def define_indicator(command: DefineIndicator, cmd: CommandDep) -> JSONResponse:
    """Định nghĩa (201) hoặc định nghĩa lại (200; cần If-Match: phiên bản đã đọc) một chỉ tiêu."""
    command = with_expected_version(command, cmd.if_match)
    return cmd.record(
        handlers.define_indicator, command,
        location=f"/api/v1/indicators/{command.year}/{command.indicator_id}",
    )


@router.get("/{year}/{indicator_id}")
def indicator_figures(
    year: YearPath, indicator_id: IndicatorPath, request: Request, unit: UnitQuery = None,
    on: Day | None = None, as_of: AsOf = None,
) -> TaggedResponse:
    """Kết quả của một đơn vị (mặc định: toàn phạm vi) và các đơn vị trực thuộc. ETag:
    phiên bản của chỉ tiêu (If-Match khi định nghĩa lại)."""
    with read_connection(runtime_of(request).engine) as conn:
        definition = find_definition(conn, indicator_id, year, as_of)
        moment = _moment(definition, on, as_of)
        # The unit as of the figure's day, as the table of units lists it (F20).
        unit = readable_unit(principal_of(request), unit, moment.on)
        view = figures_view(_figures(conn, definition, moment), unit, moment)
        # The version a redefinition names in If-Match (K16), as known at `as_of`.
        version = conn.execute(
            select(func.max(events_table.c.aggregate_version)).where(
                events_table.c.aggregate_type == Indicator.aggregate_type,
                events_table.c.aggregate_id == definition.key,
                events_table.c.recorded_at <= (as_of or utcnow()))
        ).scalar()
    view["version"] = version
    return tagged(view, version)


@router.get("/{year}/{indicator_id}/units")
def indicator_units(
    year: YearPath, indicator_id: IndicatorPath, request: Request,
    level: Literal["province", "district", "commune"] = "district",
    on: Day | None = None, as_of: AsOf = None,
) -> dict[str, Any]:
    """Kết quả của mọi đơn vị một cấp trong phạm vi (bảng tổng hợp theo huyện, theo xã)."""
    with read_connection(runtime_of(request).engine) as conn:
        definition = find_definition(conn, indicator_id, year, as_of)
        moment = _moment(definition, on, as_of)
        figures = _figures(conn, definition, moment)
    tree = figures.tree
    principal = principal_of(request)
    rank = LEVELS.index(level)
    codes = [c for c in tree.ordered() if tree.units[c].level == level]
    # The units above the rows hold what the rows lack to add up to the total (a district's
    # own heads; sites of a commune merged away, successor unrecorded): the same lines as a
    # unit's drill-down, over those the caller reads.
    above = [c for c in tree.ordered() if LEVELS.index(tree.units[c].level) < rank
             and may_read_unit(principal, c, moment.on)]
    return {
        "indicator": definition_json(definition),
        "on": moment.on.isoformat(),
        "level": level,
        "total": reader_total(figures, readable_unit(principal, None)),
        "items": [
            figure_json(figures, figures.figures[c]) for c in codes
            if may_read_unit(principal, c, moment.on)
        ],
        **lines_json(figures, above),
    }


@router.get("/{year}/{indicator_id}/evidence")
def indicator_evidence(
    year: YearPath, indicator_id: IndicatorPath, request: Request, unit: UnitQuery = None,
    counts_only: bool = False, limit: Annotated[WholeNumber, Query(ge=1, le=5000)] = 500,
    offset: Offset = 0, on: Day | None = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Các mô hình, người đứng đầu và cuộc đối thoại, cơ sở tôn giáo làm nên con số."""
    with read_connection(runtime_of(request).engine) as conn:
        definition = find_definition(conn, indicator_id, year, as_of)
        moment = _moment(definition, on, as_of)
        unit = readable_unit(principal_of(request), unit, moment.on)
        figures = _figures(conn, definition, moment)
    return evidence_view(figures, unit or figures.tree.roots[0], counts_only, limit, offset)


@router.get("/{year}/{indicator_id}/restated")
def indicator_restated(
    year: YearPath, indicator_id: IndicatorPath, request: Request, to: Day | None = None,
    on: Day | None = None, as_of: AsOf = None,
) -> dict[str, Any]:
    """Kết quả của kỳ quy đổi sang các đơn vị hành chính hiện hành (chỉ để tham khảo)."""
    # A restatement spans the whole city's old and new units: the city level reads it.
    require_city(principal_of(request), "indicators:read")
    with read_connection(runtime_of(request).engine) as conn:
        definition = find_definition(conn, indicator_id, year, as_of)
        moment = _moment(definition, on, as_of)
        figures = _figures(conn, definition, moment)
    return restated_view(figures, to or today_vn())


@router.get("/{year}/{indicator_id}/status-history")
def indicator_status_history(
    year: YearPath, indicator_id: IndicatorPath, request: Request, paging: Paging,
    unit: UnitQuery = None,
) -> dict[str, Any]:
    """Các lần thay đổi tình trạng thực hiện chỉ tiêu của một đơn vị."""
    principal = principal_of(request)
    with read_connection(runtime_of(request).engine) as conn:
        definition = find_definition(conn, indicator_id, year)
        # A unit's statuses over the year: its unit was the caller's on some day of it.
        if unit is not None:
            require_record(principal, unit, definition.period_start, definition.period_end)
        code = unit or (definition.scope[0] if principal.is_city else principal.unit_scope)
        items = status_history(conn, definition.indicator_id, year, code)
    # One row per change of status, all year: paged like every list (finding O10).
    return paging.of(items, indicator_id=definition.indicator_id, year=year, unit_code=code)


@router.post(
    "/{year}/{indicator_id}/reported-figures", status_code=201, response_model=CommandResponse
)
def record_reported_figure(
    year: YearPath, indicator_id: IndicatorPath, command: RecordReportedFigure, cmd: CommandDep
) -> JSONResponse:
    """Ghi nhận số liệu do đơn vị báo cáo cho chỉ tiêu không tính tự động (mỗi lần một bản ghi
    mới, bản sau thay bản trước: 201)."""
    return cmd.record(
        handlers.record_reported_figure, indicator_id, year, command, always_creates=True,
        location=f"/api/v1/indicators/{year}/{indicator_id}/reported-figures",
    )


@router.get("/{year}/{indicator_id}/reported-figures")
def list_reported_figures(
    year: YearPath, indicator_id: IndicatorPath, request: Request, paging: Paging,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Mọi số liệu đã báo cáo, ai báo cáo và ghi nhận lúc nào (kể cả số liệu đã được thay thế)."""
    with read_connection(runtime_of(request).engine) as conn:
        definition = find_definition(conn, indicator_id, year, as_of)
        facts = load_reported(
            conn, definition.indicator_id, year, definition.period_end,
            as_of or utcnow(),
        )
    # Every figure ever reported, the replaced ones too: paged like every list (finding O10).
    return paging.of(
        [
            {
                "unit_code": f.unit_code,
                "numerator": f.numerator,
                "denominator": f.denominator,
                "reported_on": f.reported_on.isoformat(),
                "reported_by": f.actor,
                "department": f.department,
                "recorded_at": f.recorded_at,
                "note": f.note,
                "source_document": f.source_document,
            }
            for f in facts
            if may_read_unit(principal_of(request), f.unit_code, f.reported_on)
        ],
        indicator_id=definition.indicator_id,
        year=year,
    )
