"""The register listed for a district board or a district is narrowed by the communes of the
district on their days (shared.auth.units.scope_clause: `commune_code IN (...)`), no longer by
the district stored with the registration (F20): the communes indexed behind the status, as
the other filters of a list of active sites are (revision 0005). Without it SQLite's planner
took the status index and read every active site of the city.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_rel_sites_status_commune_code"


def upgrade() -> None:
    with op.batch_alter_table("rel_sites", schema=None) as batch_op:
        batch_op.create_index(NAME, ["status", "commune_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rel_sites", schema=None) as batch_op:
        batch_op.drop_index(NAME)
