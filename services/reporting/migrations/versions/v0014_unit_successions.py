"""The successors officials recorded for merged units (J15): `rpt_unit_successions`, a read
model of the indicators service's `UnitSuccessionRecorded`, by which reports place a merged
commune's facts at its successor from the recording on. Filled by its projection
(`successions`, a new durable consumer) from the start of the indicators stream: no rebuild
is needed (deploy/OPERATIONS.md §8).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rpt_unit_successions",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("predecessor_code", sa.String(10), nullable=False),
        sa.Column("successor_code", sa.String(10), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rpt_unit_successions")
