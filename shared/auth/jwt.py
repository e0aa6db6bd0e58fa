"""Bearer JWTs for people: RS256 only, verified against configured public keys.

Keys come from `JWT_PUBLIC_KEYS`: PEM files, JWKS files, or https JWKS addresses of the
institution's identity provider (fetched and cached by PyJWT). The development issuer's key
(`shared.auth.devissuer`) is added in development. Claims are mapped by name from settings,
so a provider whose tokens say `scp` or `groups` needs configuration, not code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt import PyJWKClient
from pydantic_core import PydanticCustomError

from shared import messages
from shared.auth.principal import CITY_SCOPE, Principal, parse_scopes
from shared.clock import today_vn
from shared.envelope import utcnow
from shared.errors import InvalidInput
from shared.requestguard import has_control_character
from shared.settings import Settings
from shared.unitcheck import require_unit_of_jurisdiction
from shared.validation import ACTOR_MAX, clean_text

ALGORITHMS = ["RS256"]
#: The longest subject or department taken: an event records its actor in 200 characters.
CLAIM_MAX = ACTOR_MAX


class TokenRefused(Exception):
    """Why a bearer token does not authenticate (never holds the token itself)."""

    def __init__(self, reason: str, subject: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.subject = subject


@dataclass(frozen=True)
class TrustedKey:
    key: RSAPublicKey
    kid: str | None
    issuer: str | None
    source: str


def load_key_file(path: Path, issuer: str | None) -> list[TrustedKey]:
    """A PEM public key, or a JWKS document (`{"keys": [...]}`) with RSA keys."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        document = json.loads(data)
        keys = []
        for jwk in document.get("keys", []):
            if jwk.get("kty") != "RSA":
                continue
            public = jwt.PyJWK(jwk, algorithm="RS256").key
            assert isinstance(public, RSAPublicKey)
            keys.append(TrustedKey(public, jwk.get("kid"), issuer, str(path)))
        return keys
    public = load_pem_public_key(data)
    if not isinstance(public, RSAPublicKey):
        raise ValueError(messages.NOT_AN_RSA_PUBLIC_KEY.format(path=path))
    return [TrustedKey(public, None, issuer, str(path))]


