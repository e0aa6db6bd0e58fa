"""Small read-side queries of the reporting service outside the conference reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine

from services.reporting.adapters.tables import religion_facts, unit_successions
from services.reporting.application.fact_reads import histories
from services.reporting.application.report_figures import Window
from services.reporting.domain.counting import stock_figures
from shared.adminunits import UnitCatalogue, default_catalogue
from shared.clock import today_vn
from shared.db import read_connection
from shared.envelope import utcnow
from shared.unitsuccessions import catalogue_now


def religious_sites_summary(
    engine: Engine, readable: Callable[[str, date, UnitCatalogue], bool]
) -> dict[str, Any]:
    """Sites and sites with a land registration dossier today, by commune: the sites the
    caller may read (`readable(commune, since, placing)`: an open site lives from the day it
    was placed in its commune, the register's rule; `placing`, the catalogue completed with
    the successions recorded so far, places a merged commune's sites at its successor as the
    register's lists do, finding N7), and totals over those."""
    window = Window(date.min, date.max, utcnow())
    with read_connection(engine) as conn:
        sites = histories(conn, religion_facts, "site", window, dated=True)
        placing = catalogue_now(conn, unit_successions)
    # What a site counts for is the one rule of the reports (`counting.stock_figures`).
    counted = {"sites": Counter[str](), "sites_with_dossier": Counter[str]()}
    for history in sites.values():
        for row, figure in stock_figures("site", history, window.cutoff_on):
            if figure in counted and row.unit_code and readable(row.unit_code, row.business_on,
                                                                placing):
                counted[figure][row.unit_code] += 1
    per_commune, with_dossier = counted["sites"], counted["sites_with_dossier"]
    catalogue = default_catalogue()
    today = today_vn()
    by_commune = []
    for commune_code in sorted(per_commune):
        unit = catalogue.get(commune_code, today) or _latest(commune_code)
        by_commune.append({
            "commune_code": commune_code,
            "commune_name": unit.name if unit else None,
            "sites": per_commune[commune_code],
            "sites_with_dossier": with_dossier[commune_code],
        })
    return {
        "sites": sum(row["sites"] for row in by_commune),
        "sites_with_dossier": sum(row["sites_with_dossier"] for row in by_commune),
        "by_commune": by_commune,
    }


def _latest(code: str) -> Any:
    history = default_catalogue().history(code)
    return history[-1] if history else None
