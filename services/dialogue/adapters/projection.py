"""Inline projection: the read models follow the events in the same transaction.

Handlers read only the event (never the clock), so replaying the events table rebuilds
exactly the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from services.dialogue.adapters.tables import (
    READ_MODELS,
    commitments,
    heads,
    issues,
    reminded_on,
    rules,
    session_heads,
    sessions,
)
from services.dialogue.domain.events import (
    CitizenContactErased,
    CommitmentCompleted,
    CommitmentMade,
    CommitmentOverdue,
    CommitmentProgressUpdated,
    CommitmentReopened,
    DialogueRuleSet,
    HeadLeftOffice,
    HeadLeftOfficeCorrected,
    HeadTookOffice,
    HeadTookOfficeCorrected,
    IssueRaised,
    SessionCancelled,
    SessionHeld,
    SessionHeldCorrected,
    SessionPlanned,
    SessionReportFiled,
    SessionReportReminderDue,
    SessionRescheduled,
    registry,
)
from services.dialogue.domain.sessions import REMINDER_DAYS
from shared.envelope import EventEnvelope
from shared.planrules import commitment_standing
from shared.projection import InlineProjection


def _head_took_office(conn: Connection, e: HeadTookOffice, env: EventEnvelope) -> None:
    conn.execute(
        insert(heads),
        {
            "head_id": e.head_id,
            "post_id": env.aggregate_id,
            "unit_code": e.unit_code,
            "role": e.role,
            "level": e.level,
            "full_name": e.full_name,
            "from_date": e.from_date,
            "predecessor_head_id": e.predecessor_head_id,
            "version": env.aggregate_version,
        },
    )
    _post_version(conn, env)


def _head_left_office(conn: Connection, e: HeadLeftOffice, env: EventEnvelope) -> None:
    conn.execute(
        update(heads)
        .where(heads.c.head_id == e.head_id)
        .values(
            to_date=e.to_date, leave_reason=e.reason, successor_head_id=e.successor_head_id
        )
    )
    _post_version(conn, env)


def _took_office_corrected(
    conn: Connection, e: HeadTookOfficeCorrected, env: EventEnvelope
) -> None:
    conn.execute(update(heads).where(heads.c.head_id == e.head_id).values(from_date=e.from_date))
    _post_version(conn, env)


def _left_office_corrected(
    conn: Connection, e: HeadLeftOfficeCorrected, env: EventEnvelope
) -> None:
    conn.execute(update(heads).where(heads.c.head_id == e.head_id).values(to_date=e.to_date))
    _post_version(conn, env)


def _post_version(conn: Connection, env: EventEnvelope) -> None:
    # Every term of the post carries the post's version: If-Match on a term names it.
    conn.execute(
        update(heads)
        .where(heads.c.post_id == env.aggregate_id)
        .values(version=env.aggregate_version)
    )


def _name_heads(conn: Connection, session_id: str, head_ids: Iterable[str]) -> None:
    conn.execute(delete(session_heads).where(session_heads.c.session_id == session_id))
    rows = [{"session_id": session_id, "head_id": h} for h in dict.fromkeys(head_ids)]
    if rows:
        conn.execute(insert(session_heads), rows)


def _versioned(
    conn: Connection, table: Table, key: str, env: EventEnvelope, **values: Any
) -> None:
    """Update an aggregate's row (keyed by the table's one-column primary key) by one of its
    events: `values`, and the version the event brought it to."""
    (key_column,) = table.primary_key.columns
    conn.execute(
        update(table).where(key_column == key).values(version=env.aggregate_version, **values)
    )


def _session_planned(conn: Connection, e: SessionPlanned, env: EventEnvelope) -> None:
    conn.execute(
        insert(sessions),
        {
            "session_id": e.session_id,
            "unit_code": e.unit_code,
            "status": "planned",
            "planned_on": e.planned_on,
            "topic": e.topic,
            "place": e.place,
            "co_organiser": e.co_organiser,
            "head_ids": json.dumps(e.head_ids),
            "rescheduled_count": 0,
            "version": env.aggregate_version,
        },
    )
    _name_heads(conn, e.session_id, e.head_ids)


def _session_rescheduled(conn: Connection, e: SessionRescheduled, env: EventEnvelope) -> None:
    _versioned(
        conn, sessions, e.session_id, env,
        planned_on=e.planned_on, rescheduled_count=sessions.c.rescheduled_count + 1,
    )


def _session_cancelled(conn: Connection, e: SessionCancelled, env: EventEnvelope) -> None:
    _versioned(conn, sessions, e.session_id, env, status="cancelled", cancelled_on=e.cancelled_on,
               cancel_reason=e.reason)


def _session_held(conn: Connection, e: SessionHeld, env: EventEnvelope) -> None:
    _versioned(conn, sessions, e.session_id, env, status="held", held_on=e.held_on,
               head_ids=json.dumps(e.head_ids))
    _name_heads(conn, e.session_id, e.head_ids)


def _held_corrected(conn: Connection, e: SessionHeldCorrected, env: EventEnvelope) -> None:
    # In place of the holding it corrects; a session that did not take place is planned
    # again, its reminders of a missing report gone with the holding they were about.
    if not e.void:
        _versioned(conn, sessions, e.session_id, env, held_on=e.held_on,
                   head_ids=json.dumps(e.head_ids))
    else:
        _versioned(conn, sessions, e.session_id, env, status="planned", held_on=None,
                   head_ids=json.dumps(e.head_ids),
                   **{reminded_on(days): None for days in REMINDER_DAYS})
    _name_heads(conn, e.session_id, e.head_ids)


def _report_filed(conn: Connection, e: SessionReportFiled, env: EventEnvelope) -> None:
    _versioned(
        conn, sessions, e.session_id, env,
        status="closed",
        report_filed_on=e.filed_on,
        attendance=e.attendance,
        organisations=json.dumps(e.organisations, ensure_ascii=False),
        summary=e.summary,
    )


def _reminder_due(conn: Connection, e: SessionReportReminderDue, env: EventEnvelope) -> None:
    column = reminded_on(e.days_after_held)
    _versioned(conn, sessions, e.session_id, env, **{column: e.due_on})


def _issue_raised(conn: Connection, e: IssueRaised, env: EventEnvelope) -> None:
    conn.execute(
        insert(issues),
        {
            "issue_id": e.issue_id,
            "session_id": e.session_id,
            "unit_code": e.unit_code,
            "category": e.category,
            "text": e.text,
            "handling": e.handling,
            "assigned_agency": e.assigned_agency,
            "answer": e.answer,
            "raised_on": e.raised_on,
            "has_citizen_contact": e.has_citizen_contact,
            "version": env.aggregate_version,
        },
    )


def _contact_erased(conn: Connection, e: CitizenContactErased, env: EventEnvelope) -> None:
    _versioned(conn, issues, e.issue_id, env, has_citizen_contact=False)


def _commitment_made(conn: Connection, e: CommitmentMade, env: EventEnvelope) -> None:
    conn.execute(
        insert(commitments),
        {
            "commitment_id": e.commitment_id,
            "session_id": e.session_id,
            "issue_id": e.issue_id,
            "unit_code": e.unit_code,
            "responsible_agency": e.responsible_agency,
            "text": e.text,
            "made_on": e.made_on,
            "due_on": e.due_on,
            "progress_pct": 0,
            "status": "open",
            "last_update_on": e.made_on,
            "version": env.aggregate_version,
        },
    )


def _progress(conn: Connection, e: CommitmentProgressUpdated, env: EventEnvelope) -> None:
    _versioned(
        conn, commitments, e.commitment_id, env,
        progress_pct=e.progress_pct, status=e.status, last_update_on=e.updated_on,
    )


def _completed(conn: Connection, e: CommitmentCompleted, env: EventEnvelope) -> None:
    # A completion dated on or before the due date was never overdue, whatever overdue the
    # stream holds before it (recorded earlier, dated after the completion): the kernel's
    # standing at the completion's date decides, as reporting counts it.
    row = conn.execute(
        select(commitments.c.due_on, commitments.c.overdue_since)
        .where(commitments.c.commitment_id == e.commitment_id)
    ).one()
    late = commitment_standing(False, row.due_on, e.completed_on) == "overdue"
    _versioned(conn, commitments, e.commitment_id, env, status="done", completed_on=e.completed_on,
               overdue_since=row.overdue_since if late else None)


def _overdue(conn: Connection, e: CommitmentOverdue, env: EventEnvelope) -> None:
    _versioned(conn, commitments, e.commitment_id, env, status="overdue",
               overdue_since=e.overdue_since)


def _reopened(conn: Connection, e: CommitmentReopened, env: EventEnvelope) -> None:
    _versioned(
        conn, commitments, e.commitment_id, env,
        status=e.status,
        due_on=e.due_on,
        progress_pct=e.progress_pct,
        last_update_on=e.reopened_on,
        completed_on=None,
        overdue_since=None,
    )


def _rule_set(conn: Connection, e: DialogueRuleSet, env: EventEnvelope) -> None:
    key = (rules.c.level == e.level) & (rules.c.effective_from == e.effective_from)
    conn.execute(delete(rules).where(key))
    conn.execute(
        insert(rules),
        {
            "level": e.level,
            "effective_from": e.effective_from,
            "min_sessions_per_year": e.min_sessions_per_year,
            "legal_basis": e.legal_basis,
            "note": e.note,
            "recorded_at": env.recorded_at,
        },
    )


# Keyed by class (`shared/projection.py`): every event of the registry is handled.
PROJECTION = InlineProjection(registry, READ_MODELS, {
    HeadTookOffice: _head_took_office,
    HeadTookOfficeCorrected: _took_office_corrected,
    HeadLeftOffice: _head_left_office,
    HeadLeftOfficeCorrected: _left_office_corrected,
    SessionPlanned: _session_planned,
    SessionRescheduled: _session_rescheduled,
    SessionCancelled: _session_cancelled,
    SessionHeld: _session_held,
    SessionHeldCorrected: _held_corrected,
    SessionReportFiled: _report_filed,
    SessionReportReminderDue: _reminder_due,
    IssueRaised: _issue_raised,
    CitizenContactErased: _contact_erased,
    CommitmentMade: _commitment_made,
    CommitmentProgressUpdated: _progress,
    CommitmentCompleted: _completed,
    CommitmentOverdue: _overdue,
    CommitmentReopened: _reopened,
    DialogueRuleSet: _rule_set,
})
project = PROJECTION.project
rebuild = PROJECTION.rebuild
