"""The one place a citizen's name and contact are read or deleted.

They are written with the IssueRaised event (application.sessions.raise_issue) but never into
it. Every read goes through `read_citizen_contact`, so the access rule that the auth issue
brings has exactly one function to guard.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from services.dialogue import messages
from services.dialogue.adapters.tables import citizen_contacts
from shared.db import row_or_not_found


def read_citizen_contact(conn: Connection, issue_id: str) -> dict[str, Any]:
    row = row_or_not_found(
        conn, select(citizen_contacts).where(citizen_contacts.c.issue_id == issue_id),
        "CITIZEN_CONTACT_NOT_FOUND", messages.CITIZEN_CONTACT_NOT_FOUND.format(id=issue_id),
    )
    return {
        "issue_id": row.issue_id,
        "full_name": row.full_name,
        "contact": row.contact,
        "recorded_at": row.recorded_at.isoformat(),
    }


def delete_citizen_contact(conn: Connection, issue_id: str) -> None:
    """Called only with the CitizenContactErased event, in its transaction.

    SQLite leaves a deleted row's bytes in its page until the page is reused: the erased
    contact stayed readable in the database file (finding H13). With secure_delete on, the
    deletion overwrites them. (PostgreSQL keeps the dead row until VACUUM: docs/OPERATIONS.)"""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete=ON")
    conn.execute(delete(citizen_contacts).where(citizen_contacts.c.issue_id == issue_id))
