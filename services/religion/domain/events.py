"""Events of the religion service. A type keeps its name; new schema versions get upcasters.

The payload fields listed in docs/events.md are a contract with the other services.
"""

from __future__ import annotations

from datetime import date
from typing import Any

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


# -- land registration dossier -------------------------------------------------------------------


class DossierStep(DomainEvent):
    """Fields every dossier action carries: the state it set, the business date, the note and
    the references of the papers (số văn bản, biên bản...)."""

    aggregate_type = "dossier"
    site_code: str
    state: str
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
    state: str
    detected_on: date
    reference: str = ""


class CaseStep(DomainEvent):
    aggregate_type = "compliance"
    case_id: str
    state: str
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


def step_date(event: DossierStep) -> date:
    """The business date of a dossier step (LandDossierLodged names it `lodged_on`)."""
    if isinstance(event, LandDossierLodged):
        return event.lodged_on
    if isinstance(event, ActedStep):
        return event.acted_on
    raise TypeError(f"{event.event_type} has no business date")
