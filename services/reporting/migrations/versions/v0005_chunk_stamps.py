"""Chunk rows stamped with the batch that last changed them: a report brings its copy of the
chunk figures up to date by the rows changed since, instead of summing them all again.

Rows written before this revision are stamped 0: a copy reads them on its first load.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 23:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("rpt_figure_chunks", "rpt_head_sessions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("stamp", sa.BigInteger(), server_default=sa.text("0"), nullable=False))


def downgrade() -> None:
    for table in ("rpt_head_sessions", "rpt_figure_chunks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("stamp")
