"""The register's indexes as its lists use them: the dossier state, the deadline and the
religion indexed behind the status (a list is of active sites unless it asks otherwise), the
status alone no more (it is their prefix).

On SQLite the planner took the status index for every list of active sites and filtered the
state, the deadline or the religion row by row. Each index is one more B-tree a registration
writes: 7 -> 6 on the site table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SINGLE = (
    ("ix_rel_sites_religion", "religion"),
    ("ix_rel_sites_status", "status"),
    ("ix_rel_sites_dossier_state", "dossier_state"),
    ("ix_rel_sites_dossier_due_on", "dossier_due_on"),
)
COMPOSITE = (
    ("ix_rel_sites_status_dossier_state", ["status", "dossier_state"]),
    ("ix_rel_sites_status_dossier_due_on", ["status", "dossier_due_on"]),
    ("ix_rel_sites_status_religion", ["status", "religion"]),
)


def upgrade() -> None:
    with op.batch_alter_table("rel_sites", schema=None) as batch_op:
        for name, _ in SINGLE:
            batch_op.drop_index(name)
        for name, columns in COMPOSITE:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rel_sites", schema=None) as batch_op:
        for name, _ in COMPOSITE:
            batch_op.drop_index(name)
        for name, column in SINGLE:
            batch_op.create_index(name, [column], unique=False)
