"""A commitment is done at a cut-off by its last completion or reopening up to it, whatever
facts follow it by business date (finding G1: an overdue the dialogue service recorded before a
completion dated earlier sorted after that completion and undid it in every later report).
Chunk rows of the dialogue source written before this revision still count such a commitment
overdue, so that source is marked incomplete: its reports are computed from the fact tables
(correct, slower) until the projections are rebuilt once (deploy/OPERATIONS.md §8, step 15),
which marks it complete again. No table changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text("UPDATE rpt_source_marks SET complete = :no WHERE source = :source")
        .bindparams(no=False, source="dialogue")
    )


def downgrade() -> None:
    # The old code reads incomplete marks the same way (from the facts): nothing to undo.
    pass
