"""Events of the religion service. A type keeps its name; new schema versions get upcasters.

The payload fields listed in docs/events.md are a contract with the other services.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.religion.domain.workflow import CaseState, DossierState
from shared.corrections import Correction
from shared.envelope import DomainEvent, EventRegistry

registry = EventRegistry(service="religion")


# -- site ----------------------------------------------------------------------------------------


@registry.register
class SiteRegistered(DomainEvent):
    """A religious site (cơ sở tôn giáo) entered the register."""

    event_type = "SiteRegistered"
    aggregate_type = "site"
    code: str
    name: str
    religion: str
    commune_code: str
    district_code: str | None
    address: str
    land_area_m2: float | None
    land_use_origin: str | None
    # Added after v1 without a new version: optional, the envelope's occurred_at is the same.
    registered_on: date | None = None


@registry.register
class SiteAmended(DomainEvent):
    """Some particulars of a site were corrected or changed; `changes` holds the new values.
    `commune_code`/`district_code` are the site's units after the change."""

    event_type = "SiteAmended"
    aggregate_type = "site"
    code: str
    changes: dict[str, Any]
    commune_code: str
    district_code: str | None
    amended_on: date
    note: str = ""


@registry.register
class SiteClosed(DomainEvent):
    """The site left the register (merged, demolished, registered in error...)."""

    event_type = "SiteClosed"
    aggregate_type = "site"
    code: str
    reason: str
    closed_on: date


@registry.register
class SiteRegisteredCorrected(Correction):
    """Đính chính đăng ký cơ sở: the registration was recorded with a wrong date
    (`registered_on`). Carries the registration as it should have been, whole (the fields not
    corrected copied), so a reader needs nothing else; the district is the commune's on the
    corrected date."""

    event_type = "SiteRegisteredCorrected"
    aggregate_type = "site"
    code: str
    name: str
    religion: str
    commune_code: str
    district_code: str | None
    address: str
    land_area_m2: float | None
    land_use_origin: str | None
    registered_on: date

    def corrected_fact(self) -> SiteRegistered:
        return SiteRegistered(
            code=self.code, name=self.name, religion=self.religion,
            commune_code=self.commune_code, district_code=self.district_code,
            address=self.address, land_area_m2=self.land_area_m2,
            land_use_origin=self.land_use_origin, registered_on=self.registered_on,
        )


# -- land registration dossier -------------------------------------------------------------------


class DossierStep(DomainEvent):
    """Fields every dossier action carries: the state it set, the business date, the note and
    the references of the papers (số văn bản, biên bản...)."""

    aggregate_type = "dossier"
    site_code: str
    state: DossierState
    note: str
    document_refs: list[str]


class ActedStep(DossierStep):
    acted_on: date


@registry.register
class DossierPreparationStarted(ActedStep):
    event_type = "DossierPreparationStarted"


@registry.register
class LandDossierLodged(DossierStep):
    """The site's land registration dossier (hồ sơ đăng ký đất đai) was lodged.

    v2 added `state` (always "lodged"); v1 events are lifted by the upcaster below.
    `lodged_on` keeps its v1 name: the reporting service reads it.
    """

    event_type = "LandDossierLodged"
    schema_version = 2
    added_in = {"state": 2}  # noqa: RUF012 (a ClassVar of DomainEvent)
    lodged_on: date


@registry.upcaster("LandDossierLodged", from_version=1)
def _lodged_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "state": "lodged"}


@registry.register
class DossierRequisitioned(ActedStep):
    """The land registration office asked for more papers (yêu cầu bổ sung)."""

    event_type = "DossierRequisitioned"


@registry.register
class DossierResubmitted(ActedStep):
    event_type = "DossierResubmitted"


@registry.register
class DossierAccepted(ActedStep):
    event_type = "DossierAccepted"


@registry.register
class DossierRejected(ActedStep):
    event_type = "DossierRejected"


@registry.register
class DossierWithdrawn(ActedStep):
    event_type = "DossierWithdrawn"


@registry.register
class DossierCertificateIssued(ActedStep):
    """The dossier reached its end: the certificate below was issued."""

    event_type = "DossierCertificateIssued"
    certificate_number: str


@registry.register
class DossierCertificateRevoked(ActedStep):
    """The site's certificate was revoked; the dossier is open again for a new certificate."""

    event_type = "DossierCertificateRevoked"
    certificate_number: str


# -- certificate ---------------------------------------------------------------------------------


