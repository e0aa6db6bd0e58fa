"""Aggregates of the indicators service: pure Python, no I/O."""

from __future__ import annotations

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
    ReportedFigureRecorded,
    UnitSuccessionRecorded,
)
from services.indicators.domain.figures import UnitFigure
from shared.aggregate import Aggregate
from shared.clock import format_date_vn
from shared.envelope import DomainEvent
from shared.errors import Conflict, InvalidInput
from shared.planrules import Status, percent

RECOGNITION_RANK = {"none": 0, "commune": 1, "district": 2, "city": 3, "central": 4}


class DanVanKheoModel(Aggregate):
    """Mô hình "Dân vận khéo": a skilled mass-mobilisation model run by a unit."""

    aggregate_type = "model"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.unit_code = ""
        self.field = ""
        self.title = ""
        self.started_on: date | None = None
        self.recognition_level = "none"
        self.status = "building"

    def register(self, event: ModelRegistered) -> None:
        if self.exists:
            raise Conflict("MODEL_EXISTS", messages.MODEL_EXISTS.format(model_id=self.id))
        if event.status == "recognised" and event.recognition_level == "none":
            raise InvalidInput("RECOGNISED_WITHOUT_LEVEL", messages.RECOGNISED_WITHOUT_LEVEL)
        self.record(event, event.started_on, unit_code=event.unit_code)

    def recognise(self, event: ModelRecognised) -> None:
        self._require_open()
        if event.recognition_level == "none":
            raise InvalidInput(
                "RECOGNITION_LEVEL_REQUIRED", messages.MODEL_RECOGNITION_LEVEL_NONE
            )
        if RECOGNITION_RANK[event.recognition_level] <= RECOGNITION_RANK[self.recognition_level]:
            raise Conflict(
                "MODEL_ALREADY_AT_LEVEL", messages.MODEL_ALREADY_AT_LEVEL.format(model_id=self.id)
            )
        self._require_not_before_start(event.recognised_on)
        self.record(event, event.recognised_on, unit_code=self.unit_code)

    def close(self, event: ModelClosed) -> None:
        self._require_open()
        self._require_not_before_start(event.closed_on)
        self.record(event, event.closed_on, unit_code=self.unit_code)

    def _require_open(self) -> None:
        if self.status == "closed":
            raise Conflict("MODEL_CLOSED", messages.MODEL_CLOSED.format(model_id=self.id))

    def _require_not_before_start(self, on: date) -> None:
        if self.started_on is not None and on < self.started_on:
            raise InvalidInput(
                "DATE_BEFORE_START",
                messages.DATE_BEFORE_START.format(
                    on=format_date_vn(on), start=format_date_vn(self.started_on)
                ),
            )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ModelRegistered):
            self.unit_code, self.field, self.title = event.unit_code, event.field, event.title
            self.started_on = event.started_on
            self.recognition_level, self.status = event.recognition_level, event.status
        elif isinstance(event, ModelRecognised):
            self.recognition_level, self.status = event.recognition_level, "recognised"
        elif isinstance(event, ModelClosed):
            self.status = "closed"


class ContestEntry(Aggregate):
    """Bài dự thi of the contest promoting "Dân vận khéo" models (one per model and year)."""

    aggregate_type = "contest"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.contest_year = 0
        self.model_id = ""
        self.award: str | None = None

    def submit(self, event: ContestEntrySubmitted, on: date) -> None:
        if self.exists:
            raise Conflict(
                "ENTRY_EXISTS",
                messages.ENTRY_EXISTS.format(model_id=event.model_id, year=event.contest_year),
            )
        self.record(event, on, unit_code=event.unit_code or None)

    def give_award(self, event: ContestEntryAwarded, unit_code: str | None) -> None:
        if event.contest_year != self.contest_year:
            raise InvalidInput(
                "CONTEST_YEAR_MISMATCH",
                messages.CONTEST_YEAR_MISMATCH.format(entry_id=self.id, year=self.contest_year),
            )
        if self.award is not None:
            raise Conflict(
                "ENTRY_ALREADY_AWARDED", messages.ENTRY_ALREADY_AWARDED.format(entry_id=self.id)
            )
        self.record(event, event.awarded_on, unit_code=unit_code)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ContestEntrySubmitted):
            self.contest_year, self.model_id = event.contest_year, event.model_id
        elif isinstance(event, ContestEntryAwarded):
            self.award = event.award


class UnitSuccessionRecord(Aggregate):
    """The successor an official recorded for a merged unit whose successor the data did not
    show; id: the merged unit's code. Recorded once: a correction would be a new event type."""

    aggregate_type = "unit_succession"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.successor_code = ""

    def record_successor(self, event: UnitSuccessionRecorded) -> None:
        if self.exists:
            raise Conflict(
                "SUCCESSION_ALREADY_RECORDED",
                messages.SUCCESSION_ALREADY_RECORDED.format(
                    code=self.id, successor=self.successor_code
                ),
            )
        self.record(event, event.effective, unit_code=event.successor_code)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, UnitSuccessionRecorded):
            self.successor_code = event.successor_code


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
