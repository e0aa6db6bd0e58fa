"""Handlers of the plan's commands: load the aggregate, decide, save. One transaction each.

Who may do what (DOMAIN.md "Who uses it"; shared.auth):
* the plan itself (load, document, items, parties) and the reporting deadlines are the
  Commission's: city level only;
* progress and inspections of an item are recorded by the parties it names (responsible or
  coordinating): a department of the Commission acts as its department (the credential's
  `department`); a district board as the district boards, for its own district only; the
  Commission's leadership (a city credential naming no department) for any party;
* a district board submits its own period report; the Commission returns it.
"""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID, uuid4

from services.indicators import messages
from services.indicators.adapters.cutoffs import moved_cutoffs
from services.indicators.adapters.facts import load_site, session_history, site_spelling
from services.indicators.adapters.plandata import plan_issued
from services.indicators.application.announce import EVERYTHING
from services.indicators.application.commands import UnitCode
from services.indicators.application.handlers import WRITE, registered_model_id
from services.indicators.application.plancommands import (
    AddPlanItem,
    AmendPlanItem,
    CarryOutInspection,
    ConcludeInspection,
    EvidenceRef,
    FollowUpInspection,
    InspectionStep,
    NamePlanParty,
    PlanInspection,
    PlanItemFields,
    RecordPlanDocument,
    RecordProgress,
    ReopenPlanItem,
    ReturnDistrictReport,
    SetReportingDeadline,
    SubmitDistrictReport,
    WithdrawPlanItem,
)
from services.indicators.domain.facts import fold_sessions
from services.indicators.domain.model import VOIDED, DanVanKheoModel
from services.indicators.domain.plan import (
    DistrictReport,
    PlanItemWork,
    ReportingDuty,
    WorkPlan,
    district_report_id,
    work_id,
)
from services.indicators.domain.planevents import (
    DistrictReportReturned,
    DistrictReportSubmitted,
    Evidence,
    InspectionCancelled,
    InspectionCarriedOut,
    InspectionConcluded,
    InspectionFollowUpRecorded,
    InspectionPlanned,
    PlanDocumentRecorded,
    PlanItemAdded,
    PlanItemAmended,
    PlanItemProgressRecorded,
    PlanItemReopened,
    PlanItemSpec,
    PlanItemWithdrawn,
    PlanPartyNamed,
    ReportingDeadlineSet,
)
from shared.adminunits import default_catalogue
from shared.aggregate import UnitOfWork
from shared.auth.checks import authorize, require_city
from shared.auth.units import covers
from shared.clock import format_date_vn, today_vn
from shared.conferencedates import (
    InvalidPeriodId,
    canonical_period_id,
    cutoff_in_force,
    parse_period_id,
)
from shared.envelope import EventEnvelope
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.ids import CODE_PATTERN, code_key
from shared.planrules import model_running_on
from shared.taskrules import DISTRICT_BOARDS
from shared.unitcheck import require_unit
from shared.validation import not_in_future

#: How long after a period's cut-off the Commission may set its reporting deadline.
DEADLINE_LATEST_DAYS = 60



def _in_year(on: date, year: int) -> None:
    if on.year != year:
        raise InvalidInput(
            "DATE_OUTSIDE_PLAN_YEAR",
            messages.DATE_OUTSIDE_PLAN_YEAR.format(on=format_date_vn(on), year=year),
        )


def _plan(uow: UnitOfWork, year: int, expected_version: int | None = None) -> WorkPlan:
    plan = uow.load(WorkPlan, str(year))
    if not plan.exists:
        raise NotFound("PLAN_NOT_FOUND", messages.PLAN_NOT_FOUND.format(year=year))
    if expected_version is not None:
        return uow.load(WorkPlan, str(year), expected_version=expected_version)
    return plan


# -- the plan (the Commission's) -----------------------------------------------------------


