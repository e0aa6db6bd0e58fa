"""HTTP API of issues raised, and the separate citizen-contact endpoint."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.dialogue import messages
from services.dialogue.adapters.citizen_contacts import read_citizen_contact
from services.dialogue.adapters.tables import issues
from services.dialogue.api import access
from services.dialogue.api.deps import Id, Runtime
from services.dialogue.application import queries
from services.dialogue.application import sessions as handlers
from services.dialogue.application.common import CITIZEN_DATA
from services.dialogue.domain.events import Handling, IssueCategory
from shared.asof import AsOf
from shared.auth.checks import RequiredScope
from shared.auth.securitylog import security_event
from shared.commandapi import CommandDep
from shared.commands import CommandResponse
from shared.concurrency import TaggedResponse, tagged
from shared.db import read_connection, truncate_wal
from shared.jsonbody import JSONBodyRoute
from shared.logs import get_logger
from shared.paging import LegacyPaging
from shared.unitfilter import UnitFilter
from shared.web import AuthenticatedPrincipal

log = get_logger("danvan.dialogue.citizen")

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=[messages.TAG_ISSUES])
# The handler checks it too, with the issue's unit; declared here so the document names it.
CITIZEN_DATA_SCOPE = Depends(RequiredScope(CITIZEN_DATA))


@router.get("/issues")
def list_issues(
    runtime: Runtime,
    principal: AuthenticatedPrincipal,
    paging: LegacyPaging,
    unit_code: UnitFilter,
    category: IssueCategory | None = None,
    handling: Handling | None = None,
    session_id: Annotated[str | None, Query(max_length=36)] = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """The issues raised, or with `as_of` as they stood at that moment."""
    # The 403 before the replay: a refused caller costs no replay (review RV2).
    unit_code = access.list_filter(principal, unit_code)
    return access.listed(
        runtime.engine, principal, queries.ISSUE_LIFE, as_of,
        queries.day_of(as_of, runtime.today()), paging,
        lambda placing, day: queries.issues_query(
            unit_code=unit_code, category=category, handling=handling,
            session_id=session_id, placing=placing, placed_on=day),
        queries.list_issues)


@router.get("/issues/{issue_id}")
def get_issue(issue_id: Id, runtime: Runtime, principal: AuthenticatedPrincipal) -> TaggedResponse:
    """The issue with `ETag` = its version (If-Match of the erasure of its citizen contact)."""
    with read_connection(runtime.engine) as conn:
        access.require_readable(principal, conn, queries.ISSUE_LIFE,
                                issues.c.issue_id == issue_id)
        issue = queries.get_issue(conn, issue_id)
    return tagged(issue, issue["version"])


@router.get("/issues/{issue_id}/citizen-contact", dependencies=[CITIZEN_DATA_SCOPE])
def citizen_contact(
    issue_id: Id, runtime: Runtime, principal: AuthenticatedPrincipal
) -> dict[str, Any]:
    """The only endpoint that returns a citizen's name and contact: it needs the dedicated
    scope `dialogue:citizen_data` and the issue's unit in the caller's tree."""
    with read_connection(runtime.engine) as conn:
        access.require_readable(principal, conn, queries.ISSUE_LIFE,
                                issues.c.issue_id == issue_id)
        queries.get_issue(conn, issue_id)  # 404 for an unknown issue
        contact = read_citizen_contact(conn, issue_id)
    # Who saw which citizen's name and phone, and when (Decree 13/2023 on personal data; a
    # leak investigation asks it): a read writes no event, so the security log records it,
    # without the data (finding H22).
    security_event("sensitive_read", principal.actor, f"citizen_contact:{issue_id}",
                   level="info", unit_scope=principal.unit_scope,
                   credential=principal.credential_id)
    return contact


@router.delete("/issues/{issue_id}/citizen-contact", response_model=CommandResponse,
               dependencies=[CITIZEN_DATA_SCOPE])
def erase_contact(issue_id: Id, runtime: Runtime, cmd: CommandDep) -> JSONResponse:
    """Erase the citizen's name and contact; the issue itself stays."""
    answer = cmd.record(
        handlers.erase_citizen_contact, issue_id, runtime.today(), cmd.expected_version
    )
    # Out of the SQLite WAL too, once committed (shared.db.truncate_wal, finding J19).
    if not truncate_wal(runtime.engine):
        log.warning("citizen_contact_wal_not_truncated", issue_id=issue_id)
    return answer
