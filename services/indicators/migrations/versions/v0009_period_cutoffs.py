"""The conference cut-offs the Commission moved, as the indicators service consumes them from
the reporting service's PeriodAdjusted (finding G20): a fact table, rebuilt by replay like
the others. It fills as the new consumer reads the reporting stream from its start.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ind_period_cutoff_facts",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_id", sa.String(length=10), nullable=False),
        sa.Column("data_from", sa.Date(), nullable=False),
        sa.Column("cutoff_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("ind_period_cutoff_facts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ind_period_cutoff_facts_on_date"), ["on_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ind_period_cutoff_facts_period_id"), ["period_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("ind_period_cutoff_facts")
