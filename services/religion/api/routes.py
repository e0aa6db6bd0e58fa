"""HTTP API of the religion service: the site register, the dossier workflow, certificates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from services.religion import apitexts, messages
from services.religion.api import access
from services.religion.application import handlers, queries
from services.religion.application.commands import (
    RELIGIONS,
    AmendSite,
    CloseSite,
    CorrectCertificate,
    CorrectDossierStep,
    CorrectRegistration,
    DossierStepCommand,
    IssueCertificate,
    RegisterSite,
    Religion,
    RevokeCertificate,
)
from services.religion.domain.workflow import (
    CASE_STATES,
    CASE_TRANSITIONS,
    DOSSIER_STATES,
    DOSSIER_TRANSITIONS,
    EXPECTED_DAYS,
    DossierState,
)
from shared.asof import KnownAt
from shared.clock import day_vn, today_vn
from shared.commandapi import CHANGED, CommandDep
from shared.commands import CommandResponse, CommandResult
from shared.concurrency import TaggedResponse, tagged, with_expected_version
from shared.db import read_connection
from shared.ids import CodePath, UuidPath
from shared.jsonbody import JSONBodyRoute
from shared.openapi import IF_MATCH_REQUIRED
from shared.paging import Paging
from shared.unitfilter import LocalUnitFilter
from shared.validation import Day
from shared.web import runtime_of

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=["cơ sở tôn giáo"])


def _site_code(site_code: CodePath, request: Request) -> str:
    """The path's site code as the register spells it: codes do not distinguish case (the
    409 of a second spelling says so), so "rc-1" reads and acts on the site RC-1."""
    with read_connection(runtime_of(request).engine) as conn:
        return handlers.registered_site_code(conn, site_code)


SiteCode = Annotated[str, Depends(_site_code)]
ActionName = Annotated[str, Path(max_length=50, pattern=r"^[a-z_\-]+$")]
EventIdPath = UuidPath


SITE_LOCATION = "/api/v1/sites/{id}"


def new_state(result: CommandResult) -> dict[str, Any]:
    """A workflow step's answer also names the state it reached."""
    return {"state": result.events[-1].payload["state"]}


# -- the register --------------------------------------------------------------------------------


@router.post("/sites", status_code=201, response_model=CommandResponse)
def register_site(command: RegisterSite, cmd: CommandDep) -> JSONResponse:
    return cmd.record(handlers.register_site, command, location=SITE_LOCATION)


@router.get("/sites")
def list_sites(
    request: Request,
    paging: Paging,
    unit: LocalUnitFilter,
    religion: Religion | None = None,
    dossier_state: Annotated[list[DossierState] | None, Query()] = None,
    has_certificate: bool | None = None,
    overdue: bool | None = None,
    status: Literal["active", "closed", "all"] = "active",
    q: Annotated[str | None, Query(max_length=200)] = None,
    as_of: Annotated[Day | None, Query(description=apitexts.LIST_AS_OF)] = None,
    known_at: KnownAt = None,
) -> dict[str, Any]:
    """The register as it stands, or with `known_at` as it stood at that moment (what a report
    signed then counted). `q` ignores diacritics ("tien lang" finds "Tiên Lãng"); `overdue`
    compares each dossier's deadline with `as_of`, by default the day of `known_at`, else
    today. `as_of` keeps its meaning of a day (H8): the kernel's moment goes by `known_at`,
    its other name, as on /sites/{code}/as-of."""
    access.commune_for(request, unit.commune)
    f = queries.SiteFilter(
        reader_scope=access.reader_scope(request),
        district_code=access.district_for(request, unit.district), commune_code=unit.commune,
        religion=religion,
        dossier_state=list(dossier_state) if dossier_state else None,
        has_certificate=has_certificate, overdue=overdue, status=status, q=q,
    )
    day = as_of or (today_vn() if known_at is None else day_vn(known_at))
    with read_connection(runtime_of(request).engine) as conn:
        return queries.list_sites(conn, f, day, paging, known_at)


