"""Commands on the plan, its items' progress, inspections and the district boards' period
reports; validated at the edge (pydantic)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictFloat, field_validator
from pydantic_core import PydanticCustomError

from services.indicators import messages
from services.indicators.application.commands import INDICATOR_ID_PATTERN, UnitCode
from services.indicators.domain.planevents import EvidenceKind, ItemKind
from shared.adminunits.model import DISTRICT_CODE_PATTERN
from shared.clock import today_vn
from shared.taskrules import Recurrence, figure_value
from shared.validation import (
    Code,
    Day,
    LongText,
    RequiredLongText,
    RequiredShortText,
    ShortText,
    Version,
    clean_text,
)

#: A plan item's number as the plan writes it: II.2.1, III.3, II.2.1.a (ASCII digits).
PLAN_ITEM_NUMBER_PATTERN: Final = r"^(II|III|IV)(\.[0-9]{1,2}){1,2}(\.[a-z])?$"

#: A party of the plan: a department of the Commission, the district boards, a partner unit.
PARTY_CODE_PATTERN: Final = r"^[a-z0-9][a-z0-9\-]*$"
PartyCode = Annotated[str, Field(min_length=2, max_length=40, pattern=PARTY_CODE_PATTERN)]
#: An item's number as the plan writes it: II.1.1, II.2.3.a, III.4, IV.3.
ItemNumber = Annotated[
    str, Field(max_length=20, pattern=PLAN_ITEM_NUMBER_PATTERN)
]
IndicatorRef = Annotated[
    str, Field(min_length=1, max_length=20, pattern=INDICATOR_ID_PATTERN)
]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordPlanDocument(_Command):
    """Số và ngày ban hành của kế hoạch."""

    document_number: Annotated[RequiredShortText, Field(max_length=60)]
    issued_on: Day


class NamePlanParty(_Command):
    code: PartyCode
    name: RequiredShortText


class PlanItemFields(_Command):
    kind: ItemKind = "task"
    text: RequiredLongText
    responsible: PartyCode
    coordinating: list[PartyCode] = Field(default_factory=list, max_length=30)
    recurrence: Recurrence
    due_on: Day | None = None
    indicators: list[IndicatorRef] = Field(default_factory=list, max_length=20)
    starts_on: Day | None = None
    reason: RequiredShortText


class AddPlanItem(PlanItemFields):
    number: ItemNumber


class AmendPlanItem(PlanItemFields):
    expected_version: Version | None = None


class WithdrawPlanItem(_Command):
    reason: RequiredShortText
    expected_version: Version | None = None


class ReopenPlanItem(_Command):
    """Mở lại một nhiệm vụ đã hoàn thành (Ban Dân vận Thành ủy)."""

    reopened_on: Day
    reason: RequiredShortText


class EvidenceRef(_Command):
    kind: EvidenceKind
    ref: Annotated[RequiredShortText, Field(max_length=200)]


class RecordProgress(_Command):
    """Kết quả thực hiện một nhiệm vụ đến một ngày."""

    reported_on: Day
    result: Annotated[RequiredLongText, Field(max_length=4000)]
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=50)
    done: bool = False
    #: The department acting; taken from the credential when it names one.
    acting_party: PartyCode | None = None
    #: The unit whose work it is (a district board's district); the city by default.
    unit_code: UnitCode | None = None


class PlanInspection(_Command):
    inspection_id: Code | None = None
    planned_on: Day
    subject: RequiredShortText
    subject_units: list[UnitCode] = Field(default_factory=list, max_length=50)
    lead_party: PartyCode | None = None


class CarryOutInspection(_Command):
    carried_out_on: Day
    note: LongText = ""
    expected_version: Version | None = None


class ConcludeInspection(_Command):
    concluded_on: Day
    findings: RequiredLongText
    recommendations: RequiredLongText
    conclusion_ref: ShortText = ""
    expected_version: Version | None = None


class FollowUpInspection(_Command):
    followed_up_on: Day
    text: RequiredLongText
    completed: bool = False
    expected_version: Version | None = None


class CancelInspection(_Command):
    cancelled_on: Day
    reason: RequiredShortText
    expected_version: Version | None = None


class SetReportingDeadline(_Command):
    deadline: Day
    #: The district boards that owe a report; all district-level units of the deployment's
    #: province valid at the period's cut-off when not given.
    district_codes: list[Annotated[str, Field(pattern=DISTRICT_CODE_PATTERN)]] | None = Field(
        default=None, min_length=1, max_length=60
    )
    note: ShortText = ""


FigureName = Annotated[RequiredShortText, Field(max_length=80)]
FigureValue = Annotated[StrictFloat, Field(ge=0, le=1e9), AfterValidator(figure_value)]


class SubmitDistrictReport(_Command):
    #: The day the report reached the Commission: the day it is recorded (today in Vietnam
    #: when not given, finding J17), unless the Commission records a paper submission of an
    #: earlier day (with `backdated_reason`).
    submitted_on: Day = Field(default_factory=today_vn)
    backdated_reason: ShortText = ""
    summary: RequiredLongText
    #: Whole numbers are kept as integers (a count is 3, not 3.0; shared.taskrules).
    figures: dict[FigureName, FigureValue] = Field(
        default_factory=dict, max_length=100
    )
    attachments: list[Annotated[RequiredShortText, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    expected_version: Version | None = None

    @field_validator("figures", mode="before")
    @classmethod
    def _names_once(cls, figures: Any) -> Any:
        """Names that read alike once cleaned (`FigureName` trims and composes them) would
        become one key, pydantic keeping the last value: a figure dropped without a word."""
        if isinstance(figures, dict):
            seen: set[str] = set()
            for name in figures:
                cleaned = clean_text(name) if isinstance(name, str) else name
                if cleaned in seen:
                    raise PydanticCustomError(
                        "figure_name_repeated", messages.FIGURE_NAME_REPEATED,
                        {"name": cleaned})
                seen.add(cleaned)
        return figures


#: The commands of an inspection's course after it is planned.
InspectionStep = CarryOutInspection | ConcludeInspection | FollowUpInspection | CancelInspection


class ReturnDistrictReport(_Command):
    #: The day the Commission returns the report: the day it is recorded (today in Vietnam)
    #: when not given, as a submission's (finding K6: the documented example works).
    returned_on: Day = Field(default_factory=today_vn)
    reason: RequiredLongText
    expected_version: Version | None = None
