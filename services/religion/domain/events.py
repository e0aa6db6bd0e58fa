"""Events of the religion service. A type keeps its name; new schema versions get upcasters."""

from __future__ import annotations

from datetime import date

from shared.envelope import DomainEvent, EventRegistry

registry = EventRegistry(service="religion")


@registry.register
class SiteRegistered(DomainEvent):
    """A religious site (cơ sở tôn giáo) entered the register."""

    event_type = "SiteRegistered"
    code: str
    name: str
    religion: str
    commune_code: str
    district_code: str | None
    address: str
    land_area_m2: float | None
    land_use_origin: str | None


@registry.register
class LandDossierLodged(DomainEvent):
    """The site's land registration dossier (hồ sơ đăng ký đất đai) was lodged."""

    event_type = "LandDossierLodged"
    site_code: str
    lodged_on: date
    note: str
    document_refs: list[str]
