"""The figures of ANY history, not of a hand-counted one: a property-based test.

Hypothesis generates small, valid histories of Hai Phong's religious sites, heads, dialogue
sessions and "Dân vận khéo" models with their contest entries in two districts (Tiên Lãng,
Hồng Bàng), dated across the period cut-offs, 31/12 → 01/01, 29/02/2024 and the windows'
first and last days, some typed
in long after their business date. Each history goes, event by event as the consumers apply
them (no NATS), into the reporting service's projections and the indicators service's; the
figures they give (reporting: `figures.compute` for 2023's four periods and 2024-3m,
indicators: `compute` of I1-I4 at 2023's cut-offs) are compared, for several `as_of`
moments, with an oracle: plain Python over the history's dated facts that writes the
definitions of DOMAIN.md, docs/events.md and the reporting README down afresh. It calls no
kernel rule (shared/planrules.py, shared/dialoguerule.py): had it, it would prove nothing.

Bounded and reproducible: a fixed number of examples, derandomized, no deadline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.pool import NullPool

from services.indicators.adapters.definitions import load_definitions
from services.indicators.application.compute import compute as indicators_compute
from services.reporting.app import create_runtime
from services.reporting.application.figures import compute as reporting_compute
from services.reporting.application.reports import load_period
from services.reporting.application.state import state_of
from shared.envelope import EventEnvelope, as_business_time
from shared.migrations import known_services, version_table
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.indicators.conftest import planned_runtime
from tools.published import as_published

D = date
CITY, TIEN_LANG, HONG_BANG = "31", "315", "303"
DISTRICT_OF = {"11755": TIEN_LANG, "11758": TIEN_LANG,  # Thị trấn Tiên Lãng, Xã Đại Thắng
               "11296": HONG_BANG, "11299": HONG_BANG}  # Phường Quán Toan, Phường Hùng Vương
COMMUNES = tuple(DISTRICT_OF)
SCOPES = (CITY, TIEN_LANG, HONG_BANG)
#: The communes of each scope in 2023 and early 2024 (the catalogue of 2023: Hai Phong 217).
COMMUNE_COUNT = {CITY: 217, TIEN_LANG: 21, HONG_BANG: 9}
PLAN_BASE = 239  # plan II.1.3: the city's I3 and I4 denominator in 2023
#: The plan's targets of 2023 (II.1.1-1.3), as fractions.
TARGETS = {"I1": Fraction(1), "I2": Fraction(1), "I3": Fraction(2, 5), "I4": Fraction(1, 10)}
#: Reporting's default windows (Decree 09/2019): a year opens on 15/12 of the year before.
PERIODS = {"2023-3m": (D(2022, 12, 15), D(2023, 3, 14)),
           "2023-6m": (D(2022, 12, 15), D(2023, 6, 14)),
           "2023-9m": (D(2022, 12, 15), D(2023, 9, 14)),
           "2023-12m": (D(2022, 12, 15), D(2023, 12, 14)),
           "2024-3m": (D(2023, 12, 15), D(2024, 3, 14))}
QUALIFYING = {"new_rural", "exemplary_rural", "urban"}
#: The rule of Quyết định 1738-QĐ/TU as seeded: sessions a year by level.
RULES = [("province", 1, D(2015, 1, 27)), ("district", 2, D(2015, 1, 27)),
         ("commune", 1, D(2015, 1, 27))]
FAR = datetime(2030, 1, 1, tzinfo=UTC)  # "as of" after every recording
MAX_FACTS = 30

FIRST, LAST = D(2022, 11, 1), D(2024, 4, 30)
EDGES = [D(2022, 12, 14), D(2022, 12, 15), D(2022, 12, 31), D(2023, 1, 1), D(2023, 3, 14),
         D(2023, 3, 15), D(2023, 6, 14), D(2023, 6, 15), D(2023, 6, 30), D(2023, 7, 1),
         D(2023, 9, 14), D(2023, 9, 15), D(2023, 12, 14), D(2023, 12, 15), D(2023, 12, 31),
         D(2024, 1, 1), D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1), D(2024, 3, 14),
         D(2024, 3, 15)]


# -- the history: dated facts ---------------------------------------------------------------

@dataclass
class Fact:
    """One event of a source service: its business date, when it was typed in, and enough
    to build its envelope and for the oracle to read it."""

    service: str
    aggregate: str
    key: str
    kind: str
    on: date
    unit: str | None
    payload: dict[str, Any]
    recorded: datetime = field(default=FAR)


def _typed_in(on: date, late_days: int, after: datetime | None) -> datetime:
    """The evening of its business day, `late_days` later, and never before `after` (the
    fact it follows in its aggregate, or that it needs: a site's registration)."""
    at = as_business_time(on) + timedelta(hours=12, days=late_days)
    return max(at, after + timedelta(minutes=1)) if after else at


CUTOFFS = [D(2023, 3, 14), D(2023, 6, 14), D(2023, 9, 14), D(2023, 12, 14), D(2024, 3, 14)]
days = st.one_of(st.sampled_from(CUTOFFS), st.sampled_from(EDGES),
                 st.integers(0, (LAST - FIRST).days).map(lambda n: FIRST + timedelta(n)))
late = st.one_of(st.just(0), st.just(0), st.integers(1, 120))


def _after(start: date) -> st.SearchStrategy[date]:
    """A day on or after `start`, up to the end of the generated span (edges preferred)."""
    edges = [e for e in EDGES if e >= start]
    cutoffs = [e for e in CUTOFFS if e >= start]
    span = st.integers(0, max((LAST - start).days, 0)).map(lambda n: start + timedelta(n))
    if not edges:
        return span
    return st.one_of(st.sampled_from(cutoffs or edges), st.sampled_from(edges), span)


@st.composite
def site_story(draw: st.DrawFn, code: str) -> list[Fact]:
    commune = draw(st.sampled_from(COMMUNES))
    registered = draw(days)
    facts = [Fact("religion", "site", code, "SiteRegistered", registered, commune, {
        "code": code, "name": f"Chùa {code}", "religion": "Phật giáo",
        "commune_code": commune, "district_code": None, "address": "Thôn Đông",
        "land_area_m2": 1200.0, "land_use_origin": "Tự tạo lập"})]
    on = registered
    lodged = False
    certified = False
    for _ in range(draw(st.integers(0, 4))):
        on = draw(_after(on))
        if lodged:
            step = draw(st.sampled_from(
                ["DossierWithdrawn", "DossierRejected", "CertificateIssued",
                 "CertificateRevoked"]))
        else:  # lodged, or lodged again after a rejection or a withdrawal
            step = "DossierResubmitted" if any(f.aggregate == "dossier" for f in facts) else (
                "LandDossierLodged")
        if (step == "CertificateIssued" and certified) or (step == "CertificateRevoked" and (
                not certified)):
            continue
        if step.startswith("Certificate"):
            certified = step == "CertificateIssued"
            field_ = "issued_on" if certified else "revoked_on"
            facts.append(Fact("religion", "certificate", code, step, on, commune, {
                "site_code": code, "certificate_number": f"GCN-{code}", field_: on.isoformat(),
                "issuing_authority": "UBND thành phố Hải Phòng", "certified_area_m2": 1100.0,
                "reason": "Cấp sai diện tích"}))
            continue
        states = {"LandDossierLodged": "lodged", "DossierResubmitted": "resubmitted",
                  "DossierWithdrawn": "withdrawn", "DossierRejected": "rejected"}
        lodged = states[step] in ("lodged", "resubmitted")
        facts.append(Fact("religion", "dossier", code, step, on, commune, {
            "site_code": code, "state": states[step], "note": "", "document_refs": []}))
    if draw(st.booleans()):
        # The closing day is the first day out: after the day of the site's last step.
        closed = draw(_after(on + timedelta(days=1)))
        facts.append(Fact("religion", "site", code, "SiteClosed", closed, commune,
                          {"code": code, "reason": "Giải thể"}))
    return facts


@st.composite
def head_story(draw: st.DrawFn, head: str, unit: str) -> list[Fact]:
    role = "people_committee_chair" if unit == CITY else "party_secretary"
    took = draw(st.one_of(st.just(D(2021, 6, 1)), days))
    facts = [Fact("dialogue", "head", head, "HeadTookOffice", took, unit, {
        "head_id": head, "unit_code": unit, "role": role, "full_name": f"Đồng chí {head}",
        "from_date": took.isoformat()})]
    if draw(st.booleans()):
        left = draw(_after(took))  # the last day in office
        facts.append(Fact("dialogue", "head", head, "HeadLeftOffice", left, unit, {
            "head_id": head, "unit_code": unit, "role": role, "to_date": left.isoformat()}))
    return facts


@st.composite
def session_story(draw: st.DrawFn, session: str, head: list[Fact]) -> list[Fact]:
    """A session of one head, on days from the head's first day in office: often the first
    or last day of the term, or the day after it (held once the leaving is typed in late)."""
    took, unit, key = head[0].on, head[0].unit or "", head[0].key
    common = {"session_id": session, "unit_code": unit, "head_ids": [key]}
    term = [took, *(f.on + timedelta(n) for f in head[1:] for n in (0, 1))]
    days = st.one_of(st.sampled_from(term), _after(took))
    if draw(st.booleans()):  # held without a plan typed in first
        held = draw(days)
        return [Fact("dialogue", "session", session, "SessionHeld", held, unit,
                     {**common, "held_on": held.isoformat()})]
    planned = draw(days)
    facts = [Fact("dialogue", "session", session, "SessionPlanned", planned, unit, {
        **common, "planned_on": planned.isoformat(), "topic": "Giải phóng mặt bằng",
        "place": "Hội trường", "co_organiser": "UBMTTQ"})]
    # A reschedule or a cancellation is dated no earlier than the session's last reschedule
    # nor the head's first day in office (M7), often before the day it was planned for.
    decided = took
    for _ in range(draw(st.integers(0, 2))):
        new = draw(days)
        if new == planned:
            continue
        decided = max(decided, min(planned, new) - timedelta(draw(st.integers(0, 20))))
        facts.append(Fact("dialogue", "session", session, "SessionRescheduled", decided, unit, {
            "session_id": session, "planned_on": new.isoformat(),
            "previous_planned_on": planned.isoformat(), "reason": "Trùng lịch"}))
        planned = new
    end = draw(st.sampled_from(["held", "cancelled", "open"]))
    if end == "held":
        facts.append(Fact("dialogue", "session", session, "SessionHeld", planned, unit,
                          {**common, "held_on": planned.isoformat()}))
    elif end == "cancelled":
        on = max(decided, planned - timedelta(draw(st.integers(0, 10))))
        facts.append(Fact("dialogue", "session", session, "SessionCancelled", on, unit, {
            "session_id": session, "reason": "Đã giải quyết", "cancelled_on": on.isoformat()}))
    # Facts of one aggregate are typed in the order of their business dates (a decision to
    # reschedule may be dated before the planning it moves: it is typed in after it).
    return facts


@st.composite
def model_story(draw: st.DrawFn, model: str) -> list[Fact]:
    commune = draw(st.sampled_from(COMMUNES))
    field_ = draw(st.sampled_from(
        ["new_rural", "exemplary_rural", "urban", "digital_transformation", "other"]))
    started = draw(days)
    facts = [Fact("indicators", "model", model, "ModelRegistered", started, commune, {
        "model_id": model, "unit_code": commune, "field": field_,
        "title": f"Mô hình {model}", "started_on": started.isoformat(),
        "recognition_level": "none", "status": "building"})]
    if draw(st.booleans()):
        # An entry in a contest, typed in after the registration and before any closing
        # (which may take its day out of the model's life): of any day, of either side of a
        # year's cut-off, and of a contest of another year than its day's.
        submitted = draw(days)
        contest = draw(st.sampled_from([2022, 2023, 2024]))
        facts.append(Fact("indicators", "contest", f"E-{model}", "ContestEntrySubmitted",
                          submitted, commune, {
                              "entry_id": f"E-{model}", "model_id": model,
                              "contest_year": contest, "title": "Bài dự thi",
                              "unit_code": commune, "submitted_on": submitted.isoformat(),
                              "author": "Hội LHPN"}))
    if draw(st.booleans()):
        closed = draw(_after(started + timedelta(days=1)))
        facts.append(Fact("indicators", "model", model, "ModelClosed", closed, commune, {
            "model_id": model, "closed_on": closed.isoformat(), "reason": "Hết kinh phí"}))
    return facts


@st.composite
def histories(draw: st.DrawFn) -> list[Fact]:
    """At most about 30 facts, each aggregate's typed in order, some long after their day."""
    stories: list[list[Fact]] = []
    stories.append([Fact("dialogue", "rule", level, "DialogueRuleSet", on, None, {
        "level": level, "min_sessions_per_year": n, "effective_from": on.isoformat()})
        for level, n, on in RULES])
    if draw(st.booleans()):  # the commune rule raised to 2 a year (the amended regulation)
        raised = draw(st.sampled_from([D(2023, 7, 1), D(2024, 1, 1), D(2023, 3, 15)]))
        stories.append([Fact("dialogue", "rule", "commune", "DialogueRuleSet", raised, None, {
            "level": "commune", "min_sessions_per_year": 2,
            "effective_from": raised.isoformat()})])

    def room() -> bool:  # histories stay small: at most about 30 facts
        return sum(len(story) for story in stories) < MAX_FACTS - 4

    posts = draw(st.lists(st.sampled_from([*COMMUNES, TIEN_LANG, HONG_BANG, CITY]),
                          max_size=4, unique=True))
    for n, unit in enumerate(posts):
        head = draw(head_story(f"H{n + 1}", unit))
        stories.append(head)
        for s in range(draw(st.integers(0, 3))):
            if room():
                stories.append(draw(session_story(f"P{n + 1}{s}", head)))
    for n in range(draw(st.integers(0, 4))):
        if room():
            stories.append(draw(site_story(f"S{n + 1}")))
    for n in range(draw(st.integers(0, 3))):
        if room():
            stories.append(draw(model_story(f"M{n + 1}")))

    registered: dict[str, datetime] = {}
    for story in stories:
        previous: datetime | None = None
        for fact in story:
            needs = registered.get(fact.key) if fact.aggregate in ("dossier",
                                                                    "certificate") else None
            after = max((t for t in (previous, needs) if t is not None), default=None)
            fact.recorded = _typed_in(fact.on, draw(late), after)
            previous = fact.recorded
            if fact.kind == "SiteRegistered":
                registered[fact.key] = fact.recorded
    facts = [fact for story in stories for fact in story]
    # A session held on a day after its head's leaving was accepted only because the leaving
    # was typed in after it (finding F2): such a leaving is typed in after the session.
    for leaving in [f for f in facts if f.kind == "HeadLeftOffice"]:
        for held in [f for f in facts if f.kind == "SessionHeld" and f.on > leaving.on
                     and leaving.key in f.payload["head_ids"]]:
            leaving.recorded = max(leaving.recorded, held.recorded + timedelta(minutes=1))
    return sorted(facts, key=lambda f: f.recorded)


def envelopes(facts: list[Fact]) -> list[EventEnvelope]:
    """The history as its services publish it: in recording order, versions per aggregate."""
    versions: dict[tuple[str, str, str], int] = {}
    out = []
    for fact in facts:
        aggregate = (fact.service, fact.aggregate, fact.key)
        versions[aggregate] = versions.get(aggregate, 0) + 1
        out.append(EventEnvelope(
            event_id=uuid4(), event_type=fact.kind, schema_version=1, service=fact.service,
            aggregate_type=fact.aggregate, aggregate_id=fact.key,
            aggregate_version=versions[aggregate], occurred_at=as_business_time(fact.on),
            recorded_at=fact.recorded, actor=f"{fact.service}-desk",
            payload=as_published(fact.service, fact.kind, 1, fact.payload, fact.on),
            unit_code=fact.unit, correlation_id=uuid4().hex))
    return out


# -- the oracle: the definitions over the facts known at `as_of` ------------------------------

def _in(unit: str | None, scope: str) -> bool:
    return scope == CITY or unit == scope or DISTRICT_OF.get(unit or "") == scope


def _last(facts: list[Fact], on: date) -> Fact | None:
    """The latest of a subject's facts dated on or before `on` (ties: the later recorded)."""
    dated = [f for f in facts if f.on <= on]
    return max(dated, key=lambda f: (f.on, f.recorded)) if dated else None


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _year_length(year: int) -> int:
    return 366 if year % 4 == 0 else 365


@dataclass
class Oracle:
    facts: list[Fact]  # known at the report's as_of

    def of(self, kind_prefix: str, key: str) -> list[Fact]:
        return [f for f in self.facts if f.key == key and f.kind.startswith(kind_prefix)]

    # religion
    def sites(self, on: date) -> dict[str, str]:
        """Open sites at the end of `on` (registered by then, not closed by then): commune."""
        out = {}
        for f in self.facts:
            if f.kind == "SiteRegistered" and f.on <= on:
                closed = [c for c in self.facts if c.kind == "SiteClosed" and c.key == f.key]
                if not any(c.on <= on for c in closed):
                    out[f.key] = f.payload["commune_code"]
        return out

    def with_dossier(self, on: date) -> dict[str, str]:
        out = {}
        for code, commune in self.sites(on).items():
            step = _last([f for f in self.facts if f.aggregate == "dossier" and f.key == code],
                         on)
            if step is not None and step.payload["state"] in ("lodged", "resubmitted"):
                out[code] = commune
        return out

    def with_certificate(self, on: date) -> dict[str, str]:
        out = {}
        for code, commune in self.sites(on).items():
            step = _last([f for f in self.facts if f.aggregate == "certificate"
                          and f.key == code], on)
            if step is not None and step.kind == "CertificateIssued":
                out[code] = commune
        return out

    # models
    def entries(self, year: int, data_from: date, d: date) -> list[Fact]:
        """The contest entries a report of `year` over `data_from`..`d` counts: those of the
        year's own contest submitted in the window, on a day their model ran (registered by
        then, not closed by then)."""
        return [f for f in self.facts if f.kind == "ContestEntrySubmitted"
                and f.payload["contest_year"] == year and data_from <= f.on <= d
                and any(m.key == f.payload["model_id"] for m in self.models_running(f.on))]

    def models_running(self, on: date) -> list[Fact]:
        out = []
        for f in self.facts:
            if f.kind == "ModelRegistered" and f.on <= on:
                closed = [c for c in self.facts if c.kind == "ModelClosed" and c.key == f.key]
                if not any(c.on <= on for c in closed):
                    out.append(f)
        return out

    # dialogue
    def rule_on(self, level: str, on: date) -> int:
        versions = [f for f in self.facts if f.kind == "DialogueRuleSet"
                    and f.payload["level"] == level and f.on <= on]
        return max(versions, key=lambda f: (f.on, f.recorded)).payload[
            "min_sessions_per_year"] if versions else 0

    def owed(self, level: str, first: date, last: date) -> Fraction:
        """Day by day: each day owes the rule of that day over the days of its year."""
        total = Fraction(0)
        day = first
        while day <= last:
            total += Fraction(self.rule_on(level, day), _year_length(day.year))
            day += timedelta(days=1)
        return total

    def heads(self, start: date, on: date) -> list[tuple[str, str, bool, bool]]:
        """Heads in office some day of [start, on]: (head, unit, owes a session, meets)."""
        out = []
        for took in [f for f in self.facts if f.kind == "HeadTookOffice"]:
            left = [f.on for f in self.facts if f.kind == "HeadLeftOffice" and f.key == took.key]
            first, last = max(took.on, start), min(left[0] if left else on, on)
            if first > last:
                continue
            unit = took.unit or ""
            level = {2: "province", 3: "district", 5: "commune"}[len(unit)]
            owed = _round_half_up(self.owed(level, first, last))
            held = sum(1 for f in self.facts if f.kind == "SessionHeld"
                       and took.key in f.payload["head_ids"] and first <= f.on <= last)
            out.append((took.key, unit, owed >= 1, held >= owed))
        return out

    def planned_on(self, session: str) -> date | None:
        moves = sorted(self.of("SessionRescheduled", session), key=lambda f: f.recorded)
        if moves:
            return date.fromisoformat(moves[-1].payload["planned_on"])
        planned = self.of("SessionPlanned", session)
        return planned[0].on if planned else None


def _status(numerator: int, denominator: int, target: Fraction, on: date,
            due: bool = True) -> str | None:
    """The plan's status at `on` over the plan year 2023 (DOMAIN.md «Status»)."""
    if denominator == 0:
        return None
    if not due:
        return "chua_den_han"
    value = Fraction(numerator, denominator)
    if value >= target:
        return "dat"
    start, end = D(2023, 1, 1), D(2023, 12, 31)
    pace = target * Fraction((on - start).days + 1, (end - start).days + 1)
    if on < end and value < pace:
        return "co_nguy_co"
    return "chua_dat"


def _percent(numerator: int, denominator: int) -> float | None:
    if denominator == 0:
        return None
    return math.floor(Fraction(numerator, denominator) * 10000 + Fraction(1, 2)) / 100


Row = tuple[int, int, float | None, str | None]


def expected(facts: list[Fact], as_of: datetime, year: int, data_from: date, d: date,
             scope: str, year_cutoff: date | None = None,
             ) -> tuple[dict[str, int], dict[str, Row]]:
    """The oracle's figures and I1-I4 (numerator, denominator, value, status) of a unit for
    a report of `year` over the window `data_from`..`d` (its cut-off); `year_cutoff`: the
    year's 12-month cut-off in force (the default 14/12 unless the year report's is moved)."""
    known = Oracle([f for f in facts if f.recorded <= as_of])
    # The plan's targets apply to its year only, and judge nothing before it begins.
    judged = year == 2023 and d >= D(2023, 1, 1)

    def count(found: dict[str, str]) -> int:
        return sum(1 for commune in found.values() if _in(commune, scope))

    def flow(kind: str) -> int:
        return sum(1 for f in known.facts if f.kind == kind and data_from <= f.on <= d
                   and _in(f.unit, scope))

    sessions = {f.key for f in known.facts if f.aggregate == "session" and _in(f.unit, scope)}
    planned = [known.planned_on(s) for s in sessions]
    running = [m for m in known.models_running(d) if _in(m.unit, scope)]
    with_model = {m.unit for m in running if m.payload["field"] in QUALIFYING}
    # I2 judges the sessions of the year's data window up to d, never past the year's
    # 12-month cut-off in force (finding O14): the year report's own when it is moved.
    year_end = year_cutoff or D(year, 12, 14)
    heads = [h for h in known.heads(data_from, min(d, year_end)) if _in(h[1], scope)]
    figures = {
        "sites": count(known.sites(d)),
        "sites_with_dossier": count(known.with_dossier(d)),
        "sites_with_certificate": count(known.with_certificate(d)),
        "dossiers_lodged": flow("LandDossierLodged"),
        "certificates_issued": flow("CertificateIssued"),
        "certificates_revoked": flow("CertificateRevoked"),
        "sessions_planned": sum(1 for p in planned if p is not None and data_from <= p <= d),
        "sessions_held": flow("SessionHeld"),
        "sessions_cancelled": flow("SessionCancelled"),
        "heads_in_office": len(heads),
        "heads_owing": sum(1 for h in heads if h[2]),
        "heads_meeting_rule": sum(1 for h in heads if h[3]),
        "models_active": len(running),
        # An entry counts in its contest's year only (finding O15): one of the 2023 contest
        # submitted on 20/12/2023 is in 2024's window and no 2024 entry.
        "contest_entries": sum(1 for f in known.entries(year, data_from, d)
                               if _in(f.unit, scope)),
        "communes_with_model": len(with_model),
    }
    base = PLAN_BASE if scope == CITY and year == 2023 else figures["sites"]
    counts = {"I1": (len(with_model), COMMUNE_COUNT[scope]),
              "I2": (figures["heads_meeting_rule"], figures["heads_in_office"]),
              "I3": (figures["sites_with_dossier"], base),
              "I4": (figures["sites_with_certificate"], base)}
    rows: dict[str, Row] = {}
    for indicator, (numerator, denominator) in counts.items():
        due = indicator != "I2" or figures["heads_owing"] > 0
        status = _status(numerator, denominator, TARGETS[indicator], d, due) if judged else (
            "chua_den_han" if denominator and not due else None)
        rows[indicator] = (numerator, denominator, _percent(numerator, denominator), status)
    return figures, rows


# -- the services, fed in process -----------------------------------------------------------

@dataclass
class Fed:
    reporting: ServiceRuntime
    indicators: ServiceRuntime

    def close(self) -> None:
        """Each history's connections given back at once: a run of examples on a shared
        PostgreSQL must not hold two pools per example until the test ends."""
        self.reporting.engine.dispose()
        self.indicators.engine.dispose()


def feed(fed: Fed, items: list[EventEnvelope]) -> None:
    """Each event applied as its consumers apply a delivered one, in stream order."""
    for runtime in (fed.reporting, fed.indicators):
        for envelope in items:
            for runner in runtime.consumers:
                if runner.projection.source_service == envelope.service:
                    with runtime.engine.begin() as conn:
                        runner.projection.apply(conn, [envelope])


def emptied(url: str, tables: dict[str, list[str]]) -> str:
    """The database at `url` with every row of every table deleted, its migrations' record
    kept (and PostgreSQL's sequences started again), as it was migrated, before anything was
    written. `tables`: its tables, children first, found at the first call (a database not
    migrated yet has none and is left as it is)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        if not tables.get(url):
            found = MetaData()
            found.reflect(engine)
            kept = {version_table(service) for service in known_services()}
            tables[url] = [table.name for table in reversed(found.sorted_tables)
                           if table.name not in kept]
        with engine.begin() as conn:
            for name in tables[url]:
                conn.execute(text(f'DELETE FROM "{name}"'))
            if engine.dialect.name == "postgresql":
                for (sequence,) in conn.execute(text(
                        "SELECT sequence_name FROM information_schema.sequences"
                        " WHERE sequence_schema = current_schema()")):
                    conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
            elif tables[url] and conn.execute(text(
                    "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))
    finally:
        engine.dispose()
    return url


@pytest.fixture
def services_factory(
    database_url_factory: Callable[[str], str],
) -> Iterator[Callable[[], Fed]]:
    """Both services' databases, empty for each generated history: the same two databases
    emptied, not new ones (on PostgreSQL a CREATE and a DROP DATABASE, each waiting for a
    checkpoint of the server, and the migrations of both services cost two thirds of the
    test's time); each history's runtimes and subjects are its own."""
    urls = {service: database_url_factory(f"{service}-oracle")
            for service in ("reporting", "indicators")}
    tables: dict[str, list[str]] = {}

    def make() -> Fed:
        root = f"o{uuid4().hex[:10]}"
        reporting = create_runtime(Settings.for_service(
            "reporting", database_url=emptied(urls["reporting"], tables),
            subject_root=root, environment="test"))
        reporting.create_schema()
        indicators = planned_runtime(emptied(urls["indicators"], tables), root)
        return Fed(reporting, indicators)

    yield make


def as_of_moments(facts: list[Fact], draw: Callable[[st.SearchStrategy[Any]], Any]
                  ) -> list[datetime]:
    """Now, and a moment just before some fact was typed in (one typed in late, if any)."""
    late = [f.recorded for f in facts if f.recorded - as_business_time(f.on) > timedelta(
        days=1)] or [f.recorded for f in facts]
    chosen = draw(st.sampled_from(late))
    return [FAR, chosen - timedelta(seconds=1)]


def fact_days(facts: list[Fact], draw: Callable[[st.SearchStrategy[Any]], Any]
              ) -> list[date]:
    """Days the history changes something on, and the days before: where an off-by-one of
    a rule shows. A report's cut-off may be moved to any of them."""
    found = sorted({f.on + timedelta(n) for f in facts for n in (-1, 0)
                    if D(2022, 12, 15) <= f.on + timedelta(n) <= D(2024, 3, 14)})
    if not found:
        return []
    return sorted(set(draw(st.lists(st.sampled_from(found), max_size=3))))


def windows(days_: list[date]) -> list[tuple[str, date]]:
    """The default periods (their own cut-offs), and the year report of 2023 (2024's first)
    with its cut-off moved to each day, as reporting moves it to an indicator's last day."""
    return [*((period_id, window[1]) for period_id, window in PERIODS.items()),
            *(("2024-3m" if day.year > 2023 else "2023-12m", day) for day in days_)]


@pytest.mark.timeout(900)  # a shared machine; about a minute of CPU alone
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(facts=histories(), data=st.data())
def test_the_figures_of_any_history_are_the_definitions(
    services_factory: Callable[[], Fed], facts: list[Fact], data: st.DataObject,
) -> None:
    fed = services_factory()
    try:
        check(fed, facts, data)
    finally:
        fed.close()


def check(fed: Fed, facts: list[Fact], data: st.DataObject) -> None:
    """The services' figures of the history equal the oracle's."""
    feed(fed, envelopes(facts))
    state = state_of(fed.reporting)
    on_days = fact_days(facts, data.draw)
    for as_of in as_of_moments(facts, data.draw):
        with fed.reporting.engine.connect() as conn:
            for name, cutoff in windows(on_days):
                period = load_period(conn, fed.reporting.store, name, as_of)
                assert period.data_from == PERIODS[name][0]
                if cutoff != period.cutoff_on:
                    period = replace(period, cutoff_on=cutoff)
                shown = reporting_compute(state, conn, period, CITY, as_of)
                for scope in SCOPES:
                    moved = period.cutoff_on if name.endswith("-12m") else None
                    figures, rows = expected(facts, as_of, period.year, period.data_from,
                                             period.cutoff_on, scope, moved)
                    got = {key: shown.values[scope][key] for key in figures}
                    assert got == figures, (name, scope, as_of)
                    indicators = {i: (f.numerator, f.denominator, f.value, f.status)
                                  for i, f in shown.indicators[scope].items()}
                    assert indicators == rows, (name, scope, as_of)
        with fed.indicators.engine.connect() as conn:
            definitions = load_definitions(conn)
            for d in sorted({*(w[1] for w in PERIODS.values()), *on_days}):
                if d.year != 2023:  # the plan's indicators are of 2023 alone
                    continue
                for indicator in ("I1", "I2", "I3", "I4"):
                    computed = indicators_compute(conn, definitions[(indicator, 2023)], d,
                                                  as_of)
                    for scope in SCOPES:
                        _, rows = expected(facts, as_of, 2023, D(2022, 12, 15), d, scope)
                        unit = computed.figures[scope]
                        assert (unit.numerator, unit.denominator, unit.status) == (
                            rows[indicator][0], rows[indicator][1], rows[indicator][3]), (
                            indicator, d, scope, as_of)
