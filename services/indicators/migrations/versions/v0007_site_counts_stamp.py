"""The stamp of I3 and I4's counts (`ind_site_counts_stamp`): a token the religion projection
writes with every batch, by which a process knows whether the counts it keeps in memory are
still those of the database (services/indicators/application/live.py). Empty at first: the
first batch reads the counts from the table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ind_site_counts_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("ind_site_counts_stamp")
