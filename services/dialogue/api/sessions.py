"""HTTP API of dialogue sessions and what is raised and promised there."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from services.dialogue import messages
from services.dialogue.adapters.tables import sessions
from services.dialogue.api import access
from services.dialogue.api.deps import Id, Runtime, named
from services.dialogue.application import queries
from services.dialogue.application import sessions as handlers
from services.dialogue.application.commands import (
    CancelSession,
    CorrectSessionHeld,
    FileReport,
    HoldSession,
    MakeCommitment,
    PlanSession,
    RaiseIssue,
    RescheduleSession,
)
from shared.asof import AsOf
from shared.commandapi import CommandDep
from shared.commands import CommandResponse
from shared.concurrency import TaggedResponse, tagged
from shared.db import read_connection
from shared.jsonbody import JSONBodyRoute
from shared.openapi import IF_MATCH_REQUIRED
from shared.paging import LegacyPaging
from shared.unitfilter import UnitFilter
from shared.validation import Day, require_ordered
from shared.web import AuthenticatedPrincipal

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=[messages.TAG_SESSIONS])
Status = Literal["planned", "cancelled", "held", "closed"]


@router.post("/sessions", status_code=201, response_model=CommandResponse)
def plan(command: PlanSession, cmd: CommandDep) -> JSONResponse:
    return cmd.record(
        handlers.plan, command, location="/api/v1/sessions/{id}", extra=named("session_id")
    )


@router.post("/sessions/{session_id}/reschedule", response_model=CommandResponse)
def reschedule(
    session_id: Id, command: RescheduleSession, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    return cmd.record(
        handlers.reschedule, session_id, command, runtime.today(), cmd.expected_version
    )


@router.post("/sessions/{session_id}/cancel", response_model=CommandResponse)
def cancel(
    session_id: Id, command: CancelSession, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    return cmd.record(
        handlers.cancel, session_id, command, runtime.today(), cmd.expected_version
    )


@router.post("/sessions/{session_id}/hold", response_model=CommandResponse)
def hold(
    session_id: Id, command: HoldSession, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    return cmd.record(
        handlers.hold, session_id, command, runtime.today(), cmd.expected_version
    )


@router.post("/sessions/{session_id}/holding/corrections", response_model=CommandResponse,
             responses=IF_MATCH_REQUIRED)
def correct_held(
    session_id: Id, command: CorrectSessionHeld, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    """Đính chính hội nghị đã ghi nhận là đã tổ chức: ngày tổ chức hoặc người chủ trì đúng,
    hoặc hội nghị không diễn ra (`void` = true: trở lại trạng thái đã lên kế hoạch). Ghi một
    sự kiện mới `SessionHeldCorrected` kèm lý do; sự kiện cũ vẫn còn trong lịch sử. Cần
    If-Match (ETag của hội nghị; 428 nếu thiếu)."""
    return cmd.record(
        handlers.correct_held, session_id, command, runtime.today(), cmd.expected_version
    )


@router.post("/sessions/{session_id}/report", response_model=CommandResponse)
def file_report(
    session_id: Id, command: FileReport, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    """The report closes the session."""
    return cmd.record(
        handlers.file_report, session_id, command, runtime.today(), cmd.expected_version
    )


@router.post("/sessions/{session_id}/issues", status_code=201, response_model=CommandResponse)
def raise_issue(session_id: Id, command: RaiseIssue, cmd: CommandDep) -> JSONResponse:
    return cmd.record(
        handlers.raise_issue, session_id, command,
        location="/api/v1/issues/{id}", extra=named("issue_id"),
    )


@router.post(
    "/sessions/{session_id}/commitments", status_code=201, response_model=CommandResponse
)
def make_commitment(session_id: Id, command: MakeCommitment, cmd: CommandDep) -> JSONResponse:
    return cmd.record(
        handlers.make_commitment, session_id, command,
        location="/api/v1/commitments/{id}", extra=named("commitment_id"),
    )


@router.get("/sessions")
def list_sessions(
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    paging: LegacyPaging,
    unit_code: UnitFilter,
    include_subunits: bool = True,
    status: Status | None = None,
    head_id: Annotated[str | None, Query(max_length=36)] = None,
    date_from: Day | None = None,
    date_to: Day | None = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Sessions by unit, status, head and date (the holding date, the cancellation's for a
    cancelled session, as the reports count it, else the planned one); with `as_of`, as they
    stood at that moment (`queries.read_as_of`)."""
    # The 403 before the replay: a refused caller costs no replay (review RV2).
    unit_code = access.list_filter(principal, unit_code)
    require_ordered(date_from, date_to, "date_from", "date_to")
    return access.listed(
        runtime.engine, principal, queries.SESSION_LIFE, as_of,
        queries.day_of(as_of, runtime.today()), paging,
        lambda placing, day: queries.sessions_query(
            unit_code=unit_code, include_subunits=include_subunits, status=status,
            head_id=head_id, date_from=date_from, date_to=date_to, placing=placing,
            placed_on=day),
        queries.list_sessions)


@router.get("/sessions/{session_id}")
def get_session(
    session_id: Id, runtime: Runtime, principal: AuthenticatedPrincipal
) -> TaggedResponse:
    """The session with `ETag` = its version (If-Match of the next command on it)."""
    with read_connection(runtime.engine) as conn:
        access.require_readable(principal, conn, queries.SESSION_LIFE,
                                sessions.c.session_id == session_id)
        session = queries.get_session(conn, runtime.store, session_id, runtime.today())
    return tagged(session, session["version"])
