"""Facts the figures are computed from, and the state they add up to on a date.

A fact is one consumed event reduced to what the indicators need, with its business date
(`on`). The read side selects the facts with a business date up to the evaluation date and a
recording time up to the "as of" time, in business-date order; folding them here gives the
state on that date. Nothing is a running counter, so the same selection gives the same state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from shared.planrules import model_running_on, term_last_day

SiteFactKind = Literal["registered", "amended", "closed"]
Switch = Literal["on", "off", "none"]
# "retracted": the taking of office of that day withdrawn by a correction; "left_retracted":
# the leaving of that day withdrawn by a correction (L2).
HeadFactKind = Literal["took_office", "left_office", "retracted", "left_retracted"]
# "retracted": the holding of that day withdrawn by a correction (shared/corrections.py).
SessionFactKind = Literal["held", "cancelled", "retracted"]
# "retracted": the registration of that day and unit withdrawn by a correction.
ModelFactKind = Literal["registered", "recognised", "closed", "retracted"]


@dataclass(frozen=True)
class SiteFact:
    site_code: str
    kind: SiteFactKind
    on: date
    commune_code: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class SiteStepFact:
    """A step of a site's dossier or certificate: `on` switches the state on (lodged,
    resubmitted, certificate issued), `off` switches it off (withdrawn, rejected, revoked)."""

    site_code: str
    switch: Switch
    on: date
    ref: str = ""


@dataclass
class SiteState:
    """Cơ sở tôn giáo as the indicators see it on a date."""

    site_code: str
    name: str
    commune_code: str
    placed_on: date
    closed: bool = False
    dossier_on: date | None = None
    certificate: str | None = None
    certificate_on: date | None = None

    @property
    def has_dossier(self) -> bool:
        return self.dossier_on is not None

    @property
    def has_certificate(self) -> bool:
        return self.certificate_on is not None


def fold_sites(
    sites: Iterable[SiteFact], dossier: Iterable[SiteStepFact], certificate: Iterable[SiteStepFact]
) -> dict[str, SiteState]:
    """Sites in the register on the date, with their dossier and certificate state.

    Each list is folded on its own, fact by fact (`site_step`, `dossier_step`,
    `certificate_step`), and a site's dossier and certificate count only once its facts have
    registered it: a site's live history (`sitetally.SiteHistory`) folds each new fact with
    the same steps from where its last fold stood."""
    states: dict[str, SiteState] = {}
    for fact in sites:
        state = site_step(states.get(fact.site_code), fact)
        if state is not None:
            states[fact.site_code] = state
    for step in dossier:
        state = states.get(step.site_code)
        if state is not None:
            state.dossier_on = dossier_step(state.dossier_on, step)
    for step in certificate:
        state = states.get(step.site_code)
        if state is not None:
            state.certificate, state.certificate_on = certificate_step(
                (state.certificate, state.certificate_on), step)
    return states


def site_step(state: SiteState | None, fact: SiteFact) -> SiteState | None:
    """The site after one of its facts (None: not registered yet). The state given is
    changed in place: an amendment moves it, a closing closes it."""
    if state is None:
        if fact.kind == "registered" and fact.commune_code:
            return SiteState(fact.site_code, fact.name or fact.site_code, fact.commune_code,
                             fact.on)
    elif fact.kind == "amended":
        if fact.commune_code and fact.commune_code != state.commune_code:
            state.commune_code, state.placed_on = fact.commune_code, fact.on
        state.name = fact.name or state.name
    elif fact.kind == "closed":
        state.closed = True
    return state


def dossier_step(dossier_on: date | None, step: SiteStepFact) -> date | None:
    """The day the dossier in force was lodged after one step of it (None: none in force)."""
    if step.switch == "none":
        return dossier_on
    return step.on if step.switch == "on" else None


Certificate = tuple[str | None, date | None]  # (number, issued on); (None, None): none


def certificate_step(certificate: Certificate, step: SiteStepFact) -> Certificate:
    """The certificate in force after one step: an issue replaces it, a revocation ends it
    when it names that certificate (or none)."""
    if step.switch == "on":
        return step.ref, step.on
    if step.switch == "off" and step.ref in ("", certificate[0]):
        return None, None
    return certificate


@dataclass(frozen=True)
class HeadFact:
    head_id: str
    kind: HeadFactKind
    on: date
    unit_code: str
    role: str = ""
    full_name: str = ""


@dataclass
class HeadTerm:
    """Người đứng đầu: one term of office of a head; `to` None while still in office."""

    head_id: str
    unit_code: str
    role: str
    full_name: str
    start: date
    to: date | None = None

    def overlap_days(self, start: date, end: date) -> int:
        first = max(self.start, start)
        last = min(self.to or end, end)
        return max((last - first).days + 1, 0)


def fold_heads(
    facts: Iterable[HeadFact], unit_last_day: Callable[[str, date], date | None]
) -> dict[str, list[HeadTerm]]:
    """Terms of office per head; a head may leave and take office again. A term cannot
    outlast its unit (`unit_last_day`, the catalogue's: a district abolished on 1 July 2025
    ends its heads' terms on 30 June), as the dialogue service and reporting count it."""
    terms: dict[str, list[HeadTerm]] = {}
    for fact in facts:
        mine = terms.setdefault(fact.head_id, [])
        if fact.kind == "took_office":
            if mine and mine[-1].to is None:
                continue  # already in office: a repeated "took office" adds nothing
            mine.append(HeadTerm(fact.head_id, fact.unit_code, fact.role, fact.full_name, fact.on))
        elif fact.kind == "retracted":
            # A corrected taking of office (shared/corrections.py): the term it started goes;
            # the right one is a "took_office" of its own day.
            if mine and mine[-1].to is None and mine[-1].start == fact.on:
                mine.pop()
        elif fact.kind == "left_retracted":
            # A corrected leaving: the term is open again until the restated leaving, a
            # "left_office" of its own day.
            if mine and mine[-1].to == fact.on:
                mine[-1].to = None
        elif mine and mine[-1].to is None:
            mine[-1].to = fact.on
    for mine in terms.values():
        for term in mine:
            term.to = term_last_day(term.to, unit_last_day(term.unit_code, term.start))
        mine[:] = [term for term in mine if term.to is None or term.to >= term.start]
    return {head: ts for head, ts in terms.items() if ts}


@dataclass(frozen=True)
class SessionFact:
    session_id: str
    kind: SessionFactKind
    on: date
    unit_code: str = ""
    head_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeldSession:
    """Hội nghị đối thoại trực tiếp that took place (and was not cancelled afterwards)."""

    session_id: str
    unit_code: str
    held_on: date
    head_ids: tuple[str, ...]


def fold_sessions(facts: Iterable[SessionFact]) -> list[HeldSession]:
    """Sessions held and not cancelled. A cancellation removes the session whatever its date:
    the dialogue service cancels only sessions not yet closed, so it is a correction. A
    retraction (a corrected holding) removes the holding of its session and day, which comes
    before it in the facts' order (same day, recorded earlier); the holding the correction
    states is a fact of its own."""
    facts = list(facts)
    cancelled = {f.session_id for f in facts if f.kind == "cancelled"}
    held: dict[tuple[str, date], HeldSession] = {}
    for f in facts:
        if f.session_id in cancelled:
            continue
        if f.kind == "held":
            held[(f.session_id, f.on)] = HeldSession(f.session_id, f.unit_code, f.on, f.head_ids)
        elif f.kind == "retracted":
            held.pop((f.session_id, f.on), None)
    return sorted(held.values(), key=lambda s: (s.held_on, s.session_id))


@dataclass(frozen=True)
class RuleFact:
    """The regulation's minimum number of sessions a year for heads of one level."""

    level: str
    min_sessions_per_year: int
    effective_from: date


@dataclass(frozen=True)
class ModelFact:
    model_id: str
    kind: ModelFactKind
    on: date
    unit_code: str = ""
    field: str = ""
    title: str = ""
    recognition_level: str = "none"


@dataclass
class ModelState:
    """Mô hình "Dân vận khéo" on a date."""

    model_id: str
    unit_code: str
    field: str
    title: str
    started_on: date
    recognition_level: str
    recognised_on: date | None = None
    closed_on: date | None = None

    @property
    def active(self) -> bool:
        return self.closed_on is None


def fold_models(facts: Iterable[ModelFact]) -> dict[str, ModelState]:
    facts = list(facts)
    # A recognition raises the model's level only when dated on a day the model runs (the
    # kernel's `model_running_on`: not on or after its closing day), as reporting counts it;
    # one stored before that was refused (J21) stays in the history and counts for nothing.
    closings = {fact.model_id: fact.on for fact in facts if fact.kind == "closed"}
    states: dict[str, ModelState] = {}
    for fact in facts:
        state = states.get(fact.model_id)
        if fact.kind == "registered" and state is None:
            states[fact.model_id] = ModelState(
                fact.model_id, fact.unit_code, fact.field, fact.title, fact.on,
                fact.recognition_level,
            )
        elif state is not None and fact.kind == "retracted":
            # A corrected registration (shared/corrections.py): the model it registered goes
            # unless another registration is in force; the right one is a "registered" fact
            # of its own day (after this one when later, kept when earlier).
            if (state.started_on, state.unit_code) == (fact.on, fact.unit_code):
                del states[fact.model_id]
        elif state is not None and fact.kind == "recognised":
            if model_running_on(state.started_on, closings.get(fact.model_id), fact.on):
                state.recognition_level, state.recognised_on = fact.recognition_level, fact.on
        elif state is not None and fact.kind == "closed":
            state.closed_on = fact.on
    return states


@dataclass(frozen=True)
class ReportedFact:
    unit_code: str
    numerator: int
    denominator: int
    reported_on: date
    actor: str
    recorded_at: str
    department: str | None = None
    note: str = ""
    source_document: str = ""
