"""HTTP API of the heads roster (người đứng đầu)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from services.dialogue import messages
from services.dialogue.api import access
from services.dialogue.api.deps import Id, accepted, dialogue_runtime
from services.dialogue.application import heads as handlers
from services.dialogue.application import queries
from services.dialogue.application.commands import HandOver, LeaveOffice, TakeOffice
from services.dialogue.application.runtime import DialogueRuntime
from services.dialogue.domain.events import Role
from shared.aggregate import CommandContext
from shared.validation import Day
from shared.web import AuthenticatedPrincipal, command_context

router = APIRouter(prefix="/api/v1", tags=[messages.TAG_HEADS])
Runtime = Annotated[DialogueRuntime, Depends(dialogue_runtime)]
Context = Annotated[CommandContext, Depends(command_context)]
UnitQuery = Annotated[str | None, Query(pattern=r"^\d{2}(\d{3})?$|^\d{3}$")]


@router.post("/heads", status_code=201)
def take_office(command: TakeOffice, runtime: Runtime, context: Context) -> dict[str, Any]:
    with runtime.uow(context) as uow:
        envelopes = handlers.take_office(uow, command, runtime.today())
        uow.commit()
    return accepted(envelopes, head_id=envelopes[0].payload["head_id"])


@router.post("/heads/{head_id}/leave")
def leave_office(
    head_id: Id, command: LeaveOffice, runtime: Runtime, context: Context
) -> dict[str, Any]:
    with runtime.uow(context) as uow:
        envelopes = handlers.leave_office(uow, head_id, command, runtime.today())
        uow.commit()
    return accepted(envelopes, head_id=head_id)


@router.post("/heads/{head_id}/successor", status_code=201)
def hand_over(
    head_id: Id, command: HandOver, runtime: Runtime, context: Context
) -> dict[str, Any]:
    """The successor takes over: the incumbent leaves the day before, in the same transaction."""
    with runtime.uow(context) as uow:
        envelopes = handlers.hand_over(uow, head_id, command, runtime.today())
        uow.commit()
    return accepted(envelopes, head_id=envelopes[-1].payload["head_id"],
                    predecessor_head_id=head_id)


@router.get("/heads")
def roster(
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    on: Day | None = None,
    unit_code: UnitQuery = None,
    role: Role | None = None,
    include_subunits: bool = True,
) -> dict[str, Any]:
    """The roster as of a date (default: today): who held each head post that day."""
    day = on or runtime.today()
    unit_code, include_subunits = access.unit_filter(principal, unit_code, include_subunits)
    with runtime.engine.connect() as conn:
        items = queries.roster(conn, day, unit_code, role, include_subunits)
    return {"on": day.isoformat(), "total": len(items), "items": items}


@router.get("/heads/{head_id}")
def get_head(head_id: Id, runtime: Runtime, principal: AuthenticatedPrincipal) -> dict[str, Any]:
    with runtime.engine.connect() as conn:
        return access.readable(principal, queries.get_head(conn, head_id))


@router.get("/units/{unit_code}/heads")
def terms_of_unit(
    unit_code: Annotated[str, Path(pattern=r"^\d{2}(\d{3})?$|^\d{3}$")], runtime: Runtime,
    principal: AuthenticatedPrincipal,
) -> dict[str, Any]:
    """Every term of both head posts of a unit, oldest first."""
    access.readable(principal, {"unit_code": unit_code})
    with runtime.engine.connect() as conn:
        items = queries.terms_of_unit(conn, unit_code)
    return {"unit_code": unit_code, "items": items}
