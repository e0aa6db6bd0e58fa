"""HTTP API of the "Dân vận khéo" model register and the 2023 contest."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.indicators import messages
from services.indicators.api.common import IdPath, YearPath, accepted, vn_time
from services.indicators.application import handlers
from services.indicators.application.commands import (
    AwardContestEntry,
    CloseModel,
    RecogniseModel,
    RegisterModel,
    SubmitContestEntry,
)
from services.indicators.application.queries import contest_view, models_view
from services.indicators.domain.model import DanVanKheoModel
from shared.aggregate import CommandContext
from shared.auth.checks import may_read_unit, readable_unit, require_unit
from shared.clock import today_vn
from shared.envelope import utcnow
from shared.errors import NotFound
from shared.validation import Day, Instant
from shared.web import command_context, principal_of, runtime_of

router = APIRouter(prefix="/api/v1", tags=[messages.TAG_MODELS])
Context = Annotated[CommandContext, Depends(command_context)]
FieldQuery = Literal["new_rural", "exemplary_rural", "urban", "digital_transformation", "other"]


@router.post("/models", status_code=201)
def register_model(command: RegisterModel, request: Request, context: Context) -> dict[str, Any]:
    """Đăng ký một mô hình "Dân vận khéo"."""
    with runtime_of(request).uow(context) as uow:
        envelopes = handlers.register_model(uow, command)
        uow.commit()
    return accepted(envelopes)


@router.post("/models/{model_id}/recognise", status_code=201)
def recognise_model(
    model_id: IdPath, command: RecogniseModel, request: Request, context: Context
) -> dict[str, Any]:
    """Ghi nhận quyết định công nhận mô hình ở một cấp."""
    with runtime_of(request).uow(context) as uow:
        envelopes = handlers.recognise_model(uow, model_id, command)
        uow.commit()
    return accepted(envelopes)


@router.post("/models/{model_id}/close", status_code=201)
def close_model(
    model_id: IdPath, command: CloseModel, request: Request, context: Context
) -> dict[str, Any]:
    """Ghi nhận mô hình dừng triển khai."""
    with runtime_of(request).uow(context) as uow:
        envelopes = handlers.close_model(uow, model_id, command)
        uow.commit()
    return accepted(envelopes)


@router.get("/models")
def list_models(
    request: Request,
    unit: Annotated[str | None, Query(pattern=r"^\d{2}$|^\d{3}$|^\d{5}$")] = None,
    field: FieldQuery | None = None,
    active_only: bool = False,
    on: Day | None = None,
    as_of: Instant | None = None,
) -> dict[str, Any]:
    """Sổ theo dõi mô hình "Dân vận khéo" vào ngày `on`, lọc theo đơn vị (kể cả cấp dưới)."""
    on = on or today_vn()
    moment = vn_time(as_of) if as_of else utcnow()
    unit = readable_unit(principal_of(request), unit, on)
    with runtime_of(request).engine.connect() as conn:
        items = models_view(conn, on, moment, unit, field, active_only)
    return {"on": on.isoformat(), "total": len(items), "items": items}


@router.get("/models/{model_id}")
def get_model(model_id: IdPath, request: Request) -> dict[str, Any]:
    """Một mô hình, đọc thẳng từ kho sự kiện (luôn là trạng thái mới nhất)."""
    runtime = runtime_of(request)
    with runtime.engine.connect() as conn:
        envelopes = runtime.store.load(conn, DanVanKheoModel.aggregate_type, model_id)
    if not envelopes:
        raise NotFound("MODEL_NOT_FOUND", messages.MODEL_NOT_FOUND.format(model_id=model_id))
    model = DanVanKheoModel.rehydrate(model_id, [runtime.registry.decode(e) for e in envelopes])
    principal = principal_of(request)
    if not principal.is_city:
        require_unit(principal, model.unit_code, today_vn())
    return {
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
                "occurred_on": e.occurred_at.date().isoformat(),
                "recorded_at": e.recorded_at.isoformat(),
                "actor": e.actor,
                "payload": e.payload,
            }
            for e in envelopes
        ],
    }


@router.post("/contests/{year}/entries", status_code=201)
def submit_entry(
    year: YearPath, command: SubmitContestEntry, request: Request, context: Context
) -> dict[str, Any]:
    """Nộp bài dự thi tuyên truyền mô hình "Dân vận khéo" của năm `year`."""
    with runtime_of(request).uow(context) as uow:
        envelopes = handlers.submit_contest_entry(uow, year, command)
        uow.commit()
    return accepted(envelopes)


@router.post("/contests/{year}/entries/{entry_id}/award", status_code=201)
def award_entry(
    year: YearPath, entry_id: IdPath, command: AwardContestEntry, request: Request,
    context: Context,
) -> dict[str, Any]:
    """Ghi nhận giải thưởng của bài dự thi."""
    with runtime_of(request).uow(context) as uow:
        envelopes = handlers.award_contest_entry(uow, year, entry_id, command)
        uow.commit()
    return accepted(envelopes)


@router.get("/contests/{year}/entries")
def list_entries(year: YearPath, request: Request) -> dict[str, Any]:
    """Các bài dự thi của cuộc thi năm `year`, với giải thưởng."""
    with runtime_of(request).engine.connect() as conn:
        items = contest_view(conn, year)
    principal = principal_of(request)
    items = [i for i in items if may_read_unit(principal, i.get("unit_code"))]
    return {"contest_year": year, "total": len(items), "items": items}
