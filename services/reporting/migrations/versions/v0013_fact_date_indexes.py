"""The fact tables are indexed on the business date and on the due date of the commitments
that have one (`tables._fact_table`): a running period's report reads the facts of the few days
between its chunks and today (`fact_reads.days_facts`) through them instead of a scan of every
fact. Existing stores get them here (a few seconds for a million facts); a rebuild beside the
live tables makes them at its switch, after its bulk load (`shared/rebuild.AFTER_LOAD`). No data
changes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = ("religion", "dialogue", "indicators")


def upgrade() -> None:
    for source in SOURCES:
        table = f"rpt_{source}_facts"
        op.create_index(f"ix_rpt_{source}_business_on", table, ["business_on"])
        due = sa.text("due_on IS NOT NULL")
        op.create_index(f"ix_rpt_{source}_due_on", table, ["due_on"],
                        sqlite_where=due, postgresql_where=due)


def downgrade() -> None:
    for source in SOURCES:
        table = f"rpt_{source}_facts"
        op.drop_index(f"ix_rpt_{source}_due_on", table_name=table)
        op.drop_index(f"ix_rpt_{source}_business_on", table_name=table)