def load_plan(uow: UnitOfWork, year: int) -> list[EventEnvelope]:
    """Nạp kế hoạch của năm từ dữ liệu trong kho mã (services/indicators/plandata)."""
    require_city(uow.context, WRITE)
    event = plan_issued(year)
    plan = uow.load(WorkPlan, str(year))
    plan.issue(event, event.issued_on or date(year, 1, 1))
    return uow.save(plan)


def record_plan_document(
    uow: UnitOfWork, year: int, command: RecordPlanDocument
) -> list[EventEnvelope]:
    require_city(uow.context, WRITE)
    plan = _plan(uow, year)  # 404 before the body's dates: docs/api-conventions.md
    not_in_future(command.issued_on)
    if not year - 1 <= command.issued_on.year <= year:
        raise InvalidInput(
            "DATE_OUTSIDE_PLAN_YEAR",
            messages.DATE_OUTSIDE_PLAN_YEAR.format(
                on=format_date_vn(command.issued_on), year=year),
        )
    plan.record_document(
        PlanDocumentRecorded(
            year=year, document_number=command.document_number, issued_on=command.issued_on
        )
    )
    return uow.save(plan)


def name_party(uow: UnitOfWork, year: int, command: NamePlanParty) -> list[EventEnvelope]:
    require_city(uow.context, WRITE)
    plan = _plan(uow, year)
    plan.name_party(PlanPartyNamed(year=year, code=command.code, name=command.name), today_vn())
    return uow.save(plan)


def _spec(number: str, fields: PlanItemFields) -> PlanItemSpec:
    return PlanItemSpec(
        number=number, kind=fields.kind, text=fields.text, responsible=fields.responsible,
        coordinating=list(dict.fromkeys(fields.coordinating)), recurrence=fields.recurrence,
        due_on=fields.due_on, indicators=list(dict.fromkeys(fields.indicators)),
        starts_on=fields.starts_on,
    )


def add_item(uow: UnitOfWork, year: int, command: AddPlanItem) -> list[EventEnvelope]:
    require_city(uow.context, WRITE)
    plan = _plan(uow, year)
    plan.add_item(
        PlanItemAdded(year=year, item=_spec(command.number, command), reason=command.reason),
        today_vn(),
    )
    return uow.save(plan)


def amend_item(
    uow: UnitOfWork, year: int, number: str, command: AmendPlanItem
) -> list[EventEnvelope]:
    require_city(uow.context, WRITE)
    plan = _plan(uow, year, command.expected_version)
    plan.amend_item(
        PlanItemAmended(year=year, item=_spec(number, command), reason=command.reason),
        today_vn(),
    )
    return uow.save(plan)


def withdraw_item(
    uow: UnitOfWork, year: int, number: str, command: WithdrawPlanItem
) -> list[EventEnvelope]:
    require_city(uow.context, WRITE)
    plan = _plan(uow, year, command.expected_version)
    plan.withdraw_item(PlanItemWithdrawn(year=year, number=number, reason=command.reason),
                       today_vn())
    return uow.save(plan)


# -- progress and inspections (the parties an item names) ----------------------------------


def _acting(
    uow: UnitOfWork, plan: WorkPlan, item: PlanItemSpec, requested: str | None,
    unit_code: UnitCode | None, on: date,
) -> tuple[str, str]:
    """The party acting on the item and the unit whose work it is, if the caller may."""
    authorize(uow, WRITE)
    principal = uow.context.principal
    if not principal.is_city:
        party = DISTRICT_BOARDS
        unit = unit_code or principal.unit_scope
    else:
        own = principal.department if principal.department in plan.parties else None
        if own is not None and requested not in (None, own):
            raise Forbidden(
                "PLAN_ITEM_NOT_ASSIGNED",
                messages.PLAN_ITEM_NOT_ASSIGNED.format(party=requested, number=item.number),
            )
        party = own or requested or item.responsible
        unit = unit_code or uow.jurisdiction
    if party not in plan.parties:
        raise InvalidInput(
            "PLAN_PARTY_UNKNOWN",
            messages.PLAN_PARTY_UNKNOWN.format(
                number=item.number, parties=party, known=", ".join(sorted(plan.parties))),
        )
    if party not in (item.responsible, *item.coordinating):
        raise Forbidden(
            "PLAN_ITEM_NOT_ASSIGNED",
            messages.PLAN_ITEM_NOT_ASSIGNED.format(party=plan.parties[party], number=item.number),
            party=party,
        )
    unit_code = require_unit(unit, on, within=uow.jurisdiction).code
    authorize(uow, WRITE, unit_code, on)
    return party, unit_code


