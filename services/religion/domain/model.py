"""Aggregates of the religion service: pure Python, no I/O.

A site, its land registration dossier and its certificate are three aggregates sharing the
site code as id, so a bulk import is idempotent and each has its own short stream.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.religion import messages
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
    DossierCertificateIssued,
    DossierCertificateRevoked,
    DossierStep,
    DossierStepCorrected,
    LandDossierLodged,
    SiteAmended,
    SiteClosed,
    SiteRegistered,
    SiteRegisteredCorrected,
    step_date,
)
from services.religion.domain.workflow import (
    CASE_TRANSITIONS,
    DOSSIER_TRANSITIONS,
    Transition,
    allowed_case_actions,
    allowed_dossier_actions,
)
from shared.aggregate import Aggregate
from shared.clock import format_date_vn
from shared.corrections import Correctable
from shared.envelope import DomainEvent
from shared.errors import ActionRefused, InvalidInput, NotFound
from shared.placements import placed_on
from shared.planrules import closed_by
from shared.steporder import not_before

#: Site particulars a desk may amend, in the order they are shown.
AMENDABLE_FIELDS = (
    "name",
    "religion",
    "commune_code",
    "address",
    "land_area_m2",
    "land_use_origin",
)


def _not_after(on: date, following: date | None) -> None:
    """A corrected date must stay before the facts that followed the corrected one."""
    if following is not None and on > following:
        raise InvalidInput(
            "DATE_AFTER_NEXT_STEP",
            messages.DATE_AFTER_NEXT.format(
                on=format_date_vn(on), following=format_date_vn(following)),
            following=following.isoformat(),
        )


def fact_not_found(what: str, code: str) -> NotFound:
    """The event a correction names is not a fact of that kind of this site's records."""
    return NotFound("FACT_NOT_FOUND", messages.FACT_NOT_FOUND.format(what=what, code=code))


