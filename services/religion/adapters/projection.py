"""The inline projection: applies the service's own events to its read models in the caller's
transaction, and rebuilds them from the `events` table (same code, same result)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update

from services.religion.adapters.tables import READ_MODELS, cases, certificates, sites
from services.religion.domain.events import (
    DOSSIER_STEP_EVENTS,
    CaseStep,
    CertificateIssued,
    CertificateIssuedCorrected,
    CertificateRevoked,
    ComplianceCaseOpened,
    ComplianceCaseReferred,
    ComplianceCaseResolved,
    ComplianceCaseReviewStarted,
    DossierStep,
    DossierStepCorrected,
    LandDossierLodged,
    SiteAmended,
    SiteClosed,
    SiteRegistered,
    SiteRegisteredCorrected,
    registry,
    step_date,
)
from services.religion.domain.model import LandDossier, ReligiousSite
from services.religion.domain.workflow import due_on
from shared.adminunits import UnknownUnitError, default_catalogue, fold
from shared.clock import day_vn
from shared.driversql import RowInsert
from shared.envelope import EventEnvelope
from shared.placements import re_placed
from shared.projection import InlineProjection, stored_events


@functools.lru_cache(maxsize=16_384)
def unit_names(commune_code: str, district_code: str | None, on: date) -> tuple[str, str | None]:
    """Names of the commune and district as of `on` (the business date); the catalogue is
    immutable reference data, so the answer can be kept."""
    catalogue = default_catalogue()
    commune = catalogue.get(commune_code, on)
    district = catalogue.get(district_code, on) if district_code else None
    return (commune.name if commune else commune_code), (district.name if district else None)


@functools.lru_cache(maxsize=16_384)
def district_on(commune_code: str, on: date, recorded: str | None) -> str | None:
    """The commune's district on the business date, as the catalogue has it now. An event
    carries the district the reference data of its day gave, which a later, truer catalogue
    may correct (11587 Xã Đại Bản was in Huyện An Dương (312) in 2023; versions before the
    three eras recorded Quận Hồng Bàng (303)), so the read model follows the catalogue and a
    rebuild brings an old store in line."""
    try:
        district = default_catalogue().district_of(commune_code, on)
    except UnknownUnitError:
        return recorded
    return district.code if district else None


# Combining marks removed, đ/Đ made plain: Vietnamese text folds without unidecode's
# per-character lookups (the bulk import folds 30,000 names and addresses).
_PLAIN = {**dict.fromkeys(range(0x300, 0x370)), ord("đ"): "d", ord("Đ"): "D"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=4096)
def _fold_repeated(text: str) -> str:
    return fold_text(text)


def fold_text(text: str) -> str:
    """The same result as `shared.adminunits.fold` (which folds the search queries), faster
    on Vietnamese; anything else (Hán characters...) goes through unidecode."""
    plain = unicodedata.normalize("NFD", text).translate(_PLAIN)
    if plain.isascii():
        return _NON_ALNUM.sub(" ", plain.lower()).strip()
    return fold(text)


def search_text(row: dict[str, Any]) -> str:
    # Units, religion and land-use origin repeat from row to row: cached.
    repeated = " ".join(
        _fold_repeated(row.get(key) or "")
        for key in ("commune_name", "district_name", "religion", "land_use_origin")
    )
    own = fold_text(f"{row['code']} {row['name']} {row['address']}")
    return f" {own} {repeated} "


def site_row(event: SiteRegistered, on: date, version: int = 1) -> dict[str, Any]:
    district_code = district_on(event.commune_code, on, event.district_code)
    commune_name, district_name = unit_names(event.commune_code, district_code, on)
    row: dict[str, Any] = {
        "code": event.code,
        "name": event.name,
        "religion": event.religion,
        "commune_code": event.commune_code,
        "commune_name": commune_name,
        "district_code": district_code,
        "district_name": district_name,
        "address": event.address,
        "land_area_m2": event.land_area_m2,
        "land_use_origin": event.land_use_origin,
        "registered_on": on,
        "status": "active",
        "closed_on": None,
        "dossier_state": "not_started",
        "dossier_state_since": None,
        "dossier_due_on": None,
        "dossier_lodged_on": None,
        "has_certificate": False,
        "certificate_number": None,
        "certificate_issued_on": None,
        "site_version": version,
        "dossier_version": 0,
    }
    row["search_text"] = search_text(row)
    return row


# On the driver: a registration's one insert through SQLAlchemy cost as much as the rest of
# the command's writes (bench/http.py).
_insert_site = RowInsert(sites)


def insert_sites(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of newly registered sites (`site_row`), in few statements (an import's)."""
    _insert_site.run_many(conn, rows)


