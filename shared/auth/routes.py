"""Endpoints of authentication, in every service: who am I, API keys, the development issuer.

`/api/v1/admin/api-keys` manages the keys of *this* service's database (each department may
run its own copy of a service, so keys live with the service they open). Managing keys needs
the `admin` scope, and nobody hands out more than they hold: a new key's scopes are a subset
of the creator's and its unit scope lies inside the creator's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine

from shared import messages
from shared.adminunits.model import UNIT_CODE_PATTERN
from shared.auth import apikeys
from shared.auth.checks import RequiredScope, may_read_unit, require_unit
from shared.auth.devissuer import issue_dev_token
from shared.auth.http import AuthenticatedPrincipal
from shared.auth.principal import CITY_SCOPE, SCOPES, Principal, scopes_of_service
from shared.auth.securitylog import security_event
from shared.clock import VN_TZ, format_date_vn, today_vn
from shared.db import read_connection
from shared.envelope import utcnow
from shared.errors import ActionRefused, Forbidden, InvalidInput, Lifecycle, NotFound
from shared.jsonbody import JSONBodyRoute
from shared.paging import Paging
from shared.requestguard import declared_query_only, refuse_undeclared_query
from shared.settings import Settings
from shared.unitcheck import require_unit_of_jurisdiction
from shared.validation import ActorName, Day, ShortText, echoed

Prefix = Annotated[str, Path(pattern=r"^[0-9a-f]{8}$")]
ADMIN = Depends(RequiredScope("admin"))
UnitScope = Annotated[str, Field(pattern=UNIT_CODE_PATTERN)]


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner: ActorName
    scopes: list[str] = Field(min_length=1, max_length=len(SCOPES))
    unit_scope: UnitScope = CITY_SCOPE
    department: ActorName | None = None
    expires_on: Day | None = None
    note: ShortText | None = None


class RevokeKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ShortText | None = None


class RotateKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_hours: float | None = Field(default=None, ge=0, le=24 * 90)


class RotatedKey(BaseModel):
    """The answer to a rotation: the successor key as the list shows it, its secret (this
    once), the key it replaces and what it did not keep. Typed so that partners find
    `dropped_scopes` in /openapi.json; the fields named as elsewhere take their texts from
    shared/apitexts.py FIELDS, those of this answer only are described here."""

    prefix: str
    owner: str
    department: str | None
    scopes: list[str]
    unit_scope: str
    note: str | None
    status: str = Field(title="Trạng thái khoá", description="active: đang dùng được; "
                        "revoked: đã thu hồi; expired: đã hết hạn")
    created_at: str | None = Field(title="Thời điểm cấp", description="Thời điểm cấp khoá "
                                   "(ISO 8601, UTC)")
    created_by: str | None = Field(title="Người cấp", description="Người hoặc khoá đã cấp")
    expires_at: str | None = Field(title="Hết hạn lúc", description="Thời điểm khoá hết "
                                   "hiệu lực (ISO 8601, UTC)")
    last_used_at: str | None = Field(title="Dùng lần cuối", description="Thời điểm khoá "
                                     "được dùng lần cuối (ISO 8601, UTC)")
    revoked_at: str | None = Field(title="Thu hồi lúc", description="Thời điểm khoá bị thu "
                                   "hồi (ISO 8601, UTC)")
    revoked_by: str | None = Field(title="Người thu hồi", description="Người đã thu hồi khoá")
    replaced_by: str | None = Field(title="Khoá thay thế", description="Tiền tố của khoá "
                                    "xoay vòng thay khoá này")
    api_key: str = Field(title="Khoá API", description="Bí mật của khoá mới: chỉ trả về một "
                         "lần này, đối tác phải lưu ngay")
    replaces: str = Field(title="Thay khoá", description="Tiền tố của khoá cũ mà khoá mới "
                          "thay; khoá cũ còn dùng được trong grace_hours giờ")
    grace_hours: float
    dropped_scopes: list[str] = Field(
        title="Quyền bỏ đi", description="Các quyền của khoá cũ mà khoá mới không mang: "
        "quyền của dịch vụ khác, do khoá cấp trước khi mỗi dịch vụ chỉ cấp quyền của mình "
        "(thường để trống)")


class DevTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: ActorName = "can-bo-phat-trien"
    scopes: list[str] = Field(default_factory=lambda: sorted(SCOPES), max_length=len(SCOPES))
    unit_scope: UnitScope = CITY_SCOPE
    department: ActorName | None = None
    ttl_minutes: int = Field(default=480, ge=1, le=7 * 24 * 60)


def expiry_of(on: date | None, settings: Settings) -> datetime:
    """A key given an expiry date works through that day (Vietnam time) and no longer. Every
    key has one (finding J16): API_KEY_DEFAULT_DAYS from today when none is given, at most
    API_KEY_MAX_DAYS from today (422 API_KEY_LIFETIME_TOO_LONG naming the latest day)."""
    today = today_vn()
    if on is None:
        on = today + timedelta(days=settings.api_key_default_days)
    if on < today:
        raise InvalidInput(
            "EXPIRY_IN_PAST", messages.EXPIRY_IN_PAST, expires_on=on.isoformat()
        )
    latest = today + timedelta(days=settings.api_key_max_days)
    if on > latest:
        raise InvalidInput(
            "API_KEY_LIFETIME_TOO_LONG",
            messages.API_KEY_LIFETIME_TOO_LONG.format(
                days=settings.api_key_max_days, on=format_date_vn(on),
                latest=format_date_vn(latest)),
            expires_on=on.isoformat(), latest=latest.isoformat(),
        )
    # Answered and compared in UTC, as every stored instant is.
    midnight_vn = datetime.combine(on + timedelta(days=1), datetime.min.time(), tzinfo=VN_TZ)
    return midnight_vn.astimezone(UTC)


def own_service_scopes(service: str, scopes: frozenset[str]) -> None:
    """A key opens the service whose database holds it, and no other (finding J16): a scope
    another service checks would be a key of this service that looks like one of that
    service's. 422 SCOPE_OF_ANOTHER_SERVICE naming them and what this service can issue."""
    allowed = scopes_of_service(service)
    foreign = sorted(scopes - allowed)
    if foreign:
        raise InvalidInput(
            "SCOPE_OF_ANOTHER_SERVICE",
            messages.SCOPE_OF_ANOTHER_SERVICE.format(
                service=service, scopes=", ".join(foreign), allowed=", ".join(sorted(allowed))),
            foreign=foreign, allowed=sorted(allowed),
        )


