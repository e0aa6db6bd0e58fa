"""Tables of the indicators service.

Fact tables are read models: one row per consumed event, with the business date (`on_date`,
from the envelope's occurred_at or the payload's date) and the recording time (`recorded_at`),
so figures for a period "as of" a time are reproducible. Every one is dropped and rebuilt by
replay. `evaluated_events` is not a read model: it remembers which consumed events already had
their status consequences announced, so a replay never announces them again.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from shared.db import BIG_ID

metadata = MetaData()


def _fact_table(name: str, *columns: Column[object]) -> Table:
    return Table(
        name,
        metadata,
        # Ties on the business date are broken by arrival order.
        Column("seq", BIG_ID, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("on_date", Date, nullable=False, index=True),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        *columns,
    )


site_facts = _fact_table(
    "ind_site_facts",
    Column("site_code", String(50), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("commune_code", String(10)),
    Column("name", String(300)),
    # A fact a correction (G18) took the place of, and from when: read "as of" before it.
    Column("superseded_at", DateTime(timezone=True)),
)
dossier_facts = _fact_table(
    "ind_dossier_facts",
    Column("site_code", String(50), nullable=False, index=True),
    Column("switch", String(4), nullable=False),
    Column("event_type", String(100), nullable=False),
    # A fact a correction (G18) took the place of, and from when: read "as of" before it.
    Column("superseded_at", DateTime(timezone=True)),
)
certificate_facts = _fact_table(
    "ind_certificate_facts",
    Column("site_code", String(50), nullable=False, index=True),
    Column("switch", String(4), nullable=False),
    Column("certificate_number", String(100), nullable=False),
    # A fact a correction (G18) took the place of, and from when: read "as of" before it.
    Column("superseded_at", DateTime(timezone=True)),
)
head_facts = _fact_table(
    "ind_head_facts",
    Column("head_id", String(100), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("unit_code", String(10), nullable=False),
    Column("role", String(50), nullable=False),
    Column("full_name", String(300), nullable=False),
)
session_facts = _fact_table(
    "ind_session_facts",
    Column("session_id", String(100), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("unit_code", String(10), nullable=False),
    # JSON list of head ids; never queried inside, only read back with the row.
    Column("head_ids", Text, nullable=False),
)
rule_facts = _fact_table(
    "ind_rule_facts",
    Column("level", String(20), nullable=False),
    Column("min_sessions_per_year", Integer, nullable=False),
    Column("effective_from", Date, nullable=False),
)
model_facts = _fact_table(
    "ind_model_facts",
    Column("model_id", String(100), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("unit_code", String(10), nullable=False),
    Column("field", String(40), nullable=False),
    Column("title", String(300), nullable=False),
    Column("recognition_level", String(20), nullable=False),
    Column("status", String(20), nullable=False),
)
contest_facts = _fact_table(
    "ind_contest_facts",
    Column("entry_id", String(100), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("contest_year", Integer, nullable=False, index=True),
    Column("model_id", String(100), nullable=False),
    Column("title", String(300), nullable=False),
    Column("unit_code", String(10), nullable=False),
    Column("author", String(300), nullable=False),
    Column("award", String(20)),
)
reported_facts = _fact_table(
    "ind_reported_facts",
    Column("indicator_id", String(50), nullable=False),
    Column("year", Integer, nullable=False),
    Column("unit_code", String(10), nullable=False),
    Column("numerator", Integer, nullable=False),
    Column("denominator", Integer, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("department", String(200)),
    Column("note", Text, nullable=False),
    Column("source_document", String(500), nullable=False),
)
Index("ix_ind_reported_indicator", reported_facts.c.indicator_id, reported_facts.c.year)

# The conference cut-offs the Commission moved (the reporting service's PeriodAdjusted):
# one row per event; a period's cut-off as known at a time is its latest row recorded by
# then (adapters/cutoffs.py). The plan's filings and items owed "by conference" are measured
# against it (shared/conferencedates.cutoff_in_force).
period_cutoff_facts = _fact_table(
    "ind_period_cutoff_facts",
    Column("period_id", String(10), nullable=False, index=True),
    Column("data_from", Date, nullable=False),
    Column("cutoff_on", Date, nullable=False),
)

# Not one row per event: I3 and I4's counts per (commune, placement date) with every fact
# known, kept by the religion projection as it writes the facts (domain/sitetally.py), so a
# live event re-evaluates the units it moves without folding every site again. Rebuilt by
# replay like the facts it sums.
site_counts = Table(
    "ind_site_counts",
    metadata,
    Column("commune_code", String(10), primary_key=True),
    Column("placed_on", Date, primary_key=True),
    Column("sites", Integer, nullable=False),
    Column("dossiers", Integer, nullable=False),
    Column("certificates", Integer, nullable=False),
)

# The stamp of the counts: a random token written with every batch of religion facts, in
# the batch's transaction. A process keeps the counts it has rolled up in memory between its
# batches (application/live.py) only while the stamp is the one it wrote: another process's
# batch, a rolled-back transaction, a reset or a rebuild's switch all leave another stamp (or
# none), and the counts are read again. A read model of the same generation as the counts.
site_counts_stamp = Table(
    "ind_site_counts_stamp",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("token", String(32), nullable=False),
)

FACT_TABLES = (
    site_facts,
    dossier_facts,
    certificate_facts,
    head_facts,
    session_facts,
    rule_facts,
    model_facts,
    contest_facts,
    reported_facts,
    site_counts,
    site_counts_stamp,
    period_cutoff_facts,
)

# -- write side: kept across rebuilds ----------------------------------------------------------

write_metadata = MetaData()

evaluated_events = Table(
    "ind_evaluated_events",
    write_metadata,
    Column("event_id", String(36), primary_key=True),
    Column("source_service", String(50), nullable=False),
    Column("evaluated_at", DateTime(timezone=True), nullable=False),
)
