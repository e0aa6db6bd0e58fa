"""Aggregates of the indicators service: pure Python, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.indicators import messages
from services.indicators.domain.definitions import Definition
from services.indicators.domain.events import (
    ContestEntryAwarded,
    ContestEntrySubmitted,
    IndicatorDefined,
    IndicatorStatusChanged,
    ModelClosed,
    ModelRecognised,
    ModelRegistered,
    ModelRegisteredCorrected,
    RecognitionLevel,
    ReportedFigureRecorded,
    UnitSuccessionCorrected,
    UnitSuccessionRecorded,
)
from services.indicators.domain.figures import UnitFigure
from shared.aggregate import Aggregate
from shared.clock import format_date_vn
from shared.envelope import DomainEvent
from shared.errors import ActionRefused, InvalidInput
from shared.planrules import Status, closed_by, model_running_on, percent
from shared.steporder import not_before

RECOGNITION_RANK = {"none": 0, "commune": 1, "district": 2, "city": 3, "central": 4}
#: The state of a model whose registration a void correction took out: it never was.
VOIDED = "voided"


class DanVanKheoModel(Aggregate):
    """Mô hình "Dân vận khéo": a skilled mass-mobilisation model run by a unit."""

    aggregate_type = "model"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.unit_code = ""
        self.field = ""
        self.title = ""
        self.started_on: date | None = None
        self.closed_on: date | None = None
        #: The day of the latest recognition (None: never recognised).
        self.recognised_on: date | None = None
        self.recognition_level = "none"
        self.status = "building"
        self.last_on: date | None = None
        #: The registration in force and its version (what a correction names).
        self.registration: tuple[int, ModelRegistered] | None = None
        #: The latest date of the facts after the registration (recognised, closed).
        self.later_on: date | None = None

    def correct_registration(
        self, unit_code: str, started_on: date, reason: str, corrects: str,
        entries: Sequence[ContestEntry] = (),
    ) -> None:
        """Đính chính: the model was registered in `unit_code` from `started_on`. The start
        stays on or before every later fact of the model, its contest `entries` too (another
        aggregate: an entry needs its model running on its day, finding K12)."""
        self.require_registered("correct_registration")
        assert self.registration is not None
        version, registered = self.registration
        if (unit_code, started_on) == (registered.unit_code, registered.started_on):
            raise InvalidInput("CORRECTION_CHANGES_NOTHING", messages.CORRECTION_CHANGES_NOTHING)
        if self.later_on is not None and self.later_on < started_on:
            raise InvalidInput(
                "START_AFTER_LATER_FACT",
                messages.START_AFTER_LATER_FACT.format(
                    start=format_date_vn(started_on), on=format_date_vn(self.later_on)),
            )
        for entry in entries:
            if entry.submitted_on is not None and entry.submitted_on < started_on:
                raise InvalidInput(
                    "START_AFTER_LATER_FACT",
                    messages.START_AFTER_ENTRY.format(
                        start=format_date_vn(started_on), entry_id=entry.id,
                        on=format_date_vn(entry.submitted_on)),
                    entry_id=entry.id,
                )
        self.record(
            ModelRegisteredCorrected(
                corrects=corrects, corrected_version=version, reason=reason,
                **{**registered.model_dump(), "unit_code": unit_code, "started_on": started_on},
                previous_unit_code=registered.unit_code,
                previous_started_on=registered.started_on,
            ),
            started_on,
            unit_code=unit_code,
        )

    def register(self, event: ModelRegistered) -> None:
        if self.exists:
            raise self._refused("MODEL_EXISTS", "register")
        if event.status == "recognised" and event.recognition_level == "none":
            raise InvalidInput("RECOGNISED_WITHOUT_LEVEL", messages.RECOGNISED_WITHOUT_LEVEL)
        self.record(event, event.started_on, unit_code=event.unit_code)

    def recognise(self, event: ModelRecognised) -> None:
        # A recognition of a day the model was running is a true fact even when entered after
        # the closing (finding J21, second half): refused only when dated on or after the
        # closing day, the model's first day out (`shared.planrules.closed_by`, as a contest
        # entry's: one reading of the closing day).
        self.require_recognisable(event.recognised_on, event.recognition_level)
        if event.recognition_level == "none":
            raise InvalidInput(
                "RECOGNITION_LEVEL_REQUIRED", messages.MODEL_RECOGNITION_LEVEL_NONE
            )
        self.require_started_by(event.recognised_on)
        # Recognitions climb in date order as in level (finding J21): a higher level dated
        # before the last recognition would read the model higher first, then lower. Of a
        # closed model, the last fact before the closing is its last recognition or its start.
        previous = self.last_on if self.closed_on is None else (
            self.recognised_on or self.started_on)
        if previous is not None:
            not_before(event.recognised_on, previous)
        self.record(event, event.recognised_on, unit_code=self.unit_code)

    def require_recognisable(self, on: date, level: RecognitionLevel) -> None:
        """The model's state allows a recognition at `level` dated `on`, else 409 (voided,
        closed by that day, already at that level or higher): the state, which its handler
        asks before anything about the day alone (docs/api-conventions.md, "The order of the
        refusals"). A level "none" is the body's own fault, left to `recognise`'s 422."""
        self.require_registered("recognise")
        if closed_by(self.closed_on, on):
            raise self._closed_since("recognise")
        if level != "none" and RECOGNITION_RANK[level] <= RECOGNITION_RANK[
                self.recognition_level]:
            raise self._refused(
                "MODEL_ALREADY_AT_LEVEL", "recognise",
                note=messages.MODEL_AT_LEVEL.format(
                    level=messages.RECOGNITION_LABELS[self.recognition_level].lower()),
            )

    def close(self, event: ModelClosed, entries: Sequence[ContestEntry] = ()) -> None:
        """Dừng: on or after the model's last fact, and after the day of each of its contest
        `entries` (an entry needs its model running on its day, finding K12)."""
        self.require_open("close")
        self.require_started_by(event.closed_on)
        if self.last_on is not None:
            not_before(event.closed_on, self.last_on)
        # The closing day is the model's first day out (`shared.planrules.closed_by`): closed
        # on the day of its last recognition, it would have been recognised on a day it did
        # not run (as an entry, below).
        if self.recognised_on is not None and closed_by(event.closed_on, self.recognised_on):
            raise InvalidInput(
                "CLOSED_BEFORE_RECOGNITION",
                messages.CLOSED_BEFORE_RECOGNITION.format(
                    on=format_date_vn(event.closed_on),
                    recognised=format_date_vn(self.recognised_on)),
                recognised_on=self.recognised_on.isoformat(),
            )
        for entry in entries:
            if entry.submitted_on is not None and closed_by(event.closed_on, entry.submitted_on):
                raise InvalidInput(
                    "CLOSED_BEFORE_ENTRY",
                    messages.CLOSED_BEFORE_ENTRY.format(
                        on=format_date_vn(event.closed_on), entry_id=entry.id,
                        submitted=format_date_vn(entry.submitted_on)),
                    entry_id=entry.id,
                )
        self.record(event, event.closed_on, unit_code=self.unit_code)

    def allowed_actions(self) -> list[str]:
        """An open model is recognised (at a higher level than it has) or closed."""
        if self.status in ("closed", VOIDED):
            return []
        higher = RECOGNITION_RANK[self.recognition_level] < max(RECOGNITION_RANK.values())
        return ["recognise", "close"] if higher else ["close"]

    def _refused(self, code: str, action: str, note: str = "") -> ActionRefused:
        return ActionRefused(
            code, messages.MODEL, action=action,
            subject=messages.MODEL_SUBJECT.format(model_id=self.id), state=self.status,
            allowed=self.allowed_actions(), note=note,
        )

    def require_open(self, action: str) -> None:
        """Neither voided nor closed, else 409: the state, which the closing's handler asks
        before anything about the day the body carries (docs/api-conventions.md)."""
        if self.status == VOIDED:
            raise self._refused("MODEL_VOIDED", action, note=messages.MODEL_VOIDED_NOTE)
        if self.status == "closed":
            raise self._refused("MODEL_CLOSED", action)

    def require_running_on(self, on: date, action: str) -> None:
        """`action`, a fact dated `on` that presents the model (a contest entry), needs the
        model running that day (`shared.planrules.model_running_on`): not before its start
        (422 DATE_BEFORE_START, finding H3), nor on or after its closing (409 MODEL_CLOSED,
        finding K12; a day before the closing may still be recorded after it)."""
        self.require_registered(action)
        self.require_started_by(on)
        if not model_running_on(self.started_on, self.closed_on, on):
            raise self._closed_since(action)

    def require_registered(self, action: str) -> None:
        """Nothing is recorded of a model whose registration was voided (409 MODEL_VOIDED)."""
        if self.status == VOIDED:
            raise self._refused("MODEL_VOIDED", action, note=messages.MODEL_VOIDED_NOTE)

    def _closed_since(self, action: str) -> ActionRefused:
        """409 MODEL_CLOSED for a fact dated on or after the closing day, naming that day."""
        assert self.closed_on is not None
        return self._refused(
            "MODEL_CLOSED", action,
            note=messages.MODEL_CLOSED_SINCE.format(on=format_date_vn(self.closed_on)),
        )

    def require_started_by(self, on: date) -> None:
        if self.started_on is not None and on < self.started_on:
            raise InvalidInput(
                "DATE_BEFORE_START",
                messages.DATE_BEFORE_START.format(
                    on=format_date_vn(on), start=format_date_vn(self.started_on)
                ),
            )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ModelRegisteredCorrected) and event.void:
            # The registration never happened (shared/corrections.py): nothing more is
            # recorded of the model (`_require_registered`), and the figures count it on no
            # day. Its unit and start stay, as who may read its history.
            self.registration, self.status = None, VOIDED
        elif isinstance(event, ModelRegisteredCorrected):
            fact = event.corrected_fact()
            assert isinstance(fact, ModelRegistered)
            self.registration = (self.version + 1, fact)
            self.unit_code, self.started_on = fact.unit_code, fact.started_on
            self.last_on = max(fact.started_on, self.later_on or fact.started_on)
        elif isinstance(event, ModelRegistered):
            self.registration = (self.version + 1, event)
            self.unit_code, self.field, self.title = event.unit_code, event.field, event.title
            self.started_on = self.last_on = event.started_on
            # A registration records a running model; only a dated closing stops it (and the
            # figures read only that). Registrations stored as "closed" before that was
            # refused hold no date: they stay open until a desk records the closing.
            status = "building" if event.status == "closed" else event.status
            self.recognition_level, self.status = event.recognition_level, status
        elif isinstance(event, ModelRecognised):
            self.recognition_level = event.recognition_level
            self.recognised_on = event.recognised_on
            if self.closed_on is None:
                self.status = "recognised"
                self.last_on = self.later_on = event.recognised_on
            # Entered after the closing, dated before it: the model stays closed, and its
            # last fact is still the closing.
        elif isinstance(event, ModelClosed):
            self.status, self.closed_on = "closed", event.closed_on
            self.last_on = self.later_on = event.closed_on