@router.get("/sites/{site_code}")
def site_detail(site_code: SiteCode, request: Request) -> TaggedResponse:
    """The site with `ETag` = its version (send it back as If-Match to amend or close it, or
    to correct its registration); `dossier_version` is the dossier's, for its workflow steps;
    `certificate_version` the certificate record's, for a correction of the certificate."""
    access.site_readable(request, site_code)
    runtime = runtime_of(request)
    with read_connection(runtime.engine) as conn:
        detail = queries.site_detail(conn, runtime.store, site_code, today_vn())
    return tagged(detail, detail["version"])


@router.patch("/sites/{site_code}", response_model=CommandResponse, responses=IF_MATCH_REQUIRED)
def amend_site(site_code: SiteCode, command: AmendSite, cmd: CommandDep) -> JSONResponse:
    """Overwrites the fields sent: If-Match (the site's ETag) is required (428 without it)."""
    command = with_expected_version(command, cmd.if_match)
    # Required, but checked by the handler after the caller's unit (403 before 428).
    return cmd.record(handlers.amend_site, site_code, command, True)


@router.post("/sites/{site_code}/close", response_model=CommandResponse)
def close_site(site_code: SiteCode, command: CloseSite, cmd: CommandDep) -> JSONResponse:
    command = with_expected_version(command, cmd.if_match)
    return cmd.record(handlers.close_site, site_code, command)


@router.get("/sites/{site_code}/history")
def site_history(site_code: SiteCode, request: Request) -> dict[str, Any]:
    """Every event of the site, its dossier, certificates and compliance cases: who, when, what."""
    access.site_readable(request, site_code)
    runtime = runtime_of(request)
    with read_connection(runtime.engine) as conn:
        return queries.history(conn, runtime.store, site_code)


@router.get("/sites/{site_code}/as-of")
def site_as_of(
    site_code: SiteCode,
    request: Request,
    on: Annotated[Day, Query(alias="date")],
    known_at: KnownAt = None,
) -> dict[str, Any]:
    """The site's state on a past business date; `known_at` limits to what was recorded then."""
    access.site_readable(request, site_code)
    runtime = runtime_of(request)
    with read_connection(runtime.engine) as conn:
        return queries.state_as_of(conn, runtime.store, site_code, on, known_at)


# -- the dossier workflow ------------------------------------------------------------------------


@router.post(
    "/sites/{site_code}/dossier/{action}", status_code=201, response_model=CommandResponse,
    responses=CHANGED,
)
def dossier_action(
    site_code: SiteCode, action: ActionName, command: DossierStepCommand, cmd: CommandDep
) -> JSONResponse:
    """One named action of the land registration dossier (`lodge`, `requisition`, ...; dashes
    or underscores). Refused with 409 when the current state does not allow it. If-Match names
    the dossier's version (`dossier_version`). 201 when it opened the dossier, else 200."""
    command = with_expected_version(command, cmd.if_match)
    return cmd.record(
        handlers.dossier_action, site_code, action.replace("-", "_"), command,
        location=SITE_LOCATION, extra=new_state,
    )


# -- certificates --------------------------------------------------------------------------------


@router.post("/sites/{site_code}/certificate", status_code=201, response_model=CommandResponse)
def issue_certificate(
    site_code: SiteCode, command: IssueCertificate, cmd: CommandDep
) -> JSONResponse:
    number = handlers.normalise_certificate_number(command.certificate_number)
    return cmd.record(
        handlers.issue_certificate, site_code, command,
        location=lambda _: f"/api/v1/certificates/{number}", always_creates=True,
    )


@router.post("/sites/{site_code}/certificate/revoke", response_model=CommandResponse)
def revoke_certificate(
    site_code: SiteCode, command: RevokeCertificate, cmd: CommandDep
) -> JSONResponse:
    return cmd.record(handlers.revoke_certificate, site_code, command)


