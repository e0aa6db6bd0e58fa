"""Commands of the religion service, validated at the edge (pydantic)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from services.religion import messages
from shared.adminunits.model import COMMUNE_CODE_PATTERN
from shared.ids import UUID_PATTERN, uuid_key
from shared.validation import (
    Day,
    LongText,
    Name,
    RequiredLongText,
    RequiredShortText,
    ShortText,
    Version,
    composed,
)

ReligionName = Literal[
    "Phật giáo",
    "Công giáo",
    "Tin lành",
    "Cao Đài",
    "Phật giáo Hòa Hảo",
    "Hồi giáo",
    "Tịnh độ cư sĩ Phật hội Việt Nam",
    "Bửu Sơn Kỳ Hương",
    "Khác",
]
RELIGIONS: tuple[str, ...] = get_args(ReligionName)
# Compared in composed form: a religion typed decomposed (NFD) is the same religion.
Religion = Annotated[ReligionName, BeforeValidator(composed)]

CommuneCode = Annotated[str, StringConstraints(pattern=COMMUNE_CODE_PATTERN)]
# A site code is a URL path segment: no "/" (which the generic Code type allows).
SiteCode = Annotated[
    str, StringConstraints(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
]


def _tenths_of_m2(value: float) -> float:
    # An area is written to one decimal of a square metre (the certificate's own rule:
    # rounded to 0,1 m²): 1250.123456 is no area read off a certificate or a survey, and
    # was stored as sent, as 1e-320 (a denormal) was (examiner-hostile). Refused, not
    # rounded: the desk sees what it typed.
    if round(value, 1) != value:
        raise PydanticCustomError("area_precision", messages.AREA_PRECISION)
    return value


#: A land area in m²: above 0, at most 100 km², to 0,1 m² (so at least 0,1 m²).
Area = Annotated[StrictFloat, Field(gt=0, le=100_000_000), AfterValidator(_tenths_of_m2)]
DocumentRefs = Annotated[list[ShortText], Field(max_length=100)]

ViolationType = Literal[
    "land_purchase",
    "land_sale",
    "land_encroachment",
    "land_transfer",
    "land_donation",
    "build_without_permit",
    "build_against_permit",
    "repair_without_permit",
    "repair_against_permit",
    "renovate_without_permit",
    "renovate_against_permit",
    "upgrade_without_permit",
    "upgrade_against_permit",
]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterSite(Command):
    code: SiteCode
    name: Name
    religion: Religion
    commune_code: CommuneCode
    address: ShortText = ""
    land_area_m2: Area | None = None
    land_use_origin: ShortText | None = None
    registered_on: Day | None = None


class AmendSite(Command):
    """Only the fields given are changed; `amended_on` is the business date of the change."""

    name: Name | None = None
    religion: Religion | None = None
    commune_code: CommuneCode | None = None
    address: ShortText | None = None
    land_area_m2: Area | None = None
    land_use_origin: ShortText | None = None
    amended_on: Day
    note: LongText = ""
    expected_version: Version | None = None


class CloseSite(Command):
    closed_on: Day
    reason: Name
    expected_version: Version | None = None


class DossierStepCommand(Command):
    """One step of the dossier workflow. `lodged_on` is accepted for the lodge action, as the
    first version of the API named it."""

    acted_on: Day = Field(validation_alias=AliasChoices("acted_on", "lodged_on"))
    note: LongText = ""
    document_refs: DocumentRefs = Field(default_factory=list)
    expected_version: Version | None = None


# A certificate's number as printed: Latin letters with Vietnamese ones (Đ, Ư, Ơ, the toned
# vowels), digits, ". / - space". Any letter of any script was taken, so a Cyrillic «Р» made
# "Р3-GCN-1" a second certificate beside P3-GCN-1, identical on screen and paper (finding
# H21). Full-width forms typed on some keyboards are folded (NFKC) before the check.
CERTIFICATE_NUMBER_PATTERN = (
    r"^[A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f\u01a0\u01a1\u01af\u01b0"
    r"\u1ea0-\u1ef9./\- ]+$"
)


def _compatibility_folded(value: Any) -> Any:
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def path_safe_number(value: str) -> str:
    """A number is read at /certificates/{number} with its «/» as they are (K9), so a part
    between two «/» that is empty, «.» or «..» would be a different path once a client or a
    proxy tidies it («X/../Y» is sent as «Y», «X//Y» often as «X/Y»): the number could be
    issued and never read, or read as another certificate. No printed number has one."""
    if any(part.strip() in ("", ".", "..") for part in value.split("/")):
        raise PydanticCustomError("certificate_number_segments",
                                  messages.CERTIFICATE_NUMBER_SEGMENTS)
    return value


CertificateNumber = Annotated[
    str,
    BeforeValidator(_compatibility_folded),
    StringConstraints(min_length=1, max_length=100, pattern=CERTIFICATE_NUMBER_PATTERN),
    AfterValidator(path_safe_number),
]
#: An event's id as the site's history shows it.
EventId = Annotated[str, StringConstraints(pattern=UUID_PATTERN), AfterValidator(uuid_key)]


class IssueCertificate(Command):
    certificate_number: CertificateNumber
    issued_on: Day
    issuing_authority: Name
    certified_area_m2: Area
    note: LongText = ""
    document_refs: DocumentRefs = Field(default_factory=list)


class RevokeCertificate(Command):
    certificate_number: Annotated[RequiredShortText, StringConstraints(max_length=100)]
    revoked_on: Day
    reason: Name
    document_refs: DocumentRefs = Field(default_factory=list)


class OpenCase(Command):
    violation_type: ViolationType
    description: RequiredLongText
    detected_on: Day
    site_code: SiteCode | None = None
    commune_code: CommuneCode | None = None
    reference: ShortText = ""


class CaseStepCommand(Command):
    acted_on: Day
    note: LongText = ""
    referred_to: ShortText = ""
    expected_version: Version | None = None


# -- corrections (đính chính): a fact recorded wrongly, put right by a new event -------------------


class CorrectCertificate(Command):
    """The valid certificate's particulars as they really are: the fields given replace those
    recorded, the others stay. `corrects` (optional) names the issue event being corrected (its
    last correction, if corrected before): a guard against correcting what one did not see."""

    corrects: EventId | None = None
    certificate_number: CertificateNumber | None = None
    issued_on: Day | None = None
    issuing_authority: Name | None = None
    certified_area_m2: Area | None = None
    reason: RequiredLongText
    expected_version: Version | None = None


class CorrectDossierStep(Command):
    """The step's right date, note or papers (the fields given; the others as recorded), or
    `void`: the step was recorded by mistake and never happened."""

    acted_on: Day | None = Field(default=None,
                                 validation_alias=AliasChoices("acted_on", "lodged_on"))
    note: LongText | None = None
    document_refs: DocumentRefs | None = None
    void: bool = False
    reason: RequiredLongText
    expected_version: Version | None = None


class CorrectRegistration(Command):
    """The day the site really entered the register."""

    registered_on: Day
    reason: RequiredLongText
    expected_version: Version | None = None
