"""The conference periods a dashboard page offers in its period selector (the indicators
page, the thematic pages and the plan's page `/ke-hoach` offer the same)."""

from __future__ import annotations

from services.reporting.application.reports import load_period
from services.reporting.application.state import today_of
from services.reporting.domain.periods import MONTHS, Period, period_id
from shared.db import read_connection
from shared.runtime import ServiceRuntime

#: The first year of the plan this system serves: the selector goes back no further.
FIRST_YEAR = 2023


def period_choices(runtime: ServiceRuntime, year: int) -> list[Period]:
    """Every period from the latest under way back to 2023, newest first (with their
    adjusted windows); the shown `year` is offered even when outside that range."""
    today = today_of(runtime)
    last = max(today.year, year)
    with read_connection(runtime.engine) as conn:
        return [
            load_period(conn, runtime.store, period_id(y, m))
            for y in range(last, min(FIRST_YEAR, year) - 1, -1)
            for m in reversed(MONTHS)
            if y < today.year or m <= ((today.month - 1) // 3 + 1) * 3 or y == year
        ]
