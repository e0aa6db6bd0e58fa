"""I3 and I4's counts per (commune, placement date), kept by the religion projection
(`ind_site_counts`, services/indicators/domain/sitetally.py). Filled here from the facts
already projected, by the same fold the projection uses.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:00:00
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
    op.create_table(
        "ind_site_counts",
        sa.Column("commune_code", sa.String(length=10), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("sites", sa.Integer(), nullable=False),
        sa.Column("dossiers", sa.Integer(), nullable=False),
        sa.Column("certificates", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("commune_code", "placed_on"),
    )
    # Imported here, not at the top: the service's code as of this revision fills the table.
    from services.indicators.adapters.sitecounts import count_every_site

    count_every_site(op.get_bind())


def downgrade() -> None:
    op.drop_table("ind_site_counts")
