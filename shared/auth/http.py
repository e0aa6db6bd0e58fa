"""From a request's credentials to a principal: bearer JWT, API key, or development headers.

Credentials are read from `Authorization: Bearer <jwt | dv_ key>` or `X-API-Key: dv_...`,
never both: a request carrying the two is refused 400 AMBIGUOUS_CREDENTIALS, as is one giving
either header twice, or a development header twice where those are read.
In AUTH_MODE=development a request without credentials is trusted as the development
headers describe it; in "required" it is a 401. Every failure is an OWASP-vocabulary log
line that names who and why, never the credential.

The client gets one and the same 401 whatever went wrong: telling "unknown key" from "wrong
secret", or "expired" from "revoked", would let a caller probe which key prefixes exist and
what became of them. The precise reason is in the security log only.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from shared import messages
from shared.auth.apikeys import KeyRefused, authenticate_key, looks_like_key
from shared.auth.devissuer import dev_trusted_key, is_dev_public_key, key_dir
from shared.auth.jwt import JwtVerifier, TokenRefused
from shared.auth.principal import Principal, development_principal
from shared.auth.securitylog import security_event
from shared.errors import BadRequest, Unauthorized
from shared.settings import Settings

REFUSED_CODE = "AUTHENTICATION_REQUIRED"
REFUSED_MESSAGE = messages.AUTHENTICATION_REQUIRED
#: The 401 of an API key past its expiry (its secret right): the holder needs a new key (an
#: expired key is not rotated: `apikeys.rotate_key`).
KEY_EXPIRED_CODE = "API_KEY_EXPIRED"
#: The 400 of a request carrying both an Authorization header and an API key (finding L3).
AMBIGUOUS_CODE = "AMBIGUOUS_CREDENTIALS"


def refused() -> Unauthorized:
    """The one 401 a client sees (the reason has gone to the security log)."""
    return Unauthorized(REFUSED_CODE, REFUSED_MESSAGE)


class Authenticator:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.longest_key_life = timedelta(days=settings.api_key_max_days)
        extra = [dev_trusted_key(settings)] if settings.auth_mode == "development" else []
        self.jwt = JwtVerifier(settings, extra)

    def startup_problems(self) -> list[str]:
        """What makes this configuration unfit for production (empty elsewhere)."""
        if self.settings.environment != "production":
            return []
        problems = []
        if self.settings.auth_mode == "development":
            problems.append(messages.DEVELOPMENT_AUTH_IN_PRODUCTION)
        dev_dir = key_dir(self.settings)
        for trusted in self.jwt.keys:
            inside_dev_dir = Path(trusted.source).resolve().is_relative_to(dev_dir)
            if inside_dev_dir or is_dev_public_key(self.settings, trusted.key):
                problems.append(messages.DEVELOPMENT_KEY_IN_PRODUCTION.format(source=trusted.source))
        return problems

    def authenticate(self, request: Request) -> Principal:
        given = credential_headers(request)
        header = given.get("authorization")
        api_key = given.get("x-api-key")
        repeated = repeated_credential(request)
        if repeated is not None:
            # One credential header given twice (a proxy appending its own bearer to a user's
            # request): the first used to be judged and the other silently ignored, finding
            # L3's case under one name. Neither is chosen, the same value twice included.
            security_event("authn_login_fail", None, reason="repeated_credential",
                           path=request.url.path)
            raise BadRequest(AMBIGUOUS_CODE, messages.REPEATED_CREDENTIAL.format(header=repeated))
        if header is not None and api_key is not None:
            # Two credentials, perhaps of two callers (a proxy adding its key to a user's
            # token): the bearer alone used to be judged and the key silently ignored, so the
            # request ran as someone its sender may not have meant. Neither is chosen; the
            # caller learns why, as it cannot probe anything by it.
            security_event("authn_login_fail", None, reason="ambiguous_credentials",
                           path=request.url.path)
            raise BadRequest(AMBIGUOUS_CODE, messages.AMBIGUOUS_CREDENTIALS)
        if header is not None:
            scheme, _, token = header.strip().partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                security_event("authn_login_fail", None, reason="malformed_header")
                raise refused()
            return self._api_key(token) if looks_like_key(token) else self._token(token)
        if api_key is not None:
            return self._api_key(api_key.strip())
        if self.settings.auth_mode == "development":
            repeated = repeated_development_header(request)
            if repeated is not None:
                # A development header given twice (two X-Actor lines: a proxy or a test
                # client adding its own): the first was read and the other ignored, so the
                # events recorded an actor the sender may not have meant. Refused as a
                # repeated credential is (examiner-hostile); read only here, where they count.
                security_event("authn_login_fail", None, reason="repeated_credential",
                               path=request.url.path)
                raise BadRequest(AMBIGUOUS_CODE,
                                 messages.REPEATED_CREDENTIAL.format(header=repeated))
            return development_principal(
                given.get("x-actor"), given.get("x-department"), given.get("x-scopes"),
                given.get("x-unit-scope"),
            )
        security_event("authn_login_fail", None, reason="no_credentials", path=request.url.path)
        raise refused()

    def _token(self, token: str) -> Principal:
        try:
            return self.jwt.verify(token)
        except TokenRefused as exc:
            security_event("authn_login_fail", exc.subject, "jwt", reason=exc.reason)
            raise refused() from None

    def _api_key(self, token: str) -> Principal:
        try:
            with self.engine.begin() as conn:
                key = authenticate_key(conn, token, longest=self.longest_key_life)
        except KeyRefused as exc:
            who = f"key:{exc.owner}" if exc.owner else None
            if exc.reason == "revoked":
                security_event("authn_token_revoked", who, exc.prefix or "", reason="revoked")
            else:
                security_event(
                    "authn_login_fail", who, "api_key", reason=exc.reason, credential=exc.prefix
                )
            if exc.reason == "expired":
                # Its secret matched: the holder, not a stranger, learns why (finding J16).
                raise Unauthorized(KEY_EXPIRED_CODE, messages.API_KEY_EXPIRED) from None
            raise refused() from None
        return key.principal()


#: The headers a request's credentials are read from, by their name as ASGI gives it (lower
#: case): `credential_headers`.
_CREDENTIAL_HEADERS = {
    name.encode("latin-1"): name
    for name in ("authorization", "x-api-key", "x-actor", "x-department", "x-scopes",
                 "x-unit-scope")
}
# Where a request's credential headers are kept once read (its `state`), and the credential
# header it gave more than once, if any, and the development header.
_CREDENTIALS_KEY = "credential_headers"
_REPEATED_KEY = "repeated_credential"
_REPEATED_DEVELOPMENT_KEY = "repeated_development_header"
#: The credential headers a request may give once only, as a client writes their names.
_SINGLE_CREDENTIALS = {"authorization": "Authorization", "x-api-key": "X-API-Key"}
#: The development headers (AUTH_MODE=development), each given once only where they are read.
_SINGLE_DEVELOPMENT = {"x-actor": "X-Actor", "x-department": "X-Department",
                       "x-scopes": "X-Scopes", "x-unit-scope": "X-Unit-Scope"}


def credential_headers(request: Request) -> dict[str, str]:
    """The credential headers of the request, each as `request.headers.get` gives it (its
    first value, Latin-1), read in one pass over the request's headers and kept for it.
    Looked up one by one, each name was a walk of every header, lower-casing and encoding the
    name: eight walks per command (the blocking check, then the authentication)."""
    state = request.scope.setdefault("state", {})
    given: dict[str, str] | None = state.get(_CREDENTIALS_KEY)
    if given is None:
        given = {}
        repeated: str | None = None
        development: str | None = None
        for name, value in request.scope["headers"]:
            key = _CREDENTIAL_HEADERS.get(name)
            if key is None:
                continue
            if key not in given:
                given[key] = value.decode("latin-1")
            elif key in _SINGLE_CREDENTIALS:
                repeated = repeated or _SINGLE_CREDENTIALS[key]
            else:
                development = development or _SINGLE_DEVELOPMENT[key]
        state[_CREDENTIALS_KEY] = given
        state[_REPEATED_KEY] = repeated
        state[_REPEATED_DEVELOPMENT_KEY] = development
    return given


def repeated_credential(request: Request) -> str | None:
    """The credential header (Authorization, X-API-Key) the request gave more than once."""
    credential_headers(request)
    repeated: str | None = request.scope["state"][_REPEATED_KEY]
    return repeated


def repeated_development_header(request: Request) -> str | None:
    """The development header (X-Actor, X-Department, X-Scopes, X-Unit-Scope) the request
    gave more than once."""
    credential_headers(request)
    repeated: str | None = request.scope["state"][_REPEATED_DEVELOPMENT_KEY]
    return repeated


def _known_principal(request: Request) -> Principal | None:
    """The principal already proved for this request. Read from the dict `request.state`
    keeps its attributes in (the request's scope): `getattr(request.state, ..., None)` made
    and caught an AttributeError, with its message, on every request's first look."""
    state = request.scope.get("state")
    return None if state is None else state.get("principal")


def authenticated_principal(request: Request) -> Principal:
    """Who is asking, proved by credentials; once per request (cached on the request).

    Blocking (an API key is checked against the database): call it from a worker thread or a
    plain `def` route. On the event loop, FastAPI uses `authenticate_request` below.
    """
    cached = _known_principal(request)
    if cached is not None:
        return cached
    authenticator: Authenticator = request.app.state.authenticator
    principal = authenticator.authenticate(request)
    request.state.principal = principal
    return principal


async def authenticate_request(request: Request) -> Principal:
    """The FastAPI dependency of `authenticated_principal`. Only what may block goes to the
    thread pool: an API key (checked against the database) and a token while keys are
    fetched from an identity provider's JWKS address. A token checked against the keys in
    hand, or the development headers, is checked on the event loop: a thread-pool round trip
    costs more than verifying a token (bench/http.py)."""
    cached = _known_principal(request)
    if cached is not None:
        return cached
    if _may_block(request):
        return await run_in_threadpool(authenticated_principal, request)
    return authenticated_principal(request)


def _may_block(request: Request) -> bool:
    given = credential_headers(request)
    if given.get("x-api-key") is not None:
        return True
    header = given.get("authorization")
    if header is None:
        return False
    _, _, token = header.strip().partition(" ")
    authenticator: Authenticator = request.app.state.authenticator
    return looks_like_key(token.strip()) or bool(authenticator.jwt.remote)


AuthenticatedPrincipal = Annotated[Principal, Depends(authenticate_request)]