def rotation_scopes(service: str, scopes: frozenset[str]) -> frozenset[str]:
    """The scopes a rotation's key carries: the old key's own-service scopes. A key issued
    before a service gave keys for its own scopes only (finding J16) may carry another
    service's; the successor is a key issued now, so it keeps what this service can issue and
    drops the rest (the answer lists them), as an official reissuing the key would. A key with
    nothing of this service's left is not rotated: 422 SCOPE_OF_ANOTHER_SERVICE, as creating
    it would be."""
    kept = scopes & scopes_of_service(service)
    if not kept:
        own_service_scopes(service, scopes)
    return kept


def _log_created(principal: Principal, key: apikeys.ApiKey, **details: Any) -> None:
    """The security log's record of a new key: created, or a rotation's successor."""
    security_event(
        "authn_token_created", principal.actor, key.prefix, level="info", owner=key.owner,
        **details,
    )


API_KEY_LIFECYCLE = Lifecycle(messages.API_KEY_ACTIONS, messages.API_KEY_STATES)


def rotation_refused(refused: apikeys.AlreadyRotated) -> ActionRefused | InvalidInput:
    """409 API_KEY_ALREADY_ROTATED naming the successor to rotate instead; a key revoked
    while the rotation ran is 422 API_KEY_NOT_ACTIVE, as one revoked before."""
    if refused.successor is None:
        return InvalidInput(
            "API_KEY_NOT_ACTIVE", messages.API_KEY_NOT_ACTIVE.format(prefix=refused.prefix))
    return ActionRefused(
        "API_KEY_ALREADY_ROTATED", API_KEY_LIFECYCLE, action="rotate",
        subject=messages.API_KEY_SUBJECT.format(prefix=refused.prefix), state="rotated",
        allowed=["revoke"], note=messages.API_KEY_ROTATED_NOTE.format(successor=refused.successor),
        successor=refused.successor,
    )


