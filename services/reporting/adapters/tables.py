"""Tables of the reporting service.

The read models are FACT tables, one per source service: one row per relevant event, with
its business date, recording time and the units it concerns as of its business date. They
are rebuilt by replay; every figure is a query over them, so a report for (period, as of) is
reproducible. `rpt_frozen_figures` is not a read model: it holds the figures of finalised
reports, written with their `ReportFinalised` event and addressed by its content hash.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()
SOURCES = ("religion", "dialogue", "indicators")


def _fact_table(source: str) -> Table:
    table = Table(
        f"rpt_{source}_facts",
        metadata,
        Column("event_id", String(36), primary_key=True),
        # What the row is about: a family of subjects (site, dossier, session, ...) and one
        # subject of it (a site code, a session id, ...).
        Column("family", String(20), nullable=False),
        Column("kind", String(60), nullable=False),
        Column("subject", String(160), nullable=False),
        # 1 / 0 where the event switches the subject on / off (a dossier lodged / withdrawn);
        # NULL where it leaves that unchanged.
        Column("effect", SmallInteger),
        Column("state", String(60)),
        Column("amount", Float),
        Column("due_on", Date),
        Column("business_on", Date, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("seq", Integer, nullable=False),
        Column("unit_code", String(10)),
        Column("district_code", String(10)),
        Column("province_code", String(10)),
        Column("data", Text),
    )
    Index(f"ix_rpt_{source}_family_date", table.c.family, table.c.business_on)
    Index(f"ix_rpt_{source}_subject", table.c.family, table.c.subject)
    return table


religion_facts = _fact_table("religion")
dialogue_facts = _fact_table("dialogue")
indicators_facts = _fact_table("indicators")
FACT_TABLES: dict[str, Table] = {
    "religion": religion_facts,
    "dialogue": dialogue_facts,
    "indicators": indicators_facts,
}

frozen_figures = Table(
    "rpt_frozen_figures",
    metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("figures", Text, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
)
