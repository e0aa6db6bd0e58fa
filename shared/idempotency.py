"""Idempotency keys: a partner that retries a POST after a timeout gets the first answer again.

A key is scoped to the client that sent it (the authenticated principal: two partners may pick
the same key) and kept `retention` (24 h by default, `IDEMPOTENCY_RETENTION_HOURS`). The row is
claimed at the start of the command's transaction and completed with the response just before
that transaction commits, so the key and the command's events are written together or not at
all: a crash can leave neither events without their key nor a key without its events.

Racing retries: the first to claim the key runs the command. On PostgreSQL the others' insert
of the same key waits on the first transaction's row lock and fails once it commits; on SQLite
the writers of a process take turns (shared.db) and the others find the completed row. Either
way they answer with the first response, and nothing of theirs is written. A command refused
(4xx) writes nothing, its key included, so the same key may be sent again once the request is
corrected; only a completed command's response is replayed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from shared import messages
from shared.errors import InvalidInput
from shared.eventstore import kernel_metadata
from shared.validation import composed

DEFAULT_RETENTION = timedelta(hours=24)
HEADER = "Idempotency-Key"
#: Printable ASCII without spaces, as a UUID or any client's request id is written.
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"

KEY_REUSED = ("IDEMPOTENCY_KEY_REUSED", messages.IDEMPOTENCY_KEY_REUSED)

idempotency_table = Table(
    "idempotency_keys",
    kernel_metadata,
    # "<kind>:<subject>" of the principal: a key means something only to the client that made it.
    Column("client", String(250), primary_key=True),
    Column("key", String(200), primary_key=True),
    # sha256 of method, path, query and the canonical body: "the same request".
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("headers", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class IdempotentRequest:
    client: str
    key: str
    fingerprint: str


class KeyRaced(Exception):
    """Another transaction committed the same key while this one was claiming it: this one is
    aborted (PostgreSQL) and the caller answers with the first response instead."""


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """The same request, whatever the JSON's spacing and key order."""
    digest = hashlib.sha256()
    digest.update(f"{method.upper()} {path}?{_canonical_query(query)}\n".encode())
    digest.update(canonical_body(body))
    return digest.hexdigest()


def canonical_body(body: bytes) -> bytes:
    """The JSON body as the command reads it: its texts (keys too) in their composed form,
    NFC, as the body's validation takes them (shared.validation.clean_text, composed), so the
    same request typed on macOS or pasted from a PDF (NFD) is the same request, not
    IDEMPOTENCY_KEY_REUSED (examiner H, L5); keys sorted, no spacing."""
    if not body:
        return b""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body
    return json.dumps(_composed(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8", "surrogatepass")


def _composed(value: Any) -> Any:
    """Every text of a parsed body, keys too, as `shared.validation.composed` reads one."""
    if isinstance(value, dict):
        return {composed(key): _composed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_composed(item) for item in value]
    return composed(value)


def _canonical_query(query: str) -> str:
    return "&".join(sorted(part for part in query.split("&") if part))


def lookup(
    conn: Connection, request: IdempotentRequest, now: datetime, retention: timedelta
) -> StoredResponse | None:
    """The response stored for this client's key; 422 when the key came with another request.
    A key older than `retention` is forgotten here (and its row removed)."""
    row = conn.execute(
        select(
            idempotency_table.c.fingerprint,
            idempotency_table.c.status,
            idempotency_table.c.body,
            idempotency_table.c.headers,
            idempotency_table.c.created_at,
        ).where(
            idempotency_table.c.client == request.client,
            idempotency_table.c.key == request.key,
        )
    ).one_or_none()
    if row is None:
        return None
    if _aware(row.created_at) < now - retention:
        conn.execute(
            delete(idempotency_table).where(
                idempotency_table.c.client == request.client,
                idempotency_table.c.key == request.key,
            )
        )
        return None
    if row.fingerprint != request.fingerprint:
        raise InvalidInput(*KEY_REUSED, key=request.key)
    return StoredResponse(row.status, json.loads(row.body), json.loads(row.headers))


def claim(conn: Connection, request: IdempotentRequest, now: datetime) -> None:
    """Take the key for this transaction (a placeholder the command's response replaces)."""
    try:
        conn.execute(
            insert(idempotency_table),
            {
                "client": request.client,
                "key": request.key,
                "fingerprint": request.fingerprint,
                "status": 0,
                "body": "null",
                "headers": "{}",
                "created_at": now,
            },
        )
    except IntegrityError as exc:
        raise KeyRaced(request.key) from exc


def complete(
    conn: Connection,
    request: IdempotentRequest,
    status: int,
    body: Any,
    headers: Mapping[str, str],
) -> None:
    conn.execute(
        update(idempotency_table)
        .where(
            idempotency_table.c.client == request.client,
            idempotency_table.c.key == request.key,
        )
        .values(
            status=status,
            body=json.dumps(body, ensure_ascii=False, default=str),
            headers=json.dumps(dict(headers)),
        )
    )


def purge(conn: Connection, now: datetime, retention: timedelta) -> int:
    """Forget keys past their retention; returns how many."""
    result = conn.execute(
        delete(idempotency_table).where(idempotency_table.c.created_at < now - retention)
    )
    return result.rowcount or 0


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class IdempotencyKeys:
    """The service's keys: their retention, and when they were last purged (held by the
    runtime, so each process purges at most every `purge_every` on its own)."""

    def __init__(self, retention: timedelta, purge_every: timedelta = timedelta(minutes=10)):
        self.retention = retention
        self.purge_every = purge_every
        self._purged_at: datetime | None = None

    def purge_due(self, now: datetime) -> bool:
        if self._purged_at is not None and now - self._purged_at < self.purge_every:
            return False
        self._purged_at = now
        return True
