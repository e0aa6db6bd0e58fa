"""Kernel tables of authentication: API keys and their management audit.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.migrations import create_auth_tables, drop_auth_tables

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_auth_tables()


def downgrade() -> None:
    drop_auth_tables()
