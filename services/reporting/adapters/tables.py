"""Tables of the reporting service.

The read models are FACT tables, one per source service: one row per relevant event, with
its business date, recording time and the units it concerns as of its business date. They
are rebuilt by replay; every figure is a query over them, so a report for (period, as of) is
reproducible.

Beside them, written in the same transactions, the figures per CHUNK (see
`domain/chunks.py`) and unit, the sessions per head and chunk, and per source stream a mark
of what has been projected: what a report as of now reads instead of the facts.

`rpt_frozen_figures` and `rpt_frozen_reports` are not read models: they hold the figures of
finalised reports (and of the period before, with the targets and reported figures shown
beside them), written with their `ReportFinalised` event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
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
    and_,
    or_,
    text,
)

from services.reporting.domain.counting import ATTENDANCE, CHUNK_FIGURES
from shared.rebuild import AFTER_LOAD
from shared.unitsuccessions import successions_table

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
        # When a correction (`<Fact>Corrected`, shared/corrections.py) replaced this fact: the
        # correction's recording time. A reader "as of" t sees the rows recorded by t and not
        # superseded by t, so a report as of an earlier moment gives what it gave then; the
        # correction's own row stands in its place from then on (a void one never counts).
        Column("superseded_at", DateTime(timezone=True)),
    )
    # A subject's facts (stock figures, units of events naming none).
    Index(f"ix_rpt_{source}_subject", table.c.family, table.c.subject)
    # The facts of a few days (`fact_reads.days_facts`: a running period's report reads the
    # days between its chunks and today) and the commitments falling due in them, instead of
    # a scan of every fact. Kept during live operation (one insert moves an entry or two), but
    # made only after the bulk load of a rebuild beside the live tables (`AFTER_LOAD`), at its
    # switch: kept while a million facts went in at random dates, they cost it ~16 % of its
    # CPU.
    Index(f"ix_rpt_{source}_business_on", table.c.business_on, info={AFTER_LOAD: True})
    Index(f"ix_rpt_{source}_due_on", table.c.due_on, info={AFTER_LOAD: True},
          sqlite_where=table.c.due_on.is_not(None),
          postgresql_where=table.c.due_on.is_not(None))
    return table


def known_at(table: Table, as_of: datetime) -> ColumnElement[bool]:
    """The facts of a fact table as known at `as_of`: recorded by then and not replaced by a
    correction by then (`superseded_at`). Every read of the facts goes through it."""
    return and_(table.c.recorded_at <= as_of,
                or_(table.c.superseded_at.is_(None), table.c.superseded_at > as_of))


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

# What a finalised report shows beside its frozen figures, frozen with them: the previous
# period's figures (in `rpt_frozen_figures`, by hash) and, as JSON, the targets, the statuses
# and the other indicators the indicators service had reported. Showing the report then reads
# no fact (it would have to read them as of the finalisation).
frozen_reports = Table(
    "rpt_frozen_reports",
    metadata,
    Column("report_id", String(40), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("context", Text, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
)


# Figures per (chunk, source, unit): flow figures of the facts dated in the chunk, and the
# changes of stock figures at the chunk's cut-off. The units are those of the facts ('' for
# none), placed on a report's tree when it is read. The table is a fast path only: every
# figure in it is also computed from the facts, and the tests compare the two.
figure_chunks = Table(
    "rpt_figure_chunks",
    metadata,
    # Keyed source, units, chunk: a report reads one source's rows of each unit together.
    Column("source", String(20), primary_key=True),
    Column("unit_code", String(10), primary_key=True),
    Column("district_code", String(10), primary_key=True),
    Column("province_code", String(10), primary_key=True),
    Column("chunk", Integer, primary_key=True),
    *(
        Column(name, Float if name == ATTENDANCE else Integer, nullable=False,
               server_default=text("0"))
        for name in CHUNK_FIGURES
    ),
    # No longer written nor read: the I1 models of the plan's fields, before I1 was counted by
    # the year's definition from the models per field. Kept so that the previous version
    # still runs on this schema (deploy/OPERATIONS.md §4: a column is dropped a release later).
    Column("models_i1", Integer, nullable=False, server_default=text("0")),
    # The source's fact count after the batch that last changed the row: batches of a source
    # commit one at a time in this order, so the rows changed since a reader's copy are those
    # stamped after it (application/chunk_sums.py). Not indexed: a rebuild upserts a chunk row
    # per event or so, and an index on the stamp would move an entry each time, while the
    # rows changed since are found by scanning one source's few thousand rows. A batch that
    # changes a fact of a chunk (or a subject whose stocks can move in it) without moving any
    # of its figures stamps the chunk's row of no units (created with zeros if need be): the
    # latest stamp of a chunk's rows says whether its days' facts changed (chunk_tail.py).
    Column("stamp", BigInteger, nullable=False, server_default=text("0")),
    # On SQLite the rows live in the key's B-tree: a report reads them in key order without
    # a lookup per row, and sums each unit's rows as they come.
    sqlite_with_rowid=False,
)

# Direct dialogue sessions held per head and chunk (a head meets the rule by the sessions of
# the whole window).
head_sessions = Table(
    "rpt_head_sessions",
    metadata,
    Column("head_id", String(160), primary_key=True),
    Column("chunk", Integer, primary_key=True),
    Column("held", Integer, nullable=False),
    Column("stamp", BigInteger, nullable=False, server_default=text("0")),  # the dialogue count
)

# One row per source stream: how many facts are projected (with `generation`, renewed when
# the projection is dropped, it keys cached reports), the latest recording time among them,
# and whether the chunk figures hold every fact (not so for facts projected before the
# chunks existed: until a rebuild, reports are computed from the facts).
source_marks = Table(
    "rpt_source_marks",
    metadata,
    Column("source", String(20), primary_key=True),
    Column("generation", String(36), nullable=False),
    Column("facts", BigInteger, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("latest_recorded_at", DateTime(timezone=True)),
)

# The plan's events (kế hoạch công tác: items, progress, inspections, the district boards'
# period reports) as the indicators service published them, one row each: few (a plan has
# some fifty items, a period fifteen districts), so a report folds them at its cut-off and
# "as of" with the kernel's task rule (shared/taskrules.py) instead of keeping figures.
plan_events = Table(
    "rpt_plan_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("event_type", String(60), nullable=False),
    Column("aggregate_type", String(40), nullable=False),
    Column("aggregate_id", String(100), nullable=False),
    Column("aggregate_version", Integer, nullable=False),
    Column("year", Integer, nullable=False),
    Column("business_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False),
)
Index("ix_rpt_plan_events_year", plan_events.c.year)

# The successors officials recorded for merged units (the indicators service's
# `UnitSuccessionRecorded`, J15, and `UnitSuccessionCorrected`), one row each: a handful, read
# whole by every report, which places facts by the catalogue completed with the latest of each
# predecessor recorded by its "as of" (`shared.adminunits.recorded`). The kernel's table
# (`shared.unitsuccessions`: religion's and dialogue's lists keep the same table).
unit_successions = successions_table("rpt_unit_successions", metadata)
