"""The scheduler: report reminders of held sessions and overdue commitments.

It scans the read models for candidates and issues the commands through the aggregates. The
aggregates remember what they already recorded, so a second scan, a second replica or a
restart records nothing new; two replicas racing on the same aggregate collide on its version
and the loser simply moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select

from services.dialogue.adapters.tables import commitments, reminded_on, sessions
from services.dialogue.application.common import SCHEDULER, save
from services.dialogue.application.queries import overdue_unrecorded
from services.dialogue.application.runtime import DialogueRuntime
from services.dialogue.domain.commitments import Commitment
from services.dialogue.domain.sessions import REMINDER_DAYS, DialogueSession
from shared.aggregate import UnitOfWork
from shared.db import read_connection
from shared.errors import ConcurrencyError
from shared.logs import error_line, get_logger
from shared.outage import Backoff, is_infrastructure_failure
from shared.runtime import ServiceRuntime

log = get_logger("danvan.dialogue.scheduler")


@dataclass
class ScanResult:
    reminders: int = 0
    overdue: int = 0
    conflicts: int = 0


def _ids(runtime: ServiceRuntime, query: Select[Any]) -> list[str]:
    """The candidates' ids, in the query's order."""
    with read_connection(runtime.engine) as conn:
        return list(conn.execute(query).scalars())


def sessions_needing_reminder(runtime: ServiceRuntime, today: date) -> list[str]:
    return _ids(
        runtime,
        select(sessions.c.session_id)
        .where(
            sessions.c.status == "held",
            or_(*(
                and_(
                    sessions.c[reminded_on(days)].is_(None),
                    sessions.c.held_on <= today - timedelta(days=days),
                )
                for days in REMINDER_DAYS
            )),
        )
        .order_by(sessions.c.held_on, sessions.c.session_id),
    )


def commitments_past_due(runtime: ServiceRuntime, today: date) -> list[str]:
    return _ids(
        runtime,
        select(commitments.c.commitment_id)
        .where(overdue_unrecorded(today))
        .order_by(commitments.c.due_on, commitments.c.commitment_id),
    )


def remind(uow: UnitOfWork, session_id: str, today: date) -> int:
    """The reminders a session is due today (3 and 7 days ahead); how many were recorded."""
    session = uow.load(DialogueSession, session_id)
    due = session.remind(today)
    save(uow, session)
    return len(due)


def mark_overdue(uow: UnitOfWork, commitment_id: str, today: date) -> bool:
    commitment = uow.load(Commitment, commitment_id)
    detected = commitment.detect_overdue(today)
    save(uow, commitment)
    return bool(detected)


def scan(runtime: ServiceRuntime, today: date) -> ScanResult:
    """One pass; each aggregate in its own transaction so that one conflict blocks nothing."""
    result = ScanResult()
    for session_id in sessions_needing_reminder(runtime, today):
        try:
            # Counted once committed: a loser counts nothing.
            result.reminders += runtime.execute(SCHEDULER, remind, session_id, today)
        except ConcurrencyError:
            result.conflicts += 1
    for commitment_id in commitments_past_due(runtime, today):
        try:
            result.overdue += int(runtime.execute(SCHEDULER, mark_overdue, commitment_id, today))
        except ConcurrencyError:
            result.conflicts += 1
    if result.reminders or result.overdue or result.conflicts:
        log.info(
            "dialogue_scan",
            today=today.isoformat(),
            reminders=result.reminders,
            overdue=result.overdue,
            conflicts=result.conflicts,
        )
    return result


async def run_scheduler(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """Scan at start (so a restart catches up at once), then every `scan_interval_s`; a pass
    lost to an outage (database restarting, connection dropped) is retried sooner
    (`OUTAGE_RETRY_FIRST_S` doubling to `OUTAGE_RETRY_MAX_S`, never later than the interval),
    and only a pass that ran through counts as done."""
    assert isinstance(runtime, DialogueRuntime)
    retry = Backoff()
    while not stop.is_set():
        wait = runtime.scan_interval_s
        try:
            await asyncio.to_thread(scan, runtime, runtime.today())
        except Exception as exc:  # the loop must outlive a bad pass (database restarting...)
            if is_infrastructure_failure(exc):
                # The outage is the news, not the stack (the web layer logs it the same way).
                wait = min(retry.next(), runtime.scan_interval_s)
                log.warning("dialogue_scan_unavailable", error=error_line(exc), retry_in_s=wait)
            else:  # a fault of the work itself: its traceback, and no faster retry
                log.exception("dialogue_scan_failed", error=type(exc).__name__)
        else:
            runtime.scans_completed += 1
            retry.reset()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
