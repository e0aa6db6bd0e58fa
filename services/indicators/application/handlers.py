"""Command handlers: load the aggregate, decide, save. One transaction each."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

from sqlalchemy import Connection

from services.indicators import messages
from services.indicators.adapters.cutoffs import moved_cutoffs
from services.indicators.adapters.definitions import known_indicator_id, load_definitions
from services.indicators.application.announce import announce_moved_by
from services.indicators.application.commands import (
    AwardContestEntry,
    CloseModel,
    CorrectModelRegistration,
    CorrectUnitSuccession,
    DefineIndicator,
    RecogniseModel,
    RecordReportedFigure,
    RecordUnitSuccession,
    RegisterModel,
    SubmitContestEntry,
)
from services.indicators.application.compute import scope_tree
from services.indicators.domain.definitions import (
    Definition,
    definition_key,
    indicator_not_found,
)
from services.indicators.domain.events import (
    ContestEntryAwarded,
    ContestEntrySubmitted,
    IndicatorDefined,
    ModelClosed,
    ModelRecognised,
    ModelRegistered,
    ReportedFigureRecorded,
    UnitSuccessionRecorded,
)
from services.indicators.domain.model import (
    ContestEntry,
    DanVanKheoModel,
    Indicator,
    UnitSuccessionRecord,
)
from shared.adminunits import AdminUnit, default_catalogue, succession_refusal
from shared.aggregate import UnitOfWork, expect_version, registered_code
from shared.auth.checks import authorize, require_city
from shared.clock import format_date_vn, today_vn
from shared.concurrency import required_version
from shared.corrections import event_id_at
from shared.envelope import EventEnvelope
from shared.errors import ActionRefused, InvalidInput, NotFound
from shared.planrules import FIRST_CONTEST_YEAR, defined_period, entry_days
from shared.unitcheck import require_unit, require_within
from shared.validation import not_in_future, require_ordered

#: Scope of every command of this service.
WRITE = "indicators:write"
#: Kind of the unique key that keeps a model id one model whatever its case (G10).
MODEL_ID_KEY = "model_id"
#: Kind of the unique key "year:model id" that keeps a model to one entry a contest year.
CONTEST_ENTRY_KEY = "contest_entry"
#: The claim of an indicator id (`claim_indicator_id`), upper-cased, held by its spelling.
INDICATOR_ID_KEY = "indicator_id"


def registered_model_id(conn: Connection, model_id: str) -> str:
    """A model id as the register spells it ("mh-1" is MH-1): `registered_code`."""
    return registered_code(conn, MODEL_ID_KEY, model_id, DanVanKheoModel.aggregate_type)


def _model(
    uow: UnitOfWork, model_id: str, expected_version: int | None = None, on: date | None = None
) -> DanVanKheoModel:
    """The model a command acts on, if the caller may write for its unit on `on`."""
    authorize(uow, WRITE)
    model = uow.load(DanVanKheoModel, model_id)
    if not model.exists:
        raise NotFound("MODEL_NOT_FOUND", messages.MODEL_NOT_FOUND.format(model_id=model_id))
    authorize(uow, WRITE, model.unit_code or None, on, record=True)
    if expected_version is not None:
        return uow.load(DanVanKheoModel, model_id, expected_version=expected_version)
    return model


# -- "Dân vận khéo" models ---------------------------------------------------------------------


def register_model(uow: UnitOfWork, command: RegisterModel) -> list[EventEnvelope]:
    authorize(uow, WRITE)
    unit = require_unit(command.unit_code, command.started_on, within=uow.jurisdiction)
    authorize(uow, WRITE, unit.code, command.started_on)
    not_in_future(command.started_on)  # after 403: docs/api-conventions.md
    model_id = command.model_id or f"MH-{uuid4().hex[:12].upper()}"
    status = "recognised" if command.recognition_level != "none" else command.status
    model = uow.load(DanVanKheoModel, model_id)
    model.register(
        ModelRegistered(
            model_id=model_id,
            unit_code=unit.code,
            field=command.field,
            title=command.title,
            started_on=command.started_on,
            recognition_level=command.recognition_level,
            status=status,
            description=command.description,
            lead_organisation=command.lead_organisation,
        )
    )
    uow.claim_code(MODEL_ID_KEY, model_id, lambda holder: ActionRefused(
        "MODEL_EXISTS", messages.MODEL_ID, action="register",
        subject=messages.MODEL_ID_SUBJECT.format(model_id=model_id), state="taken", allowed=[],
        note=messages.MODEL_ID_TAKEN.format(holder=holder), existing_model_id=holder,
    ))
    return uow.save(model)


def correct_model_registration(
    uow: UnitOfWork, model_id: str, command: CorrectModelRegistration
) -> list[EventEnvelope]:
    """Đính chính a registration (G18): a new event naming the registration it corrects. The
    right commune and start are checked as a registration is (the unit valid then and inside
    the jurisdiction, the caller's units then, not in the future); the caller writes for the
    commune recorded too (`_model`)."""
    model = _model(uow, model_id, on=model_start(uow, model_id))
    # Once the caller may correct it (403 first): a correction restates a fact another desk
    # may have just restated, never blind (428).
    expect_version(model, required_version(command.expected_version))
    model.require_registered("correct_registration")  # a voided one has nothing to correct
    assert model.registration is not None and model.started_on is not None
    started_on = not_in_future(command.started_on or model.started_on)
    unit = require_unit(command.unit_code or model.unit_code, started_on,
                        within=uow.jurisdiction)
    authorize(uow, WRITE, unit.code, started_on)
    version, _ = model.registration
    corrects = event_id_at(uow.connection, DanVanKheoModel.aggregate_type, model_id, version)
    model.correct_registration(unit.code, started_on, command.reason, corrects,
                               contest_entries(uow, model_id))
    return uow.save(model)


def contest_entries(uow: UnitOfWork, model_id: str) -> list[ContestEntry]:
    """The contest entries presenting a model (one a year at most, `submit_contest_entry`'s
    claim): a correction or closing of the model keeps each on a day it runs (finding K12)."""
    found = []
    for year in range(FIRST_CONTEST_YEAR, today_vn().year + 1):
        holder = uow.unique_holder(CONTEST_ENTRY_KEY, f"{year}:{model_id}")
        if holder is not None:
            found.append(uow.load(ContestEntry, holder))
    return found


def model_start(uow: UnitOfWork, model_id: str) -> date | None:
    """The start recorded for a model (the day its unit is checked on), if it exists."""
    return uow.load(DanVanKheoModel, model_id).started_on


def recognise_model(
    uow: UnitOfWork, model_id: str, command: RecogniseModel
) -> list[EventEnvelope]:
    model = _model(uow, model_id, command.expected_version, command.recognised_on)
    # The state (409) before the day's content (422)
    model.require_recognisable(command.recognised_on, command.recognition_level)
    not_in_future(command.recognised_on)  # after 403, 404, 412: docs/api-conventions.md
    model.recognise(
        ModelRecognised(
            model_id=model_id,
            recognition_level=command.recognition_level,
            recognised_on=command.recognised_on,
            decision_ref=command.decision_ref,
        )
    )
    return uow.save(model)


def close_model(uow: UnitOfWork, model_id: str, command: CloseModel) -> list[EventEnvelope]:
    model = _model(uow, model_id, command.expected_version, command.closed_on)
    model.require_open("close")  # the state (409) before the day's content (422)
    not_in_future(command.closed_on)
    model.close(ModelClosed(model_id=model_id, closed_on=command.closed_on, reason=command.reason),
                contest_entries(uow, model_id))
    return uow.save(model)


# -- the contest -------------------------------------------------------------------------------


def _contest_year(year: int) -> None:
    if not FIRST_CONTEST_YEAR <= year <= today_vn().year:
        raise NotFound("CONTEST_YEAR_UNKNOWN", messages.CONTEST_YEAR_UNKNOWN.format(year=year))


def submit_contest_entry(
    uow: UnitOfWork, year: int, command: SubmitContestEntry
) -> list[EventEnvelope]:
    # The scope before the path's contest (docs/api-conventions.md: 403, then 404): a caller
    # without it learns nothing of which years have a contest.
    authorize(uow, WRITE)
    _contest_year(year)
    # The model as the register spells its id ("mh-1" is MH-1): one entry per model a year.
    model_id = registered_model_id(uow.connection, command.model_id)
    model = _model(uow, model_id, on=command.submitted_on)
    not_in_future(command.submitted_on)
    # The contest of a year takes that year's entries (finding K12): dated in another year,
    # an entry counted in that year's reports, as an entry of a contest it is not. Which days
    # are the year's follows the data window (finding O15): from the day it opens, by the
    # previous year's 12-month cut-off in force (consumed from reporting's stream, as the
    # plan's deadlines are), to 31 December, a day after the year's own cut-off being one the
    # Commission may still bring in by moving it (counted only then: reporting's rule).
    first, last = entry_days(year, moved_cutoffs(uow.connection))
    if not first <= command.submitted_on <= last:
        raise InvalidInput(
            "ENTRY_OUTSIDE_CONTEST_YEAR",
            messages.ENTRY_OUTSIDE_CONTEST_YEAR.format(
                on=format_date_vn(command.submitted_on), year=year,
                first=format_date_vn(first), last=format_date_vn(last)),
            contest_year=year, first_day=first.isoformat(), last_day=last.isoformat(),
        )
    # An entry presents a model running on its day: not before its start (finding H3), nor
    # once it is closed (K12), as a closed model is not recognised either.
    model.require_running_on(command.submitted_on, "submit_entry")
    entry_id = command.entry_id or f"DT-{year}-{uuid4().hex[:10].upper()}"
    key = f"{year}:{model_id}"
    # The model's entry of the year, if any, tells its state (awarded or not).
    holder = uow.unique_holder(CONTEST_ENTRY_KEY, key)
    existing = uow.load(ContestEntry, holder) if holder else ContestEntry(entry_id)
    if not existing.exists:
        existing.contest_year, existing.model_id = year, model_id
    uow.claim_unique(CONTEST_ENTRY_KEY, key, entry_id, existing.refused("ENTRY_EXISTS", "submit"))
    entry = uow.load(ContestEntry, entry_id)
    entry.submit(
        ContestEntrySubmitted(
            entry_id=entry_id,
            model_id=model_id,
            contest_year=year,
            title=command.title,
            unit_code=model.unit_code,
            submitted_on=command.submitted_on,
            author=command.author,
        ),
        command.submitted_on,
    )
    return uow.save(entry)


def award_contest_entry(
    uow: UnitOfWork, year: int, entry_id: str, command: AwardContestEntry
) -> list[EventEnvelope]:
    # Awards are decided by the city's contest board, not by the unit that entered.
    require_city(uow.context, WRITE)
    _contest_year(year)
    entry = uow.load(ContestEntry, entry_id)
    if not entry.exists:
        raise NotFound("ENTRY_NOT_FOUND", messages.ENTRY_NOT_FOUND.format(entry_id=entry_id))
    entry.require_awardable()  # the state (409) before the day's content (422)
    not_in_future(command.awarded_on)
    model = uow.load(DanVanKheoModel, entry.model_id)
    entry.give_award(
        ContestEntryAwarded(
            entry_id=entry_id, contest_year=year, award=command.award,
            awarded_on=command.awarded_on,
        ),
        model.unit_code or None,
    )
    return uow.save(entry)


# -- indicators --------------------------------------------------------------------------------


def define_indicator(uow: UnitOfWork, command: DefineIndicator) -> list[EventEnvelope]:
    # Targets are set by the Commission at city level (DOMAIN.md, "Who uses it").
    require_city(uow.context, WRITE)
    # "i3" defines I3 again rather than a second indicator beside it (`known_indicator_id`).
    known = known_indicator_id(load_definitions(uow.connection), command.indicator_id,
                               command.year)
    command = command.model_copy(update={"indicator_id": known})
    current = uow.load(Indicator, definition_key(known, command.year)).definition
    if current is not None:
        # A redefinition replaces what the Commission (or another desk) may have changed:
        # never blind (428 without If-Match, 412 stale), as every correction (K16).
        required_version(command.expected_version)
        command = keep_omitted(command, current)
    definition = _definition(command, uow.jurisdiction)
    indicator = uow.load(
        Indicator, definition.key, expected_version=command.expected_version
    )
    new = not indicator.exists
    indicator.define(definition, today_vn())
    if new:
        # The definitions above are read before the claim: two spellings of a new id defined
        # at once ("I5" and "i5") both find none, and the claim, an insert, lets one through.
        # A redefinition claims nothing: an id two spellings of which a store held before the
        # claim existed (migration 0011) is redefined under its own spelling, as before.
        claim_indicator_id(uow, known)
    return uow.save(indicator)


def keep_omitted(command: DefineIndicator, current: Definition) -> DefineIndicator:
    """A redefinition replaces the fields it gives; a field it leaves out keeps its value
    (finding K16). The plan's base (`denominator_fixed`, 239 sites for I3) is a number of
    the definition: leaving it out of a redefinition that changes the name or the target
    must not silently turn every unsigned report's denominator into the register count. It
    is dropped only when given as null."""
    omitted = set(DefineIndicator.model_fields) - command.model_fields_set - {"expected_version"}
    return command.model_copy(update=current.to_event().model_dump(include=omitted))


def claim_indicator_id(uow: UnitOfWork, indicator_id: str) -> None:
    """Claim an indicator id whatever its case, for every year (as `known_indicator_id` reads
    it), as a site code or a model id is (G10): a second spelling is 409 INDICATOR_EXISTS
    naming the id that took it."""
    uow.claim_code(INDICATOR_ID_KEY, indicator_id, lambda holder: ActionRefused(
        "INDICATOR_EXISTS", messages.INDICATOR_ID, action="define",
        subject=messages.INDICATOR_ID_SUBJECT.format(indicator_id=indicator_id),
        state="taken", allowed=[],
        note=messages.INDICATOR_ID_TAKEN.format(holder=holder), existing_indicator_id=holder,
    ))


def _definition(command: DefineIndicator, jurisdiction: str) -> Definition:
    start, end = defined_period(command.year, command.period_start, command.period_end)
    if start.year != command.year or end.year != command.year:
        raise InvalidInput(
            "PERIOD_OUTSIDE_YEAR", messages.PERIOD_OUTSIDE_YEAR.format(year=command.year)
        )
    # The span rule of every service, its code and wording (RV-P6): one day is a period.
    require_ordered(start, end, "period_start", "period_end")
    if command.qualifying_fields and command.method != "model_coverage":
        raise InvalidInput("FIELDS_ONLY_FOR_MODELS", messages.FIELDS_ONLY_FOR_MODELS)
    if command.method == "model_coverage" and not command.qualifying_fields:
        raise InvalidInput("FIELDS_REQUIRED", messages.FIELDS_REQUIRED)
    if command.denominator_fixed is not None and command.method == "reported":
        raise InvalidInput(
            "FIXED_DENOMINATOR_ONLY_COMPUTED", messages.FIXED_DENOMINATOR_ONLY_SITES
        )
    scope = tuple(dict.fromkeys(command.scope_unit_codes))
    for code in scope:
        for on in (start, end):
            unit = require_unit(code, on, within=jurisdiction)
            if unit.level == "commune":
                raise InvalidInput(
                    "SCOPE_NOT_PROVINCE_OR_DISTRICT",
                    messages.SCOPE_NOT_PROVINCE_OR_DISTRICT.format(code=code),
                    unit_code=code,
                )
    for code in scope:
        if any(code in scope_tree((other,), end).units for other in scope if other != code):
            raise InvalidInput("SCOPE_OVERLAPS", messages.SCOPE_OVERLAPS.format(code=code))
    # The command carries the event's fields: the definition is read from that event, as a
    # replay reads it, so a field added to both cannot be forgotten here.
    return Definition.from_event(IndicatorDefined.model_validate(
        command.model_dump(exclude={"expected_version"})
        | {"scope_unit_codes": list(scope), "period_start": start, "period_end": end,
           # Named twice means named (as a unit of the scope): stored once.
           "qualifying_fields": list(dict.fromkeys(command.qualifying_fields))}
    ))


def load_indicator(uow: UnitOfWork, indicator_id: str, year: int) -> Indicator:
    """The indicator of `year` an id names, whatever its case (`known_indicator_id`)."""
    indicator_id = known_indicator_id(load_definitions(uow.connection), indicator_id, year)
    indicator = uow.load(Indicator, definition_key(indicator_id, year))
    if indicator.definition is None:
        raise indicator_not_found(indicator_id, year)
    return indicator


def record_reported_figure(
    uow: UnitOfWork, indicator_id: str, year: int, command: RecordReportedFigure
) -> list[EventEnvelope]:
    authorize(uow, WRITE)
    indicator = load_indicator(uow, indicator_id, year)
    definition = indicator.definition
    assert definition is not None
    indicator_id = definition.indicator_id  # as the indicator is known ("i5" names I5)
    on = command.reported_on
    require_unit(command.unit_code, on, within=uow.jurisdiction)
    authorize(uow, WRITE, command.unit_code, on)
    # The state and the body's content after the caller's unit (403 first, then 409 and
    # 422: docs/api-conventions.md).
    if definition.computed:
        raise ActionRefused(
            "INDICATOR_COMPUTED", messages.INDICATOR, action="record_reported_figure",
            subject=messages.INDICATOR_SUBJECT.format(indicator_id=indicator_id),
            state="computed", allowed=[],
        )
    if command.numerator > command.denominator:
        raise InvalidInput(
            "NUMERATOR_ABOVE_DENOMINATOR",
            messages.NUMERATOR_ABOVE_DENOMINATOR.format(
                numerator=command.numerator, denominator=command.denominator
            ),
        )
    not_in_future(on)
    definition.require_in_period(on, messages.REPORTED_DATE)
    if command.unit_code not in scope_tree(definition.scope, on).units:
        raise InvalidInput(
            "REPORTED_OUTSIDE_SCOPE",
            messages.REPORTED_OUTSIDE_SCOPE.format(code=command.unit_code,
                                                   indicator_id=indicator_id),
        )
    indicator.record_figure(
        ReportedFigureRecorded(
            indicator_id=indicator_id,
            year=year,
            unit_code=command.unit_code,
            numerator=command.numerator,
            denominator=command.denominator,
            reported_on=on,
            note=command.note,
            source_document=command.source_document,
        )
    )
    return uow.save(indicator)


# -- administrative units ----------------------------------------------------------------------


def _succession(code: str, successor_code: str, jurisdiction: str
                ) -> tuple[AdminUnit, AdminUnit, date]:
    """The predecessor's last version, the successor and the day the predecessor ceased, when
    the kernel's rule (`succession_refusal`) accepts the succession and both units are the
    jurisdiction's; else a 422 that says why not (finding M2). The refusals are told in the
    order an official fixes them: the predecessor, its jurisdiction, the successor."""
    catalogue = default_catalogue()
    refusal = succession_refusal(code, successor_code, catalogue=catalogue)
    if refusal == "no_such_unit":
        raise InvalidInput("UNKNOWN_UNIT", messages.UNIT_NOT_FOUND.format(code=code),
                           unit_code=code, field="predecessor_code")
    [*_, last] = catalogue.history(code)
    ceased = last.valid_to
    if refusal == "current" or ceased is None:
        raise InvalidInput(
            "PREDECESSOR_STILL_CURRENT",
            messages.PREDECESSOR_STILL_CURRENT.format(name=last.name, code=code),
            unit_code=code,
        )
    if refusal == "level_abolished":
        raise InvalidInput(
            "DISTRICT_LEVEL_ABOLISHED",
            messages.DISTRICT_LEVEL_ABOLISHED.format(
                name=last.name, code=code, on=format_date_vn(ceased)),
            unit_code=code,
        )
    if refusal == "successor_known":
        successors = [s.successor_code for s in catalogue.successors(code)]
        named = ", ".join(
            f"«{u.name}» ({u.code})" for c in successors
            if (u := catalogue.named_on(c, ceased)) is not None
        )
        raise InvalidInput(
            "SUCCESSOR_ALREADY_KNOWN",
            messages.SUCCESSOR_ALREADY_KNOWN.format(name=last.name, code=code, successors=named),
            unit_code=code, successor_codes=successors,
        )
    require_within(last, ceased - timedelta(days=1), jurisdiction)
    # "no_such_successor" is require_unit's UNKNOWN_UNIT (no unit valid on the day).
    successor = require_unit(successor_code, ceased, within=jurisdiction)
    if refusal == "level_mismatch":
        raise InvalidInput(
            "SUCCESSOR_LEVEL_MISMATCH",
            messages.SUCCESSOR_LEVEL_MISMATCH.format(code=code, successor=successor.code),
        )
    return last, successor, ceased


def record_unit_succession(
    uow: UnitOfWork, command: RecordUnitSuccession
) -> list[EventEnvelope]:
    """Complete the catalogue's "successor unknown" list as an event (city level only): the
    predecessor must be on the list of the jurisdiction, the successor a unit of the same level
    valid on the day the predecessor ceased, inside the jurisdiction."""
    require_city(uow.context, WRITE)
    code = command.predecessor_code
    predecessor, successor, effective = _succession(code, command.successor_code,
                                                    uow.jurisdiction)
    record = uow.load(UnitSuccessionRecord, code)
    record.record_successor(
        UnitSuccessionRecorded(
            predecessor_code=code,
            predecessor_name=predecessor.name,
            successor_code=successor.code,
            successor_name=successor.name,
            effective=effective,
            legal_basis=command.legal_basis,
        )
    )
    stored = uow.save(record)
    announce_moved_by(uow, stored[-1])  # in this transaction: review R6
    return stored


def correct_unit_succession(
    uow: UnitOfWork, code: str, command: CorrectUnitSuccession,
    expected_version: int | None = None,
) -> list[EventEnvelope]:
    """Đính chính a recorded successor (city level only): a new event naming the recording it
    corrects (`UnitSuccessionCorrected`). The right successor is checked as a recording's is
    (same level, valid on the day the predecessor ceased, inside the jurisdiction), and must
    differ from the one in force. Never blind: If-Match required (428), stale 412."""
    require_city(uow.context, WRITE)
    record = uow.load(UnitSuccessionRecord, code)
    if record.recorded is None:
        raise NotFound(
            "SUCCESSION_NOT_RECORDED", messages.SUCCESSION_NOT_RECORDED.format(code=code),
            predecessor_code=code,
        )
    expect_version(record, required_version(expected_version))
    # Checked on the day the predecessor ceased, the recording's `effective` (the recording
    # was checked by the same rule, and `known_at` follows a succession of no other day).
    _, successor, _ = _succession(code, command.successor_code, uow.jurisdiction)
    version, _ = record.recorded
    corrects = event_id_at(uow.connection, UnitSuccessionRecord.aggregate_type, code, version)
    record.correct_successor(successor.code, successor.name, command.reason,
                             command.legal_basis, corrects)
    stored = uow.save(record)
    announce_moved_by(uow, stored[-1])  # in this transaction: review R6
    return stored
