"""The successors officials recorded for merged communes (J15): `dlg_unit_successions`,
the indicators service's `UnitSuccessionRecorded` as reporting keeps it
(`shared.unitsuccessions`), by which this service's lists for a unit place records as
reports do (finding M6). Filled by a new durable consumer (`dialogue-successions`) from the
start of the indicators stream: no rebuild is needed (deploy/OPERATIONS.md §8).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 13:30:00
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
        "dlg_unit_successions",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("predecessor_code", sa.String(10), nullable=False),
        sa.Column("successor_code", sa.String(10), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dlg_unit_successions")
