"""Command handlers: load the aggregate, decide, save. One transaction each."""

from __future__ import annotations

from services.religion import messages
from services.religion.application.commands import LodgeDossier, RegisterSite
from services.religion.domain.events import LandDossierLodged, SiteRegistered
from services.religion.domain.model import LandDossier, ReligiousSite
from shared.aggregate import UnitOfWork
from shared.clock import today_vn
from shared.envelope import EventEnvelope
from shared.errors import InvalidInput, NotFound
from shared.unitcheck import require_unit


def register_site(uow: UnitOfWork, command: RegisterSite) -> list[EventEnvelope]:
    on = command.registered_on or today_vn()
    if on > today_vn():
        raise InvalidInput("DATE_IN_FUTURE", messages.DATE_IN_FUTURE.format(on=on.isoformat()))
    commune = require_unit(command.commune_code, on, level="commune")
    site = uow.load(ReligiousSite, command.code)
    site.register(
        SiteRegistered(
            code=command.code,
            name=command.name,
            religion=command.religion,
            commune_code=commune.code,
            district_code=commune.parent_code if commune.parent_code != commune.province_code
            else None,
            address=command.address,
            land_area_m2=command.land_area_m2,
            land_use_origin=command.land_use_origin,
        ),
        on,
    )
    return uow.save(site)


def lodge_dossier(uow: UnitOfWork, site_code: str, command: LodgeDossier) -> list[EventEnvelope]:
    if command.lodged_on > today_vn():
        raise InvalidInput(
            "DATE_IN_FUTURE", messages.DATE_IN_FUTURE.format(on=command.lodged_on.isoformat())
        )
    site = uow.load(ReligiousSite, site_code)
    if not site.exists:
        raise NotFound("SITE_NOT_FOUND", messages.SITE_NOT_FOUND.format(code=site_code))
    dossier = uow.load(LandDossier, site_code)
    dossier.lodge(
        LandDossierLodged(
            site_code=site_code,
            lodged_on=command.lodged_on,
            note=command.note,
            document_refs=list(command.document_refs),
        ),
        unit_code=site.commune_code,
    )
    return uow.save(dossier)
