"""The figures of a report computed from the fact tables: for any "as of" and any window
(the slow path; `figures.py` takes `from_chunks.py` when it can)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from services.reporting.application import successions
from services.reporting.application.fact_reads import (
    TABLES,
    flow_rows,
    histories,
    session_dates,
)
from services.reporting.application.heads import heads
from services.reporting.application.report_figures import Figures, Window
from services.reporting.application.roll_up import Direct, finish_figures, year_targets
from services.reporting.application.unittree import unit_tree
from services.reporting.domain.counting import (
    STOCK_FAMILIES,
    fact_sign,
    flow_amount,
    flow_figures,
    stock_figures,
)
from services.reporting.domain.periods import Period


def compute_fresh(conn: Connection, period: Period, scope: str, as_of: datetime) -> Figures:
    """The figures computed from the facts, bypassing the cache and the chunk figures."""
    window = Window(period.data_from, period.cutoff_on, as_of)
    tree = unit_tree(scope, period.cutoff_on, successions.known(conn, as_of))
    direct: Direct = defaultdict(Counter)
    strays: Direct = defaultdict(Counter)  # what of `direct` names no unit of the tree

    def add(row: Any, metric: str, amount: int = 1) -> None:
        code = tree.place(row.unit_code, row.district_code, row.province_code)
        if code is not None:
            direct[code][metric] += amount
            if tree.unattributed(row.unit_code, row.district_code, row.province_code):
                strays[code][metric] += amount

    for source, table in TABLES.items():
        for row in flow_rows(conn, source, window):
            # Of the report's year: its window lies in the year's data window in force.
            for metric in flow_figures(source, row.kind, row.state, period.year):
                # Attendance is rounded per group of units, as the chunk figures' per unit.
                add(row, metric,
                    round(flow_amount(metric, int(row.n), row.total)) * fact_sign(row.effect))
        for family in STOCK_FAMILIES[source]:
            for history in histories(conn, table, family, window).values():
                for row, metric in stock_figures(family, history, window.cutoff_on):
                    add(row, metric)
    # I2: the direct-dialogue rule as every service judges it (domain/heads.py), over its
    # window: the report's data window (the flows'), bounded by the year's definition.
    targets = year_targets(conn, window, period.year, scope)
    start, end = targets["I2"].i2_window(period.year, window.data_from, window.cutoff_on)
    held = session_dates(conn, start, end, window.as_of)
    for row, metric in heads(conn, start, end, window.as_of, held):
        add(row, metric)
    return finish_figures(conn, period, scope, window, tree, direct, strays, targets)
