"""HTTP API of the "Dân vận khéo" model register and the 2023 contest."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.indicators import messages
from services.indicators.api.common import IdPath, YearPath
from services.indicators.application import handlers
from services.indicators.application.commands import (
    AwardContestEntry,
    CloseModel,
    CorrectModelRegistration,
    RecogniseModel,
    RegisterModel,
    SubmitContestEntry,
)
from services.indicators.application.queries import catalogue_now, contest_view, models_view
from services.indicators.domain.model import DanVanKheoModel
from shared.adminunits.model import UNIT_CODE_PATTERN
from shared.asof import AsOf
from shared.auth.checks import city_level, may_read_unit, require_listable, require_record
from shared.clock import day_vn, today_vn
from shared.commandapi import CommandDep
from shared.commands import CommandResponse
from shared.concurrency import TaggedResponse, tagged, with_expected_version
from shared.db import read_connection
from shared.envelope import utcnow
from shared.errors import NotFound
from shared.jsonbody import JSONBodyRoute
from shared.openapi import IF_MATCH_REQUIRED
from shared.paging import Paging
from shared.unitfilter import listed_unit
from shared.validation import Day
from shared.web import principal_of, runtime_of

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=[messages.TAG_MODELS])
#: Commands of the city level only: refused to a district board before the body is read.
CITY_LEVEL = [city_level("indicators:write")]


def _model_id(model_id: IdPath, request: Request) -> str:
    """The path's model id as the register spells it: ids do not distinguish case (the 409
    of a second spelling says so), so "mh-1" reads and acts on the model MH-1."""
    with read_connection(runtime_of(request).engine) as conn:
        return handlers.registered_model_id(conn, model_id)


ModelId = Annotated[str, Depends(_model_id)]
FieldQuery = Literal["new_rural", "exemplary_rural", "urban", "digital_transformation", "other"]


@router.post("/models", status_code=201, response_model=CommandResponse)
def register_model(command: RegisterModel, cmd: CommandDep) -> JSONResponse:
    """Đăng ký một mô hình "Dân vận khéo"."""
    return cmd.record(handlers.register_model, command, location="/api/v1/models/{id}")


@router.post("/models/{model_id}/recognise", response_model=CommandResponse)
def recognise_model(model_id: ModelId, command: RecogniseModel, cmd: CommandDep) -> JSONResponse:
    """Ghi nhận quyết định công nhận mô hình ở một cấp (If-Match: ETag của mô hình)."""
    command = with_expected_version(command, cmd.if_match)
    return cmd.record(handlers.recognise_model, model_id, command)


@router.post("/models/{model_id}/registration/corrections", response_model=CommandResponse,
             responses=IF_MATCH_REQUIRED)
def correct_model_registration(
    model_id: ModelId, command: CorrectModelRegistration, cmd: CommandDep
) -> JSONResponse:
    """Đính chính đăng ký mô hình: xã, phường hoặc ngày bắt đầu đã ghi sai (cần If-Match:
    ETag của mô hình; 428 nếu thiếu). Ghi sự kiện mới `ModelRegisteredCorrected` kèm lý do;
    sự kiện cũ vẫn còn trong lịch sử."""
    command = with_expected_version(command, cmd.if_match)
    return cmd.record(handlers.correct_model_registration, model_id, command)


@router.post("/models/{model_id}/close", response_model=CommandResponse)
def close_model(model_id: ModelId, command: CloseModel, cmd: CommandDep) -> JSONResponse:
    """Ghi nhận mô hình dừng triển khai (If-Match: ETag của mô hình)."""
    command = with_expected_version(command, cmd.if_match)
    return cmd.record(handlers.close_model, model_id, command)


@router.get("/models")
def list_models(
    request: Request,
    paging: Paging,
    unit: Annotated[str | None, Query(pattern=UNIT_CODE_PATTERN)] = None,
    field: FieldQuery | None = None,
    active_only: bool = False,
    on: Day | None = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Sổ theo dõi mô hình "Dân vận khéo" vào ngày `on`, lọc theo đơn vị (kể cả cấp dưới)."""
    on = on or today_vn()
    moment = as_of or utcnow()
    principal = principal_of(request)
    require_listable(principal, unit)
    listed_unit(request, unit)
    with read_connection(runtime_of(request).engine) as conn:
        items = models_view(conn, on, moment, unit, field, active_only, principal.unit_scope)
    return paging.of(items, on=on.isoformat())


@router.get("/models/{model_id}")
def get_model(model_id: ModelId, request: Request) -> TaggedResponse:
    """Một mô hình, đọc thẳng từ kho sự kiện (luôn là trạng thái mới nhất); ETag: phiên bản."""
    runtime = runtime_of(request)
    with read_connection(runtime.engine) as conn:
        envelopes = runtime.store.load(conn, DanVanKheoModel.aggregate_type, model_id)
        placing = catalogue_now(conn)
    if not envelopes:
        raise NotFound("MODEL_NOT_FOUND", messages.MODEL_NOT_FOUND.format(model_id=model_id))
    model = DanVanKheoModel.rehydrate(model_id, [runtime.registry.decode(e) for e in envelopes])
    # The life the register lists it by (queries.models_view): one rule for both.
    if model.started_on is not None:
        require_record(principal_of(request), model.unit_code, model.started_on, model.closed_on,
                       placing)
    return tagged({
        "model_id": model.id,
        "version": model.version,
        "unit_code": model.unit_code,
        "field": model.field,
        "field_label": messages.FIELD_LABELS.get(model.field),
        "title": model.title,
        "started_on": model.started_on.isoformat() if model.started_on else None,
        "recognition_level": model.recognition_level,
        "recognition_label": messages.RECOGNITION_LABELS.get(model.recognition_level),
        "status": model.status,
        "status_label": messages.MODEL_STATUS_LABELS.get(model.status),
        "history": [
            {
                "event_type": e.event_type,
                "occurred_on": day_vn(e.occurred_at).isoformat(),
                "recorded_at": e.recorded_at.isoformat(),
                "actor": e.actor,
                "payload": e.payload,
            }
            for e in envelopes
        ],
    }, model.version)


@router.post("/contests/{year}/entries", status_code=201, response_model=CommandResponse)
def submit_entry(year: YearPath, command: SubmitContestEntry, cmd: CommandDep) -> JSONResponse:
    """Nộp bài dự thi tuyên truyền mô hình "Dân vận khéo" của năm `year`."""
    return cmd.record(
        handlers.submit_contest_entry, year, command,
        location=f"/api/v1/contests/{year}/entries?entry_id={{id}}",
    )


@router.post("/contests/{year}/entries/{entry_id}/award", dependencies=CITY_LEVEL,
             response_model=CommandResponse)
def award_entry(
    year: YearPath, entry_id: IdPath, command: AwardContestEntry, cmd: CommandDep
) -> JSONResponse:
    """Ghi nhận giải thưởng của bài dự thi."""
    return cmd.record(handlers.award_contest_entry, year, entry_id, command)


@router.get("/contests/{year}/entries")
def list_entries(year: YearPath, request: Request, paging: Paging) -> dict[str, Any]:
    """Các bài dự thi của cuộc thi năm `year`, với giải thưởng."""
    with read_connection(runtime_of(request).engine) as conn:
        items = contest_view(conn, year)
    principal = principal_of(request)
    items = [i for i in items if may_read_unit(principal, i.get("unit_code"))]
    return paging.of(items, contest_year=year)
