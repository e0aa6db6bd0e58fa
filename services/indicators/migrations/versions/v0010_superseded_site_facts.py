"""Religion facts a correction took the place of (`superseded_at`): the indicators service
applies religion's corrections (CertificateIssuedCorrected, DossierStepCorrected,
SiteRegisteredCorrected) as reporting does, the corrected fact kept for a reading "as of"
before the correction. Existing rows were never corrected: the column starts empty.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 01:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("ind_site_facts", "ind_dossier_facts", "ind_certificate_facts")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("superseded_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "superseded_at")
