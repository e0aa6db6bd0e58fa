"""HTTP API of the regulation's rule and the compliance of heads with it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from services.dialogue import messages
from services.dialogue.api import access
from services.dialogue.api.deps import Runtime
from services.dialogue.application import queries
from services.dialogue.application import rules as handlers
from services.dialogue.application.commands import SetRule
from services.dialogue.application.compliance import evaluate_period
from services.dialogue.domain.events import Role
from shared.auth.checks import city_level
from shared.commandapi import CommandDep
from shared.commands import CommandResponse
from shared.db import read_connection
from shared.jsonbody import JSONBodyRoute
from shared.paging import Paging
from shared.unitcheck import require_unit_ever_within
from shared.unitfilter import UnitFilter
from shared.validation import Day
from shared.web import AuthenticatedPrincipal

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=[messages.TAG_RULES])
#: Commands of the city level only: refused to a district board before the body is read.
CITY_LEVEL = [city_level("dialogue:write")]


@router.get("/dialogue-rules")
def list_rules(runtime: Runtime) -> dict[str, Any]:
    """Every version of the minimum number of sessions a year, by level and effective date."""
    with read_connection(runtime.engine) as conn:
        return {"items": queries.list_rules(conn)}


@router.post("/dialogue-rules", dependencies=CITY_LEVEL,
             status_code=201, response_model=CommandResponse)
def set_rule(command: SetRule, cmd: CommandDep) -> JSONResponse:
    """A new version (an amendment) from its effective date; the same level and date again
    corrects that version. 201: a version of the rule is recorded (or stands, `unchanged`)."""
    # The same version again records nothing (idempotent), and says so.
    return cmd.record(
        handlers.set_rule, command, always_creates=True,
        location=lambda _: "/api/v1/dialogue-rules",
        extra=lambda r: {"level": command.level, "unchanged": not r.events},
    )


@router.get("/rule-compliance")
def rule_compliance(
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    date_from: Day,
    date_to: Day,
    unit_code: UnitFilter,
    paging: Paging,
    include_subunits: bool = True,
    head_id: Annotated[str | None, Query(max_length=36)] = None,
    role: Role | None = None,
) -> dict[str, Any]:
    """For each head in office during the period: sessions held, sessions required (pro-rated,
    see `method`), whether the rule is met, and why not, in Vietnamese."""
    unit_code, include_subunits = access.unit_filter(principal, unit_code, include_subunits)
    if unit_code is not None:
        # Another province's unit is not this deployment's (an empty list would say its
        # heads owe nothing): refused as every other service refuses it.
        require_unit_ever_within(unit_code, date_to, runtime.settings.jurisdiction)
    with read_connection(runtime.engine) as conn:
        judged = evaluate_period(
            conn,
            date_from,
            date_to,
            unit_code=unit_code,
            include_subunits=include_subunits,
            head_id=head_id,
            role=role,
            within=access.within(principal, queries.HEAD_LIFE, conn),
        )
    # One row per head in office, hundreds for the city: paged like every list (finding O10);
    # the counts and the ratio beside the page are of every head.
    items = judged.pop("items")
    return paging.of(items, **judged)