class ReligiousSite(Correctable):
    """Cơ sở tôn giáo: a religious site using land, identified by its code."""

    aggregate_type = "site"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.name = ""
        self.religion = ""
        self.commune_code = ""
        self.district_code: str | None = None
        self.address = ""
        self.land_area_m2: float | None = None
        self.land_use_origin: str | None = None
        self.registered_on: date | None = None
        self.closed_on: date | None = None
        self.last_on: date | None = None
        #: Where the site was, from which day: (from, commune, district), in date order (a
        #: move is an amendment, dated after every earlier step of the site).
        self.placements: list[tuple[date, str, str | None]] = []

    @property
    def closed(self) -> bool:
        return self.closed_on is not None

    def particulars(self) -> dict[str, Any]:
        return {field: getattr(self, field) for field in AMENDABLE_FIELDS}

    def require_open(self, action: str) -> None:
        """`action` (one of `messages.SITE`'s) is refused on a closed site."""
        if self.closed_on is not None:
            raise ActionRefused(
                "SITE_CLOSED", messages.SITE, action=action,
                subject=messages.SITE_SUBJECT.format(code=self.id), state="closed",
                allowed=[], note=messages.SITE_CLOSED_SINCE.format(
                    on=format_date_vn(self.closed_on)),
            )

    def require_open_on(self, on: date, action: str) -> None:
        """`action`, dated `on` (a compliance case, a dossier step, a certificate), is refused
        once the site is closed on or before that day (`shared.planrules.closed_by`: the
        closing day is the first day out, as a model's): a fact of a day the site was no
        longer in the register would count for a commune whose register had no such site
        (finding J20). One of a day the site was open is a true fact entered late, accepted
        after the closing (J20, second half); the closing comes after the day of the last
        such fact (`close`), so whether one is accepted does not depend on which was entered
        first."""
        if closed_by(self.closed_on, on):
            self.require_open(action)

    def allowed_actions(self) -> list[str]:
        return [] if self.closed else ["amend", "close"]

    def place_on(self, on: date) -> tuple[str, str | None]:
        """The site's (commune, district) on `on`: a fact dated before a move belongs to the
        commune the site was in that day (its report, who may record it), not today's. Before
        the registration (nothing is recorded then), where it was registered."""
        placed = placed_on([(since, (commune, district))
                            for since, commune, district in self.placements], on)
        return placed if placed is not None else (self.commune_code, self.district_code)

    def commune_on(self, on: date) -> str:
        return self.place_on(on)[0]

    def require_registered_by(self, on: date) -> None:
        """Nothing happens to a site before it is in the register: a step dated earlier would
        count in a period in which the site was not (the report's flow figures) while its
        stock figures leave it out. The same code as a step dated before the previous one."""
        if self.registered_on is not None and on < self.registered_on:
            not_before(on, self.registered_on, messages.DATE_BEFORE_REGISTRATION.format(
                on=format_date_vn(on), code=self.id,
                registered=format_date_vn(self.registered_on)))

    def registration(self) -> tuple[int, SiteRegistered]:
        """The registration as it counts (the original or its last correction), with its
        version."""
        version, fact = self.facts[0]
        assert isinstance(fact, SiteRegistered)
        return version, fact

    def correct_registration(
        self, version: int, corrects: str, on: date, district_code: str | None, reason: str,
        first_after: date | None,
    ) -> None:
        """The site was registered on `on`, not on the date recorded: nothing of the site (its
        amendments, closing, dossier and certificate, `first_after` the earliest of theirs)
        may then come before it."""
        current, registered = self.registration()
        if version != current:
            raise fact_not_found(messages.FACT_REGISTRATION, self.id)
        if registered.registered_on == on:
            raise InvalidInput("NO_CHANGES", messages.NO_CHANGES.format(code=self.id))
        later = [d for d in (_site_fact_date(f) for _, f in self.facts[1:]) if d is not None]
        _not_after(on, min([*later, *([first_after] if first_after else [])], default=None))
        fields = registered.model_dump()
        fields.update(registered_on=on, district_code=district_code)
        self.record(SiteRegisteredCorrected(**fields, corrects=corrects, corrected_version=version,
                                            reason=reason), on, unit_code=registered.commune_code)

    def register(self, event: SiteRegistered, on: date) -> None:
        if self.exists:
            raise ActionRefused(
                "SITE_EXISTS", messages.SITE, action="register",
                subject=messages.SITE_SUBJECT.format(code=self.id),
                state="closed" if self.closed else "open", allowed=self.allowed_actions(),
            )
        self.record(event, on, unit_code=event.commune_code)

    def amend(
        self, wanted: dict[str, Any], district_code: str | None, on: date, note: str = ""
    ) -> None:
        """Record the fields of `wanted` that differ from the current particulars."""
        self.require_open("amend")
        not_before(on, self.last_on)
        changes = {k: v for k, v in wanted.items() if getattr(self, k) != v}
        if not changes:
            raise InvalidInput("NO_CHANGES", messages.NO_CHANGES.format(code=self.id))
        commune = changes.get("commune_code", self.commune_code)
        event = SiteAmended(
            code=self.id,
            changes=changes,
            commune_code=commune,
            district_code=district_code if "commune_code" in changes else self.district_code,
            note=note,
            amended_on=on,
        )
        self.record(event, on, unit_code=commune)

    def close(self, reason: str, on: date, last_dossier_step: date | None = None) -> None:
        """Closed before a step of its dossier or certificate, the site would have a
        certificate issued or revoked in a period after it left the register."""
        self.require_open("close")
        not_before(on, self.last_on)
        not_before(on, last_dossier_step)
        # The closing day is the site's first day out (`shared.planrules.closed_by`): closed
        # on the day of its last step, case or certificate, the site would have that fact on
        # a day it was not in the register (one the site no longer accepts, `require_open_on`).
        if last_dossier_step is not None and closed_by(on, last_dossier_step):
            raise InvalidInput(
                "CLOSED_BEFORE_STEP",
                messages.CLOSED_BEFORE_STEP.format(on=format_date_vn(on),
                                                   previous=format_date_vn(last_dossier_step)),
                previous=last_dossier_step.isoformat(),
            )
        self.record(SiteClosed(code=self.id, reason=reason, closed_on=on), on,
                    unit_code=self.commune_code)

    def apply_fact(self, event: DomainEvent) -> None:
        if isinstance(event, SiteRegistered):
            self.name = event.name
            self.religion = event.religion
            self.commune_code = event.commune_code
            self.district_code = event.district_code
            self.address = event.address
            self.land_area_m2 = event.land_area_m2
            self.land_use_origin = event.land_use_origin
            self.registered_on = self.last_on = event.registered_on
            # A first-version registration carries no date of its own: from the start.
            self.placements = [(event.registered_on or date.min, event.commune_code,
                                event.district_code)]
        elif isinstance(event, SiteAmended):
            if event.commune_code != self.commune_code:  # before `changes` set it
                self.placements.append((event.amended_on, event.commune_code,
                                        event.district_code))
            for field, value in event.changes.items():
                setattr(self, field, value)
            self.commune_code = event.commune_code
            self.district_code = event.district_code
            self.last_on = event.amended_on
        elif isinstance(event, SiteClosed):
            self.closed_on = self.last_on = event.closed_on