def _require_evidence(
    uow: UnitOfWork, evidence: list[EvidenceRef], unit_code: str, on: date
) -> None:
    """Evidence is the acting unit's own record, checked against what this service keeps: a
    model must exist, lie in the unit and run on the reported day
    (`shared.planrules.model_running_on`, finding K13: not before its start, not once
    closed); a session (L3) must be held, not cancelled, on or before the reported day, in
    the unit; a dossier (L3) is a site's of the unit, not closed, with a dossier lodged by
    that day. A model id or a site code reads in any case, as the services that make them
    read it (`shared.ids.code_key`, M8). Each record is cited once (`_require_cited_once`)."""
    _require_cited_once(evidence)
    for item in evidence:
        ref = item.ref
        if item.kind == "model":
            model = uow.load(DanVanKheoModel, registered_model_id(uow.connection, ref))
            # A model whose registration was voided never was (`VOIDED`): as one never made.
            ok = (model.exists and model.status != VOIDED and bool(model.unit_code)
                  and covers(unit_code, model.unit_code, on))
            if ok and not model_running_on(model.started_on, model.closed_on, on):
                assert model.started_on is not None
                closed = "" if model.closed_on is None else messages.EVIDENCE_MODEL_CLOSED.format(
                    on=format_date_vn(model.closed_on))
                raise InvalidInput(
                    "EVIDENCE_NOT_FOUND",
                    messages.EVIDENCE_MODEL_NOT_RUNNING.format(
                        ref=ref, on=format_date_vn(on),
                        start=format_date_vn(model.started_on), closed=closed),
                    kind=item.kind, ref=ref,
                )
        elif item.kind == "dialogue_session":
            ok = _is_uuid(ref)
            if ok:
                _require_session(uow, ref, unit_code, on)
        elif item.kind == "dossier":
            ok = re.fullmatch(CODE_PATTERN, ref) is not None
            if ok:
                _require_dossier(uow, ref, unit_code, on)
        else:
            continue
        if not ok:
            raise InvalidInput(
                "EVIDENCE_NOT_FOUND",
                messages.EVIDENCE_NOT_FOUND.format(ref=ref, unit=unit_code),
                kind=item.kind, ref=ref,
            )


def _evidence_key(item: EvidenceRef) -> tuple[str, str]:
    """The one reading of a cited record: a model id and a site code in any case
    (`code_key`), a session's UUID in any of its spellings; a file or a document as typed."""
    if item.kind in ("model", "dossier"):
        return item.kind, code_key(item.ref)
    if item.kind == "dialogue_session" and _is_uuid(item.ref):
        return item.kind, str(UUID(item.ref))
    return item.kind, item.ref


def _require_cited_once(evidence: list[EvidenceRef]) -> None:
    """The same record listed twice in one progress (in one spelling or two) is refused, not
    kept twice: the item's history and a signed report's plan section would show it as two
    pieces of evidence (M8)."""
    first: dict[tuple[str, str], int] = {}
    for number, item in enumerate(evidence, start=1):
        earlier = first.setdefault(_evidence_key(item), number)
        if earlier != number:
            raise InvalidInput(
                "EVIDENCE_DUPLICATED",
                messages.EVIDENCE_DUPLICATED.format(
                    ref=item.ref, number=number, first_ref=evidence[earlier - 1].ref,
                    first=earlier),
                kind=item.kind, ref=item.ref, position=number, first_position=earlier,
            )


