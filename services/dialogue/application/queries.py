"""Read side: lists and details served from the inline read models."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, or_, select

from services.dialogue import messages
from services.dialogue.adapters.projection import PROJECTION
from services.dialogue.adapters.tables import (
    commitments,
    heads,
    issues,
    reminded_on,
    rules,
    session_heads,
    sessions,
    unit_successions,
)
from services.dialogue.domain.commitments import Commitment
from services.dialogue.domain.events import CommitmentStatus
from services.dialogue.domain.heads import HeadPost
from services.dialogue.domain.heads import office_last_day as term_office_last_day
from services.dialogue.domain.sessions import REMINDER_DAYS, DialogueSession
from shared.adminunits import UnitCatalogue, codes_placed_in, default_catalogue
from shared.clock import day_vn, iso_or_none
from shared.db import row_or_not_found
from shared.envelope import EventEnvelope, utcnow
from shared.errors import InvalidInput
from shared.eventstore import EventStore
from shared.planrules import commitment_standing, last_overdue_due_on, overdue_since
from shared.textorder import byte_order
from shared.unitsuccessions import catalogue_known

MAX_PAGE = 1000
# Lists read top-down: the city, then districts, then communes.
LEVEL_RANK = {"province": 0, "district": 1, "commune": 2}


#: The day a session is listed by: the holding date, the cancellation's for a cancelled one
#: (the day reporting counts it, `sessions_cancelled`, finding M7), else the planned one. A
#: cancelled session listed by the day it was planned for was outside a window asking for the
#: cancellations the report of that window counts, and inside one that counts none of them.
session_day = func.coalesce(sessions.c.held_on, sessions.c.cancelled_on, sessions.c.planned_on)

#: Whose a record is (shared.auth.units.covers_during): its unit and the first and last day
#: of its life. A head's term lives while the head holds office; a session, and an issue
#: raised at it, on its day; a commitment from the day it was made until it is done. A list
#: narrows by these columns and the read of one record checks the same ones (api/access.py).
HEAD_LIFE: tuple[ColumnElement[Any], ...] = (heads.c.unit_code, heads.c.from_date, heads.c.to_date)
SESSION_LIFE: tuple[ColumnElement[Any], ...] = (sessions.c.unit_code, session_day, session_day)
ISSUE_LIFE: tuple[ColumnElement[Any], ...] = (
    issues.c.unit_code, issues.c.raised_on, issues.c.raised_on
)
COMMITMENT_LIFE: tuple[ColumnElement[Any], ...] = (
    commitments.c.unit_code, commitments.c.made_on, commitments.c.completed_on
)


def units_in_scope(
    code: str, include_subunits: bool, dates: Iterable[date] | None = None,
    placed_on: date | None = None, placing: UnitCatalogue | None = None,
) -> set[str]:
    """The unit and, if asked, every unit under it (districts and communes) on any of
    `dates` (default: every version of the unit). Units are versioned: a district abolished
    in 2025 still covers the communes it had, and a period must see both structures. With
    `placed_on`, also the units whose records a figure of that day counts at the unit (or
    under it): a merged commune's at its successor (the kernel's `codes_placed_in`, the
    placement reporting's rows follow), by `placing` (`catalogue_now`: with the successors
    officials recorded)."""
    catalogue = default_catalogue()
    versions = catalogue.history(code)
    if not versions:
        raise InvalidInput(
            "UNKNOWN_UNIT", messages.UNKNOWN_UNIT_FILTER.format(code=code), unit_code=code
        )
    scope = {code}
    if placed_on is not None:
        scope |= codes_placed_in(placing or catalogue, code, placed_on, below=include_subunits)
    if not include_subunits:
        return scope
    if dates is None:
        dates = {v.valid_from for v in versions} | {
            v.valid_to - timedelta(days=1) for v in versions if v.valid_to is not None
        }
    for on in set(dates):
        if catalogue.get(code, on) is None:
            continue
        scope |= {u.code for u in catalogue.children(code, on)}
        scope |= {u.code for u in catalogue.descendants(code, on)}
    return scope


def unit_last_day(code: str, on: date) -> date | None:
    """The last day of the unit `code` named on `on` (a district abolished on 1 July 2025, or
    a commune merged that day even where its code persisted, ends on 30 June: the kernel's
    `UnitCatalogue.last_day_of`); None while it still exists. A head's term begun on `on`
    cannot outlast the unit."""
    return default_catalogue().last_day_of(code, on)


def office_last_day(row: Any) -> date | None:
    """A head's last day in office, a `heads` row's: the day they left or, if earlier, the
    last day of the unit they took office in (None: in office; the post's own rule)."""
    return term_office_last_day(row.unit_code, row.from_date, row.to_date)


def in_office_on(row: Any, on: date) -> bool:
    """Whether the head of a `heads` row was in office on `on`."""
    last = office_last_day(row)
    return row.from_date <= on and (last is None or on <= last)


def unit_name(code: str, on: date) -> str:
    catalogue = default_catalogue()
    unit = catalogue.get(code, on)
    if unit is None:
        history = catalogue.history(code)
        return history[-1].name if history else code
    return unit.name


def _narrowed(
    query: Select[Any],
    unit_column: ColumnElement[Any],
    unit_code: str | None,
    include_subunits: bool,
    placed_on: date,
    placing: UnitCatalogue | None,
    *equal: tuple[ColumnElement[Any], Any],
) -> Select[Any]:
    """`query` narrowed to a unit (and, if asked, the units under it, and those whose records
    count at it on `placed_on`) and to the rows whose column equals each value given; a
    filter left empty (None, "") narrows nothing."""
    if unit_code:
        query = query.where(unit_column.in_(
            sorted(units_in_scope(unit_code, include_subunits, placed_on=placed_on,
                                  placing=placing))))
    return query.where(*(column == value for column, value in equal if value))


def _listed(
    conn: Connection,
    query: Select[Any],
    order: Sequence[ColumnElement[Any]],
    as_dict: Callable[[Any], dict[str, Any]],
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """A page of a list in `order`, and how many rows the whole list has."""
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query.order_by(*order).limit(max(1, min(limit, MAX_PAGE))).offset(max(offset, 0))
    return {"total": int(total), "items": [as_dict(r) for r in conn.execute(page)]}


def read_as_of(conn: Connection, as_of: datetime | None) -> AbstractContextManager[Connection]:
    """The read models a list reads: now (`conn`), or with the kernel's `as_of` as they
    stood at that moment (`InlineProjection.known_at`: what a report signed then counted)."""
    return PROJECTION.reading(conn, as_of)


def placing_as_of(conn: Connection, as_of: datetime | None) -> UnitCatalogue:
    """What a list places records by: the successors recorded by `as_of` (now: None)."""
    return catalogue_known(conn, unit_successions, as_of or utcnow())


def day_of(as_of: datetime | None, today: date) -> date:
    """The one day a list places its records on and judges them at: the moment's in Vietnam,
    else `today`, the business clock's (`DialogueRuntime.today`, as the commands and the
    scheduler judge by; review L2: a list placed by the real clock's day and judged by it)."""
    return today if as_of is None else day_vn(as_of)


# --- heads ---------------------------------------------------------------------------------


def head_dict(row: Any, on: date | None = None) -> dict[str, Any]:
    shown_on = on or row.to_date or row.from_date
    return {
        "head_id": row.head_id,
        "unit_code": row.unit_code,
        "unit_name": unit_name(row.unit_code, shown_on),
        "level": row.level,
        "level_label": messages.LEVEL[row.level],
        "role": row.role,
        "role_label": messages.ROLE[row.role],
        "full_name": row.full_name,
        "from_date": iso_or_none(row.from_date),
        "to_date": iso_or_none(row.to_date),
        # The last day in office as the roster, rule compliance and I2 count it: `to_date`,
        # or the eve of the unit's end when that comes first (a unit merged on 1 July 2025
        # ends its terms on 30/06/2025 with no leaving recorded); None: in office.
        "in_office_to": iso_or_none(office_last_day(row)),
        "leave_reason": row.leave_reason,
        "predecessor_head_id": row.predecessor_head_id,
        "successor_head_id": row.successor_head_id,
        "version": row.version,
    }


def roster(
    conn: Connection,
    on: date,
    unit_code: str | None,
    role: str | None,
    include_subunits: bool,
    *within: ColumnElement[bool],
) -> list[dict[str, Any]]:
    """Who held each head post on `on` (among the terms `within` admits: the caller's)."""
    query = select(heads).where(
        heads.c.from_date <= on, or_(heads.c.to_date.is_(None), heads.c.to_date >= on), *within
    )
    if unit_code:
        query = query.where(
            heads.c.unit_code.in_(units_in_scope(unit_code, include_subunits, [on]))
        )
    if role:
        query = query.where(heads.c.role == role)
    catalogue = default_catalogue()
    rows = sorted(
        (r for r in conn.execute(query)
         if catalogue.get(r.unit_code, on) is not None and in_office_on(r, on)),
        key=lambda r: (LEVEL_RANK[r.level], r.unit_code, r.role),
    )
    return [head_dict(row, on) for row in rows]


def terms_of_unit(
    conn: Connection, unit_code: str, *within: ColumnElement[bool]
) -> list[dict[str, Any]]:
    units_in_scope(unit_code, include_subunits=False)  # refuses a code never catalogued
    query = (
        select(heads)
        .where(heads.c.unit_code == unit_code, *within)
        .order_by(byte_order(heads.c.role), heads.c.from_date)
    )
    return [head_dict(row) for row in conn.execute(query)]


def history_entry(envelope: EventEnvelope, own_id: str) -> dict[str, Any]:
    """One event of a record's history as its read shows it: who recorded what, when, and
    its payload but the record's own id (`own_id`, the path's already)."""
    return {
        "event_id": str(envelope.event_id),
        "event_type": envelope.event_type,
        "on": day_vn(envelope.occurred_at).isoformat(),
        "recorded_at": envelope.recorded_at.isoformat(),
        "actor": envelope.actor,
        "version": envelope.aggregate_version,
        **{k: v for k, v in envelope.payload.items() if k != own_id},
    }


def get_head(conn: Connection, store: EventStore, head_id: str) -> dict[str, Any]:
    row = row_or_not_found(conn, select(heads).where(heads.c.head_id == head_id),
                           "HEAD_NOT_FOUND", messages.HEAD_NOT_FOUND.format(id=head_id))
    body = head_dict(row)
    # The term's events in its post's stream: a corrected taking of office stays beside its
    # correction (G18), which names it by `event_id` in `corrects`.
    body["history"] = [
        history_entry(e, "head_id")
        for e in store.load(conn, HeadPost.aggregate_type, row.post_id)
        if e.payload.get("head_id") == head_id
    ]
    return body


# --- sessions ------------------------------------------------------------------------------


def session_dict(row: Any) -> dict[str, Any]:
    on = row.held_on or row.planned_on
    return {
        "session_id": row.session_id,
        "unit_code": row.unit_code,
        "unit_name": unit_name(row.unit_code, on),
        "status": row.status,
        "status_label": messages.SESSION_STATUS[row.status],
        "planned_on": iso_or_none(row.planned_on),
        "held_on": iso_or_none(row.held_on),
        "topic": row.topic,
        "place": row.place,
        "co_organiser": row.co_organiser,
        "head_ids": json.loads(row.head_ids),
        "rescheduled_count": row.rescheduled_count,
        "cancelled_on": iso_or_none(row.cancelled_on),
        "cancel_reason": row.cancel_reason,
        "report": None
        if row.report_filed_on is None
        else {
            "filed_on": iso_or_none(row.report_filed_on),
            "attendance": row.attendance,
            "organisations": json.loads(row.organisations or "[]"),
            "summary": row.summary,
        },
        "reminders": {
            str(days): iso_or_none(getattr(row, reminded_on(days))) for days in REMINDER_DAYS
        },
        "version": row.version,
    }




def sessions_query(
    *,
    unit_code: str | None,
    include_subunits: bool,
    status: str | None,
    head_id: str | None,
    date_from: date | None,
    date_to: date | None,
    placed_on: date,
    placing: UnitCatalogue | None = None,
) -> Select[Any]:
    # Placed as a figure whose window ends on `date_to` places them (reporting's cut-off),
    # else on the list's day (`day_of`).
    query = _narrowed(
        select(sessions), sessions.c.unit_code, unit_code, include_subunits,
        date_to or placed_on, placing, (sessions.c.status, status),
    )
    if head_id:
        query = query.where(
            sessions.c.session_id.in_(
                select(session_heads.c.session_id).where(session_heads.c.head_id == head_id)
            )
        )
    if date_from:
        query = query.where(session_day >= date_from)
    if date_to:
        query = query.where(session_day <= date_to)
    return query


def list_sessions(conn: Connection, query: Select[Any], limit: int, offset: int) -> dict[str, Any]:
    order = (session_day.desc(), byte_order(sessions.c.session_id))
    return _listed(conn, query, order, session_dict, limit, offset)


def get_session(
    conn: Connection, store: EventStore, session_id: str, today: date
) -> dict[str, Any]:
    """The session with its heads, issues and commitments (as they stand at the end of
    `today`) and its history."""
    row = row_or_not_found(conn, select(sessions).where(sessions.c.session_id == session_id),
                           "SESSION_NOT_FOUND", messages.SESSION_NOT_FOUND.format(id=session_id))
    body = session_dict(row)
    # The session's own stream: a corrected holding stays in it beside its correction (G18),
    # which names it by `event_id` in `corrects`.
    body["history"] = [history_entry(e, "session_id")
                       for e in store.load(conn, DialogueSession.aggregate_type, session_id)]
    body["heads"] = [
        head_dict(h)
        for h in conn.execute(
            select(heads).where(heads.c.head_id.in_(body["head_ids"])).order_by(heads.c.role)
        )
    ]
    body["issues"] = [
        issue_dict(i)
        for i in conn.execute(
            select(issues).where(issues.c.session_id == session_id).order_by(issues.c.issue_id)
        )
    ]
    body["commitments"] = [
        commitment_dict(c, today)
        for c in conn.execute(
            select(commitments)
            .where(commitments.c.session_id == session_id)
            .order_by(commitments.c.due_on, commitments.c.commitment_id)
        )
    ]
    return body


# --- issues --------------------------------------------------------------------------------


def issue_dict(row: Any) -> dict[str, Any]:
    return {
        "issue_id": row.issue_id,
        "session_id": row.session_id,
        "unit_code": row.unit_code,
        "category": row.category,
        "category_label": messages.ISSUE_CATEGORY[row.category],
        "text": row.text,
        "handling": row.handling,
        "handling_label": messages.HANDLING[row.handling],
        "assigned_agency": row.assigned_agency,
        "answer": row.answer,
        "raised_on": iso_or_none(row.raised_on),
        "has_citizen_contact": row.has_citizen_contact,
        "version": row.version,
    }


def issues_query(
    *,
    unit_code: str | None,
    category: str | None,
    handling: str | None,
    session_id: str | None,
    placed_on: date,
    placing: UnitCatalogue | None = None,
) -> Select[Any]:
    return _narrowed(
        select(issues), issues.c.unit_code, unit_code, True, placed_on, placing,
        (issues.c.category, category),
        (issues.c.handling, handling),
        (issues.c.session_id, session_id),
    )


def list_issues(conn: Connection, query: Select[Any], limit: int, offset: int) -> dict[str, Any]:
    order = (issues.c.raised_on.desc(), byte_order(issues.c.issue_id))
    return _listed(conn, query, order, issue_dict, limit, offset)


def get_issue(conn: Connection, issue_id: str) -> dict[str, Any]:
    row = row_or_not_found(conn, select(issues).where(issues.c.issue_id == issue_id),
                           "ISSUE_NOT_FOUND", messages.ISSUE_NOT_FOUND.format(id=issue_id))
    return issue_dict(row)


# --- commitments ---------------------------------------------------------------------------


#: A commitment not done: one the day can make overdue before the scheduler records it.
UNDONE: tuple[CommitmentStatus, ...] = ("open", "in_progress")


def overdue_unrecorded(day: date) -> ColumnElement[bool]:
    """Commitments overdue at the end of `day` (`planrules.commitment_standing`) whose
    overdue the scheduler has not recorded yet: made with a due date already past, or past
    due since the last scan (every `DIALOGUE_SCAN_INTERVAL_S`) or while it was down."""
    return (commitments.c.status.in_(UNDONE)
            & (commitments.c.due_on <= last_overdue_due_on(day)))


def _status_on(status: CommitmentStatus, day: date) -> ColumnElement[bool]:
    """Rows whose status at the end of `day` is `status` (`commitment_dict`'s)."""
    if status == "overdue":
        return or_(commitments.c.status == "overdue", overdue_unrecorded(day))
    if status in UNDONE:
        return (commitments.c.status == status) & ~overdue_unrecorded(day)
    return commitments.c.status == status


def commitment_dict(row: Any, day: date) -> dict[str, Any]:
    """A commitment as it stands at the end of `day`: overdue once its due date has passed,
    as reporting counts it (`planrules.commitment_standing`), even before the scheduler
    records the overdue (finding R1: the service said "Chưa thực hiện" where the report
    counted "quá hạn", until the next scan)."""
    status, since = row.status, row.overdue_since
    if status in UNDONE and commitment_standing(False, row.due_on, day) == "overdue":
        status, since = "overdue", overdue_since(row.due_on, row.last_update_on)
    return {
        "commitment_id": row.commitment_id,
        "session_id": row.session_id,
        "issue_id": row.issue_id,
        "unit_code": row.unit_code,
        "responsible_agency": row.responsible_agency,
        "text": row.text,
        "made_on": iso_or_none(row.made_on),
        "due_on": iso_or_none(row.due_on),
        "progress_pct": row.progress_pct,
        "status": status,
        "status_label": messages.COMMITMENT_STATUS[status],
        "last_update_on": iso_or_none(row.last_update_on),
        "completed_on": iso_or_none(row.completed_on),
        "overdue_since": iso_or_none(since),
        "version": row.version,
    }


def commitments_query(
    *,
    unit_code: str | None,
    status: CommitmentStatus | None,
    agency: str | None,
    session_id: str | None,
    due_before: date | None,
    day: date,
    placing: UnitCatalogue | None = None,
) -> Select[Any]:
    """Commitments narrowed by the filters given, on one day (`day_of`): the unit as placed
    on `day` and the status at the end of it (`commitment_dict`)."""
    query = _narrowed(
        select(commitments), commitments.c.unit_code, unit_code, True, day, placing,
        (commitments.c.responsible_agency, agency),
        (commitments.c.session_id, session_id),
    )
    if status:
        query = query.where(_status_on(status, day))
    if due_before:
        query = query.where(commitments.c.due_on <= due_before)
    return query


def list_commitments(
    conn: Connection, query: Select[Any], limit: int, offset: int, *, day: date
) -> dict[str, Any]:
    """A page of commitments as they stand at the end of `day` (`commitment_dict`)."""
    order = (commitments.c.due_on, byte_order(commitments.c.commitment_id))
    return _listed(conn, query, order, lambda row: commitment_dict(row, day), limit, offset)


def all_commitments(
    conn: Connection, query: Select[Any], max_rows: int, day: date
) -> list[dict[str, Any]]:
    """Unpaged, for sheets: at most `max_rows`, the most urgent first, as they stand at the
    end of `day`."""
    rows = conn.execute(
        query.order_by(commitments.c.due_on, byte_order(commitments.c.commitment_id))
        .limit(max_rows)
    )
    return [commitment_dict(r, day) for r in rows]


def get_commitment(
    conn: Connection, store: EventStore, commitment_id: str, today: date
) -> dict[str, Any]:
    """The commitment as it stands at the end of `today`, with its history."""
    row = row_or_not_found(
        conn, select(commitments).where(commitments.c.commitment_id == commitment_id),
        "COMMITMENT_NOT_FOUND", messages.COMMITMENT_NOT_FOUND.format(id=commitment_id),
    )
    body = commitment_dict(row, today)
    # The follow-up history is the commitment's own stream: nothing else to keep in sync.
    body["history"] = [
        {
            "event_type": e.event_type,
            "on": day_vn(e.occurred_at).isoformat(),
            "recorded_at": e.recorded_at.isoformat(),
            "actor": e.actor,
            "version": e.aggregate_version,
            **{k: v for k, v in e.payload.items() if k != "commitment_id"},
        }
        for e in store.load(conn, Commitment.aggregate_type, commitment_id)
    ]
    return body


# --- rules ---------------------------------------------------------------------------------


def list_rules(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(rules).order_by(rules.c.level, rules.c.effective_from))
    return [
        {
            "level": r.level,
            "level_label": messages.LEVEL[r.level],
            "min_sessions_per_year": r.min_sessions_per_year,
            "effective_from": iso_or_none(r.effective_from),
            "legal_basis": r.legal_basis,
            "note": r.note,
        }
        for r in rows
    ]
