"""Events of the plan (kế hoạch công tác dân vận): its items, their progress, the inspections
and supervisions of section III, and the district boards' period reports (IV.3).

Registered in the service's one registry (`events.registry`); consumers (the reporting
service) rely on the fields listed in docs/events.md ("indicators: the plan").
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.indicators.domain.events import registry
from shared.envelope import DomainEvent
from shared.taskrules import Recurrence

ItemKind = Literal["task", "inspection", "organisation"]
EvidenceKind = Literal["dialogue_session", "dossier", "model", "file", "document"]
ReminderKind = Literal["before", "after"]


class PlanItemSpec(BaseModel):
    """One item of the plan as written (a numbered task, a bullet of a task group, an
    inspection of section III or a duty of section IV)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str
    kind: ItemKind
    text: str
    responsible: str
    coordinating: list[str] = Field(default_factory=list)
    recurrence: Recurrence
    due_on: date | None = None
    indicators: list[str] = Field(default_factory=list)
    #: The date from which the item is owed (an item added mid-year owes nothing before).
    starts_on: date | None = None


class PlanGroup(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str
    title: str


class Evidence(BaseModel):
    """What shows the result: a dialogue session, a land dossier (site code), a "Dân vận
    khéo" model, an uploaded file's name, a document number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EvidenceKind
    ref: str


# -- the plan ---------------------------------------------------------------------------------


@registry.register
class PlanIssued(DomainEvent):
    """The Commission's plan of a year (kế hoạch công tác năm) with all its items."""

    event_type = "PlanIssued"
    aggregate_type = "plan"
    year: int
    title: str
    issuer: str
    basis: str = ""
    document_number: str | None = None
    issued_on: date | None = None
    parties: dict[str, str] = Field(default_factory=dict)
    groups: list[PlanGroup] = Field(default_factory=list)
    items: list[PlanItemSpec]


@registry.register
class PlanDocumentRecorded(DomainEvent):
    """The plan's issuing document (số, ngày ban hành) recorded or corrected."""

    event_type = "PlanDocumentRecorded"
    aggregate_type = "plan"
    year: int
    document_number: str
    issued_on: date


@registry.register
class PlanItemAdded(DomainEvent):
    event_type = "PlanItemAdded"
    aggregate_type = "plan"
    year: int
    item: PlanItemSpec
    reason: str


@registry.register
class PlanItemAmended(DomainEvent):
    """The item as it now reads (the whole item, so a reader needs no earlier version)."""

    event_type = "PlanItemAmended"
    aggregate_type = "plan"
    year: int
    item: PlanItemSpec
    reason: str


@registry.register
class PlanItemWithdrawn(DomainEvent):
    event_type = "PlanItemWithdrawn"
    aggregate_type = "plan"
    year: int
    number: str
    reason: str


@registry.register
class PlanPartyNamed(DomainEvent):
    """A department or unit that items may name as responsible or coordinating."""

    event_type = "PlanPartyNamed"
    aggregate_type = "plan"
    year: int
    code: str
    name: str


# -- progress on an item ----------------------------------------------------------------------


@registry.register
class PlanItemProgressRecorded(DomainEvent):
    """Kết quả thực hiện: what was done on an item by a date. `done` closes the item."""

    event_type = "PlanItemProgressRecorded"
    aggregate_type = "plan_item"
    year: int
    number: str
    reported_on: date
    acting_party: str
    unit_code: str
    result: str
    evidence: list[Evidence] = Field(default_factory=list)
    done: bool = False


@registry.register
class PlanItemReopened(DomainEvent):
    """The Commission reopened an item marked done (mở lại nhiệm vụ): from `reopened_on` it
    is judged as not done, on its progress, and takes progress again."""

    event_type = "PlanItemReopened"
    aggregate_type = "plan_item"
    year: int
    number: str
    reopened_on: date
    reason: str


# -- inspections and supervisions (III) ------------------------------------------------------


@registry.register
class InspectionPlanned(DomainEvent):
    """Một cuộc kiểm tra / giám sát of an item of section III."""

    event_type = "InspectionPlanned"
    aggregate_type = "plan_item"
    year: int
    number: str
    inspection_id: str
    planned_on: date
    subject: str
    subject_units: list[str] = Field(default_factory=list)
    lead_party: str = ""


@registry.register
class InspectionCarriedOut(DomainEvent):
    event_type = "InspectionCarriedOut"
    aggregate_type = "plan_item"
    year: int
    number: str
    inspection_id: str
    carried_out_on: date
    note: str = ""


@registry.register
class InspectionConcluded(DomainEvent):
    """Kết luận kiểm tra / giám sát: findings and recommendations."""

    event_type = "InspectionConcluded"
    aggregate_type = "plan_item"
    year: int
    number: str
    inspection_id: str
    concluded_on: date
    findings: str
    recommendations: str
    conclusion_ref: str = ""


@registry.register
class InspectionFollowUpRecorded(DomainEvent):
    """Theo dõi thực hiện kết luận: what the inspected units did about the recommendations."""

    event_type = "InspectionFollowUpRecorded"
    aggregate_type = "plan_item"
    year: int
    number: str
    inspection_id: str
    followed_up_on: date
    text: str
    completed: bool = False


@registry.register
class InspectionCancelled(DomainEvent):
    event_type = "InspectionCancelled"
    aggregate_type = "plan_item"
    year: int
    number: str
    inspection_id: str
    cancelled_on: date
    reason: str


# -- the district boards' period reports (IV.3) ----------------------------------------------


@registry.register
class ReportingDeadlineSet(DomainEvent):
    """The Commission set (or moved) the deadline of the district boards' period reports."""

    event_type = "ReportingDeadlineSet"
    aggregate_type = "reporting_duty"
    year: int
    period_id: str
    deadline: date
    district_codes: list[str]
    note: str = ""


@registry.register
class DistrictReportSubmitted(DomainEvent):
    """A district board's period report, its figures frozen as submitted."""

    event_type = "DistrictReportSubmitted"
    aggregate_type = "district_report"
    year: int
    period_id: str
    district_code: str
    submitted_on: date
    revision: int
    summary: str
    #: Why the Commission recorded it dated before its recording day ("" when not).
    backdated_reason: str = ""
    #: A whole number is an integer (a count), any other a float (shared.taskrules.figure_value);
    #: events written before O16 hold 3.0 for a count.
    figures: dict[str, int | float] = Field(default_factory=dict)
    attachments: list[str] = Field(default_factory=list)


@registry.register
class DistrictReportReturned(DomainEvent):
    """The Commission returned the report for correction (trả lại để chỉnh sửa)."""

    event_type = "DistrictReportReturned"
    aggregate_type = "district_report"
    year: int
    period_id: str
    district_code: str
    returned_on: date
    revision: int
    reason: str


@registry.register
class DistrictReportReminderDue(DomainEvent):
    """A reminder of the report fell due (before the deadline, or after it, still owed)."""

    event_type = "DistrictReportReminderDue"
    aggregate_type = "district_report"
    year: int
    period_id: str
    district_code: str
    kind: ReminderKind
    deadline: date
    due_on: date
