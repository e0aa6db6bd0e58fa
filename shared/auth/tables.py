"""Kernel tables of authentication, in every service's database: API keys and their audit.

Keys are credentials, not domain facts: they are revoked, rotated and expire, and their hash
must be replaceable, so they are a plain table. Their management is still audited, in
`api_key_audit`, append-only like the events (no row is updated or deleted), but kept out of
the event stream so that no credential metadata is ever published on NATS or replayed into
another service.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text

from shared.db import BIG_ID, UtcDateTime
from shared.eventstore import kernel_metadata

api_keys_table = Table(
    "api_keys",
    kernel_metadata,
    # The visible part of `dv_<prefix>_<secret>`: how people name a key, never secret.
    Column("prefix", String(16), primary_key=True),
    # sha256 of the secret part: the secret has 256 bits of entropy, so a slow hash adds
    # nothing, and a lookup per request must stay cheap.
    Column("secret_hash", String(64), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("department", String(200)),
    Column("scopes", Text, nullable=False),
    Column("unit_scope", String(10), nullable=False),
    Column("note", String(500)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expires_at", UtcDateTime()),
    Column("last_used_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
    Column("revoked_by", String(200)),
    Column("replaced_by", String(16)),
)

api_key_audit_table = Table(
    "api_key_audit",
    kernel_metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("action", String(30), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("details", Text, nullable=False),
)
Index("ix_api_key_audit_recorded_at", api_key_audit_table.c.recorded_at)
