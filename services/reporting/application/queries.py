"""Read-side queries of the reporting service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Integer, case, func, select

from services.reporting.adapters.tables import religious_sites
from shared.adminunits import default_catalogue
from shared.clock import today_vn


def religious_sites_summary(engine: Engine) -> dict[str, Any]:
    with_dossier = func.sum(case((religious_sites.c.has_dossier, 1), else_=0)).cast(Integer)
    query = (
        select(religious_sites.c.commune_code, func.count().label("total"), with_dossier)
        .group_by(religious_sites.c.commune_code)
        .order_by(religious_sites.c.commune_code)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    catalogue = default_catalogue()
    today = today_vn()
    by_commune = []
    for commune_code, total, dossiers in rows:
        unit = catalogue.get(commune_code, today) or _latest(commune_code)
        by_commune.append(
            {
                "commune_code": commune_code,
                "commune_name": unit.name if unit else None,
                "sites": int(total),
                "sites_with_dossier": int(dossiers or 0),
            }
        )
    return {
        "sites": sum(row["sites"] for row in by_commune),
        "sites_with_dossier": sum(row["sites_with_dossier"] for row in by_commune),
        "by_commune": by_commune,
    }


def _latest(code: str) -> Any:
    history = default_catalogue().history(code)
    return history[-1] if history else None