def _evidence_refused(kind: str, ref: str, reason: str, message: str) -> InvalidInput:
    return InvalidInput("EVIDENCE_NOT_FOUND", message, kind=kind, ref=ref, reason=reason)


def _require_session(uow: UnitOfWork, ref: str, unit_code: str, on: date) -> None:
    """The session as the dialogue service's events told us. One we have not heard of may have
    been held a moment ago (its events arrive seconds later): refused, saying it is not yet
    known here, rather than accepted unchecked into a report's evidence."""
    kind = "dialogue_session"
    facts = session_history(uow.connection, tuple({ref, str(UUID(ref))}))
    if facts is None:
        raise _evidence_refused(kind, ref, "not_yet_known", messages.EVIDENCE_NOT_YET_KNOWN.format(
            ref=ref, what=messages.EVIDENCE_SESSION_WHAT,
            source=messages.EVIDENCE_SESSION_SOURCE))
    if any(fact.kind == "cancelled" for fact in facts):
        raise _evidence_refused(kind, ref, "cancelled",
                                messages.EVIDENCE_SESSION_CANCELLED.format(ref=ref))
    held = fold_sessions(facts)
    if not held:  # its holding withdrawn by a correction
        raise _evidence_refused(kind, ref, "not_held",
                                messages.EVIDENCE_SESSION_NOT_HELD.format(ref=ref))
    by_then = [session for session in held if session.held_on <= on]
    if not by_then:
        raise _evidence_refused(kind, ref, "held_later", messages.EVIDENCE_SESSION_LATER.format(
            ref=ref, held=format_date_vn(held[0].held_on), on=format_date_vn(on)))
    if not any(covers(unit_code, s.unit_code, s.held_on) for s in by_then):
        raise _evidence_refused(kind, ref, "other_unit",
                                messages.EVIDENCE_SESSION_OTHER_UNIT.format(
                                    ref=ref, other=by_then[-1].unit_code, unit=unit_code))


def _require_dossier(uow: UnitOfWork, ref: str, unit_code: str, on: date) -> None:
    """The site as the religion service's events told us, on the reported day: in the unit,
    still in the register, its dossier lodged (not withdrawn nor rejected since). Not heard
    of: as a session."""
    kind = "dossier"
    code = site_spelling(uow.connection, ref)
    if code is None:
        raise _evidence_refused(kind, ref, "not_yet_known", messages.EVIDENCE_NOT_YET_KNOWN.format(
            ref=ref, what=messages.EVIDENCE_SITE_WHAT, source=messages.EVIDENCE_SITE_SOURCE))
    site = load_site(uow.connection, code, on, EVERYTHING)
    day = format_date_vn(on)
    if site is None:
        raise _evidence_refused(kind, ref, "not_registered",
                                messages.EVIDENCE_SITE_NOT_YET.format(ref=ref, on=day))
    if not covers(unit_code, site.commune_code, on):
        raise _evidence_refused(kind, ref, "other_unit", messages.EVIDENCE_SITE_OTHER_UNIT.format(
            ref=ref, other=site.commune_code, on=day, unit=unit_code))
    if site.closed:
        # Closed on or before the reported day (its closing day is its first day out,
        # shared.planrules.closed_by): out of the register, as a closed model is (K13).
        raise _evidence_refused(kind, ref, "closed",
                                messages.EVIDENCE_SITE_CLOSED.format(ref=ref, on=day))
    if not site.has_dossier:
        raise _evidence_refused(kind, ref, "no_dossier",
                                messages.EVIDENCE_NO_DOSSIER.format(ref=ref, on=day))


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def record_progress(
    uow: UnitOfWork, year: int, number: str, command: RecordProgress
) -> list[EventEnvelope]:
    authorize(uow, WRITE)  # before the plan is looked up, as every command
    plan = _plan(uow, year)
    item = plan.item(number)
    party, unit_code = _acting(
        uow, plan, item, command.acting_party, command.unit_code, command.reported_on)
    work = uow.load(PlanItemWork, work_id(year, number))
    event = PlanItemProgressRecorded(
        year=year, number=number, reported_on=command.reported_on, acting_party=party,
        unit_code=unit_code, result=command.result,
        evidence=[Evidence(kind=e.kind, ref=e.ref) for e in command.evidence],
        done=command.done,
    )
    # The latest report sent again (its day and evidence accepted then): nothing written,
    # the answer says so, even when that report marked the item done.
    if work.repeats_latest_progress(event):
        return []
    # The state (409), then the body's dates, after 404 and the acting unit's 403
    # (docs/api-conventions.md).
    work.require_not_done(year, number)
    not_in_future(command.reported_on)
    _in_year(command.reported_on, year)
    _require_evidence(uow, command.evidence, unit_code, command.reported_on)
    work.record_progress(event)
    return uow.save(work)


