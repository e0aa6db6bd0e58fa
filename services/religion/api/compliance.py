"""Compliance cases (vụ việc vi phạm) of plan II.2.4 and their lifecycle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from services.religion.api import access
from services.religion.api.routes import accepted
from services.religion.application import handlers, queries
from services.religion.application.commands import CaseStepCommand, OpenCase, ViolationType
from services.religion.domain.workflow import CaseState
from shared.aggregate import CommandContext
from shared.paging import Page
from shared.web import command_context, runtime_of

router = APIRouter(prefix="/api/v1", tags=["vụ việc vi phạm"])
Context = Annotated[CommandContext, Depends(command_context)]
CaseId = Annotated[str, Path(max_length=50, pattern=r"^[A-Za-z0-9\-]+$")]


@router.post("/compliance-cases", status_code=201)
def open_case(command: OpenCase, request: Request, context: Context) -> dict[str, Any]:
    with runtime_of(request).uow(context) as uow:
        envelopes = handlers.open_case(uow, command)
        uow.commit()
    return accepted(envelopes) | {"case_id": envelopes[-1].aggregate_id}


@router.post("/compliance-cases/{case_id}/{action}", status_code=201)
def case_action(
    case_id: CaseId,
    action: Annotated[str, Path(max_length=50, pattern=r"^[a-z_\-]+$")],
    command: CaseStepCommand,
    request: Request,
    context: Context,
) -> dict[str, Any]:
    """`start-review`, `resolve` or `refer` (with `referred_to`)."""
    with runtime_of(request).uow(context) as uow:
        envelopes = handlers.case_action(uow, case_id, action.replace("-", "_"), command)
        uow.commit()
    return accepted(envelopes) | {"state": envelopes[-1].payload["state"]}


@router.get("/compliance-cases")
def list_cases(
    request: Request,
    state: CaseState | None = None,
    violation_type: ViolationType | None = None,
    district: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
    commune: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    site_code: Annotated[str | None, Query(max_length=50)] = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    access.commune_for(request, commune)
    district = access.district_for(request, district)
    with runtime_of(request).engine.connect() as conn:
        return queries.list_cases(
            conn, state=state, violation_type=violation_type, district_code=district,
            commune_code=commune, site_code=site_code, page=page, page_size=page_size,
        )


@router.get("/compliance-cases/{case_id}")
def get_case(case_id: CaseId, request: Request) -> dict[str, Any]:
    access.case_readable(request, case_id)
    with runtime_of(request).engine.connect() as conn:
        return queries.get_case(conn, case_id)
