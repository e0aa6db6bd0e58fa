"""The chunk figures follow the kernel's rulebook (shared/planrules.py): a site's dossier and
certificate count only while the site is open, a commitment is overdue only after its due date
at the cut-off, and I2's sessions per head are kept from 1 January (the days 15/12-31/12 have
their own chunk). Chunk rows written before this revision still have the old meaning, so every
source is marked incomplete: reports are computed from the fact tables (correct, slower) until
the projections are rebuilt once (deploy/OPERATIONS.md §8, step 11), which marks them complete
again. No table changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 17:10:00
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
    op.execute(sa.text("UPDATE rpt_source_marks SET complete = :no").bindparams(no=False))


def downgrade() -> None:
    # The old code reads incomplete marks the same way (from the facts): nothing to undo.
    pass
