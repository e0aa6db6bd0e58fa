"""A site code is one site whatever its case (finding G10): a registration claims the code
upper-cased (`UnitOfWork.claim_code`, kind "site_code"); this revision claims the codes of the
sites already in the store, so "prb-s1" is refused beside a PRB-S1 registered before. No
event is changed; two codes that differ only by case already stored both keep working.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 22:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.migrations import claim_registered_codes

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    claim_registered_codes("site_code", "site")


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM unique_keys WHERE kind = 'site_code'"))
