"""Compliance cases (vụ việc vi phạm) of plan II.2.4 and their lifecycle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from services.religion.api import access
from services.religion.api.routes import new_state
from services.religion.application import handlers, queries
from services.religion.application.commands import CaseStepCommand, OpenCase, ViolationType
from services.religion.domain.workflow import CaseState
from shared.asof import KnownAt
from shared.commandapi import CommandDep
from shared.commands import CommandResponse, CommandResult
from shared.concurrency import TaggedResponse, tagged, with_expected_version
from shared.db import read_connection
from shared.ids import RecordIdPath
from shared.jsonbody import JSONBodyRoute
from shared.paging import Paging
from shared.unitfilter import LocalUnitFilter
from shared.web import runtime_of

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=["vụ việc vi phạm"])
CaseId = RecordIdPath


def _case_id(result: CommandResult) -> dict[str, Any]:
    return {"case_id": result.aggregate_id}


@router.post("/compliance-cases", status_code=201, response_model=CommandResponse)
def open_case(command: OpenCase, cmd: CommandDep) -> JSONResponse:
    return cmd.record(
        handlers.open_case, command, location="/api/v1/compliance-cases/{id}", extra=_case_id
    )


@router.post("/compliance-cases/{case_id}/{action}", response_model=CommandResponse)
def case_action(
    case_id: CaseId,
    action: Annotated[str, Path(max_length=50, pattern=r"^[a-z_\-]+$")],
    command: CaseStepCommand,
    cmd: CommandDep,
) -> JSONResponse:
    """`start-review`, `resolve` or `refer` (with `referred_to`); If-Match: the case's ETag."""
    command = with_expected_version(command, cmd.if_match)
    return cmd.record(
        handlers.case_action, case_id, action.replace("-", "_"), command, extra=new_state
    )


@router.get("/compliance-cases")
def list_cases(
    request: Request,
    paging: Paging,
    unit: LocalUnitFilter,
    state: CaseState | None = None,
    violation_type: ViolationType | None = None,
    site_code: Annotated[str | None, Query(max_length=50)] = None,
    known_at: KnownAt = None,
) -> dict[str, Any]:
    """The cases as they stand, or with `known_at` as they stood at that moment (the name
    of the kernel's moment in this service, as on /sites)."""
    access.commune_for(request, unit.commune)
    district = access.district_for(request, unit.district)
    engine = runtime_of(request).engine
    if site_code is not None:
        # Spelled on a connection of its own: a list as known at a moment reads its one
        # snapshot from the start of its connection's transaction (`known_at`).
        with read_connection(engine) as conn:
            site_code = handlers.registered_site_code(conn, site_code)
    with read_connection(engine) as conn:
        return queries.list_cases(
            conn, state=state, violation_type=violation_type,
            reader_scope=access.reader_scope(request), district_code=district,
            commune_code=unit.commune, paging=paging, site_code=site_code, known_at=known_at,
        )


@router.get("/compliance-cases/{case_id}")
def get_case(case_id: CaseId, request: Request) -> TaggedResponse:
    access.case_readable(request, case_id)
    with read_connection(runtime_of(request).engine) as conn:
        case = queries.get_case(conn, case_id)
    return tagged(case, case["version"])