class JwtVerifier:
    def __init__(self, settings: Settings, extra_keys: list[TrustedKey] | None = None) -> None:
        self.settings = settings
        self.keys: list[TrustedKey] = list(extra_keys or [])
        self.remote: list[PyJWKClient] = []
        for entry in (e.strip() for e in settings.jwt_public_keys.split(",")):
            if not entry:
                continue
            if entry.startswith("https://") or entry.startswith("http://"):
                self.remote.append(PyJWKClient(entry, cache_keys=True, lifespan=3600))
            else:
                self.keys.extend(load_key_file(Path(entry), settings.jwt_issuer))

    @property
    def configured(self) -> bool:
        return bool(self.keys or self.remote)

    def _candidates(self, token: str) -> list[TrustedKey]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRefused("malformed") from exc
        if header.get("alg") not in ALGORITHMS:
            raise TokenRefused("algorithm")
        kid = header.get("kid")
        local = [k for k in self.keys if k.kid is None or kid is None or k.kid == kid]
        for client in self.remote:
            try:
                signing = client.get_signing_key_from_jwt(token)
            except jwt.PyJWTError:
                continue
            if isinstance(signing.key, RSAPublicKey):
                local.append(TrustedKey(signing.key, kid, self.settings.jwt_issuer, client.uri))
        return local

    def verify(self, token: str) -> Principal:
        candidates = self._candidates(token)
        if not candidates:
            raise TokenRefused("unknown_key")
        reason = "signature"
        for candidate in candidates:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    candidate.key,
                    algorithms=ALGORITHMS,
                    audience=self.settings.jwt_audience,
                    issuer=candidate.issuer,
                    leeway=self.settings.jwt_leeway_s,
                    options={
                        "require": ["exp", "iat", self.settings.jwt_subject_claim],
                        "verify_aud": self.settings.jwt_audience is not None,
                        "verify_iss": candidate.issuer is not None,
                    },
                )
            except jwt.ExpiredSignatureError as exc:
                raise TokenRefused("expired", _unverified_subject(token)) from exc
            except jwt.InvalidAudienceError as exc:
                raise TokenRefused("audience") from exc
            except jwt.InvalidIssuerError:
                reason = "issuer"
                continue
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError as exc:
                raise TokenRefused("invalid") from exc
            return self._principal(self._within_lifetime(claims))
        raise TokenRefused(reason)

    def _within_lifetime(self, claims: dict[str, Any]) -> dict[str, Any]:
        """A token living longer than JWT_MAX_LIFETIME_S (from iat, or from now without one)
        is refused: `exp` in year 33658 was accepted, an identity provider's misconfiguration
        (or a stolen signing key's token) trusted for ever (finding O11)."""
        issued = claims.get("iat")
        start = issued if isinstance(issued, int | float) else utcnow().timestamp()
        if claims["exp"] - start > self.settings.jwt_max_lifetime_s:
            subject = claims.get(self.settings.jwt_subject_claim)
            named = isinstance(subject, str) and _clean_claim(subject) == subject
            raise TokenRefused("lifetime", subject if named else None)
        return claims

    def _principal(self, claims: dict[str, Any]) -> Principal:
        s = self.settings
        subject = claims.get(s.jwt_subject_claim)
        # The subject becomes every event's actor and the audit trail's «who»: it follows the
        # body's text rules (no control or bidi character) and is refused, not cut, when too
        # long (finding O11: a newline and U+202E were recorded as an actor, 5,000 characters
        # cut to 200, so two identities could record as one). An identifier is taken exactly
        # as signed or not at all: "nguyen.van.a\u200b" cleaned would record as someone else.
        if not isinstance(subject, str) or _clean_claim(subject) != subject:
            raise TokenRefused("subject")
        # No unit claim is a refusal, not the city: a token must say where its holder works.
        # A claim that is no unit code of the jurisdiction (a list, "31 ", "VN", another
        # province's code) is refused the same way, by the rule of an API key's unit scope:
        # taken as it came it made a principal whose every request failed or found nothing.
        unit = claims.get(s.jwt_unit_claim)
        if not isinstance(unit, str) or not _unit_of_jurisdiction(unit, s.jurisdiction):
            raise TokenRefused("unit_claim", subject)
        # The department is recorded beside the actor in every audit row: the same rules,
        # but it is a name, so it is kept in its cleaned (composed, trimmed) form.
        department: str | None = None
        # An empty one (a provider's unset attribute) is no department, as before.
        if (named := claims.get(s.jwt_department_claim)) not in (None, ""):
            department = _clean_claim(named) if isinstance(named, str) else None
            if department is None:
                raise TokenRefused("department", subject)
        return Principal(
            subject=subject,
            kind="user",
            scopes=parse_scopes(claims.get(s.jwt_scope_claim)),
            unit_scope=unit,
            department=department,
            credential_id=str(claims["jti"])[:100] if claims.get("jti") else None,
        )


def _clean_claim(value: str) -> str | None:
    """A text claim by the body's rules (shared.validation.clean_text) and, being one line,
    without the tab or line break free text may hold (a query parameter's rule): None if
    it breaks them, is blank or is longer than an actor is recorded."""
    if has_control_character(value):
        return None
    try:
        cleaned = clean_text(value)
    except PydanticCustomError:
        return None
    return cleaned if cleaned and len(cleaned) <= CLAIM_MAX else None


def _unit_of_jurisdiction(code: str, jurisdiction: str) -> bool:
    # CITY_SCOPE is the principal's "everything this deployment sees" (Principal.is_city),
    # whatever the jurisdiction: a city-level token of another province's deployment says it.
    if code == CITY_SCOPE:
        return True
    try:
        require_unit_of_jurisdiction(code, today_vn(), jurisdiction)
    except InvalidInput:
        return False
    return True


def _unverified_subject(token: str) -> str | None:
    # Only to name who failed in the log, after the signature was found valid but expired.
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return str(subject)[:200] if subject else None