def reopen_item(
    uow: UnitOfWork, year: int, number: str, command: ReopenPlanItem
) -> list[EventEnvelope]:
    """The Commission reopens an item marked done: it takes progress again."""
    require_city(uow.context, WRITE)
    plan = _plan(uow, year)
    plan.item(number)
    work = uow.load(PlanItemWork, work_id(year, number))
    work.require_done(year, number)  # the state (409) before the day's content (422)
    not_in_future(command.reopened_on)
    _in_year(command.reopened_on, year)
    work.reopen(PlanItemReopened(year=year, number=number, reopened_on=command.reopened_on,
                                 reason=command.reason))
    return uow.save(work)


def _inspection_item(uow: UnitOfWork, year: int, number: str) -> tuple[WorkPlan, PlanItemSpec]:
    plan = _plan(uow, year)
    item = plan.item(number)
    if item.kind != "inspection":
        raise InvalidInput(
            "PLAN_ITEM_NOT_INSPECTION", messages.PLAN_ITEM_NOT_INSPECTION.format(number=number)
        )
    return plan, item


def plan_inspection(
    uow: UnitOfWork, year: int, number: str, command: PlanInspection
) -> list[EventEnvelope]:
    authorize(uow, WRITE)  # before the plan is looked up, as every command
    _in_year(command.planned_on, year)
    plan, item = _inspection_item(uow, year, number)
    party, unit_code = _acting(uow, plan, item, command.lead_party, None, command.planned_on)
    units = [
        require_unit(code, command.planned_on, within=uow.jurisdiction).code
        for code in dict.fromkeys(command.subject_units)
    ]
    work = uow.load(PlanItemWork, work_id(year, number))
    inspection_id = command.inspection_id or f"KT-{year}-{uuid4().hex[:8].upper()}"
    work.plan_inspection(
        InspectionPlanned(
            year=year, number=number, inspection_id=inspection_id,
            planned_on=command.planned_on, subject=command.subject, subject_units=units,
            lead_party=party,
        ),
        unit_code,
    )
    return uow.save(work)