class ContestEntry(Aggregate):
    """Bài dự thi of the contest promoting "Dân vận khéo" models (one per model and year)."""

    aggregate_type = "contest"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.contest_year = 0
        self.model_id = ""
        self.submitted_on: date | None = None
        self.award: str | None = None

    def refused(self, code: str, action: str) -> ActionRefused:
        """A model has one entry a year, awarded once."""
        state = "submitted" if self.award is None else "awarded"
        return ActionRefused(
            code, messages.CONTEST_ENTRY, action=action,
            subject=messages.ENTRY_SUBJECT.format(year=self.contest_year,
                                                  model_id=self.model_id),
            state=state, allowed=["give_award"] if state == "submitted" else [],
            entry_id=self.id,
        )

    def submit(self, event: ContestEntrySubmitted, on: date) -> None:
        if self.exists:
            raise self.refused("ENTRY_EXISTS", "submit")
        self.record(event, on, unit_code=event.unit_code or None)

    def require_awardable(self) -> None:
        """An entry is awarded once, else 409 ENTRY_ALREADY_AWARDED: the state, which its
        handler asks before anything about the day the body carries (docs/api-conventions.md,
        "The order of the refusals")."""
        if self.award is not None:
            raise self.refused("ENTRY_ALREADY_AWARDED", "give_award")

    def give_award(self, event: ContestEntryAwarded, unit_code: str | None) -> None:
        self.require_awardable()
        if event.contest_year != self.contest_year:
            raise InvalidInput(
                "CONTEST_YEAR_MISMATCH",
                messages.CONTEST_YEAR_MISMATCH.format(entry_id=self.id, year=self.contest_year),
            )
        # An award follows the entry it crowns (finding K12, as J21's recognitions): dated
        # before the submission, it counted before the entry existed.
        if self.submitted_on is not None:
            not_before(event.awarded_on, self.submitted_on)
        self.record(event, event.awarded_on, unit_code=unit_code)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ContestEntrySubmitted):
            self.contest_year, self.model_id = event.contest_year, event.model_id
            self.submitted_on = event.submitted_on
        elif isinstance(event, ContestEntryAwarded):
            self.award = event.award