def _key_not_found(prefix: str) -> NotFound:
    return NotFound("API_KEY_NOT_FOUND", messages.API_KEY_NOT_FOUND.format(prefix=prefix))


def _own_key(conn: Connection, principal: Principal, prefix: str) -> apikeys.ApiKey:
    """The key an administrator may act on: one of the keys it may list. Another district's
    key (or the city's) answers as a key that does not exist, as the list leaves it out: a
    403 told a district's administrator which prefixes were taken, and a rotation refused for
    the key's scopes named them."""
    key = apikeys.get_key(conn, prefix)
    if key is None:
        raise _key_not_found(prefix)
    if not may_read_unit(principal, key.unit_scope):
        security_event("authz_fail", principal.actor, f"api_key:{prefix}",
                       reason="unit_out_of_scope", unit_scope=principal.unit_scope)
        raise _key_not_found(prefix)
    return key


def checked_scopes(scopes: list[str]) -> frozenset[str]:
    try:
        return apikeys.check_scopes(scopes)
    except apikeys.UnknownScopeError as exc:
        # Shown as sent but for what would act on the message or cannot be sent (a bidi
        # control, a lone surrogate: finding H M3's 500, L1).
        unknown = [echoed(scope) for scope in exc.unknown]
        raise InvalidInput(
            "UNKNOWN_SCOPE",
            messages.UNKNOWN_SCOPE.format(unknown=", ".join(unknown)),
            unknown=unknown,
            known=sorted(SCOPES),
        ) from None


def no_escalation(principal: Principal, scopes: frozenset[str], unit_scope: str) -> None:
    beyond = sorted(s for s in scopes if not principal.has_scope(s))
    if beyond:
        security_event(
            "authz_fail", principal.actor, "api_key_create", reason="escalation", scopes=beyond
        )
        raise Forbidden(
            "MISSING_SCOPE",
            messages.ESCALATION.format(scopes=", ".join(beyond)),
            required_scope=beyond,
        )
    require_unit(principal, unit_scope, today_vn())


