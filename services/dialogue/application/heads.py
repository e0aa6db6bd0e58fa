"""Command handlers of the heads roster."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import ColumnElement, Connection, func, select

from services.dialogue import messages
from services.dialogue.adapters.tables import heads, session_heads, sessions
from services.dialogue.application.commands import (
    CorrectLeftOffice,
    CorrectTookOffice,
    HandOver,
    LeaveOffice,
    TakeOffice,
)
from services.dialogue.application.common import WRITE, jurisdiction_unit, save
from services.dialogue.application.queries import unit_last_day
from services.dialogue.domain.events import SessionRescheduled
from services.dialogue.domain.heads import HeadPost, Term
from services.dialogue.domain.sessions import DialogueSession
from shared.aggregate import UnitOfWork, expect_version
from shared.auth.checks import authorize
from shared.clock import format_date_vn, in_utc
from shared.concurrency import required_version
from shared.corrections import event_id_at
from shared.envelope import EventEnvelope
from shared.errors import InvalidInput, NotFound
from shared.eventstore import events_table
from shared.validation import not_in_future


def post_of(conn: Connection, head_id: str) -> str:
    post_id = conn.execute(
        select(heads.c.post_id).where(heads.c.head_id == head_id)
    ).scalar_one_or_none()
    if post_id is None:
        raise NotFound("HEAD_NOT_FOUND", messages.HEAD_NOT_FOUND.format(id=head_id))
    return str(post_id)


def load_post(uow: UnitOfWork, head_id: str) -> HeadPost:
    """The post of a term whose end is to be recorded, declared before it is read: a hold at
    the same moment checks the term (sessions.require_heads) while the leaving checks the
    hold's session (`require_no_session_after`); declaring the post serialises the two, so
    they cannot both pass on the other's old state (`UnitOfWork.serialise_on`)."""
    post_id = post_of(uow.connection, head_id)
    uow.serialise_on(HeadPost, post_id)
    return uow.load(HeadPost, post_id)


def _held_session(
    conn: Connection, head_id: str, outside: ColumnElement[bool], latest: bool
) -> Any:
    """The session the head held (as one of its heads) on a day `outside` selects, the latest
    or the earliest of them; None when there is none."""
    held_on = sessions.c.held_on.desc() if latest else sessions.c.held_on
    return conn.execute(
        select(sessions.c.session_id, sessions.c.held_on)
        .join(session_heads, session_heads.c.session_id == sessions.c.session_id)
        .where(session_heads.c.head_id == head_id,
               sessions.c.status.in_(("held", "closed")), outside)
        .order_by(held_on, sessions.c.session_id)
        .limit(1)
    ).first()


def require_no_session_after(
    conn: Connection, head_id: str, full_name: str, last_day: date
) -> None:
    """A term cannot end before a session its head held (chaired as one of the session's
    heads): the hold was checked against the term, and a leaving recorded late must not take
    the session out of the days in office it was held in (I2 would then count it in one
    service and not another)."""
    row = _held_session(conn, head_id, sessions.c.held_on > last_day, latest=True)
    if row is not None:
        raise InvalidInput(
            "SESSION_HELD_AFTER_LEAVING",
            messages.SESSION_HELD_AFTER_LEAVING.format(
                to_date=format_date_vn(last_day), held_on=format_date_vn(row.held_on),
                name=full_name, session_id=row.session_id,
            ),
            head_id=head_id, session_id=row.session_id, held_on=row.held_on.isoformat(),
        )


def require_no_session_before(
    conn: Connection, head_id: str, full_name: str, first_day: date
) -> None:
    """A term cannot start after a session its head held: as `require_no_session_after`, the
    hold was checked against the term and must stay inside the days in office."""
    row = _held_session(conn, head_id, sessions.c.held_on < first_day, latest=False)
    if row is not None:
        raise InvalidInput(
            "SESSION_HELD_BEFORE_OFFICE",
            messages.SESSION_HELD_BEFORE_OFFICE.format(
                from_date=format_date_vn(first_day), held_on=format_date_vn(row.held_on),
                name=full_name, session_id=row.session_id,
            ),
            head_id=head_id, session_id=row.session_id, held_on=row.held_on.isoformat(),
        )