def _site_registered(conn: Connection, e: SiteRegistered, env: EventEnvelope) -> None:
    _insert_site.run(conn, site_row(e, day_vn(env.occurred_at), env.aggregate_version))


def _site_amended(conn: Connection, e: SiteAmended, env: EventEnvelope) -> None:
    current = conn.execute(sites.select().where(sites.c.code == e.code)).mappings().one()
    row = {**current, **e.changes, "commune_code": e.commune_code,
           "site_version": env.aggregate_version}
    if "commune_code" in e.changes:
        on = day_vn(env.occurred_at)
        row["district_code"] = district_on(e.commune_code, on, e.district_code)
        row["commune_name"], row["district_name"] = unit_names(
            e.commune_code, row["district_code"], on
        )
    row["search_text"] = search_text(row)
    conn.execute(update(sites).where(sites.c.code == e.code).values(row))
    if "commune_code" in e.changes:
        _re_place_cases(conn, e.code, e.amended_on, env.position)


def _re_place_cases(conn: Connection, code: str, since: date, position: int | None) -> None:
    """A move recorded after cases of the site found on or after its day (finding H2): each
    such case belongs where the site was when it was found, as a case opened after the move
    is placed (`_case_opened`), by the kernel's `placements.re_placed` over the site's
    placements up to and including the move (a replay reads the same, so a rebuild gives the
    same row). Events are not edited: the opening still names the commune it was recorded
    with."""
    found = conn.execute(select(cases.c.case_id, cases.c.detected_on, cases.c.commune_code)
                         .where(cases.c.site_code == code, cases.c.detected_on >= since)).all()
    if not found:
        return
    site = _site_before(conn, code, None if position is None else position + 1)
    if site is None:
        return
    placements = [(on, commune) for on, commune, _ in site.placements]
    facts = [(row.detected_on, row.commune_code, row) for row in found]
    for row, commune in re_placed(placements, facts, since):
        _, district = site.place_on(row.detected_on)
        conn.execute(update(cases).where(cases.c.case_id == row.case_id).values(
            commune_code=commune, district_code=district_on(commune, row.detected_on, district)))


def _site_closed(conn: Connection, e: SiteClosed, env: EventEnvelope) -> None:
    conn.execute(
        update(sites).where(sites.c.code == e.code).values(
            status="closed", closed_on=e.closed_on, site_version=env.aggregate_version
        )
    )


def _dossier_step(conn: Connection, e: DossierStep, env: EventEnvelope) -> None:
    since = step_date(e)
    values: dict[str, Any] = {
        "dossier_state": e.state,
        "dossier_state_since": since,
        "dossier_due_on": due_on(e.state, since),
        "dossier_version": env.aggregate_version,
    }
    if isinstance(e, LandDossierLodged):
        values["dossier_lodged_on"] = e.lodged_on
    conn.execute(update(sites).where(sites.c.code == e.site_code).values(values))


def _certificate_issued(conn: Connection, e: CertificateIssued, env: EventEnvelope) -> None:
    conn.execute(
        insert(certificates),
        {
            "number": e.certificate_number,
            "site_code": e.site_code,
            "issued_on": e.issued_on,
            "issuing_authority": e.issuing_authority,
            "certified_area_m2": e.certified_area_m2,
            "status": "valid",
        },
    )
    conn.execute(
        update(sites).where(sites.c.code == e.site_code).values(
            has_certificate=True,
            certificate_number=e.certificate_number,
            certificate_issued_on=e.issued_on,
        )
    )


def _certificate_revoked(conn: Connection, e: CertificateRevoked, env: EventEnvelope) -> None:
    conn.execute(
        update(certificates).where(certificates.c.number == e.certificate_number).values(
            status="revoked", revoked_on=e.revoked_on, revoke_reason=e.reason
        )
    )
    conn.execute(
        update(sites).where(sites.c.code == e.site_code).values(
            has_certificate=False, certificate_number=None, certificate_issued_on=None
        )
    )


# -- corrections: the rows become what the right fact would have made them ------------------------


def _registration_corrected(
    conn: Connection, e: SiteRegisteredCorrected, env: EventEnvelope
) -> None:
    current = conn.execute(sites.select().where(sites.c.code == e.code)).mappings().one()
    row = {**current, "registered_on": e.registered_on, "site_version": env.aggregate_version}
    # Units are named as of the registration until the site moves (`_site_amended`): a site
    # still in the commune it was registered in takes the names of the corrected day.
    if current["commune_code"] == e.commune_code:
        row["district_code"] = district_on(e.commune_code, e.registered_on, e.district_code)
        row["commune_name"], row["district_name"] = unit_names(
            e.commune_code, row["district_code"], e.registered_on)
        row["search_text"] = search_text(row)
    conn.execute(update(sites).where(sites.c.code == e.code).values(row))