def _site_fact_date(event: DomainEvent) -> date | None:
    if isinstance(event, SiteAmended):
        return event.amended_on
    if isinstance(event, SiteClosed):
        return event.closed_on
    return None


#: The transition each step event records (one event type per action).
_STEP_TRANSITIONS: dict[str, Transition] = {t.event_type: t for t in DOSSIER_TRANSITIONS.values()}


def step_action(step: DossierStep) -> str:
    """The dossier action that records `step` (`lodge` for `LandDossierLodged`, …)."""
    return _STEP_TRANSITIONS[step.event_type].action


def check_steps(
    steps: list[DomainEvent], registered_on: date | None, closed_on: date | None
) -> None:
    """The dossier's steps, as corrected, must still be a walk of the workflow from «chưa
    bắt đầu», dated in order, not before the site's registration nor after its closing: the
    rules every step was recorded under. Not after: a step stored on the closing day (recorded
    before the closing day was read as the first day out, f8f42bf) stays a step of the walk;
    a step corrected ONTO another day is refused on or after the closing day by the caller
    (`ReligiousSite.require_open_on`, as recording one of that day)."""
    state, previous = "not_started", registered_on
    for step in steps:
        if not isinstance(step, DossierStep):
            continue
        transition = _STEP_TRANSITIONS[step.event_type]
        if state not in transition.sources:
            raise InvalidInput(
                "CORRECTION_BREAKS_WORKFLOW",
                messages.CORRECTION_BREAKS_WORKFLOW.format(
                    action=messages.DOSSIER_ACTIONS[transition.action],
                    state=messages.DOSSIER_STATES[state]),
                action=transition.action, state=state,
            )
        on = step_date(step)
        not_before(on, previous)
        _not_after(on, closed_on)
        state, previous = step.state, on


class LandDossier(Correctable):
    """Hồ sơ đăng ký đất đai: the land registration dossier of one site (same id as the site).

    A workflow of named actions (see `workflow.DOSSIER_TRANSITIONS`); every step is dated and
    carries a note and document references.
    """

    aggregate_type = "dossier"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.state = "not_started"
        self.state_since: date | None = None
        self.lodged_on: date | None = None
        self.certificate_number: str | None = None
        self.steps = 0

    def transition(self, action: str) -> Transition:
        transition = DOSSIER_TRANSITIONS[action]
        if self.state not in transition.sources:
            raise ActionRefused(
                "ACTION_NOT_ALLOWED", messages.DOSSIER, action=action,
                subject=messages.DOSSIER_SUBJECT.format(code=self.id), state=self.state,
                allowed=allowed_dossier_actions(self.state),
            )
        return transition

    def act(
        self,
        action: str,
        on: date,
        *,
        note: str,
        document_refs: list[str],
        unit_code: str,
        certificate_number: str | None = None,
    ) -> None:
        transition = self.transition(action)
        if transition.note_required and not note:
            raise InvalidInput(
                "NOTE_REQUIRED",
                messages.NOTE_REQUIRED.format(action=messages.DOSSIER_ACTIONS[action]),
            )
        not_before(on, self.state_since)
        fields: dict[str, Any] = {
            "site_code": self.id,
            "state": transition.target,
            "note": note,
            "document_refs": document_refs,
        }
        if transition.event_type == LandDossierLodged.event_type:
            fields["lodged_on"] = on
        else:
            fields["acted_on"] = on
        if transition.event_type in (DossierCertificateIssued.event_type,
                                     DossierCertificateRevoked.event_type):
            fields["certificate_number"] = certificate_number
        event = DOSSIER_STEP_EVENTS[transition.event_type](**fields)
        self.record(event, on, unit_code=unit_code)

    def correct_step(
        self, version: int, corrects: str, *, on: date | None, note: str | None,
        document_refs: list[str] | None, void: bool, reason: str, unit_code: str,
        registered_on: date | None, closed_on: date | None,
        certificate_number: str | None = None,
    ) -> None:
        """Record that the step of `version` was recorded wrongly: the values given (None:
        as recorded) are the right ones, or (`void`) it never happened. Refused when the
        steps as corrected would break the workflow's rules (`check_steps`)."""
        fact = self.fact_at(version)
        if not isinstance(fact, DossierStep):
            raise fact_not_found(messages.FACT_STEP, self.id)
        corrected = DossierStepCorrected(
            site_code=self.id, corrects=corrects, corrected_version=version, reason=reason,
            void=void, corrected_type=fact.event_type, state=fact.state,
            acted_on=on if on is not None and not void else step_date(fact),
            note=fact.note if note is None else note,
            document_refs=fact.document_refs if document_refs is None else document_refs,
            certificate_number=certificate_number or getattr(fact, "certificate_number", None),
        )
        right = None if void else corrected.corrected_fact()
        if right == fact:
            raise InvalidInput("NO_CHANGES", messages.NO_CHANGES.format(code=self.id))
        check_steps([f for v, f in self.facts if v != version] if right is None
                    else [right if v == version else f for v, f in self.facts],
                    registered_on, closed_on)
        self.record(corrected, corrected.acted_on, unit_code=unit_code)

    def apply_fact(self, event: DomainEvent) -> None:
        if not isinstance(event, DossierStep):
            return
        self.steps += 1
        self.state = event.state
        self.state_since = step_date(event)
        if isinstance(event, LandDossierLodged):
            self.lodged_on = event.lodged_on
        if isinstance(event, DossierCertificateIssued):
            self.certificate_number = event.certificate_number