def require_no_session_decided_before(
    conn: Connection, head_id: str, full_name: str, first_day: date
) -> None:
    """A first day in office corrected to `first_day` keeps the sessions naming the head as
    they were recorded under (422 SESSION_DECIDED_BEFORE_OFFICE, the first found): a session
    not held is planned for a day its heads hold office (`sessions.require_heads`), and a
    decision about a session (a reschedule, a cancellation) comes no earlier than the first
    day in office of the earliest of its heads (M7, `sessions._preceding`), here with the
    head's day corrected. Its holding is `require_no_session_before`'s; both are the day's
    content against the sessions recorded, so one status and one place in the order (review
    R3: a held session answered 422 after the day's checks, the others 409 before them)."""
    rows = conn.execute(
        select(sessions.c.session_id, sessions.c.status, sessions.c.planned_on,
               sessions.c.cancelled_on)
        .join(session_heads, session_heads.c.session_id == sessions.c.session_id)
        .where(session_heads.c.head_id == head_id)
        .order_by(sessions.c.planned_on, sessions.c.session_id)
    ).all()
    for row in rows:
        others = conn.execute(
            select(func.min(heads.c.from_date))
            .join(session_heads, session_heads.c.head_id == heads.c.head_id)
            .where(session_heads.c.session_id == row.session_id, heads.c.head_id != head_id)
        ).scalar_one()
        earliest = first_day if others is None else min(first_day, others)
        t = events_table.c
        rescheduled = conn.execute(
            select(func.min(t.occurred_at)).where(
                t.aggregate_type == DialogueSession.aggregate_type,
                t.aggregate_id == row.session_id,
                t.event_type == SessionRescheduled.event_type)
        ).scalar_one()
        steps: list[tuple[str, date | None, date]] = [
            ("rescheduled", in_utc(rescheduled).date() if rescheduled else None, earliest),
            ("cancelled_on", row.cancelled_on, earliest),
        ]
        if row.status in ("planned", "cancelled"):
            steps.append(("planned_on", row.planned_on, first_day))
        for what, on, bound in steps:
            if on is not None and on < bound:
                raise InvalidInput(
                    "SESSION_DECIDED_BEFORE_OFFICE",
                    messages.SESSION_DECIDED_BEFORE_OFFICE.format(
                        session_id=row.session_id, what=messages.SESSION_STEP_WHAT[what],
                        on=format_date_vn(on), from_date=format_date_vn(first_day)),
                    head_id=head_id, session_id=row.session_id, step=what,
                    on=on.isoformat(),
                )


