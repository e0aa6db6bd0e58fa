"""A commitment completed on or before its due date was never overdue (finding G1). Before this
revision an update dated before the due date but recorded after it was judged at the day it
was recorded: an overdue was stored first, and the read model kept its `overdue_since` after
the completion. The projection now clears it (`adapters/projection.py`, the kernel's
`commitment_standing` at the completion's date); this revision clears it in the rows already
projected, as a replay would. No event is changed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 21:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Overdue at the completion's date only when the due date had passed by then
    # (shared/planrules.commitment_standing: due_on < on).
    op.execute(sa.text(
        "UPDATE dlg_commitments SET overdue_since = NULL "
        "WHERE status = 'done' AND completed_on IS NOT NULL AND completed_on <= due_on "
        "AND overdue_since IS NOT NULL"
    ))


def downgrade() -> None:
    # The old code reads an empty overdue_since as "never overdue": nothing to undo.
    pass
