"""Small read-side queries of the reporting service outside the conference reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine

from services.reporting.adapters.tables import religion_facts
from services.reporting.application import successions
from services.reporting.application.fact_reads import histories
from services.reporting.application.report_figures import Window
from services.reporting.application.unittree import unit_tree
from services.reporting.domain.counting import stock_figures
from shared.adminunits import NOT_CURRENT_UNIT, UnitCatalogue, catalogue_with
from shared.db import read_connection
from shared.envelope import utcnow


def religious_sites_summary(
    engine: Engine, scope: str, today: date,
    readable: Callable[[str, date, UnitCatalogue], bool],
) -> dict[str, Any]:
    """Sites and sites with a land registration dossier today, by commune: the sites the
    caller may read (`readable(commune, since, placing)`: an open site lives from the day it
    was placed in its commune, the register's rule, and is also the board's whose unit it is
    placed at by `placing`, the catalogue completed with the successions recorded so far, as
    the register's lists read it: finding N7), and totals over those.

    Each site counts on the row of today's report that counts it (finding N10: it was keyed
    by the commune the site was recorded in, named by that code's last version, so a commune
    merged in 2025 kept a row of its own under its old name while today's report counted its
    sites at the successor): the scope's tree of today placing by the kernel's rule with the
    successors officials recorded so far (`unit_tree`, `UnitTree.place`, as the report's
    compute paths). What names no unit of today and is carried to none is on the line
    «Chưa gắn với đơn vị hành chính hiện hành» (`UnitTree.unattributed`; `commune_code`
    null, last), a site placed outside the scope on no row, as in the report."""
    now = utcnow()
    window = Window(date.min, today, now)
    with read_connection(engine) as conn:
        sites = histories(conn, religion_facts, "site", window, dated=True)
        known = successions.known(conn, now)
    tree, placing = unit_tree(scope, today, known), catalogue_with(known)
    # What a site counts for is the one rule of the reports (`counting.stock_figures`).
    counted = {"sites": Counter[str | None](), "sites_with_dossier": Counter[str | None]()}
    for history in sites.values():
        for row, figure in stock_figures("site", history, window.cutoff_on):
            if figure not in counted or not row.unit_code:
                continue
            if not readable(row.unit_code, row.business_on, placing):
                continue
            at = tree.place(row.unit_code, row.district_code, row.province_code)
            if at is None:
                continue
            line = tree.unattributed(row.unit_code, row.district_code, row.province_code)
            counted[figure][None if line else at] += 1
    per_commune, with_dossier = counted["sites"], counted["sites_with_dossier"]
    by_commune = [{
        "commune_code": code,
        "commune_name": NOT_CURRENT_UNIT if code is None else tree.nodes[code].name,
        "sites": per_commune[code],
        "sites_with_dossier": with_dossier[code],
    } for code in sorted(per_commune, key=lambda c: (c is None, c or ""))]
    return {
        "sites": sum(row["sites"] for row in by_commune),
        "sites_with_dossier": sum(row["sites_with_dossier"] for row in by_commune),
        "by_commune": by_commune,
    }
