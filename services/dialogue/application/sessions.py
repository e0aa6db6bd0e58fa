"""Command handlers of dialogue sessions, the issues raised there and the commitments made."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, insert, select

from services.dialogue import messages
from services.dialogue.adapters.citizen_contacts import delete_citizen_contact
from services.dialogue.adapters.tables import citizen_contacts, commitments, heads, issues
from services.dialogue.application.commands import (
    CancelSession,
    CorrectSessionHeld,
    FileReport,
    HoldSession,
    MakeCommitment,
    PlanSession,
    RaiseIssue,
    RescheduleSession,
)
from services.dialogue.application.common import (
    CITIZEN_DATA,
    WRITE,
    jurisdiction_unit,
    new_id,
    save,
    to_write,
)
from services.dialogue.application.queries import in_office_on
from services.dialogue.domain.commitments import Commitment
from services.dialogue.domain.events import (
    CommitmentMade,
    IssueRaised,
    SessionPlanned,
    SessionRescheduled,
)
from services.dialogue.domain.heads import HeadPost
from services.dialogue.domain.issues import RaisedIssue
from services.dialogue.domain.sessions import DialogueSession, Preceding
from shared.aggregate import UnitOfWork, expect_version
from shared.auth.checks import authorize
from shared.clock import format_date_vn, in_utc
from shared.concurrency import required_version
from shared.corrections import event_id_at
from shared.envelope import EventEnvelope, utcnow
from shared.errors import ActionRefused, InvalidInput, NotFound
from shared.eventstore import events_table
from shared.validation import not_in_future


def require_heads(uow: UnitOfWork, head_ids: Sequence[str], unit_code: str, on: date) -> None:
    """The heads chairing a session hold a post of the session's unit on its date.

    A leaving recorded at the same moment checks the other way round (no session held after
    the last day, heads.require_no_session_after): both declare the heads' posts before they
    read, so that one of the two sees the other's commit (`UnitOfWork.serialise_on`)."""
    if len(set(head_ids)) != len(head_ids):
        raise InvalidInput("HEADS_DUPLICATED", messages.HEADS_DUPLICATED)
    # A head's post never changes: read before the lock, it is still the one to declare.
    uow.serialise_on(HeadPost, *uow.connection.execute(
        select(heads.c.post_id).where(heads.c.head_id.in_(head_ids))).scalars())
    rows = {
        row.head_id: row
        for row in uow.connection.execute(select(heads).where(heads.c.head_id.in_(head_ids)))
    }
    for head_id in head_ids:
        row = rows.get(head_id)
        if row is None:
            raise InvalidInput(
                "UNKNOWN_HEAD", messages.HEAD_NOT_FOUND.format(id=head_id), head_id=head_id
            )
        if row.unit_code != unit_code:
            raise InvalidInput(
                "HEAD_NOT_OF_UNIT",
                messages.HEAD_NOT_OF_UNIT.format(id=head_id, unit_code=unit_code),
                head_id=head_id,
            )
        if not in_office_on(row, on):
            raise InvalidInput(
                "HEAD_NOT_IN_OFFICE",
                messages.HEAD_NOT_IN_OFFICE.format(name=row.full_name, on=format_date_vn(on)),
                head_id=head_id,
            )


def load_session(
    uow: UnitOfWork, session_id: str, expected_version: int | None = None,
    on: date | None = None,
) -> DialogueSession:
    not_found = NotFound("SESSION_NOT_FOUND", messages.SESSION_NOT_FOUND.format(id=session_id))
    return to_write(uow, DialogueSession, session_id, not_found, expected_version, on)


def plan(uow: UnitOfWork, command: PlanSession) -> list[EventEnvelope]:
    authorize(uow, WRITE)
    unit = jurisdiction_unit(uow, command.unit_code, command.planned_on)
    authorize(uow, WRITE, unit.code, command.planned_on)
    require_heads(uow, command.head_ids, unit.code, command.planned_on)
    session = uow.load(DialogueSession, new_id(command.session_id))
    session.plan(
        SessionPlanned(
            session_id=session.id,
            unit_code=unit.code,
            head_ids=list(command.head_ids),
            planned_on=command.planned_on,
            topic=command.topic,
            place=command.place,
            co_organiser=command.co_organiser,
        )
    )
    return save(uow, session)


