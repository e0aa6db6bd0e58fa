"""The generations of the read models: a rebuild builds a new one beside the live tables and
switches it in when it has caught up (`shared/rebuild.py`). No row until the first rebuild:
the tables built so far are generation 1.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from shared.migrations import create_rebuild_tables

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_rebuild_tables()


def downgrade() -> None:
    op.drop_table("read_model_generations")