def act_on_inspection(
    uow: UnitOfWork, year: int, number: str, inspection_id: str,
    command: InspectionStep,
) -> list[EventEnvelope]:
    authorize(uow, WRITE)  # before the plan is looked up, as every command
    plan, item = _inspection_item(uow, year, number)
    event: InspectionCarriedOut | InspectionConcluded | InspectionFollowUpRecorded | \
        InspectionCancelled
    if isinstance(command, CarryOutInspection):
        action, on = "carry_out", command.carried_out_on
        event = InspectionCarriedOut(year=year, number=number, inspection_id=inspection_id,
                                     carried_out_on=on, note=command.note)
    elif isinstance(command, ConcludeInspection):
        action, on = "conclude", command.concluded_on
        event = InspectionConcluded(
            year=year, number=number, inspection_id=inspection_id, concluded_on=on,
            findings=command.findings, recommendations=command.recommendations,
            conclusion_ref=command.conclusion_ref,
        )
    elif isinstance(command, FollowUpInspection):
        action, on = "follow_up", command.followed_up_on
        event = InspectionFollowUpRecorded(
            year=year, number=number, inspection_id=inspection_id, followed_up_on=on,
            text=command.text, completed=command.completed,
        )
    else:
        action, on = "cancel", command.cancelled_on
        event = InspectionCancelled(year=year, number=number, inspection_id=inspection_id,
                                    cancelled_on=on, reason=command.reason)
    _, unit_code = _acting(uow, plan, item, None, None, on)
    work = uow.load(PlanItemWork, work_id(year, number),
                    expected_version=command.expected_version)
    # The step names the inspection as it was planned, whatever case the path typed it in.
    event = event.model_copy(
        update={"inspection_id": work.inspection(inspection_id).inspection_id})
    # The body's dates after 404, the acting unit's 403, 412 and the inspection's state (409,
    # docs/api-conventions.md).
    work.require_inspection_allows(action, inspection_id)
    not_in_future(on)
    # Follow-up of a conclusion may run into the next year; the other steps are the year's.
    if action != "follow_up":
        _in_year(on, year)
    work.act_on_inspection(action, event, on, unit_code)
    return uow.save(work)


# -- the district boards' period reports ---------------------------------------------------


def parse_period(period_id: str) -> tuple[int, int]:
    """(year, months) of a conference period id "2023-6m" (the kernel's rule, as reporting
    reads it); 422 when not one."""
    try:
        return parse_period_id(period_id)
    except InvalidPeriodId as exc:
        # The kernel's code and wording, as reporting answers it (finding O13).
        raise InvalidInput(exc.code, exc.message, **exc.details()) from None


def canonical_period(period_id: str) -> str:
    """The period id as the system writes it, the key of its duty and reports ("2023-6M"
    names 2023-6m: `conferencedates.canonical_period_id`); 422 when not one."""
    try:
        return canonical_period_id(period_id)
    except InvalidPeriodId as exc:
        # The kernel's code and wording, as reporting answers it (finding O13).
        raise InvalidInput(exc.code, exc.message, **exc.details()) from None


def period_cutoff(uow: UnitOfWork, period_id: str) -> date:
    """The period's data cut-off that applies (the kernel's rule): moved by the Commission
    in the reporting service, as consumed here, else the conference calendar's."""
    year, months = parse_period(period_id)
    return cutoff_in_force(year, months, moved_cutoffs(uow.connection))


def district_codes_on(on: date, jurisdiction: str) -> list[str]:
    return [
        u.code for u in default_catalogue().units(on, level="district",
                                                  province_code=jurisdiction)
    ]


def set_reporting_deadline(
    uow: UnitOfWork, period_id: str, command: SetReportingDeadline
) -> list[EventEnvelope]:
    require_city(uow.context, WRITE)
    year, _ = parse_period(period_id)
    cutoff = period_cutoff(uow, period_id)
    limit = date.fromordinal(cutoff.toordinal() + DEADLINE_LATEST_DAYS)
    if not cutoff <= command.deadline <= limit:
        raise InvalidInput(
            "DEADLINE_OUTSIDE",
            messages.DEADLINE_OUTSIDE.format(
                deadline=format_date_vn(command.deadline), cutoff=format_date_vn(cutoff),
                limit=format_date_vn(limit),
            ),
        )
    known = district_codes_on(cutoff, uow.jurisdiction)
    # A duty nobody owes (no district level at the cut-off, after 01/07/2025) would read as a
    # summary of zeros: nobody late, nobody missing.
    if not known:
        raise InvalidInput(
            "NO_DISTRICT_ON_CUTOFF",
            messages.NO_DISTRICT_ON_CUTOFF.format(on=format_date_vn(cutoff), period_id=period_id),
        )
    codes = list(dict.fromkeys(command.district_codes or known))
    for code in codes:
        if code not in known:
            raise InvalidInput(
                "NOT_A_DISTRICT",
                messages.NOT_A_DISTRICT.format(code=code, on=format_date_vn(cutoff)),
            )
    duty = uow.load(ReportingDuty, period_id)
    duty.set_deadline(
        ReportingDeadlineSet(year=year, period_id=period_id, deadline=command.deadline,
                             district_codes=codes, note=command.note),
        today_vn(),
    )
    return uow.save(duty)


