"""API keys for machine integrations: `dv_<prefix>_<secret>`, stored as a sha256 of the secret.

The prefix is the key's name (shown in lists, logs and audit rows); the secret is shown once,
at creation or rotation, and never stored or logged. Rotation issues a new key with the same
rights and lets the old one live for a grace period so the partner can switch without a gap.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from shared.auth.principal import CITY_SCOPE, SCOPES, Principal, parse_scopes
from shared.auth.tables import api_key_audit_table, api_keys_table
from shared.clock import in_utc
from shared.envelope import utcnow
from shared.paging import PageRequest
from shared.validation import ACTOR_MAX

KEY_PREFIX = "dv"
#: last_used_at is written at most this often per key: a partner pushing thousands of
#: requests must not turn every read into a write.
LAST_USE_RESOLUTION = timedelta(minutes=1)


class UnknownScopeError(ValueError):
    def __init__(self, unknown: Iterable[str]) -> None:
        self.unknown = sorted(unknown)
        super().__init__(", ".join(self.unknown))


class KeyRefused(Exception):
    """Why a presented key does not authenticate; `reason` is one of the REASONS below."""

    REASONS = ("malformed", "unknown", "mismatch", "revoked", "expired")

    def __init__(self, reason: str, prefix: str | None = None, owner: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.prefix = prefix
        self.owner = owner


@dataclass(frozen=True)
class ApiKey:
    prefix: str
    owner: str
    department: str | None
    scopes: frozenset[str]
    unit_scope: str
    note: str | None
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    replaced_by: str | None

    def expiry(self, longest: timedelta | None = None) -> datetime | None:
        """When the key stops working. A key stored without an expiry (before finding J16
        bounded every key's lifetime) expires `longest` (API_KEY_MAX_DAYS) after its creation:
        never an open-ended credential (deploy/OPERATIONS.md, «Khoá API»)."""
        if self.expires_at is not None or longest is None:
            return self.expires_at
        return self.created_at + longest

    def status(self, now: datetime, longest: timedelta | None = None) -> str:
        if self.revoked_at is not None:
            return "revoked"
        expiry = self.expiry(longest)
        if expiry is not None and expiry <= now:
            return "expired"
        return "active"

    def as_dict(self, now: datetime, longest: timedelta | None = None) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "prefix": self.prefix,
            "owner": self.owner,
            "department": self.department,
            "scopes": sorted(self.scopes),
            "unit_scope": self.unit_scope,
            "note": self.note,
            "status": self.status(now, longest),
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
            "expires_at": iso(self.expiry(longest)),
            "last_used_at": iso(self.last_used_at),
            "revoked_at": iso(self.revoked_at),
            "revoked_by": self.revoked_by,
            "replaced_by": self.replaced_by,
        }

    def principal(self) -> Principal:
        return Principal(
            subject=self.owner,
            kind="api_key",
            scopes=self.scopes,
            unit_scope=self.unit_scope,
            department=self.department,
            credential_id=self.prefix,
        )


def looks_like_key(token: str) -> bool:
    return token.startswith(f"{KEY_PREFIX}_")


def split_key(token: str) -> tuple[str, str]:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or len(parts[2]) < 20:
        raise KeyRefused("malformed")
    return parts[1], parts[2]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_scopes(scopes: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(scopes)
    unknown = wanted - SCOPES.keys()
    if unknown:
        raise UnknownScopeError(unknown)
    return wanted


def _row_to_key(row: Any) -> ApiKey:
    def aware(value: datetime | None) -> datetime | None:
        return in_utc(value) if value is not None else None

    return ApiKey(
        prefix=row.prefix,
        owner=row.owner,
        department=row.department,
        scopes=parse_scopes(row.scopes),
        unit_scope=row.unit_scope,
        note=row.note,
        created_at=in_utc(row.created_at),
        created_by=row.created_by,
        expires_at=aware(row.expires_at),
        last_used_at=aware(row.last_used_at),
        revoked_at=aware(row.revoked_at),
        revoked_by=row.revoked_by,
        replaced_by=row.replaced_by,
    )


def _audit(
    conn: Connection, action: str, prefix: str, actor: str, now: datetime, **details: Any
) -> None:
    conn.execute(
        insert(api_key_audit_table),
        {
            "recorded_at": now,
            "action": action,
            "prefix": prefix,
            "actor": actor[:200],
            "details": json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
        },
    )


def create_key(
    conn: Connection,
    *,
    owner: str,
    scopes: Iterable[str],
    created_by: str,
    unit_scope: str = CITY_SCOPE,
    department: str | None = None,
    expires_at: datetime | None = None,
    note: str | None = None,
    now: datetime | None = None,
    action: str = "created",
) -> tuple[ApiKey, str]:
    """Store a new key and return it with its plaintext, which exists only in this return."""
    now = now or utcnow()
    wanted = check_scopes(scopes)
    prefix = secrets.token_hex(4)
    while conn.execute(
        select(api_keys_table.c.prefix).where(api_keys_table.c.prefix == prefix)
    ).first():
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    values = {
        "prefix": prefix,
        "secret_hash": hash_secret(secret),
        "owner": owner[:ACTOR_MAX],
        "department": department[:ACTOR_MAX] if department else department,
        "scopes": " ".join(sorted(wanted)),
        "unit_scope": unit_scope,
        "note": note,
        "created_at": now,
        "created_by": created_by[:ACTOR_MAX],
        "expires_at": expires_at,
    }
    conn.execute(insert(api_keys_table), values)
    _audit(
        conn,
        action,
        prefix,
        created_by,
        now,
        owner=owner,
        scopes=sorted(wanted),
        unit_scope=unit_scope,
        department=department,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    key = get_key(conn, prefix)
    assert key is not None
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def get_key(conn: Connection, prefix: str) -> ApiKey | None:
    row = conn.execute(select(api_keys_table).where(api_keys_table.c.prefix == prefix)).first()
    return _row_to_key(row) if row else None


def list_keys(conn: Connection) -> list[ApiKey]:
    rows = conn.execute(select(api_keys_table).order_by(api_keys_table.c.created_at)).all()
    return [_row_to_key(r) for r in rows]


def revoke_key(
    conn: Connection,
    prefix: str,
    actor: str,
    now: datetime | None = None,
    reason: str | None = None,
) -> ApiKey | None:
    now = now or utcnow()
    key = get_key(conn, prefix)
    if key is None:
        return None
    # Only the revocation that changes the row is audited: two revocations at once both read
    # the key unrevoked (PostgreSQL's read committed), and the second UPDATE, waiting for the
    # first's row lock, then finds nothing to revoke.
    revoked = conn.execute(
        update(api_keys_table)
        .where(api_keys_table.c.prefix == prefix, api_keys_table.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=actor[:200])
    )
    if revoked.rowcount == 1:
        _audit(conn, "revoked", prefix, actor, now, owner=key.owner, reason=reason)
    return get_key(conn, prefix)


class AlreadyRotated(Exception):
    """The key has been rotated already (`successor` replaces it) or was revoked while this
    rotation ran (`successor` None). Raised inside the rotation's transaction, so the key it
    made goes with it."""

    def __init__(self, prefix: str, successor: str | None) -> None:
        super().__init__(prefix)
        self.prefix, self.successor = prefix, successor


def rotate_key(
    conn: Connection, prefix: str, actor: str, grace: timedelta, now: datetime | None = None,
    longest: timedelta | None = None, scopes: frozenset[str] | None = None,
) -> tuple[ApiKey, str] | None:
    """A new key with the old one's rights and expiry (a key stored without one: `longest`
    after its creation, ApiKey.expiry); the old one expires after `grace`. `scopes`: the new
    key's, when not all the old one's (routes.rotation_scopes drops another service's)."""
    now = now or utcnow()
    old = get_key(conn, prefix)
    if old is None or old.status(now, longest) != "active":
        return None
    if old.replaced_by is not None:
        # Rotated once already and still in its grace period: a second rotation (a retried
        # request, an operator's double click) made a second successor with the old key's
        # whole lifetime while `replaced_by` named only the last, a live credential nobody
        # tracks (examiner-hostile). The successor is the key to rotate.
        raise AlreadyRotated(prefix, old.replaced_by)
    new, plaintext = create_key(
        conn,
        owner=old.owner,
        scopes=old.scopes if scopes is None else scopes,
        created_by=actor,
        unit_scope=old.unit_scope,
        department=old.department,
        expires_at=old.expiry(longest),
        note=old.note,
        now=now,
        action="rotated_in",
    )
    old_expiry = now + grace
    stops = old.expiry(longest)
    if stops is not None and stops < old_expiry:
        old_expiry = stops
    # Conditional, so that of two rotations at once only one succeeds (both read the key
    # unrotated; on PostgreSQL the second UPDATE waits for the first's row lock and then finds
    # it rotated): the loser raises, and its transaction takes its new key away.
    moved = conn.execute(
        update(api_keys_table)
        .where(api_keys_table.c.prefix == prefix, api_keys_table.c.replaced_by.is_(None),
               api_keys_table.c.revoked_at.is_(None))
        .values(expires_at=old_expiry, replaced_by=new.prefix)
    )
    if moved.rowcount != 1:
        now_stored = get_key(conn, prefix)
        raise AlreadyRotated(prefix, now_stored.replaced_by if now_stored else None)
    _audit(
        conn,
        "rotated_out",
        prefix,
        actor,
        now,
        replaced_by=new.prefix,
        expires_at=old_expiry.isoformat(),
    )
    return new, plaintext


def authenticate_key(
    conn: Connection, token: str, now: datetime | None = None, longest: timedelta | None = None
) -> ApiKey:
    """The key a presented token names, if it is valid now; raises KeyRefused otherwise.
    `longest`: the lifetime of a key stored without an expiry (ApiKey.expiry)."""
    now = now or utcnow()
    prefix, secret = split_key(token)
    row = conn.execute(select(api_keys_table).where(api_keys_table.c.prefix == prefix)).first()
    # Hash and compare even for an unknown prefix, so timing does not tell which prefixes exist.
    stored = row.secret_hash if row else hash_secret("unknown-prefix")
    matches = hmac.compare_digest(stored, hash_secret(secret))
    if row is None:
        raise KeyRefused("unknown", prefix)
    key = _row_to_key(row)
    if not matches:
        raise KeyRefused("mismatch", prefix, key.owner)
    status = key.status(now, longest)
    if status != "active":
        raise KeyRefused(status, prefix, key.owner)
    if key.last_used_at is None or now - key.last_used_at >= LAST_USE_RESOLUTION:
        conn.execute(
            update(api_keys_table).where(api_keys_table.c.prefix == prefix).values(last_used_at=now)
        )
    return key


def key_audit(
    conn: Connection,
    paging: PageRequest,
    prefixes: Collection[str] | None = None,
) -> dict[str, Any]:
    """A page of the audit rows, newest first, of some keys (`prefixes`) if given. The table
    is append-only and grows with every create, rotate and revoke: read a page at a time
    (finding O10; it was cut at its 200 newest rows, the older ones out of reach)."""
    conditions = [] if prefixes is None else [
        api_key_audit_table.c.prefix.in_(list(prefixes))
    ]
    total = conn.execute(
        select(func.count()).select_from(api_key_audit_table).where(*conditions)
    ).scalar_one()
    rows = conn.execute(
        select(api_key_audit_table).where(*conditions)
        .order_by(api_key_audit_table.c.id.desc())
        .limit(paging.limit).offset(paging.offset)
    ).all()
    return paging.envelope([
        {
            "recorded_at": in_utc(r.recorded_at).isoformat(),
            "action": r.action,
            "prefix": r.prefix,
            "actor": r.actor,
            "details": json.loads(r.details),
        }
        for r in rows
    ], total)