@registry.register
class CertificateIssued(DomainEvent):
    """Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất."""

    event_type = "CertificateIssued"
    aggregate_type = "certificate"
    site_code: str
    certificate_number: str
    issued_on: date
    issuing_authority: str
    certified_area_m2: float


@registry.register
class CertificateRevoked(DomainEvent):
    event_type = "CertificateRevoked"
    aggregate_type = "certificate"
    site_code: str
    certificate_number: str
    revoked_on: date
    reason: str


@registry.register
class CertificateIssuedCorrected(Correction):
    """Đính chính giấy chứng nhận: the issue was recorded with a wrong number, date, authority
    or area. Carries the certificate as it should have been, whole (the fields not corrected
    copied). Never `void`: a certificate is taken back by a revocation."""

    event_type = "CertificateIssuedCorrected"
    aggregate_type = "certificate"
    site_code: str
    certificate_number: str
    issued_on: date
    issuing_authority: str
    certified_area_m2: float

    def corrected_fact(self) -> CertificateIssued:
        return CertificateIssued(
            site_code=self.site_code, certificate_number=self.certificate_number,
            issued_on=self.issued_on, issuing_authority=self.issuing_authority,
            certified_area_m2=self.certified_area_m2,
        )


# -- compliance case -----------------------------------------------------------------------------


@registry.register
class ComplianceCaseOpened(DomainEvent):
    """A violation of plan II.2.4 was found (vụ việc vi phạm về đất đai, xây dựng)."""

    event_type = "ComplianceCaseOpened"
    aggregate_type = "compliance"
    case_id: str
    site_code: str | None
    commune_code: str
    district_code: str | None
    violation_type: str
    description: str
    state: CaseState
    detected_on: date
    reference: str = ""


class CaseStep(DomainEvent):
    aggregate_type = "compliance"
    case_id: str
    state: CaseState
    acted_on: date
    note: str


@registry.register
class ComplianceCaseReviewStarted(CaseStep):
    event_type = "ComplianceCaseReviewStarted"


@registry.register
class ComplianceCaseResolved(CaseStep):
    event_type = "ComplianceCaseResolved"


@registry.register
class ComplianceCaseReferred(CaseStep):
    event_type = "ComplianceCaseReferred"
    referred_to: str


DOSSIER_STEP_EVENTS: dict[str, type[DossierStep]] = {
    cls.event_type: cls
    for cls in (
        DossierPreparationStarted,
        LandDossierLodged,
        DossierRequisitioned,
        DossierResubmitted,
        DossierAccepted,
        DossierRejected,
        DossierWithdrawn,
        DossierCertificateIssued,
        DossierCertificateRevoked,
    )
}


@registry.register
class DossierStepCorrected(Correction):
    """Đính chính một bước của hồ sơ: the step (`corrected_type`, e.g. LandDossierLodged) was
    recorded with a wrong date, note or papers, and these are the right ones; or, `void`, it
    was recorded by mistake and never happened. The action (and so `state`, the state it set)
    is the corrected step's: a wrong action is a step recorded by mistake."""

    event_type = "DossierStepCorrected"
    aggregate_type = "dossier"
    site_code: str
    corrected_type: str
    state: DossierState
    acted_on: date
    note: str
    document_refs: list[str]
    #: Certificate steps only (a certificate's correction corrects its dossier step too).
    certificate_number: str | None = None

    def corrected_fact(self) -> DossierStep:
        fields: dict[str, Any] = {"site_code": self.site_code, "state": self.state,
                                  "note": self.note, "document_refs": self.document_refs}
        if self.corrected_type == LandDossierLodged.event_type:
            fields["lodged_on"] = self.acted_on
        else:
            fields["acted_on"] = self.acted_on
        if self.certificate_number is not None:
            fields["certificate_number"] = self.certificate_number
        return DOSSIER_STEP_EVENTS[self.corrected_type](**fields)


#: The correction events of the service (`shared/corrections.py`).
CORRECTION_TYPES: frozenset[str] = frozenset(
    name for name, cls in registry.types.items() if issubclass(cls, Correction))


def step_date(event: DossierStep) -> date:
    """The business date of a dossier step (LandDossierLodged names it `lodged_on`)."""
    if isinstance(event, LandDossierLodged):
        return event.lodged_on
    if isinstance(event, ActedStep):
        return event.acted_on
    raise TypeError(f"{event.event_type} has no business date")
