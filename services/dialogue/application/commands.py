"""Commands of the dialogue service, validated at the edge (pydantic)."""

from __future__ import annotations

from typing import Annotated, Self
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from services.dialogue import messages
from services.dialogue.domain.events import Handling, IssueCategory, Level, Role
from shared.validation import (
    Day,
    LongText,
    Name,
    RequiredLongText,
    RequiredShortText,
    ShortText,
    UnitCode,
    clean_text,
)

#: Not blank once trimmed: a length checked before the trimming let "   " through (N2).
HeadId = Annotated[RequiredShortText, StringConstraints(max_length=36)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- heads ---------------------------------------------------------------------------------


class TakeOffice(Command):
    """Record a head taking office; `to_date` too when entering a past term."""

    unit_code: UnitCode
    role: Role
    full_name: Name
    from_date: Day
    to_date: Day | None = None


class LeaveOffice(Command):
    to_date: Day
    reason: ShortText = ""


class CorrectTookOffice(Command):
    """Đính chính the day a head took office (mistyped when recorded)."""

    from_date: Day
    reason: RequiredShortText


class CorrectLeftOffice(Command):
    """Đính chính the last day of a head in office (mistyped when recorded, L2)."""

    to_date: Day
    reason: RequiredShortText


class HandOver(Command):
    """The successor takes over; the incumbent's last day is the eve of `from_date`."""

    full_name: Name
    from_date: Day


# --- sessions ------------------------------------------------------------------------------


class PlanSession(Command):
    session_id: UUID | None = None
    unit_code: UnitCode
    head_ids: list[HeadId] = Field(min_length=1, max_length=10)
    planned_on: Day
    topic: RequiredShortText
    place: ShortText = ""
    co_organiser: ShortText = messages.DEFAULT_CO_ORGANISER


class RescheduleSession(Command):
    planned_on: Day
    reason: ShortText = ""
    decided_on: Day | None = None


class CancelSession(Command):
    reason: RequiredShortText
    cancelled_on: Day | None = None


class HoldSession(Command):
    held_on: Day
    # The heads who actually chaired it; by default those of the plan.
    head_ids: list[HeadId] | None = Field(default=None, min_length=1, max_length=10)


class CorrectSessionHeld(Command):
    """Đính chính a session recorded as held: the day or heads it was really held on/by
    (each unchanged when left out), or `void` when it did not take place."""

    held_on: Day | None = None
    head_ids: list[HeadId] | None = Field(default=None, min_length=1, max_length=10)
    void: bool = False
    reason: RequiredShortText

    @model_validator(mode="after")
    def _nothing_with_void(self) -> Self:
        if self.void and (self.held_on is not None or self.head_ids is not None):
            raise PydanticCustomError("not_held_with_values", messages.NOT_HELD_WITH_VALUES)
        return self


class FileReport(Command):
    attendance: StrictInt = Field(ge=0, le=1_000_000)
    organisations: list[RequiredShortText] = Field(default_factory=list, max_length=100)
    summary: RequiredLongText
    filed_on: Day | None = None


# --- issues and commitments ----------------------------------------------------------------


class CitizenContact(Command):
    """Kept apart from the events; never published."""

    full_name: Annotated[str, StringConstraints(max_length=300), AfterValidator(clean_text)] = ""
    contact: Annotated[str, StringConstraints(max_length=300), AfterValidator(clean_text)] = ""

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.full_name and not self.contact:
            raise PydanticCustomError("blank", messages.CITIZEN_CONTACT_EMPTY)
        return self


class RaiseIssue(Command):
    issue_id: UUID | None = None
    category: IssueCategory
    text: RequiredLongText
    handling: Handling
    assigned_agency: ShortText | None = None
    answer: LongText = ""
    citizen: CitizenContact | None = None


class MakeCommitment(Command):
    commitment_id: UUID | None = None
    text: RequiredLongText
    responsible_agency: RequiredShortText
    due_on: Day
    issue_id: HeadId | None = None


class UpdateProgress(Command):
    progress_pct: StrictInt = Field(ge=0, le=100)
    updated_on: Day | None = None
    note: ShortText = ""


class ReopenCommitment(Command):
    reason: RequiredShortText
    reopened_on: Day | None = None
    new_due_on: Day | None = None
    progress_pct: StrictInt | None = Field(default=None, ge=0, le=99)


# --- the rule ------------------------------------------------------------------------------


class SetRule(Command):
    level: Level
    min_sessions_per_year: StrictInt = Field(ge=0, le=52)
    effective_from: Day
    legal_basis: RequiredShortText
    note: LongText = ""