# `:path`: a Vietnamese certificate number often holds «/» («BĐ-01/2023», «CS 01234/QĐ-UBND»),
# read here whether the client sends it as «/» or «%2F» (K9); the 201's Location names it.
@router.get("/certificates/{number:path}")
def certificate(
    number: Annotated[str, Path(max_length=100)], request: Request
) -> dict[str, Any]:
    access.certificate_readable(request, handlers.normalise_certificate_number(number))
    with read_connection(runtime_of(request).engine) as conn:
        return queries.certificate_by_number(conn, handlers.normalise_certificate_number(number))


# -- corrections (đính chính) --------------------------------------------------------------------


@router.post("/sites/{site_code}/registration/corrections", response_model=CommandResponse,
             responses=IF_MATCH_REQUIRED)
def correct_registration(
    site_code: SiteCode, command: CorrectRegistration, cmd: CommandDep
) -> JSONResponse:
    """The site was registered on another day than recorded (`registered_on`, with `reason`).
    A new event: the registration as first recorded stays in the history. If-Match (the
    site's ETag) is required: 428 without it."""
    command = with_expected_version(command, cmd.if_match)
    return cmd.record(handlers.correct_registration, site_code, command)


@router.post("/sites/{site_code}/dossier/steps/{event_id}/corrections",
             response_model=CommandResponse)
def correct_dossier_step(
    site_code: SiteCode, event_id: EventIdPath, command: CorrectDossierStep, cmd: CommandDep
) -> JSONResponse:
    """The dossier step `event_id` (as the site's history lists it) was recorded with a wrong
    date, note or papers, or by mistake (`void`). Refused when the steps as corrected break the
    workflow. If-Match: the dossier's version (`dossier_version`)."""
    command = with_expected_version(command, cmd.if_match)
    return cmd.record(handlers.correct_dossier_step, site_code, event_id, command)


@router.post("/sites/{site_code}/certificate/corrections", response_model=CommandResponse,
             responses=IF_MATCH_REQUIRED)
def correct_certificate(
    site_code: SiteCode, command: CorrectCertificate, cmd: CommandDep
) -> JSONResponse:
    """The valid certificate's number, date, authority or area as they really are (the fields
    sent; `reason` required). Its dossier step is corrected with it. If-Match (the certificate
    record's version, `certificate_version` of the site) is required: 428 without it."""
    command = with_expected_version(command, cmd.if_match)
    return cmd.record(handlers.correct_certificate, site_code, command)


# -- reference data ------------------------------------------------------------------------------


@router.get("/reference-data")
def reference_data() -> dict[str, Any]:
    """Religions, the dossier and compliance workflows as tables, violation types: what a
    client needs to build its forms, with the Vietnamese labels."""
    return {
        "religions": list(RELIGIONS),
        "dossier_states": [
            {"state": s, "label": messages.DOSSIER_STATES[s], "expected_days": EXPECTED_DAYS.get(s)}
            for s in DOSSIER_STATES
        ],
        "dossier_actions": [
            {"action": t.action, "label": messages.DOSSIER_ACTIONS[t.action],
             "from": sorted(t.sources), "to": t.target, "event_type": t.event_type,
             "note_required": t.note_required}
            for t in DOSSIER_TRANSITIONS.values()
        ],
        "case_states": [{"state": s, "label": messages.CASE_STATES[s]} for s in CASE_STATES],
        "case_actions": [
            {"action": t.action, "label": messages.CASE_ACTIONS[t.action],
             "from": sorted(t.sources), "to": t.target, "event_type": t.event_type,
             "note_required": t.note_required}
            for t in CASE_TRANSITIONS.values()
        ],
        "violation_types": [
            {"code": code, "label": label} for code, label in messages.VIOLATION_TYPES.items()
        ],
    }
