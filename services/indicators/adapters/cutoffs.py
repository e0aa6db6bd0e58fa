"""The conference cut-offs the Commission moved, as known at a time (finding G20).

The reporting service owns the periods; the indicators service keeps the moves it consumed
(`ind_period_cutoff_facts`, the reporting-periods projection) and measures the plan's
filings and items owed "by conference" against them through the kernel's one rule
(shared/conferencedates.cutoff_in_force).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, select

from services.indicators.adapters.tables import period_cutoff_facts
from shared.clock import in_utc
from shared.conferencedates import MovedCutoffs


def moved_cutoffs(
    conn: Connection, as_of: datetime | None = None, table: Table = period_cutoff_facts
) -> MovedCutoffs:
    """Each moved period's cut-off as it stands at `as_of` (None: everything consumed): its
    latest move recorded by then, in stream order."""
    query = select(table.c.period_id, table.c.cutoff_on).order_by(table.c.seq)
    if as_of is not None:
        query = query.where(table.c.recorded_at <= in_utc(as_of))
    return {period: cutoff for period, cutoff in conn.execute(query)}
