"""Commands of the indicators service, validated at the edge (pydantic)."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from services.indicators.domain.events import (
    ContestAward,
    Method,
    ModelField,
    RecognitionLevel,
    RegisteredStatus,
)
from shared.adminunits.model import UNIT_CODE_PATTERN
from shared.planrules import Comparator
from shared.validation import (
    Code,
    Day,
    LongText,
    Name,
    RequiredLongText,
    RequiredShortText,
    ShortText,
    Version,
)

UnitCode = Annotated[str, Field(pattern=UNIT_CODE_PATTERN)]
#: An indicator's id as the plan names it (I1-I4, CT5): a letter first.
INDICATOR_ID_PATTERN: Final = r"^[A-Za-z][A-Za-z0-9_.\-]*$"
IndicatorId = Annotated[str, Field(min_length=1, max_length=20, pattern=INDICATOR_ID_PATTERN)]
Year = Annotated[StrictInt, Field(ge=2000, le=2100)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterModel(_Command):
    model_id: Code | None = None
    unit_code: UnitCode
    field: ModelField
    title: Name
    started_on: Day
    recognition_level: RecognitionLevel = "none"
    status: RegisteredStatus = "building"
    description: LongText = ""
    lead_organisation: ShortText = ""


class CorrectModelRegistration(_Command):
    """Đính chính a registration: the commune or the start it really had (each unchanged
    when left out)."""

    unit_code: UnitCode | None = None
    started_on: Day | None = None
    reason: RequiredLongText
    expected_version: Version | None = None


class RecogniseModel(_Command):
    recognition_level: RecognitionLevel
    recognised_on: Day
    decision_ref: ShortText = ""
    expected_version: Version | None = None


class CloseModel(_Command):
    closed_on: Day
    reason: RequiredLongText
    expected_version: Version | None = None


class SubmitContestEntry(_Command):
    entry_id: Code | None = None
    model_id: Code
    title: Name
    submitted_on: Day
    author: ShortText = ""


class AwardContestEntry(_Command):
    award: ContestAward
    awarded_on: Day


class DefineIndicator(_Command):
    indicator_id: IndicatorId
    year: Year
    name: Name
    method: Method = "reported"
    comparator: Comparator = "ge"
    target: StrictFloat = Field(ge=0, le=100_000)
    denominator_fixed: StrictInt | None = Field(default=None, gt=0, le=10_000_000)
    numerator: ShortText = ""
    denominator: ShortText = ""
    scope_unit_codes: list[UnitCode] = Field(default_factory=lambda: ["31"], min_length=1,
                                              max_length=100)
    period_start: Day | None = None
    period_end: Day | None = None
    qualifying_fields: list[ModelField] = Field(default_factory=list, max_length=5)
    plan_ref: ShortText = ""
    expected_version: Version | None = None


class RecordReportedFigure(_Command):
    unit_code: UnitCode
    numerator: StrictInt = Field(ge=0, le=100_000_000)
    denominator: StrictInt = Field(gt=0, le=100_000_000)
    reported_on: Day
    note: LongText = ""
    source_document: ShortText = ""


class RecordUnitSuccession(_Command):
    """Đơn vị kế thừa của một đơn vị đã sáp nhập mà dữ liệu gốc không cho biết."""

    predecessor_code: UnitCode
    successor_code: UnitCode
    legal_basis: RequiredShortText = Field(
        description="Nghị quyết sắp xếp, ví dụ 1232/NQ-UBTVQH15"
    )


class CorrectUnitSuccession(_Command):
    """Đính chính đơn vị kế thừa đã ghi nhận sai: đơn vị kế thừa đúng, lý do, và căn cứ pháp lý
    nếu khác căn cứ đã ghi."""

    successor_code: UnitCode
    reason: RequiredLongText
    legal_basis: RequiredShortText | None = Field(
        default=None, description="Để trống: giữ căn cứ đã ghi"
    )
