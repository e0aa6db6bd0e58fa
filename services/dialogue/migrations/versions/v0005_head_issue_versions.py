"""The version of a head's post and of an issue in their read models, so that their reads
answer an ETag like the sessions and commitments (docs/api-conventions.md). Filled here from
the event store: the last version of each aggregate, what the projection writes from now on.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (read model, its aggregate type, the column naming its aggregate)
_TABLES = (("dlg_heads", "head", "post_id"), ("dlg_issues", "issue", "issue_id"))


def upgrade() -> None:
    for table, aggregate_type, id_column in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        op.execute(
            sa.text(
                f"UPDATE {table} SET version = COALESCE((SELECT MAX(e.aggregate_version) "
                "FROM events e WHERE e.aggregate_type = :type "
                f"AND e.aggregate_id = {table}.{id_column}), 1)"
            ).bindparams(type=aggregate_type)
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("version", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    for table, _, _ in reversed(_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
