"""HTTP API of the heads roster (người đứng đầu)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from services.dialogue import messages
from services.dialogue.adapters.tables import heads
from services.dialogue.api import access
from services.dialogue.api.deps import Id, Runtime
from services.dialogue.application import heads as handlers
from services.dialogue.application import queries
from services.dialogue.application.commands import (
    CorrectLeftOffice,
    CorrectTookOffice,
    HandOver,
    LeaveOffice,
    TakeOffice,
)
from services.dialogue.domain.events import Role
from shared.adminunits.model import UNIT_CODE_PATTERN
from shared.asof import AsOf, as_of_field
from shared.commandapi import CommandDep
from shared.commands import CommandResponse, CommandResult
from shared.concurrency import TaggedResponse, tagged
from shared.db import read_connection
from shared.jsonbody import JSONBodyRoute
from shared.openapi import IF_MATCH_REQUIRED
from shared.paging import Paging
from shared.unitfilter import UnitFilter
from shared.validation import Day
from shared.web import AuthenticatedPrincipal

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=[messages.TAG_HEADS])


def _new_head(result: CommandResult) -> str:
    head_id: str = result.events[-1].payload["head_id"]
    return head_id


@router.post("/heads", status_code=201, response_model=CommandResponse)
def take_office(command: TakeOffice, runtime: Runtime, cmd: CommandDep) -> JSONResponse:
    """A head takes office: a new term (its own id, `head_id`) in the unit's post."""
    return cmd.record(
        handlers.take_office, command, runtime.today(),
        location=lambda r: f"/api/v1/heads/{_new_head(r)}", always_creates=True,
        extra=lambda r: {"head_id": _new_head(r)},
    )


@router.post("/heads/{head_id}/leave", response_model=CommandResponse)
def leave_office(
    head_id: Id, command: LeaveOffice, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    return cmd.record(
        handlers.leave_office, head_id, command, runtime.today(), cmd.expected_version,
        extra=lambda _: {"head_id": head_id},
    )


@router.post("/heads/{head_id}/took-office/corrections", response_model=CommandResponse,
             responses=IF_MATCH_REQUIRED)
def correct_took_office(
    head_id: Id, command: CorrectTookOffice, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    """Đính chính ngày nhận chức đã ghi sai: ghi sự kiện mới `HeadTookOfficeCorrected` kèm lý
    do; sự kiện cũ vẫn còn trong lịch sử. Cần If-Match (ETag của chức danh, `/heads/{id}`;
    428 nếu thiếu)."""
    return cmd.record(
        handlers.correct_took_office, head_id, command, runtime.today(), cmd.expected_version,
        extra=lambda _: {"head_id": head_id},
    )


@router.post("/heads/{head_id}/left-office/corrections", response_model=CommandResponse,
             responses=IF_MATCH_REQUIRED)
def correct_left_office(
    head_id: Id, command: CorrectLeftOffice, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    """Đính chính ngày thôi giữ chức đã ghi sai: ghi sự kiện mới `HeadLeftOfficeCorrected` kèm
    lý do; sự kiện cũ vẫn còn trong lịch sử. Cần If-Match (ETag của chức danh, `/heads/{id}`;
    428 nếu thiếu)."""
    return cmd.record(
        handlers.correct_left_office, head_id, command, runtime.today(), cmd.expected_version,
        extra=lambda _: {"head_id": head_id},
    )


@router.post("/heads/{head_id}/successor", status_code=201, response_model=CommandResponse)
def hand_over(
    head_id: Id, command: HandOver, runtime: Runtime, cmd: CommandDep
) -> JSONResponse:
    """The successor takes over: the incumbent leaves the day before, in the same transaction."""
    return cmd.record(
        handlers.hand_over, head_id, command, runtime.today(), cmd.expected_version,
        location=lambda r: f"/api/v1/heads/{_new_head(r)}", always_creates=True,
        extra=lambda r: {"head_id": _new_head(r), "predecessor_head_id": head_id},
    )


@router.get("/heads")
def roster(
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    paging: Paging,
    unit_code: UnitFilter,
    on: Day | None = None,
    role: Role | None = None,
    include_subunits: bool = True,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """The roster as of a date (default: today, or the day of `as_of`): who held each head
    post that day, a page of it (`on`: the date, beside the envelope); with `as_of`, as the
    terms stood at that moment (a term or a departure recorded later is not in it)."""
    day = on or queries.day_of(as_of, runtime.today())
    unit_code = access.list_filter(principal, unit_code)
    with read_connection(runtime.engine) as conn, queries.read_as_of(conn, as_of) as then:
        within = access.within(principal, queries.HEAD_LIFE, conn,
                               queries.placing_as_of(conn, as_of))
        items = queries.roster(then, day, unit_code, role, include_subunits, *within)
    return paging.of(items, on=day.isoformat(), **as_of_field(as_of))


@router.get("/heads/{head_id}")
def get_head(head_id: Id, runtime: Runtime, principal: AuthenticatedPrincipal) -> TaggedResponse:
    """The term with `ETag` = the version of its post (If-Match of a command on the term)."""
    with read_connection(runtime.engine) as conn:
        access.require_readable(principal, conn, queries.HEAD_LIFE, heads.c.head_id == head_id)
        head = queries.get_head(conn, runtime.store, head_id)
    return tagged(head, head["version"])


@router.get("/units/{unit_code}/heads")
def terms_of_unit(
    unit_code: Annotated[str, Path(pattern=UNIT_CODE_PATTERN)], runtime: Runtime,
    principal: AuthenticatedPrincipal, paging: Paging, as_of: AsOf = None,
) -> dict[str, Any]:
    """Every term of both head posts of a unit, oldest first, a page of them; with `as_of`,
    the terms as recorded by that moment."""
    access.list_filter(principal, unit_code)
    with read_connection(runtime.engine) as conn, queries.read_as_of(conn, as_of) as then:
        within = access.within(principal, queries.HEAD_LIFE, conn,
                               queries.placing_as_of(conn, as_of))
        items = queries.terms_of_unit(then, unit_code, *within)
    return paging.of(items, unit_code=unit_code, **as_of_field(as_of))