class UnitSuccessionRecord(Aggregate):
    """The successor an official recorded for a merged unit whose successor the data did not
    show; id: the merged unit's code. Recorded once (409 SUCCESSION_ALREADY_RECORDED); a wrong
    successor is put right by a correction (`UnitSuccessionCorrected`), the recording kept."""

    aggregate_type = "unit_succession"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.successor_code = ""
        #: The recording in force (the original or its last correction) and its version:
        #: what a correction names and restates.
        self.recorded: tuple[int, UnitSuccessionRecorded] | None = None

    def record_successor(self, event: UnitSuccessionRecorded) -> None:
        if self.exists:
            raise ActionRefused(
                "SUCCESSION_ALREADY_RECORDED", messages.SUCCESSION, action="record_successor",
                subject=messages.SUCCESSION_SUBJECT.format(code=self.id), state="recorded",
                allowed=["correct_successor"],
                note=messages.SUCCESSION_NOTE.format(successor=self.successor_code),
            )
        self.record(event, event.effective, unit_code=event.successor_code)

    def correct_successor(
        self, successor_code: str, successor_name: str, reason: str, legal_basis: str | None,
        corrects: str,
    ) -> None:
        """Đính chính: the merged unit's successor is `successor_code` (checked by the handler
        as a recording's is); the legal basis recorded unless another is given."""
        assert self.recorded is not None  # the handler answers 404 for a unit not recorded
        version, recorded = self.recorded
        if successor_code == recorded.successor_code:
            raise InvalidInput(
                "CORRECTION_CHANGES_NOTHING", messages.SUCCESSOR_UNCHANGED.format(
                    code=self.id, successor=successor_code),
                successor_code=successor_code,
            )
        self.record(
            UnitSuccessionCorrected(
                corrects=corrects, corrected_version=version, reason=reason,
                **{**recorded.model_dump(), "successor_code": successor_code,
                   "successor_name": successor_name,
                   "legal_basis": legal_basis or recorded.legal_basis},
                previous_successor_code=recorded.successor_code,
            ),
            recorded.effective,
            unit_code=successor_code,
        )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, UnitSuccessionCorrected):
            event = event.corrected_fact()
        if isinstance(event, UnitSuccessionRecorded):
            self.successor_code = event.successor_code
            self.recorded = (self.version + 1, event)  # counted after apply