def _step_corrected(conn: Connection, e: DossierStepCorrected, env: EventEnvelope) -> None:
    """A corrected step may be any of the dossier's, or taken out: the dossier's columns come
    from its steps as they count up to this event, read back from the store (a replay reads
    the same events, so a rebuild gives the same row)."""
    stored = stored_events(conn, registry.service, LandDossier.aggregate_type, e.site_code)
    steps = [registry.decode(x) for x in stored if x.aggregate_version <= env.aggregate_version]
    dossier = LandDossier.rehydrate(e.site_code, steps)
    conn.execute(update(sites).where(sites.c.code == e.site_code).values(
        dossier_state=dossier.state, dossier_state_since=dossier.state_since,
        dossier_due_on=due_on(dossier.state, dossier.state_since),
        dossier_lodged_on=dossier.lodged_on, dossier_version=env.aggregate_version,
    ))


def _certificate_corrected(
    conn: Connection, e: CertificateIssuedCorrected, env: EventEnvelope
) -> None:
    # Only the valid certificate is corrected: the site's row names it.
    number = conn.execute(select(sites.c.certificate_number).where(
        sites.c.code == e.site_code)).scalar_one()
    conn.execute(update(certificates).where(certificates.c.number == number).values(
        number=e.certificate_number, issued_on=e.issued_on,
        issuing_authority=e.issuing_authority, certified_area_m2=e.certified_area_m2,
    ))
    conn.execute(update(sites).where(sites.c.code == e.site_code).values(
        certificate_number=e.certificate_number, certificate_issued_on=e.issued_on))


def site_place_on(
    conn: Connection, code: str, on: date, before: int | None
) -> tuple[str, str | None] | None:
    """Where the site was on `on` (`ReligiousSite.place_on`, the kernel's
    `placements.placed_on`), by its events stored before position `before` (all: None), so
    that a live projection and a rebuild read the same placements. None: no such site."""
    site = _site_before(conn, code, before)
    return None if site is None else site.place_on(on)


def _site_before(conn: Connection, code: str, before: int | None) -> ReligiousSite | None:
    """The site by its events stored before position `before` (all: None)."""
    stored = stored_events(conn, registry.service, ReligiousSite.aggregate_type, code)
    events = [registry.decode(x) for x in stored
              if before is None or x.position is None or x.position < before]
    return ReligiousSite.rehydrate(code, events) if events else None


def _case_opened(conn: Connection, e: ComplianceCaseOpened, env: EventEnvelope) -> None:
    # A case of a site belongs where the site was the day the violation was found. A store
    # written before G21 (0405e26) holds the commune of the day it was recorded: placed by
    # the site's history instead, so a rebuild of such a store corrects it.
    commune, district = e.commune_code, e.district_code
    if e.site_code is not None:
        placed = site_place_on(conn, e.site_code, e.detected_on, env.position)
        if placed is not None and placed[0] != commune:
            commune, district = placed
    conn.execute(
        insert(cases),
        {
            "case_id": e.case_id,
            "site_code": e.site_code,
            "commune_code": commune,
            "district_code": district_on(commune, e.detected_on, district),
            "violation_type": e.violation_type,
            "description": e.description,
            "reference": e.reference,
            "state": e.state,
            "detected_on": e.detected_on,
            "state_since": e.detected_on,
            "referred_to": None,
            "version": env.aggregate_version,
        },
    )


def _case_step(conn: Connection, e: CaseStep, env: EventEnvelope) -> None:
    values: dict[str, Any] = {
        "state": e.state, "state_since": e.acted_on, "version": env.aggregate_version,
    }
    if isinstance(e, ComplianceCaseReferred):
        values["referred_to"] = e.referred_to
    conn.execute(update(cases).where(cases.c.case_id == e.case_id).values(values))


# Keyed by class (`shared/projection.py`): every event of the registry is handled.
PROJECTION = InlineProjection(registry, READ_MODELS, {
    SiteRegistered: _site_registered,
    SiteAmended: _site_amended,
    SiteClosed: _site_closed,
    **{cls: _dossier_step for cls in DOSSIER_STEP_EVENTS.values()},
    CertificateIssued: _certificate_issued,
    CertificateRevoked: _certificate_revoked,
    ComplianceCaseOpened: _case_opened,
    ComplianceCaseReviewStarted: _case_step,
    ComplianceCaseResolved: _case_step,
    ComplianceCaseReferred: _case_step,
    SiteRegisteredCorrected: _registration_corrected,
    DossierStepCorrected: _step_corrected,
    CertificateIssuedCorrected: _certificate_corrected,
})
project = PROJECTION.project
rebuild = PROJECTION.rebuild
