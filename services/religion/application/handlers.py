"""Command handlers: load the aggregates, decide, save, project. One transaction each.

Every save goes through `_save`, which applies the new events to the read models in the same
transaction (the inline projection), so a list asked right after a command shows it.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from uuid import uuid4

from sqlalchemy import Connection, func, select

from services.religion import messages
from services.religion.adapters.projection import project, site_place_on
from services.religion.adapters.tables import cases
from services.religion.application.commands import (
    AmendSite,
    CaseStepCommand,
    CloseSite,
    CorrectCertificate,
    CorrectDossierStep,
    CorrectRegistration,
    DossierStepCommand,
    IssueCertificate,
    OpenCase,
    RegisterSite,
    RevokeCertificate,
)
from services.religion.domain.events import (
    CertificateIssued,
    ComplianceCaseOpened,
    DossierCertificateIssued,
    DossierCertificateRevoked,
    DossierStep,
    SiteRegistered,
    step_date,
)
from services.religion.domain.model import (
    AMENDABLE_FIELDS,
    Certificate,
    ComplianceCase,
    LandDossier,
    ReligiousSite,
    fact_not_found,
    step_action,
)
from services.religion.domain.workflow import CASE_TRANSITIONS, DOSSIER_TRANSITIONS
from shared.adminunits import default_catalogue
from shared.aggregate import Aggregate, UnitOfWork, expect_version, registered_code
from shared.auth.checks import authorize
from shared.clock import today_vn
from shared.concurrency import required_version
from shared.corrections import Correctable, Correction
from shared.envelope import EventEnvelope
from shared.errors import ActionRefused, InvalidInput, NotFound
from shared.unitcheck import require_unit
from shared.validation import not_in_future

#: What every command of this service needs; the unit is checked as of the command's date.
WRITE = "religion:write"
#: Kind of the unique key that keeps a site code one site whatever its case (G10).
SITE_CODE_KEY = "site_code"
#: Kind of the unique key that keeps certificate numbers unique across the service.
CERTIFICATE_NUMBER_KEY = "certificate_number"
#: Dossier actions with their own endpoint, because they carry more than a note.
CERTIFICATE_ACTIONS = ("issue_certificate", "revoke_certificate")


def _save(uow: UnitOfWork, *aggregates: Aggregate) -> list[EventEnvelope]:
    stored: list[EventEnvelope] = []
    for aggregate in aggregates:
        stored += uow.save(aggregate)
    project(uow.connection, stored)
    return stored


def district_code_of(commune_code: str, on: date) -> str | None:
    """The district of a commune as of `on`; None from the 2025 reform on (no districts)."""
    district = default_catalogue().district_of(commune_code, on)
    return district.code if district else None


def _unknown_action(
    action: str, known: list[str], message: str, labels: dict[str, str]
) -> NotFound:
    """An action the workflow does not have (dossier or case): the known ones as people read
    them in the message, their identifiers (the URL's) in the details."""
    return NotFound(
        "UNKNOWN_ACTION",
        message.format(action=action[:60], known=", ".join(f"«{labels[a]}»" for a in known)),
        known_actions=known,
    )


def normalise_certificate_number(number: str) -> str:
    """A number's one spelling: compatibility-folded (NFKC: «Ố» sent decomposed, as macOS
    sends it, and full-width letters are the printed number, as the issue's validator folds
    them), its spaces single, upper case. The issue, the path of GET /certificates/{number}
    and a revocation all read a number through it: the path, not folded, answered 404 for a
    number typed on a Mac (examiner-hostile)."""
    return " ".join(unicodedata.normalize("NFKC", number).split()).upper()


def registered_site_code(conn: Connection, code: str) -> str:
    """A site code as the register spells it ("cs-1" is CS-1): `registered_code`."""
    return registered_code(conn, SITE_CODE_KEY, code, ReligiousSite.aggregate_type)


def load_site(uow: UnitOfWork, code: str) -> ReligiousSite:
    """The site, or 404. Its version (If-Match) is the caller's to check once the caller is
    known to be allowed to act on it (`expect_version`): after the 404, after the 403."""
    site = uow.load(ReligiousSite, code)
    if not site.exists:
        raise NotFound("SITE_NOT_FOUND", messages.SITE_NOT_FOUND.format(code=code))
    return site


def site_to_write(
    uow: UnitOfWork, code: str, on: date, expected_version: int | None = None, *,
    version_required: bool = False,
) -> ReligiousSite:
    """The site a write dated `on` acts upon. In this order (docs/api-conventions.md): the
    writer may write at all, the site exists, the writer's scope covers the site's commune
    on that date, the version (If-Match: 428 when `version_required` and none came, 412 when
    stale), so a writer out of scope learns its 403, not the version. The caller then asks
    the records' state (409), and only then the day (`day_of_write`, 422): a write the
    state refuses is refused whatever day it carries."""
    authorize(uow, WRITE)
    # Every write of the site's records checks the site (open, registered by then) and a
    # closing checks its dossier's steps: one at a time per site, so a closing and a step sent
    # together cannot each pass on the other's old state.
    uow.serialise_on(ReligiousSite, code)
    site = load_site(uow, code)
    # Who may record a fact of that day is who had the site's commune that day.
    authorize(uow, WRITE, site.commune_on(on), on, record=True)
    expect_version(site, required_version(expected_version) if version_required
                   else expected_version)
    return site


def day_of_write(site: ReligiousSite, on: date) -> None:
    """The day of a write of the site's records, asked after the records' state: not in the
    future, not before the site's registration (422)."""
    not_in_future(on)
    site.require_registered_by(on)


# -- sites ---------------------------------------------------------------------------------------


def registered_event(command: RegisterSite, on: date) -> SiteRegistered:
    """The event of a registration whose commune was checked for `on`."""
    return SiteRegistered(
        code=command.code,
        name=command.name,
        religion=command.religion,
        commune_code=command.commune_code,
        district_code=district_code_of(command.commune_code, on),
        address=command.address,
        land_area_m2=command.land_area_m2,
        land_use_origin=command.land_use_origin,
        registered_on=on,
    )


def register_site(uow: UnitOfWork, command: RegisterSite) -> list[EventEnvelope]:
    authorize(uow, WRITE)
    on = command.registered_on or today_vn()
    require_unit(command.commune_code, on, level="commune", within=uow.jurisdiction)
    authorize(uow, WRITE, command.commune_code, on)
    not_in_future(on)  # after 403: docs/api-conventions.md
    site = uow.load(ReligiousSite, command.code)
    site.register(registered_event(command, on), on)
    # One site whatever the case of its code: "prb-s1" is refused beside PRB-S1 (G10).
    uow.claim_code(SITE_CODE_KEY, command.code,
                   lambda holder: site_code_taken(command.code, holder))
    return _save(uow, site)


def site_code_taken(code: str, holder: str) -> ActionRefused:
    """A registration of a code another site holds in another case ("prb-s1" for PRB-S1)."""
    return ActionRefused(
        "SITE_EXISTS", messages.SITE_CODE, action="register",
        subject=messages.SITE_CODE_SUBJECT.format(code=code), state="taken", allowed=[],
        note=messages.SITE_CODE_TAKEN.format(holder=holder), existing_code=holder,
    )


def amend_site(
    uow: UnitOfWork, code: str, command: AmendSite, version_required: bool = False
) -> list[EventEnvelope]:
    """`version_required`: over HTTP an amendment must name the version it overwrites (428)."""
    site = site_to_write(uow, code, command.amended_on, command.expected_version,
                         version_required=version_required)
    site.require_open("amend")  # the state (409) before the day (422)
    day_of_write(site, command.amended_on)
    wanted = {
        field: getattr(command, field)
        for field in AMENDABLE_FIELDS
        if field in command.model_fields_set
    }
    district = site.district_code
    if "commune_code" in wanted:
        if wanted["commune_code"] is None:
            del wanted["commune_code"]
        else:
            require_unit(
                wanted["commune_code"], command.amended_on, level="commune",
                within=uow.jurisdiction,
            )
            # Moving a site out of one's district is writing into another district.
            authorize(uow, WRITE, wanted["commune_code"], command.amended_on)
            # A move may be dated before facts already recorded (a merger entered weeks
            # after it was decided): they then count in the new commune, as every service
            # places a site's facts by its placement on their day (shared/placements.py).
            # A move before the registration is refused with every write (`site_to_write`).
            district = district_code_of(wanted["commune_code"], command.amended_on)
    for required in ("name", "religion", "address"):
        if wanted.get(required, "") is None:
            del wanted[required]
    site.amend(wanted, district, command.amended_on, command.note)
    return _save(uow, site)


def close_site(uow: UnitOfWork, code: str, command: CloseSite) -> list[EventEnvelope]:
    site = site_to_write(uow, code, command.closed_on, command.expected_version)
    site.require_open("close")  # the state (409) before the day (422)
    day_of_write(site, command.closed_on)
    dossier = uow.load(LandDossier, code)
    # Nor before a compliance case found at the site: a case cannot be opened on a closed
    # site (J20), so the closing cannot go back before one either (K17).
    last = max((d for d in (dossier.state_since, _case_dates(uow.connection, site.id)[1])
                if d is not None), default=None)
    site.close(command.reason, command.closed_on, last_dossier_step=last)
    return _save(uow, site)


# -- dossier -------------------------------------------------------------------------------------


def dossier_action(
    uow: UnitOfWork, code: str, action: str, command: DossierStepCommand
) -> list[EventEnvelope]:
    authorize(uow, WRITE)  # before anything is looked up, as every command
    if action not in DOSSIER_TRANSITIONS:
        known = [a for a in DOSSIER_TRANSITIONS if a not in CERTIFICATE_ACTIONS]
        raise _unknown_action(action, known, messages.UNKNOWN_DOSSIER_ACTION,
                              messages.DOSSIER_ACTIONS)
    if action in CERTIFICATE_ACTIONS:
        raise InvalidInput("USE_CERTIFICATE_ENDPOINT",
                           messages.USE_CERTIFICATE_ENDPOINT.format(code=code))
    site = site_to_write(uow, code, command.acted_on)
    dossier = uow.load(LandDossier, code, expected_version=command.expected_version)
    # The states (409), the site's on the step's day and the dossier's, before the day (422).
    site.require_open_on(command.acted_on, action)
    dossier.transition(action)
    day_of_write(site, command.acted_on)
    dossier.act(
        action,
        command.acted_on,
        note=command.note,
        document_refs=list(command.document_refs),
        unit_code=site.commune_on(command.acted_on),
    )
    return _save(uow, dossier)


# -- certificates --------------------------------------------------------------------------------


def issue_certificate(
    uow: UnitOfWork, code: str, command: IssueCertificate
) -> list[EventEnvelope]:
    site = site_to_write(uow, code, command.issued_on)
    number = normalise_certificate_number(command.certificate_number)
    # The states (409), the site's on the day and the dossier's, before the day (422).
    site.require_open_on(command.issued_on, "issue_certificate")
    dossier = uow.load(LandDossier, code)
    dossier.transition("issue_certificate")
    day_of_write(site, command.issued_on)
    dossier.act(
        "issue_certificate",
        command.issued_on,
        note=command.note,
        document_refs=list(command.document_refs),
        unit_code=site.commune_on(command.issued_on),
        certificate_number=number,
    )
    _claim_certificate_number(uow, code, number, "issue_certificate")
    certificate = uow.load(Certificate, code)
    certificate.issue(
        CertificateIssued(
            site_code=code,
            certificate_number=number,
            issued_on=command.issued_on,
            issuing_authority=command.issuing_authority,
            certified_area_m2=command.certified_area_m2,
        ),
        unit_code=site.commune_on(command.issued_on),
    )
    return _save(uow, certificate, dossier)


def _claim_certificate_number(uow: UnitOfWork, code: str, number: str, action: str) -> None:
    """A number is never given twice, not even to the same site after a revocation."""
    holder = uow.unique_holder(CERTIFICATE_NUMBER_KEY, number)
    taken = ActionRefused(
        "CERTIFICATE_NUMBER_TAKEN", messages.CERTIFICATE_NUMBER, action=action,
        subject=messages.CERTIFICATE_NUMBER_SUBJECT.format(number=number), state="taken",
        allowed=[], note=messages.CERTIFICATE_NUMBER_HOLDER.format(holder=holder or code),
        certificate_number=number,
    )
    if holder is not None:
        raise taken
    uow.claim_unique(CERTIFICATE_NUMBER_KEY, number, code, taken)


def revoke_certificate(
    uow: UnitOfWork, code: str, command: RevokeCertificate
) -> list[EventEnvelope]:
    site = site_to_write(uow, code, command.revoked_on)
    number = normalise_certificate_number(command.certificate_number)
    # As an issue or a dossier step (J20/J21): a revocation of a day the site was still in
    # the register is a true fact entered late; one dated on or after its closing day (the
    # first day out, shared.planrules.closed_by) is refused.
    site.require_open_on(command.revoked_on, "revoke_certificate")
    certificate = uow.load(Certificate, code)
    certificate.require_valid("revoke_certificate")
    dossier = uow.load(LandDossier, code)
    dossier.transition("revoke_certificate")
    day_of_write(site, command.revoked_on)  # after the states (409)
    certificate.revoke(number, command.revoked_on, command.reason,
                       site.commune_on(command.revoked_on))
    dossier.act(
        "revoke_certificate",
        command.revoked_on,
        note=command.reason,
        document_refs=list(command.document_refs),
        unit_code=site.commune_on(command.revoked_on),
        certificate_number=number,
    )
    return _save(uow, certificate, dossier)


# -- corrections (đính chính) --------------------------------------------------------------------


def _fact_version(uow: UnitOfWork, aggregate: Correctable, event_id: str, what: str) -> int:
    """The version of the event `event_id` of the aggregate's stream, which must be a fact as
    it counts now: 404 when the stream has no such event, 409 when a correction has replaced
    it (the message names that correction: correct it instead)."""
    envelopes = uow.store.load(uow.connection, aggregate.aggregate_type, aggregate.id)
    wanted = event_id.lower()
    version = next((e.aggregate_version for e in envelopes if str(e.event_id) == wanted), None)
    if version is None:
        raise fact_not_found(what, aggregate.id)
    if aggregate.fact_at(version) is None:
        by = next((e for e in envelopes if uow.registry.types.get(e.event_type) is not None
                   and issubclass(uow.registry.types[e.event_type], Correction)
                   and e.payload.get("corrected_version") == version), None)
        if by is None:
            raise fact_not_found(what, aggregate.id)
        raise ActionRefused(
            "FACT_ALREADY_CORRECTED", messages.CORRECTION, action="correct",
            subject=messages.CORRECTION_SUBJECT.format(event_id=wanted, code=aggregate.id),
            state="corrected", allowed=[],
            note=messages.CORRECTED_BY.format(event_id=by.event_id), corrected_by=str(by.event_id),
        )
    return version


def _event_id(uow: UnitOfWork, aggregate: Correctable, version: int) -> str:
    envelopes = uow.store.load(uow.connection, aggregate.aggregate_type, aggregate.id)
    return next(str(e.event_id) for e in envelopes if e.aggregate_version == version)


def correct_registration(
    uow: UnitOfWork, code: str, command: CorrectRegistration
) -> list[EventEnvelope]:
    """The site was registered on another day than recorded. Who corrects must hold the
    site's commune on both days; the commune must exist on the new one (its district is the
    one of that day); nothing of the site may then come before its registration."""
    authorize(uow, WRITE)
    on = command.registered_on
    uow.serialise_on(ReligiousSite, code)
    site = load_site(uow, code)
    version, registered = site.registration()
    if registered.registered_on is not None:
        authorize(uow, WRITE, site.commune_on(registered.registered_on),
                  registered.registered_on, record=True)
    authorize(uow, WRITE, registered.commune_code, on, record=True)
    # A correction restates a fact another desk may have just restated: never blind (428).
    expect_version(site, required_version(command.expected_version))
    not_in_future(on)
    require_unit(registered.commune_code, on, level="commune", within=uow.jurisdiction)
    dossier = uow.load(LandDossier, code)
    certificate = uow.load(Certificate, code)
    dates = [step_date(f) for _, f in dossier.facts if isinstance(f, DossierStep)]
    dates += [d for _, f in certificate.facts for d in (getattr(f, "issued_on", None),
                                                         getattr(f, "revoked_on", None)) if d]
    # Nor may a compliance case found at the site (H3: none before its registration; K17).
    first_case = _case_dates(uow.connection, site.id)[0]
    dates += [first_case] if first_case is not None else []
    site.correct_registration(version, _event_id(uow, site, version), on,
                              district_code_of(registered.commune_code, on), command.reason,
                              min(dates, default=None))
    return _save(uow, site)


def correct_dossier_step(
    uow: UnitOfWork, code: str, event_id: str, command: CorrectDossierStep
) -> list[EventEnvelope]:
    """A step recorded with a wrong date, note or papers, or by mistake (`void`). Who corrects
    must hold the site's commune on the step's recorded day and on the corrected one. The
    steps of a certificate are corrected with it (`correct_certificate`)."""
    authorize(uow, WRITE)
    uow.serialise_on(ReligiousSite, code)
    site = load_site(uow, code)
    dossier = uow.load(LandDossier, code)
    version = _fact_version(uow, dossier, event_id, messages.FACT_STEP)
    fact = dossier.fact_at(version)
    if not isinstance(fact, DossierStep):
        raise fact_not_found(messages.FACT_STEP, code)
    if isinstance(fact, DossierCertificateIssued | DossierCertificateRevoked):
        raise InvalidInput("USE_CERTIFICATE_ENDPOINT",
                           messages.CORRECT_CERTIFICATE_STEP.format(code=code))
    recorded_on = step_date(fact)
    on = command.acted_on or recorded_on
    authorize(uow, WRITE, site.commune_on(recorded_on), recorded_on, record=True)
    authorize(uow, WRITE, site.commune_on(on), on, record=True)
    expect_version(dossier, command.expected_version)
    if on != recorded_on:
        # A step restated on another day is a step of that day: refused on or after the
        # closing day as recording it would be (`dossier_action`, shared.planrules.closed_by),
        # not only after it (`check_steps`, which keeps a step stored on that day valid).
        site.require_open_on(on, step_action(fact))
    not_in_future(on)  # after the state (409), as every write of the site's records
    if on != recorded_on:
        # Nor moved before the registration: refused naming it, as a step recorded on that
        # day is (`day_of_write`), not as one before "the previous step" (`check_steps`). Only
        # a move: a step an old store holds before its registration keeps its note and void.
        site.require_registered_by(on)
    dossier.correct_step(
        version, event_id.lower(), on=command.acted_on, note=command.note,
        document_refs=None if command.document_refs is None else list(command.document_refs),
        void=command.void, reason=command.reason, unit_code=site.commune_on(on),
        registered_on=site.registered_on, closed_on=site.closed_on,
    )
    return _save(uow, dossier)


def correct_certificate(
    uow: UnitOfWork, code: str, command: CorrectCertificate
) -> list[EventEnvelope]:
    """The valid certificate recorded with a wrong number, date, authority or area. Its
    dossier step (certificate issued) is corrected with it when the date or the number
    changes, so the dossier's dates keep their order (checked as every step's). A new number
    is claimed as at an issue; the mistyped one is given back (it was never issued)."""
    authorize(uow, WRITE)
    uow.serialise_on(ReligiousSite, code)
    certificate = uow.load(Certificate, code)
    version = (certificate.issue_version() if command.corrects is None
               else _fact_version(uow, certificate, command.corrects, messages.FACT_CERTIFICATE))
    current = certificate.fact_at(version) if version is not None else None
    on = command.issued_on or (current.issued_on if isinstance(current, CertificateIssued)
                               else today_vn())
    site = site_to_write(uow, code, on)
    if isinstance(current, CertificateIssued):
        authorize(uow, WRITE, site.commune_on(current.issued_on), current.issued_on,
                  record=True)
    # Only a caller who may correct it learns the version (403, then 428 or 412): a
    # correction restates a fact another desk may have just restated, never blind. The
    # version is the certificate record's: one of its authority or area alone leaves the
    # dossier's as it was.
    expect_version(certificate, required_version(command.expected_version))
    dossier = uow.load(LandDossier, code)
    current = certificate.correctable_issue(version)
    assert version is not None  # a correctable issue has one
    if on != current.issued_on:
        # Issued on another day: refused on or after the closing day, as an issue of that day
        # (`issue_certificate`, shared.planrules.closed_by).
        site.require_open_on(on, "issue_certificate")
    day_of_write(site, on)  # after the states (409)
    number = (normalise_certificate_number(command.certificate_number)
              if command.certificate_number is not None else current.certificate_number)
    certificate.correct_issue(
        version, _event_id(uow, certificate, version), number=number,
        on=on, authority=command.issuing_authority or current.issuing_authority,
        area=command.certified_area_m2 or current.certified_area_m2, reason=command.reason,
        unit_code=site.commune_on(on),
    )
    if number != current.certificate_number:
        _claim_certificate_number(uow, code, number, "correct_certificate")
        uow.release_unique(CERTIFICATE_NUMBER_KEY, current.certificate_number, code)
    step = next((v for v, f in reversed(dossier.facts) if isinstance(f, DossierCertificateIssued)
                 and f.certificate_number == current.certificate_number), None)
    if step is not None and (on != current.issued_on or number != current.certificate_number):
        dossier.correct_step(
            step, _event_id(uow, dossier, step), on=on, note=None, document_refs=None,
            void=False, reason=command.reason, unit_code=site.commune_on(on),
            registered_on=site.registered_on, closed_on=site.closed_on,
            certificate_number=number,
        )
    return _save(uow, certificate, dossier)


def _case_dates(conn: Connection, site_code: str) -> tuple[date | None, date | None]:
    """The first and last detection days of the compliance cases found at a site (the read
    model, written with each case in its transaction)."""
    first, last = conn.execute(
        select(func.min(cases.c.detected_on), func.max(cases.c.detected_on))
        .where(cases.c.site_code == site_code)
    ).one()
    return first, last


# -- compliance cases ----------------------------------------------------------------------------


def open_case(uow: UnitOfWork, command: OpenCase) -> list[EventEnvelope]:
    authorize(uow, WRITE)
    site_code = command.site_code
    if site_code is not None:
        # The case names the site as the register spells it (codes do not distinguish case).
        site_code = registered_site_code(uow.connection, site_code)
        site = load_site(uow, site_code)
        # A case belongs where the site was when the violation was found, not where it is now;
        # who may open it is who had that commune then, decided before the site's dates are
        # judged (docs/api-conventions.md: 404, then the record's unit, then the body).
        commune_code, district_code = site.place_on(command.detected_on)
        authorize(uow, WRITE, commune_code, command.detected_on, record=True)
        not_in_future(command.detected_on)
        # A violation at a site is found once the site is in the register, as every fact of
        # it (finding H3): dated earlier, the case counted where the register had no site.
        site.require_registered_by(command.detected_on)
        # ... and before it left it (finding J20); found on/after the closing, the case is
        # the commune's, opened without `site_code`.
        site.require_open_on(command.detected_on, "open_case")
        if command.commune_code is not None and command.commune_code != commune_code:
            raise InvalidInput(
                "CASE_COMMUNE_MISMATCH",
                messages.CASE_COMMUNE_MISMATCH.format(
                    code=site_code, site_commune=commune_code, commune=command.commune_code
                ),
            )
    elif command.commune_code is not None:
        require_unit(
            command.commune_code, command.detected_on, level="commune", within=uow.jurisdiction
        )
        commune_code = command.commune_code
        district_code = district_code_of(commune_code, command.detected_on)
    else:
        raise InvalidInput("CASE_NEEDS_PLACE", messages.CASE_NEEDS_PLACE)
    if site_code is None:
        authorize(uow, WRITE, commune_code, command.detected_on)
        not_in_future(command.detected_on)  # after 403: docs/api-conventions.md
    case_id = f"VV-{uuid4().hex[:12].upper()}"
    case = uow.load(ComplianceCase, case_id)
    case.open(
        ComplianceCaseOpened(
            case_id=case_id,
            site_code=site_code,
            commune_code=commune_code,
            district_code=district_code,
            violation_type=command.violation_type,
            description=command.description,
            state="open",
            detected_on=command.detected_on,
            reference=command.reference,
        )
    )
    return _save(uow, case)


def _place_case(uow: UnitOfWork, case: ComplianceCase) -> None:
    """A case of a site belongs where the site was when the violation was found, by the
    site's events as the register of cases and the reports place it (`site_place_on`): a
    case opened before G21 (0405e26) named the site's commune of the day it was recorded, so
    the other board could act on it and not its own; a move recorded after the case but
    dated on or before its finding (finding H2) takes it to the new commune."""
    if case.site_code is None or case.detected_on is None:
        return
    # A move of the site committing meanwhile is read here, not decided past.
    uow.serialise_on(ReligiousSite, case.site_code)
    placed = site_place_on(uow.connection, case.site_code, case.detected_on, None)
    if placed is not None:
        case.place(placed[0])


def case_action(
    uow: UnitOfWork, case_id: str, action: str, command: CaseStepCommand
) -> list[EventEnvelope]:
    authorize(uow, WRITE)  # before anything is looked up, as every command
    if action not in CASE_TRANSITIONS:
        raise _unknown_action(action, list(CASE_TRANSITIONS), messages.UNKNOWN_CASE_ACTION,
                              messages.CASE_ACTIONS)
    case = uow.load(ComplianceCase, case_id)
    if not case.exists:
        raise NotFound("CASE_NOT_FOUND", messages.CASE_NOT_FOUND.format(case_id=case_id))
    _place_case(uow, case)
    authorize(uow, WRITE, case.commune_code, command.acted_on, record=True)
    expect_version(case, command.expected_version)
    case.require_allowed(action)  # the state (409) before the day's content (422)
    not_in_future(command.acted_on)  # after 403, 404, 412: docs/api-conventions.md
    case.act(action, command.acted_on, command.note, command.referred_to)
    return _save(uow, case)
