"""HTTP API of dialogue sessions and what is raised and promised there."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from services.dialogue import messages
from services.dialogue.api import access
from services.dialogue.api.deps import Id, accepted, dialogue_runtime, expected_version
from services.dialogue.application import queries
from services.dialogue.application import sessions as handlers
from services.dialogue.application.commands import (
    CancelSession,
    FileReport,
    HoldSession,
    MakeCommitment,
    PlanSession,
    RaiseIssue,
    RescheduleSession,
)
from services.dialogue.application.runtime import DialogueRuntime
from shared.aggregate import CommandContext
from shared.paging import Offset
from shared.validation import Day
from shared.web import AuthenticatedPrincipal, command_context

router = APIRouter(prefix="/api/v1", tags=[messages.TAG_SESSIONS])
Runtime = Annotated[DialogueRuntime, Depends(dialogue_runtime)]
Context = Annotated[CommandContext, Depends(command_context)]
Version = Annotated[int | None, Depends(expected_version)]
UnitQuery = Annotated[str | None, Query(pattern=r"^\d{2}(\d{3})?$|^\d{3}$")]
Status = Literal["planned", "cancelled", "held", "closed"]


@router.post("/sessions", status_code=201)
def plan(command: PlanSession, runtime: Runtime, context: Context) -> dict[str, Any]:
    with runtime.uow(context) as uow:
        envelopes = handlers.plan(uow, command)
        uow.commit()
    return accepted(envelopes, session_id=envelopes[0].aggregate_id)


@router.post("/sessions/{session_id}/reschedule")
def reschedule(
    session_id: Id, command: RescheduleSession, runtime: Runtime, context: Context,
    version: Version,
) -> dict[str, Any]:
    with runtime.uow(context) as uow:
        envelopes = handlers.reschedule(uow, session_id, command, runtime.today(), version)
        uow.commit()
    return accepted(envelopes)


@router.post("/sessions/{session_id}/cancel")
def cancel(
    session_id: Id, command: CancelSession, runtime: Runtime, context: Context, version: Version
) -> dict[str, Any]:
    with runtime.uow(context) as uow:
        envelopes = handlers.cancel(uow, session_id, command, runtime.today(), version)
        uow.commit()
    return accepted(envelopes)


@router.post("/sessions/{session_id}/hold")
def hold(
    session_id: Id, command: HoldSession, runtime: Runtime, context: Context, version: Version
) -> dict[str, Any]:
    with runtime.uow(context) as uow:
        envelopes = handlers.hold(uow, session_id, command, runtime.today(), version)
        uow.commit()
    return accepted(envelopes)


@router.post("/sessions/{session_id}/report")
def file_report(
    session_id: Id, command: FileReport, runtime: Runtime, context: Context, version: Version
) -> dict[str, Any]:
    """The report closes the session."""
    with runtime.uow(context) as uow:
        envelopes = handlers.file_report(uow, session_id, command, runtime.today(), version)
        uow.commit()
    return accepted(envelopes)


@router.post("/sessions/{session_id}/issues", status_code=201)
def raise_issue(
    session_id: Id, command: RaiseIssue, runtime: Runtime, context: Context
) -> dict[str, Any]:
    with runtime.uow(context) as uow:
        envelopes = handlers.raise_issue(uow, session_id, command)
        uow.commit()
    return accepted(envelopes, issue_id=envelopes[0].aggregate_id)


@router.post("/sessions/{session_id}/commitments", status_code=201)
def make_commitment(
    session_id: Id, command: MakeCommitment, runtime: Runtime, context: Context
) -> dict[str, Any]:
    with runtime.uow(context) as uow:
        envelopes = handlers.make_commitment(uow, session_id, command)
        uow.commit()
    return accepted(envelopes, commitment_id=envelopes[0].aggregate_id)


@router.get("/sessions")
def list_sessions(
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    unit_code: UnitQuery = None,
    include_subunits: bool = True,
    status: Status | None = None,
    head_id: Annotated[str | None, Query(max_length=36)] = None,
    date_from: Day | None = None,
    date_to: Day | None = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Sessions by unit, status, head and date (the holding date, else the planned one)."""
    unit_code, include_subunits = access.unit_filter(principal, unit_code, include_subunits)
    with runtime.engine.connect() as conn:
        return queries.list_sessions(
            conn,
            unit_code=unit_code,
            include_subunits=include_subunits,
            status=status,
            head_id=head_id,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
            offset=offset,
        )


@router.get("/sessions/{session_id}")
def get_session(
    session_id: Id, runtime: Runtime, principal: AuthenticatedPrincipal
) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        return access.readable(principal, queries.get_session(conn, session_id))
