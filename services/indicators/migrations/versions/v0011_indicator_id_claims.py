"""An indicator id is one indicator whatever its case: a new definition claims the id
upper-cased (`UnitOfWork.claim_code`, kind "indicator_id", held by the id's spelling; one claim
for every year, as `known_indicator_id` reads an id), so "i5" defined at the same moment as
"I5" is refused INDICATOR_EXISTS instead of making a second indicator. This revision claims
the ids already defined, the first defined spelling of each. No event is changed; two
spellings already stored both keep working (a redefinition claims nothing).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:30:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    events = sa.table("events", sa.column("position"), sa.column("event_type"),
                      sa.column("aggregate_type"), sa.column("payload"))
    keys = sa.table("unique_keys", sa.column("kind"), sa.column("value"),
                    sa.column("aggregate_id"))
    held = set(conn.execute(
        sa.select(keys.c.value).where(keys.c.kind == "indicator_id")).scalars())
    rows: list[dict[str, str]] = []
    for payload in conn.execute(
        sa.select(events.c.payload).where(
            events.c.event_type == "IndicatorDefined", events.c.aggregate_type == "indicator"
        ).order_by(events.c.position)
    ).scalars():
        # Every schema version of IndicatorDefined carries indicator_id as typed (frozen:
        # shared.ids.code_key is str.upper on the ids the API accepts).
        indicator_id = str(json.loads(payload)["indicator_id"])
        value = indicator_id.upper()
        if value not in held:
            held.add(value)
            rows.append({"kind": "indicator_id", "value": value, "aggregate_id": indicator_id})
    if rows:
        conn.execute(sa.insert(keys), rows)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM unique_keys WHERE kind = 'indicator_id'"))
