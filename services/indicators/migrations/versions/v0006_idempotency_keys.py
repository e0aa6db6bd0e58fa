"""Kernel table of Idempotency-Key: a retried POST answered with its first response
(shared/idempotency.py), the key written in the same transaction as the command's events.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.migrations import create_idempotency_tables, drop_idempotency_tables

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_idempotency_tables()


def downgrade() -> None:
    drop_idempotency_tables()
