"""The chunk figures are kept per chunk of about a week (the days 1-7, 8-14, 15-21, 22-28 and
29 to the month's end, `domain/chunks.py`), no longer per stretch between two default
cut-offs: a running period's report then counts at most three days from the facts. Chunk rows
written before this revision are numbered by the old chunks, so every source is marked
incomplete: reports are computed from the fact tables (correct, slower) until the projections
are rebuilt once (deploy/OPERATIONS.md §8, step 17), which marks them complete again. No table
changes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 03:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("UPDATE rpt_source_marks SET complete = :no").bindparams(no=False))


def downgrade() -> None:
    # The previous code reads chunk numbers as its own (a year and a cut-off month): rows
    # this code wrote would read as none. Incomplete, it counts from the facts until rebuilt.
    op.execute(sa.text("UPDATE rpt_source_marks SET complete = :no").bindparams(no=False))
