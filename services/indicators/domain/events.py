"""Events of the indicators service. A type keeps its name; new schema versions get upcasters.

Payload fields follow docs/events.md ("indicators"); extra fields are additions the contract
allows. Percentages (`target`, `value`) are percent, not ratios: 40.0 means 40 %.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from shared.corrections import Correction
from shared.envelope import DomainEvent, EventRegistry
from shared.planrules import Comparator, Status

registry = EventRegistry(service="indicators")

ModelField = Literal["new_rural", "exemplary_rural", "urban", "digital_transformation", "other"]
RecognitionLevel = Literal["none", "commune", "district", "city", "central"]
#: A model is registered running: building, or recognised at a level. Stopping is its own
#: command with a date (`ModelClosed`), which is what every figure reads.
RegisteredStatus = Literal["building", "recognised"]
#: Statuses a stored registration may hold: "closed" was accepted once (without a date).
ModelStatus = Literal["building", "recognised", "closed"]
Method = Literal[
    "model_coverage", "dialogue_heads", "sites_with_dossier", "sites_with_certificate", "reported"
]
ContestAward = Literal["first", "second", "third", "consolation"]


# -- "Dân vận khéo" models ---------------------------------------------------------------------


@registry.register
class ModelRegistered(DomainEvent):
    """A "Dân vận khéo" model (mô hình "Dân vận khéo") entered the register."""

    event_type = "ModelRegistered"
    aggregate_type = "model"
    model_id: str
    unit_code: str
    field: ModelField
    title: str
    started_on: date
    recognition_level: RecognitionLevel
    status: ModelStatus
    description: str = ""
    lead_organisation: str = ""


@registry.register
class ModelRegisteredCorrected(Correction):
    """A `ModelRegistered` recorded in the wrong commune or with the wrong start
    (shared/corrections.py): the whole registration as it should have been, and the commune
    and start it replaces. Business date: the right `started_on`."""

    event_type = "ModelRegisteredCorrected"
    aggregate_type = "model"
    model_id: str
    unit_code: str
    field: ModelField
    title: str
    started_on: date
    recognition_level: RecognitionLevel
    status: ModelStatus
    description: str = ""
    lead_organisation: str = ""
    previous_unit_code: str
    previous_started_on: date

    def corrected_fact(self) -> DomainEvent:
        return ModelRegistered(
            model_id=self.model_id, unit_code=self.unit_code, field=self.field,
            title=self.title, started_on=self.started_on,
            recognition_level=self.recognition_level, status=self.status,
            description=self.description, lead_organisation=self.lead_organisation)


@registry.register
class ModelRecognised(DomainEvent):
    """A committee recognised the model (công nhận mô hình) at a level."""

    event_type = "ModelRecognised"
    aggregate_type = "model"
    model_id: str
    recognition_level: RecognitionLevel
    recognised_on: date
    decision_ref: str = ""


@registry.register
class ModelClosed(DomainEvent):
    """The model stopped (dừng triển khai); it no longer counts from `closed_on`."""

    event_type = "ModelClosed"
    aggregate_type = "model"
    model_id: str
    closed_on: date
    reason: str


@registry.register
class ContestEntrySubmitted(DomainEvent):
    """An entry of the contest promoting "Dân vận khéo" models (Cuộc thi tuyên truyền mô hình)."""

    event_type = "ContestEntrySubmitted"
    aggregate_type = "contest"
    entry_id: str
    model_id: str
    contest_year: int
    title: str
    unit_code: str = ""
    submitted_on: date | None = None
    author: str = ""


@registry.register
class ContestEntryAwarded(DomainEvent):
    """The contest jury gave the entry a prize (giải Nhất, Nhì, Ba, Khuyến khích)."""

    event_type = "ContestEntryAwarded"
    aggregate_type = "contest"
    entry_id: str
    contest_year: int
    award: ContestAward
    awarded_on: date


# -- indicators ---------------------------------------------------------------------------------


@registry.register
class IndicatorDefined(DomainEvent):
    """An indicator (chỉ tiêu) of a year was defined, or its definition replaced."""

    event_type = "IndicatorDefined"
    aggregate_type = "indicator"
    indicator_id: str
    year: int
    name: str
    comparator: Comparator
    target: float
    denominator_fixed: int | None
    method: Method = "reported"
    numerator: str = ""
    denominator: str = ""
    scope_unit_codes: list[str] = Field(default_factory=list)
    period_start: date | None = None
    period_end: date | None = None
    qualifying_fields: list[ModelField] = Field(default_factory=list)
    plan_ref: str = ""


@registry.register
class ReportedFigureRecorded(DomainEvent):
    """A figure reported by a unit for an indicator not computed from events (số liệu báo cáo).
    Who reported it and when it was recorded are the envelope's actor and recorded_at."""

    event_type = "ReportedFigureRecorded"
    aggregate_type = "indicator"
    indicator_id: str
    year: int
    unit_code: str
    numerator: int
    denominator: int
    reported_on: date
    note: str = ""
    source_document: str = ""


@registry.register
class IndicatorStatusChanged(DomainEvent):
    """The status of an indicator for a unit changed (đạt / có nguy cơ không đạt / chưa đạt /
    chưa đến hạn; the rule: shared/planrules.py)."""

    event_type = "IndicatorStatusChanged"
    aggregate_type = "indicator"
    indicator_id: str
    year: int
    unit_code: str
    status: Status
    previous_status: Status | None
    numerator: int
    denominator: int
    value: float
    target: float
    evaluated_on: date | None = None
    cause: str = ""


# -- administrative units ----------------------------------------------------------------------


@registry.register
class UnitSuccessionRecorded(DomainEvent):
    """An official recorded the successor of a unit merged away (sáp nhập) whose successor the
    catalogue's source data does not show (shared.adminunits ``successor_unknown``). The
    catalogue's data files are never edited: the completion is this event."""

    event_type = "UnitSuccessionRecorded"
    aggregate_type = "unit_succession"
    predecessor_code: str
    predecessor_name: str
    successor_code: str
    successor_name: str
    effective: date
    legal_basis: str


@registry.register
class UnitSuccessionCorrected(Correction):
    """A `UnitSuccessionRecorded` (or an earlier correction of it) that named the wrong
    successor (shared/corrections.py): the whole recording as it should have been, and the
    successor it replaces. Both services place the merged unit's facts at the corrected
    successor from this event's recording on (`shared.adminunits.recorded.known_at`); figures
    as of a time before it keep the successor recorded then."""

    event_type = "UnitSuccessionCorrected"
    aggregate_type = "unit_succession"
    predecessor_code: str
    predecessor_name: str
    successor_code: str
    successor_name: str
    effective: date
    legal_basis: str
    previous_successor_code: str

    def corrected_fact(self) -> DomainEvent:
        return UnitSuccessionRecorded(
            predecessor_code=self.predecessor_code, predecessor_name=self.predecessor_name,
            successor_code=self.successor_code, successor_name=self.successor_name,
            effective=self.effective, legal_basis=self.legal_basis)


#: The events that say which successor an official recorded: the latest by a moment counts.
SUCCESSION_EVENT_TYPES = (UnitSuccessionRecorded.event_type, UnitSuccessionCorrected.event_type)


# The plan's events register in this same registry; imported last, as they use it.
from services.indicators.domain import planevents as _planevents  # noqa: E402, F401