def _duty(uow: UnitOfWork, period_id: str, district_code: str, action: str) -> ReportingDuty:
    parse_period(period_id)
    duty = uow.load(ReportingDuty, period_id)
    duty.require_deadline(action)
    if district_code not in duty.district_codes:
        raise NotFound(
            "DISTRICT_NOT_OWING",
            messages.DISTRICT_NOT_OWING.format(code=district_code, period_id=period_id),
        )
    return duty


def _require_submission_day(uow: UnitOfWork, command: SubmitDistrictReport) -> None:
    """Timeliness is judged on `submitted_on`: the board being judged does not choose it.
    A board's submission is dated the day it is recorded; an earlier day is the Commission's
    record of a paper submission, and says why."""
    today = today_vn()
    if command.submitted_on >= today:
        return
    words = {"on": format_date_vn(command.submitted_on), "today": format_date_vn(today)}
    if not uow.context.principal.is_city:
        raise Forbidden("SUBMISSION_BACKDATED_CITY_ONLY",
                        messages.SUBMISSION_BACKDATED_CITY_ONLY.format(**words))
    if not command.backdated_reason:
        raise InvalidInput("SUBMISSION_BACKDATED_NO_REASON",
                           messages.SUBMISSION_BACKDATED_NO_REASON.format(**words))


def submit_district_report(
    uow: UnitOfWork, period_id: str, district_code: str, command: SubmitDistrictReport
) -> list[EventEnvelope]:
    authorize(uow, WRITE)
    year, _ = parse_period(period_id)
    # The district is in the path: a board out of it learns nothing of the duty (403 first).
    authorize(uow, WRITE, district_code, command.submitted_on)
    duty = _duty(uow, period_id, district_code, "submit")
    report = uow.load(DistrictReport, district_report_id(period_id, district_code),
                      expected_version=command.expected_version)
    report.require_submittable()  # the state (409) before the day's content (422)
    not_in_future(command.submitted_on)
    # A period's report gives its figures at the data cut-off (the one in force, as the
    # deadline is set from): it cannot be filed before that day.
    opens = period_cutoff(uow, period_id)
    if command.submitted_on < opens:
        raise InvalidInput(
            "SUBMITTED_BEFORE_PERIOD",
            messages.SUBMITTED_BEFORE_CUTOFF.format(period_id=period_id,
                                                    cutoff=format_date_vn(opens)),
        )
    _require_submission_day(uow, command)
    assert duty.deadline is not None
    report.submit(
        DistrictReportSubmitted(
            year=year, period_id=period_id, district_code=district_code,
            submitted_on=command.submitted_on, revision=report.revision + 1,
            backdated_reason=command.backdated_reason,
            summary=command.summary, figures=dict(command.figures),
            attachments=list(command.attachments),
        )
    )
    return uow.save(report)


def return_district_report(
    uow: UnitOfWork, period_id: str, district_code: str, command: ReturnDistrictReport
) -> list[EventEnvelope]:
    # Returning a report for correction is the Commission's act, not the district's.
    require_city(uow.context, WRITE)
    year, _ = parse_period(period_id)
    _duty(uow, period_id, district_code, "return")
    report = uow.load(DistrictReport, district_report_id(period_id, district_code),
                      expected_version=command.expected_version)
    report.require_returnable()  # the state (409) before the day's content (422)
    not_in_future(command.returned_on)
    report.return_for_correction(
        DistrictReportReturned(
            year=year, period_id=period_id, district_code=district_code,
            returned_on=command.returned_on, revision=report.revision, reason=command.reason,
        )
    )
    return uow.save(report)