class Certificate(Correctable):
    """Giấy chứng nhận quyền sử dụng đất of a site (same id as the site). A revoked certificate
    stays in the stream; a new one may follow it."""

    aggregate_type = "certificate"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.number: str | None = None
        self.issued_on: date | None = None
        self.issuing_authority = ""
        self.certified_area_m2: float | None = None
        self.valid = False
        self.revoked_on: date | None = None
        self.numbers: list[str] = []

    def issue(self, event: CertificateIssued, unit_code: str) -> None:
        # The dossier workflow refuses a second issue first; this guards the invariant itself.
        if self.valid:
            raise ActionRefused(
                "CERTIFICATE_ALREADY_VALID", messages.CERTIFICATE, action="issue_certificate",
                subject=messages.CERTIFICATE_SUBJECT.format(code=self.id), state="valid",
                allowed=["revoke_certificate"],
                note=messages.CERTIFICATE_NUMBER_NOTE.format(number=self.number),
            )
        self.record(event, event.issued_on, unit_code=unit_code)

    def require_valid(self, action: str) -> None:
        """A valid certificate to act on, else 409 NO_VALID_CERTIFICATE: the state, which the
        revocation's handler asks before the day the body carries (docs/api-conventions.md,
        "The order of the refusals")."""
        if not self.valid or self.number is None:
            raise ActionRefused(
                "NO_VALID_CERTIFICATE", messages.CERTIFICATE, action=action,
                subject=messages.CERTIFICATE_SUBJECT.format(code=self.id), state="none",
                allowed=["issue_certificate"],
            )

    def revoke(self, number: str, on: date, reason: str, unit_code: str) -> None:
        self.require_valid("revoke_certificate")
        assert self.number is not None  # a valid certificate has its number
        if number != self.number:
            raise InvalidInput(
                "CERTIFICATE_NUMBER_MISMATCH",
                messages.CERTIFICATE_NUMBER_MISMATCH.format(
                    code=self.id, current=self.number, number=number
                ),
            )
        not_before(on, self.issued_on)
        self.record(
            CertificateRevoked(site_code=self.id, certificate_number=number, revoked_on=on,
                               reason=reason),
            on,
            unit_code=unit_code,
        )

    def issue_version(self) -> int | None:
        """The version of the valid certificate's issue as it counts (original or last
        correction); None without a valid certificate."""
        if not self.valid or not self.facts:
            return None
        version, fact = self.facts[-1]
        return version if isinstance(fact, CertificateIssued) else None

    def correctable_issue(self, version: int | None) -> CertificateIssued:
        """The issue of `version` if it is the valid certificate's as it counts. A revoked
        certificate is history: refused, as is anything but the valid one's issue."""
        fact = self.fact_at(version) if version is not None else None
        if version is None or version != self.issue_version() or not isinstance(
                fact, CertificateIssued):
            raise ActionRefused(
                "NO_VALID_CERTIFICATE", messages.CERTIFICATE, action="correct_certificate",
                subject=messages.CERTIFICATE_SUBJECT.format(code=self.id),
                state="valid" if self.valid else "none",
                allowed=["revoke_certificate"] if self.valid else ["issue_certificate"],
                note=messages.ONLY_VALID_CERTIFICATE,
            )
        return fact

    def correct_issue(
        self, version: int, corrects: str, *, number: str, on: date, authority: str,
        area: float, reason: str, unit_code: str,
    ) -> None:
        """The valid certificate was recorded wrongly: these are its right particulars."""
        recorded = self.correctable_issue(version)
        event = CertificateIssuedCorrected(
            site_code=self.id, certificate_number=number, issued_on=on,
            issuing_authority=authority, certified_area_m2=area, corrects=corrects,
            corrected_version=version, reason=reason,
        )
        if event.corrected_fact() == recorded:
            raise InvalidInput("NO_CHANGES", messages.NO_CHANGES.format(code=self.id))
        self.record(event, on, unit_code=unit_code)

    def apply_fact(self, event: DomainEvent) -> None:
        if isinstance(event, CertificateIssued):
            self.number = event.certificate_number
            self.issued_on = event.issued_on
            self.issuing_authority = event.issuing_authority
            self.certified_area_m2 = event.certified_area_m2
            self.valid = True
            self.revoked_on = None
            self.numbers.append(event.certificate_number)
        elif isinstance(event, CertificateRevoked):
            self.valid = False
            self.revoked_on = event.revoked_on


