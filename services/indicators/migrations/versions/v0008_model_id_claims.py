"""A model id is one model whatever its case (finding G10): a registration claims the id
upper-cased (`UnitOfWork.claim_code`, kind "model_id"); this revision claims the ids of the
models already in the store, so "prb-m9" is refused beside a PRB-M9 registered before. No
event is changed; two ids that differ only by case already stored both keep working.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 22:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.migrations import claim_registered_codes

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    claim_registered_codes("model_id", "model")


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM unique_keys WHERE kind = 'model_id'"))