def reschedule(
    uow: UnitOfWork, session_id: str, command: RescheduleSession, today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    decided_on = command.decided_on or today
    session = load_session(uow, session_id, expected_version, decided_on)
    session.require_allowed("reschedule")  # the state (409) before the day's content (422)
    not_in_future(decided_on, today)  # after 403, 404, 412: docs/api-conventions.md
    session.reschedule(command.planned_on, command.reason, decided_on, _preceding(uow, session))
    # The new day must be one the session could have been planned for: its unit exists then
    # and its heads hold office (as `plan` checks); after the status check, which names the
    # more useful refusal for a session that cannot move at all.
    jurisdiction_unit(uow, session.unit_code, command.planned_on)
    require_heads(uow, session.head_ids, session.unit_code, command.planned_on)
    return save(uow, session)


def cancel(
    uow: UnitOfWork, session_id: str, command: CancelSession, today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    on = command.cancelled_on or today
    session = load_session(uow, session_id, expected_version, on)
    session.require_allowed("cancel")  # the state (409) before the day's content (422)
    not_in_future(on, today)
    session.cancel(command.reason, on, _preceding(uow, session))
    return save(uow, session)


def _preceding(uow: UnitOfWork, session: DialogueSession) -> Preceding | None:
    """What a decision about `session` follows (`Preceding`), the later of: the business day
    of its last reschedule (`_last_reschedule`) and the earliest first day in office of its
    heads."""
    took_office = uow.connection.execute(
        select(func.min(heads.c.from_date)).where(heads.c.head_id.in_(session.head_ids))
    ).scalar_one()
    steps = [Preceding(took_office, messages.DECIDED_BEFORE_HEADS)] if took_office else []
    rescheduled = _last_reschedule(uow, session, messages.DECIDED_BEFORE_RESCHEDULE)
    if rescheduled is not None:
        steps.append(rescheduled)
    return max(steps, key=lambda step: step.on, default=None)


def _last_reschedule(
    uow: UnitOfWork, session: DialogueSession, refusal: str
) -> Preceding | None:
    """The business day of the session's last reschedule, read from its own stream (a stored
    `SessionRescheduled` carries that day in its envelope only): what a decision about the
    session and its holding come no earlier than. None: never rescheduled. A holding's
    heads are checked in office on its day (`require_heads`), so only this bounds it."""
    t = events_table.c
    rescheduled = uow.connection.execute(
        select(func.max(t.occurred_at)).where(
            t.aggregate_type == DialogueSession.aggregate_type, t.aggregate_id == session.id,
            t.event_type == SessionRescheduled.event_type)
    ).scalar_one()
    return None if rescheduled is None else Preceding(in_utc(rescheduled).date(), refusal)


def hold(
    uow: UnitOfWork, session_id: str, command: HoldSession, today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    session = load_session(uow, session_id, expected_version, command.held_on)
    session.require_allowed("hold")  # the state (409) before the day's content (422)
    not_in_future(command.held_on, today)
    head_ids = list(command.head_ids or session.head_ids)
    jurisdiction_unit(uow, session.unit_code, command.held_on)
    require_heads(uow, head_ids, session.unit_code, command.held_on)
    session.hold(command.held_on, head_ids,
                 _last_reschedule(uow, session, messages.HELD_BEFORE_RESCHEDULE))
    return save(uow, session)


def correct_held(
    uow: UnitOfWork, session_id: str, command: CorrectSessionHeld, today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    """Đính chính a session recorded as held (G18): a new event, checked as `hold` checks a
    holding (the day not in the future, the unit then, the heads in office that day).

    The issues and commitments recorded at a session are dated by its holding day: while it
    has any, the session can be neither un-held (commitments of a session that never
    happened must not count) nor moved to another day (they would stay on the old one). Its
    heads may still be corrected. Serialised on the session with `raise_issue` and
    `make_commitment`, so none is recorded beside a correction that un-holds it."""
    uow.serialise_on(DialogueSession, session_id)
    session = load_session(uow, session_id, on=command.held_on or today)
    # Once the caller may correct it (403 first): a correction restates a fact another desk
    # may have just restated, never blind (428).
    expect_version(session, required_version(expected_version))
    recorded_on = session.require_held("correct_held")  # the state (409) before the day (422)
    if command.held_on is not None:
        not_in_future(command.held_on, today)
    held_on = None if command.void else command.held_on or recorded_on
    if held_on != session.held_on:
        _refuse_if_records(uow, session, held_on)
    head_ids = list(command.head_ids or session.head_ids) if held_on is not None else []
    if held_on is not None:
        jurisdiction_unit(uow, session.unit_code, held_on)
        require_heads(uow, head_ids, session.unit_code, held_on)
    corrects = event_id_at(uow.connection, DialogueSession.aggregate_type, session.id,
                           session.held_version)
    session.correct_held(held_on, head_ids, command.reason, corrects,
                         _last_reschedule(uow, session, messages.HELD_BEFORE_RESCHEDULE))
    return save(uow, session)


def _refuse_if_records(uow: UnitOfWork, session: DialogueSession, held_on: date | None) -> None:
    counted = {
        name: int(uow.connection.execute(
            select(func.count()).select_from(table).where(table.c.session_id == session.id)
        ).scalar_one())
        for name, table in (("issues", issues), ("commitments", commitments))
    }
    if any(counted.values()):
        assert session.held_on is not None
        raise ActionRefused(
            "SESSION_HAS_RECORDS", messages.SESSION, action="correct_held",
            subject=messages.SESSION_SUBJECT.format(id=session.id), state=session.status,
            allowed=[a for a in session.allowed_actions() if a != "correct_held"],
            note=messages.SESSION_HAS_RECORDS.format(
                id=session.id, held_on=format_date_vn(session.held_on),
                what=messages.CORRECTION_WHAT_DATE if held_on is not None
                else messages.CORRECTION_WHAT_NOT_HELD, **counted),
            **counted,
        )


def file_report(
    uow: UnitOfWork, session_id: str, command: FileReport, today: date,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    filed_on = command.filed_on or today
    session = load_session(uow, session_id, expected_version, filed_on)
    session.require_allowed("file_report")  # the state (409) before the day's content (422)
    not_in_future(filed_on, today)
    session.file_report(
        command.attendance, list(command.organisations), command.summary, filed_on
    )
    return save(uow, session)


def raise_issue(uow: UnitOfWork, session_id: str, command: RaiseIssue) -> list[EventEnvelope]:
    uow.serialise_on(DialogueSession, session_id)  # with `correct_held`
    session = load_session(uow, session_id)
    held_on = session.require_held("raise_issue")
    issue = uow.load(RaisedIssue, new_id(command.issue_id))
    issue.raise_issue(
        IssueRaised(
            issue_id=issue.id,
            session_id=session.id,
            unit_code=session.unit_code,
            category=command.category,
            text=command.text,
            handling=command.handling,
            assigned_agency=command.assigned_agency or None,
            answer=command.answer,
            raised_on=held_on,
            has_citizen_contact=command.citizen is not None,
        )
    )
    stored = save(uow, issue)
    if command.citizen is not None:
        # Same transaction as the event, never inside it.
        uow.connection.execute(
            insert(citizen_contacts),
            {
                "issue_id": issue.id,
                "full_name": command.citizen.full_name or None,
                "contact": command.citizen.contact or None,
                "recorded_at": utcnow(),
            },
        )
    return stored


def erase_citizen_contact(
    uow: UnitOfWork, issue_id: str, today: date, expected_version: int | None = None
) -> list[EventEnvelope]:
    """The citizen's right to erasure (Nghị định 13/2023/NĐ-CP): the issue stays, the person
    goes, and an event records who erased it and when."""
    not_found = NotFound("ISSUE_NOT_FOUND", messages.ISSUE_NOT_FOUND.format(id=issue_id))
    issue = to_write(
        uow, RaisedIssue, issue_id, not_found, expected_version, today, scope=CITIZEN_DATA
    )
    issue.erase_citizen_contact(today)
    stored = save(uow, issue)
    delete_citizen_contact(uow.connection, issue_id)
    return stored


def make_commitment(
    uow: UnitOfWork, session_id: str, command: MakeCommitment
) -> list[EventEnvelope]:
    uow.serialise_on(DialogueSession, session_id)  # with `correct_held`
    session = load_session(uow, session_id)
    held_on = session.require_held("make_commitment")
    if command.issue_id is not None:
        issue = uow.load(RaisedIssue, command.issue_id)
        if not issue.exists or issue.session_id != session.id:
            raise InvalidInput(
                "ISSUE_NOT_OF_SESSION", messages.ISSUE_NOT_OF_SESSION.format(id=command.issue_id)
            )
    commitment = uow.load(Commitment, new_id(command.commitment_id))
    commitment.make(
        CommitmentMade(
            commitment_id=commitment.id,
            session_id=session.id,
            unit_code=session.unit_code,
            responsible_agency=command.responsible_agency,
            due_on=command.due_on,
            text=command.text,
            issue_id=command.issue_id,
            made_on=held_on,
        )
    )
    return save(uow, commitment)