class ComplianceCase(Aggregate):
    """Vụ việc vi phạm: a violation about land or construction for religious use (plan II.2.4).
    Lifecycle: open → under review → resolved or referred."""

    aggregate_type = "compliance"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.state = "open"
        self.state_since: date | None = None
        self.site_code: str | None = None
        self.commune_code = ""
        self.detected_on: date | None = None

    def place(self, commune_code: str) -> None:
        """The case belongs to `commune_code` (where its site was when it was found), not the
        commune its opening named: a case opened before G21 named the site's commune of the
        day it was recorded."""
        self.commune_code = commune_code

    def open(self, event: ComplianceCaseOpened) -> None:
        self.record(event, event.detected_on, unit_code=event.commune_code)

    def require_allowed(self, action: str) -> Transition:
        """The case's state allows `action`, else 409 ACTION_NOT_ALLOWED: the state, which
        its handler asks before anything about the day the body carries
        (docs/api-conventions.md, "The order of the refusals")."""
        transition = CASE_TRANSITIONS[action]
        if self.state not in transition.sources:
            raise ActionRefused(
                "ACTION_NOT_ALLOWED", messages.CASE, action=action,
                subject=messages.CASE_SUBJECT.format(case_id=self.id), state=self.state,
                allowed=allowed_case_actions(self.state), case_id=self.id,
            )
        return transition

    def act(self, action: str, on: date, note: str, referred_to: str = "") -> None:
        transition = self.require_allowed(action)
        if transition.note_required and not note:
            raise InvalidInput(
                "NOTE_REQUIRED", messages.NOTE_REQUIRED.format(action=messages.CASE_ACTIONS[action])
            )
        not_before(on, self.state_since)
        event: CaseStep
        if action == "refer":
            if not referred_to:
                raise InvalidInput("REFERRED_TO_REQUIRED", messages.REFERRED_TO_REQUIRED)
            event = ComplianceCaseReferred(case_id=self.id, state=transition.target, acted_on=on,
                                           note=note, referred_to=referred_to)
        elif action == "resolve":
            event = ComplianceCaseResolved(case_id=self.id, state=transition.target, acted_on=on,
                                           note=note)
        else:
            event = ComplianceCaseReviewStarted(case_id=self.id, state=transition.target,
                                                acted_on=on, note=note)
        self.record(event, on, unit_code=self.commune_code)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ComplianceCaseOpened):
            self.state = event.state
            self.state_since = event.detected_on
            self.site_code = event.site_code
            self.commune_code = event.commune_code
            self.detected_on = event.detected_on
        elif isinstance(event, CaseStep):
            self.state = event.state
            self.state_since = event.acted_on
