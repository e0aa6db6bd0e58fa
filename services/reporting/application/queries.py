"""Small read-side queries of the reporting service outside the conference reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine

from services.reporting.adapters.tables import religion_facts
from services.reporting.application.figures import Window, histories
from shared.adminunits import default_catalogue
from shared.clock import today_vn
from shared.db import read_connection
from shared.envelope import utcnow


def religious_sites_summary(engine: Engine, readable: Callable[[str], bool]) -> dict[str, Any]:
    """Sites and sites with a land registration dossier today, by commune: the communes the
    caller may read (`readable`), and totals over those."""
    window = Window(date.min, date.max, utcnow())
    with read_connection(engine) as conn:
        sites = histories(conn, religion_facts, "site", window)
        dossiers = histories(conn, religion_facts, "dossier", window)
    per_commune: Counter[str] = Counter()
    with_dossier: Counter[str] = Counter()
    commune_of: dict[str, str] = {}
    for code, history in sites.items():
        if history.on and history.switch is not None and history.switch.unit_code:
            commune_of[code] = history.switch.unit_code
            per_commune[history.switch.unit_code] += 1
    for code, history in dossiers.items():
        if history.on and code in commune_of:
            with_dossier[commune_of[code]] += 1
    catalogue = default_catalogue()
    today = today_vn()
    by_commune = []
    for commune_code in sorted(filter(readable, per_commune)):
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
