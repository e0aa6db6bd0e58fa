"""HTTP API of the religion service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from services.religion.application import handlers
from services.religion.application.commands import LodgeDossier, RegisterSite
from shared.aggregate import CommandContext
from shared.envelope import EventEnvelope
from shared.web import command_context, runtime_of

router = APIRouter(prefix="/api/v1", tags=["cơ sở tôn giáo"])
SiteCode = Annotated[str, Path(max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]


def _accepted(envelopes: list[EventEnvelope]) -> dict[str, Any]:
    last = envelopes[-1]
    return {
        "aggregate_id": last.aggregate_id,
        "version": last.aggregate_version,
        "events": [{"event_id": str(e.event_id), "event_type": e.event_type} for e in envelopes],
    }


@router.post("/sites", status_code=201)
def register_site(
    command: RegisterSite,
    request: Request,
    context: Annotated[CommandContext, Depends(command_context)],
) -> dict[str, Any]:
    with runtime_of(request).uow(context) as uow:
        envelopes = handlers.register_site(uow, command)
        uow.commit()
    return _accepted(envelopes)


@router.post("/sites/{site_code}/dossier/lodge", status_code=201)
def lodge_dossier(
    site_code: SiteCode,
    command: LodgeDossier,
    request: Request,
    context: Annotated[CommandContext, Depends(command_context)],
) -> dict[str, Any]:
    with runtime_of(request).uow(context) as uow:
        envelopes = handlers.lodge_dossier(uow, site_code, command)
        uow.commit()
    return _accepted(envelopes)
