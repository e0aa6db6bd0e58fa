"""Projections of the reporting service: event handlers that write the read models."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, insert, select, update

from services.reporting.adapters.tables import religious_sites
from shared.consumer import Projection
from shared.envelope import EventEnvelope


def _site_registered(conn: Connection, event: EventEnvelope) -> None:
    payload = event.payload
    exists = conn.execute(
        select(religious_sites.c.site_code).where(religious_sites.c.site_code == payload["code"])
    ).first()
    if exists:
        return
    conn.execute(
        insert(religious_sites),
        {
            "site_code": payload["code"],
            "commune_code": payload["commune_code"],
            "district_code": payload.get("district_code"),
            "registered_on": event.occurred_at.date(),
            "has_dossier": False,
        },
    )


def _dossier_lodged(conn: Connection, event: EventEnvelope) -> None:
    payload = event.payload
    conn.execute(
        update(religious_sites)
        .where(religious_sites.c.site_code == payload["site_code"])
        .values(has_dossier=True, dossier_lodged_on=date.fromisoformat(payload["lodged_on"]))
    )


def religion_sites_projection() -> Projection:
    return Projection(
        name="religion-sites",
        source_service="religion",
        handlers={
            "SiteRegistered": _site_registered,
            "LandDossierLodged": _dossier_lodged,
        },
        tables=[religious_sites],
    )
