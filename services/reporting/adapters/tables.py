"""Read-model tables of the reporting service; every one is rebuilt by replay."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, MetaData, String, Table

metadata = MetaData()

religious_sites = Table(
    "rpt_religious_sites",
    metadata,
    Column("site_code", String(50), primary_key=True),
    Column("commune_code", String(10), nullable=False, index=True),
    Column("district_code", String(10), index=True),
    Column("registered_on", Date, nullable=False),
    Column("has_dossier", Boolean, nullable=False, default=False),
    Column("dossier_lodged_on", Date),
)
