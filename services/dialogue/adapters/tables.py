"""Tables of the dialogue service besides the event store.

The `dlg_*` read models are inline projections: written in the same transaction as the
events, and rebuilt identically by replaying the service's own events (`projection.rebuild`).

`citizen_contacts` is not a read model: it is the only copy of a citizen's name and contact,
kept apart from the events so that they never reach NATS, reports or logs. A rebuild leaves
it alone.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
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

from shared.unitsuccessions import successions_table

metadata = MetaData()

heads = Table(
    "dlg_heads",
    metadata,
    Column("head_id", String(36), primary_key=True),
    Column("post_id", String(60), nullable=False, index=True),
    Column("unit_code", String(10), nullable=False, index=True),
    Column("role", String(30), nullable=False),
    Column("level", String(10), nullable=False),
    Column("full_name", String(300), nullable=False),
    Column("from_date", Date, nullable=False),
    Column("to_date", Date),
    Column("leave_reason", String(500)),
    Column("predecessor_head_id", String(36)),
    Column("successor_head_id", String(36)),
    # The version of the post (the aggregate a term belongs to), the same on every term of
    # the post: a head's ETag, since a command on a term loads and checks the whole post.
    Column("version", Integer, nullable=False),
)

sessions = Table(
    "dlg_sessions",
    metadata,
    Column("session_id", String(36), primary_key=True),
    Column("unit_code", String(10), nullable=False, index=True),
    Column("status", String(20), nullable=False, index=True),
    Column("planned_on", Date, nullable=False),
    Column("topic", String(500), nullable=False),
    Column("place", String(500), nullable=False),
    Column("co_organiser", String(500), nullable=False),
    Column("head_ids", Text, nullable=False),
    Column("rescheduled_count", Integer, nullable=False),
    Column("held_on", Date, index=True),
    Column("cancelled_on", Date),
    Column("cancel_reason", Text),
    Column("report_filed_on", Date),
    Column("attendance", Integer),
    Column("organisations", Text),
    Column("summary", Text),
    Column("reminded_3_on", Date),
    Column("reminded_7_on", Date),
    Column("version", Integer, nullable=False),
)

def reminded_on(days: int) -> str:
    """The sessions' column holding the day the report reminder `days` after the session fell
    due (one column per day of `domain.sessions.REMINDER_DAYS`)."""
    return f"reminded_{days}_on"


# Which heads a session names (planned heads, then those who actually chaired it).
session_heads = Table(
    "dlg_session_heads",
    metadata,
    Column("session_id", String(36), primary_key=True),
    Column("head_id", String(36), primary_key=True),
)
Index("ix_dlg_session_heads_head", session_heads.c.head_id)

issues = Table(
    "dlg_issues",
    metadata,
    Column("issue_id", String(36), primary_key=True),
    Column("session_id", String(36), nullable=False, index=True),
    Column("unit_code", String(10), nullable=False, index=True),
    Column("category", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("handling", String(30), nullable=False),
    Column("assigned_agency", String(500)),
    Column("answer", Text, nullable=False),
    Column("raised_on", Date, nullable=False),
    Column("has_citizen_contact", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
)

commitments = Table(
    "dlg_commitments",
    metadata,
    Column("commitment_id", String(36), primary_key=True),
    Column("session_id", String(36), nullable=False, index=True),
    Column("issue_id", String(36)),
    Column("unit_code", String(10), nullable=False, index=True),
    Column("responsible_agency", String(500), nullable=False),
    Column("text", Text, nullable=False),
    Column("made_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("progress_pct", Integer, nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("last_update_on", Date, nullable=False),
    Column("completed_on", Date),
    Column("overdue_since", Date),
    Column("version", Integer, nullable=False),
)

rules = Table(
    "dlg_rules",
    metadata,
    Column("level", String(10), primary_key=True),
    Column("effective_from", Date, primary_key=True),
    Column("min_sessions_per_year", Integer, nullable=False),
    Column("legal_basis", String(500), nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

READ_MODELS: tuple[Table, ...] = (heads, sessions, session_heads, issues, commitments, rules)

# The successors officials recorded for merged communes (the indicators service's
# `UnitSuccessionRecorded`, J15), by which a list for a unit places records as reports do
# (finding M6). Fed by the consumer `dialogue-successions`, not by this service's events: not
# a read model its rebuild empties.
unit_successions = successions_table("dlg_unit_successions", metadata)

citizen_contacts = Table(
    "citizen_contacts",
    metadata,
    Column("issue_id", String(36), primary_key=True),
    Column("full_name", String(300)),
    Column("contact", String(300)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
