"""Kernel tables: event store, outbox, processed events, dead letters, unique keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.migrations import create_kernel_tables, refuse_to_drop_the_event_store

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kernel_tables()


def downgrade() -> None:
    refuse_to_drop_the_event_store()