def auth_router(settings: Settings) -> APIRouter:
    router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=["xác thực"])

    @router.get("/auth/whoami")
    def whoami(request: Request, principal: AuthenticatedPrincipal) -> dict[str, Any]:
        # After the authentication, as every authenticated route refuses it.
        refuse_undeclared_query(request)
        return {
            "subject": principal.subject,
            "kind": principal.kind,
            "department": principal.department,
            "scopes": sorted(principal.scopes),
            "unit_scope": principal.unit_scope,
            "credential_id": principal.credential_id,
        }

    @router.get("/auth/scopes", dependencies=[Depends(declared_query_only)])
    def scopes() -> dict[str, Any]:
        return {"scopes": [{"scope": k, "label": v} for k, v in SCOPES.items()]}

    longest = timedelta(days=settings.api_key_max_days)

    @router.get("/admin/api-keys", dependencies=[ADMIN])
    def list_keys(
        request: Request, principal: AuthenticatedPrincipal, paging: Paging
    ) -> dict[str, Any]:
        now = utcnow()
        with read_connection(_engine(request)) as conn:
            keys = _visible_keys(conn, principal)
        # Read whole (kept keys are a service's partners, and filtered by unit in Python),
        # answered a page at a time like every list (finding O10).
        return paging.of([k.as_dict(now, longest) for k in keys])

    @router.get("/admin/api-keys/audit", dependencies=[Depends(RequiredScope("audit:read"))])
    def key_audit(
        request: Request, principal: AuthenticatedPrincipal, paging: Paging
    ) -> dict[str, Any]:
        with read_connection(_engine(request)) as conn:
            if principal.is_city:
                return apikeys.key_audit(conn, paging)
            prefixes = [k.prefix for k in _visible_keys(conn, principal)]
            return apikeys.key_audit(conn, paging, prefixes=prefixes)

    @router.post("/admin/api-keys", status_code=201, dependencies=[ADMIN])
    def create_key(
        body: NewKey, request: Request, principal: AuthenticatedPrincipal
    ) -> dict[str, Any]:
        wanted = checked_scopes(body.scopes)
        no_escalation(principal, wanted, body.unit_scope)
        own_service_scopes(settings.service, wanted)
        # A typo (315 -> 351, 00001) would hand a partner a key that answers nothing.
        require_unit_of_jurisdiction(body.unit_scope, today_vn(), settings.jurisdiction)
        expires_at = expiry_of(body.expires_on, settings)
        with _engine(request).begin() as conn:
            key, plaintext = apikeys.create_key(
                conn,
                owner=body.owner,
                scopes=wanted,
                created_by=principal.actor,
                unit_scope=body.unit_scope,
                department=body.department,
                expires_at=expires_at,
                note=body.note,
            )
        _log_created(principal, key, scopes=sorted(key.scopes), unit_scope=key.unit_scope)
        # The only time the secret leaves the service: the caller must store it now.
        return key.as_dict(utcnow(), longest) | {"api_key": plaintext}

    @router.post("/admin/api-keys/{prefix}/revoke", dependencies=[ADMIN])
    def revoke_key(
        prefix: Prefix, body: RevokeKey, request: Request, principal: AuthenticatedPrincipal
    ) -> dict[str, Any]:
        with _engine(request).begin() as conn:
            current = _own_key(conn, principal, prefix)
            require_unit(principal, current.unit_scope, today_vn())
            key = apikeys.revoke_key(conn, prefix, principal.actor, reason=body.reason)
        assert key is not None
        security_event(
            "authn_token_revoked", principal.actor, prefix, level="info", owner=key.owner
        )
        return key.as_dict(utcnow(), longest)

    @router.post("/admin/api-keys/{prefix}/rotate", status_code=201, dependencies=[ADMIN],
                 response_model=RotatedKey)
    def rotate_key(
        prefix: Prefix, body: RotateKey, request: Request, principal: AuthenticatedPrincipal
    ) -> dict[str, Any]:
        hours = (
            settings.api_key_rotation_grace_hours if body.grace_hours is None else body.grace_hours
        )
        with _engine(request).begin() as conn:
            current = _own_key(conn, principal, prefix)
            kept = rotation_scopes(settings.service, current.scopes)
            no_escalation(principal, kept, current.unit_scope)
            # A key issued before the check with no unit of the jurisdiction is not renewed.
            require_unit_of_jurisdiction(current.unit_scope, today_vn(), settings.jurisdiction)
            try:
                rotated = apikeys.rotate_key(conn, prefix, principal.actor,
                                             timedelta(hours=hours), longest=longest, scopes=kept)
            except apikeys.AlreadyRotated as refused:
                raise rotation_refused(refused) from None
        if rotated is None:
            raise InvalidInput(
                "API_KEY_NOT_ACTIVE",
                messages.API_KEY_NOT_ACTIVE.format(prefix=prefix),
            )
        key, plaintext = rotated
        dropped = sorted(current.scopes - key.scopes)
        _log_created(principal, key, replaces=prefix, dropped_scopes=dropped)
        return key.as_dict(utcnow(), longest) | {
            "api_key": plaintext,
            "replaces": prefix,
            "grace_hours": hours,
            "dropped_scopes": dropped,
        }

    if settings.auth_mode == "development" and settings.environment != "production":

        @router.post("/auth/dev-token", status_code=201,
                     dependencies=[Depends(declared_query_only)])
        def dev_token(body: DevTokenRequest) -> dict[str, Any]:
            """Development only: a signed RS256 token for any identity, so the API can be
            tried as a district board or a partner without an identity provider."""
            wanted = checked_scopes(body.scopes)
            token, ttl = issue_dev_token(
                settings,
                subject=body.subject,
                scopes=sorted(wanted),
                unit_scope=body.unit_scope,
                department=body.department,
                ttl=timedelta(minutes=body.ttl_minutes),
            )
            return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}

    return router


def _visible_keys(conn: Connection, principal: Principal) -> list[apikeys.ApiKey]:
    """The keys a caller may see: like every other list, those inside its unit tree (a
    district's administrator does not learn the city's or another district's partners)."""
    return [k for k in apikeys.list_keys(conn) if may_read_unit(principal, k.unit_scope)]


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.runtime.engine
    return engine