def correct_took_office(
    uow: UnitOfWork, head_id: str, command: CorrectTookOffice, today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    """Đính chính a mistyped `from_date` (G18): a new event naming the taking of office it
    corrects. The right day is checked as a taking of office is (not in the future, the unit
    then, the caller's units on it, no other holder of the post then), and the sessions the
    head held stay inside the term (serialised with a hold on the post: `load_post`). A
    successor's first day recorded by a hand-over moves the predecessor's leaving with it
    (`HeadPost.correct_from_date`), checked as a leaving is (`_check_leaving`)."""
    authorize(uow, WRITE)
    post = load_post(uow, head_id)
    # The post's unit is the record's, not one the caller named: out of scope, the caller is
    # told its own scope only, before anything about the date (finding J1, as H4).
    authorize(uow, WRITE, post.unit_code, command.from_date, record=True)
    # A correction restates a fact another desk may have just restated: never blind (428).
    expect_version(post, required_version(expected_version))
    term = post.term(head_id)
    assert term is not None  # the roster row that named the post is the term's
    not_in_future(command.from_date, today)
    jurisdiction_unit(uow, post.unit_code, command.from_date)  # the unit on the right day
    require_no_session_before(uow.connection, head_id, term.full_name, command.from_date)
    require_no_session_decided_before(uow.connection, head_id, term.full_name,
                                      command.from_date)
    predecessor = post.handed_over_by(head_id)
    if predecessor is not None:
        _check_leaving(uow, post.unit_code, predecessor, command.from_date - timedelta(days=1))
    post.correct_from_date(head_id, command.from_date, command.reason, _event_ids(uow, post))
    return save(uow, post)


def correct_left_office(
    uow: UnitOfWork, head_id: str, command: CorrectLeftOffice, today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    """Đính chính a mistyped `to_date` (L2): a new event restating the leaving it corrects
    (`HeadLeftOfficeCorrected`). The right day is checked as a leaving is (not in the future,
    within the unit's life, the caller's units on it, no session the head held after it)
    and the post's rules (no other holder then)."""
    authorize(uow, WRITE)
    post = load_post(uow, head_id)
    authorize(uow, WRITE, post.unit_code, command.to_date, record=True)
    expect_version(post, required_version(expected_version))
    post.require_left(head_id)  # the state (409) before the day's content (422)
    not_in_future(command.to_date, today)
    term = post.term(head_id)
    assert term is not None  # the roster row that named the post is the term's
    _check_leaving(uow, post.unit_code, term, command.to_date)
    post.correct_to_date(head_id, command.to_date, command.reason, _event_ids(uow, post))
    return save(uow, post)


def _check_leaving(uow: UnitOfWork, unit_code: str, term: Term, to_date: date) -> None:
    """What a leaving on `to_date` must keep, whether recorded or corrected."""
    require_within_unit(unit_code, to_date, term.from_date)
    require_no_session_after(uow.connection, term.head_id, term.full_name, to_date)


def _event_ids(uow: UnitOfWork, post: HeadPost) -> Callable[[int], str]:
    """The event id of a version of the post's stream (what a correction names)."""
    return lambda version: event_id_at(uow.connection, HeadPost.aggregate_type, post.id, version)


def require_within_unit(unit_code: str, to_date: date, from_date: date) -> None:
    """A term begun on `from_date` cannot outlast its unit (finding J24; a commune merged on
    1 July 2025 whose code persisted ends on 30 June all the same): one recorded ending after
    the unit's last day would show on the head's record and the unit's terms a time the unit
    never had."""
    last_day = unit_last_day(unit_code, from_date)
    if last_day is not None and to_date > last_day:
        raise InvalidInput(
            "TERM_OUTLASTS_UNIT",
            messages.TERM_OUTLASTS_UNIT.format(
                to_date=format_date_vn(to_date), unit=unit_code,
                last_day=format_date_vn(last_day)),
            unit_code=unit_code, last_day=last_day.isoformat(),
        )


def take_office(uow: UnitOfWork, command: TakeOffice, today: date) -> list[EventEnvelope]:
    authorize(uow, WRITE)
    unit = jurisdiction_unit(uow, command.unit_code, command.from_date)
    authorize(uow, WRITE, unit.code, command.from_date)
    not_in_future(command.from_date, today)
    if command.to_date is not None:
        not_in_future(command.to_date, today)
    if command.to_date is not None:
        require_within_unit(unit.code, command.to_date, command.from_date)
    post = uow.load(HeadPost, HeadPost.post_id(unit.code, command.role))
    post.take_office(
        str(uuid4()), command.full_name, command.from_date, unit.level, command.to_date
    )
    return save(uow, post)


def leave_office(
    uow: UnitOfWork, head_id: str, command: LeaveOffice, today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    """`expected_version` (If-Match) names the version of the term's post."""
    authorize(uow, WRITE)
    post = load_post(uow, head_id)
    authorize(uow, WRITE, post.unit_code, command.to_date, record=True)
    expect_version(post, expected_version)
    post.require_in_office(head_id, "leave")  # the state (409) before the day's content (422)
    not_in_future(command.to_date, today)
    term = post.term(head_id)
    assert term is not None  # the roster row that named the post is the term's
    _check_leaving(uow, post.unit_code, term, command.to_date)
    post.leave(head_id, command.to_date, command.reason)
    return save(uow, post)


def hand_over(
    uow: UnitOfWork, head_id: str, command: HandOver, today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    """`expected_version` (If-Match) names the version of the term's post."""
    authorize(uow, WRITE)
    post = load_post(uow, head_id)
    # As `correct_took_office`: the record's unit, refused naming the caller's scope only.
    authorize(uow, WRITE, post.unit_code, command.from_date, record=True)
    expect_version(post, expected_version)
    post.require_in_office(head_id, "hand_over")  # the state (409) before the day (422)
    not_in_future(command.from_date, today)
    unit = jurisdiction_unit(uow, post.unit_code, command.from_date)
    term = post.term(head_id)
    assert term is not None  # the roster row that named the post is the term's
    # The incumbent's leaving, on the eve: within the unit's life (a head of a commune merged
    # on 1 July 2025 hands over no later than that day) and after their sessions.
    _check_leaving(uow, post.unit_code, term, command.from_date - timedelta(days=1))
    post.hand_over(head_id, str(uuid4()), command.full_name, command.from_date, unit.level)
    return save(uow, post)
