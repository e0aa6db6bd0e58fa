"""Corrections (G18): a fact row records when a correction superseded it (`superseded_at`,
NULL: it still counts). No correction was ever projected before this revision, so every row
stays as it was and the chunk figures stay whole.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("rpt_religion_facts", "rpt_dialogue_facts", "rpt_indicators_facts")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("superseded_at")