class Indicator(Aggregate):
    """Chỉ tiêu of one year: its definition and the figures reported for it. Id "I3-2023"."""

    aggregate_type = "indicator"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.definition: Definition | None = None
        self.reported = 0

    def define(self, definition: Definition, on: date) -> None:
        self.record(definition.to_event(), on, unit_code=_single(definition.scope))

    def record_figure(self, event: ReportedFigureRecorded) -> None:
        self.record(event, event.reported_on, unit_code=event.unit_code)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, IndicatorDefined):
            self.definition = Definition.from_event(event)
        elif isinstance(event, ReportedFigureRecorded):
            self.reported += 1


class IndicatorStatus(Aggregate):
    """The status of one indicator-year-unit over time. Id "I3-2023@31"; its events are the
    IndicatorStatusChanged alerts, so the last one is the status last announced.

    Being an aggregate is what makes an announcement happen once per real change: a change
    is recorded only against the status last announced, and saved at the stream's next
    version, so two evaluations of the same figure (a consumer and the sweep, two replicas,
    a rebuild's and the live one) cannot both announce it; none is ever edited.
    """

    aggregate_type = "indicator"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.status: Status | None = None

    def observe(
        self, definition: Definition, figure: UnitFigure, on: date, cause: str
    ) -> bool:
        """Announce `figure`'s status on `on` if it is not the one last announced; a figure
        with nothing to measure (no status) announces nothing."""
        if figure.status is None or figure.status == self.status:
            return False
        self.record(
            IndicatorStatusChanged(
                indicator_id=definition.indicator_id,
                year=definition.year,
                unit_code=figure.unit_code,
                status=figure.status,
                previous_status=self.status,
                numerator=figure.numerator,
                denominator=figure.denominator,
                value=percent(figure.value) or 0.0,
                target=float(definition.target_percent),
                evaluated_on=on,
                cause=cause,
            ),
            on,
            unit_code=figure.unit_code,
        )
        return True

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, IndicatorStatusChanged):
            self.status = event.status


def _single(codes: tuple[str, ...]) -> str | None:
    return codes[0] if len(codes) == 1 else None
