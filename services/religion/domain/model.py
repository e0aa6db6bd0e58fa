"""Aggregates of the religion service: pure Python, no I/O."""

from __future__ import annotations

from datetime import date

from services.religion import messages
from services.religion.domain.events import LandDossierLodged, SiteRegistered
from shared.aggregate import Aggregate
from shared.envelope import DomainEvent
from shared.errors import Conflict


class ReligiousSite(Aggregate):
    """Cơ sở tôn giáo: a religious site using land, identified by its code."""

    aggregate_type = "site"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.name = ""
        self.commune_code = ""
        self.district_code: str | None = None

    def register(self, event: SiteRegistered, on: date) -> None:
        if self.exists:
            raise Conflict("SITE_EXISTS", messages.SITE_EXISTS.format(code=self.id))
        self.record(event, on, unit_code=event.commune_code)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, SiteRegistered):
            self.name = event.name
            self.commune_code = event.commune_code
            self.district_code = event.district_code


class LandDossier(Aggregate):
    """Hồ sơ đăng ký đất đai: the land registration dossier of one site (same id as the site)."""

    aggregate_type = "dossier"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.lodged_on: date | None = None

    def lodge(self, event: LandDossierLodged, unit_code: str) -> None:
        if self.lodged_on is not None:
            raise Conflict(
                "DOSSIER_ALREADY_LODGED", messages.DOSSIER_ALREADY_LODGED.format(code=self.id)
            )
        self.record(event, event.lodged_on, unit_code=unit_code)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, LandDossierLodged):
            self.lodged_on = event.lodged_on
