"""A running period's report, counted up to today, is read from the chunk figures through
the chunk holding today less the facts of the days after it (`chunk_tail.py`): for random
facts (out of order, moved, closed, falling due, dated after today) and any day, exactly the
figures counted from the facts; and again after a replay."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import event

from services.reporting.application import figures as figures_module
from services.reporting.application.fact_reads import read_marks
from services.reporting.application.figures import (
    Figures,
    compute,
    compute_fresh,
    compute_from_chunks,
    from_chunks_possible,
)
from services.reporting.application.reports import load_period
from services.reporting.domain.chunks import (
    chunk_end,
    chunk_of,
    chunk_reading,
    previous_chunk,
)
from services.reporting.domain.periods import Period, period_id
from shared.db import read_connection
from shared.envelope import utcnow
from tests.dialogue.conftest import FakeToday
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import Events

# Communes of Hai Phong of 2026, two merged away on 1 July 2025 and a district board
# abolished then (their facts count on the city), a commune of Hanoi (outside the city's
# scope), no unit.
CURRENT = ("11755", "11737", "11311")
COMMUNES = (*CURRENT, "11758", "11296")
UNITS = (*COMMUNES, "315", "00004", None)
FIRST = date(2025, 10, 1)
SPAN = 470  # to 14/01/2027: some facts are dated after any day a report is asked on
PERIODS = [period_id(2025, 12), *(period_id(2026, m) for m in (3, 6, 9, 12))]


class Facts:
    """Random subjects, each through a random run of its events."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.events = Events()
        # All recorded before now, in the past: every report "as of now" sees every fact.
        self.recorded = utcnow() - timedelta(days=2)

    def day(self, after: date | None = None, within: int = 120) -> date:
        if after is None:
            return FIRST + timedelta(days=self.rng.randrange(SPAN))
        return after + timedelta(days=self.rng.randrange(within))

    def add(self, service: str, aggregate: str, subject: str, kind: str, on: date,
            payload: dict[str, Any], unit: str | None = None) -> None:
        self.recorded += timedelta(seconds=1)
        if payload.get("unit_code", "") is None:
            # An event naming no unit leaves the field out: a null is no unit code to its
            # publisher's contract, and the consumer dead-letters it (finding O7).
            payload = {k: v for k, v in payload.items() if k != "unit_code"}
        self.events.add(service, aggregate, subject, kind, on, payload, unit, self.recorded)

    def unit(self) -> str | None:
        return self.rng.choice(UNITS)

    def steps(self, kinds: list[str]) -> list[str]:
        return kinds[: self.rng.randint(1, len(kinds))]

    def build(self) -> list[Any]:
        rng = self.rng
        for i in range(14):
            self.site(f"S{i}")
        for i in range(8):
            case, unit, on = f"C{i}", rng.choice(COMMUNES), self.day()
            self.add("religion", "compliance", case, "ComplianceCaseOpened", on, {
                "case_id": case, "commune_code": unit, "violation_type": "encroachment",
                "description": ""}, unit)
            for kind in self.steps(["ComplianceCaseReviewStarted", rng.choice(
                    ["ComplianceCaseResolved", "ComplianceCaseReferred"])]):
                on = self.day(on)
                self.add("religion", "compliance", case, kind, on, {"case_id": case}, unit)
        heads = [f"H{i}" for i in range(6)]
        for head in heads:
            # Most in office all year (their sessions counted from the chunks), some not.
            unit, on = rng.choice((*CURRENT, "315")), self.day(date(2024, 1, 1), 560)
            role = rng.choice(["party_secretary", "people_committee_chair"])
            self.add("dialogue", "head", head, "HeadTookOffice", on, {
                "head_id": head, "unit_code": unit, "role": role, "full_name": "",
                "from_date": on.isoformat()}, unit)
            if rng.random() < 0.3:
                left = self.day(on + timedelta(days=300), 400)
                self.add("dialogue", "head", head, "HeadLeftOffice", left, {
                    "head_id": head, "unit_code": unit, "role": role,
                    "to_date": left.isoformat()}, unit)
        # Rules owing several sessions a year: a session more or less moves I2 all year.
        for level, sessions in (("commune", 4), ("district", 6)):
            self.add("dialogue", "rule", level, "DialogueRuleSet", date(2025, 1, 1), {
                "level": level, "min_sessions_per_year": sessions,
                "effective_from": "2025-01-01"})
        for i in range(30):
            self.session(f"SES{i}", heads)
        for i in range(14):
            self.commitment(f"K{i}")
        for i in range(10):
            self.model(f"M{i}")
        return self.events.items

    def site(self, code: str) -> None:
        rng, unit = self.rng, self.rng.choice((*COMMUNES, "00004"))
        on = self.day()
        self.add("religion", "site", code, "SiteRegistered", on, {
            "code": code, "name": code, "religion": "Phật giáo", "commune_code": unit,
            "district_code": None, "address": "", "land_area_m2": 1.0,
            "land_use_origin": ""}, unit)
        dossier = ["LandDossierLodged", "DossierRequisitioned", "DossierResubmitted",
                   rng.choice(["DossierAccepted", "DossierRejected", "DossierWithdrawn"])]
        later = self.steps([*rng.sample(dossier, len(dossier)), "CertificateIssued",
                            "SiteAmended", "CertificateRevoked", "SiteClosed"])
        for kind in later:
            on = self.day(on, 150)
            if kind == "SiteAmended":
                unit = rng.choice(COMMUNES)
                self.add("religion", "site", code, kind, on, {
                    "code": code, "changes": {"commune_code": unit}, "commune_code": unit},
                    unit)
            elif kind == "SiteClosed":
                self.add("religion", "site", code, kind, on, {"code": code, "reason": ""})
            elif kind.startswith("Certificate"):
                self.add("religion", "certificate", code, kind, on, {
                    "site_code": code, "certificate_number": code, "issued_on": on.isoformat(),
                    "issuing_authority": "", "certified_area_m2": 1.0}, self.unit())
            else:
                self.add("religion", "dossier", code, kind, on, {
                    "site_code": code, "document_refs": []}, self.unit())

    def corrections(self) -> list[Any]:
        """Corrections (G18) of a third of the religion facts, recorded after them all: a
        registration, a dossier step or a certificate re-dated (some twice: a chain, the
        second correcting the first), or a dossier step that never happened (void)."""
        rng, start = self.rng, len(self.events.items)
        kinds = {"site": "SiteRegisteredCorrected", "dossier": "DossierStepCorrected",
                 "certificate": "CertificateIssuedCorrected"}
        originals = [e for e in self.events.items if e.event_type in (
            "SiteRegistered", "CertificateIssued") or e.aggregate_type == "dossier"]
        for original in rng.sample(originals, len(originals) // 3):
            current = original
            for _ in range(rng.randint(1, 2)):
                void = original.aggregate_type == "dossier" and rng.random() < 0.3
                on = self.day(current.occurred_at.date() - timedelta(days=60), 120)
                payload = {**original.payload, "corrects": str(current.event_id),
                           "corrected_version": current.aggregate_version, "reason": "Gõ nhầm",
                           "void": void, "corrected_type": original.event_type,
                           "registered_on": on.isoformat(), "issued_on": on.isoformat()}
                unit = original.unit_code if original.aggregate_type == "site" else self.unit()
                self.add("religion", original.aggregate_type, original.aggregate_id,
                         kinds[original.aggregate_type], on, payload, unit)
                current = self.events.items[-1]
                if void:
                    break
        return self.events.items[start:]

    def session(self, session: str, heads: list[str]) -> None:
        rng, unit, on = self.rng, self.rng.choice((*CURRENT, None)), self.day()
        self.add("dialogue", "session", session, "SessionPlanned", on, {
            "session_id": session, "unit_code": unit, "head_ids": [], "topic": ""}, unit)
        if rng.random() < 0.2:
            self.add("dialogue", "session", session, "SessionCancelled", self.day(on, 20),
                     {"session_id": session}, unit)
            return
        on = self.day(on, 40)
        held_by = rng.sample(heads, rng.randint(1, 2))
        self.add("dialogue", "session", session, "SessionHeld", on, {
            "session_id": session, "unit_code": unit, "held_on": on.isoformat(),
            "head_ids": held_by}, unit)
        if rng.random() < 0.3:
            # Corrected: held on another day (either side of a chunk's end) or not at all.
            void = rng.random() < 0.3
            moved = on if void else self.day(on - timedelta(days=30), 60)
            self.add("dialogue", "session", session, "SessionHeldCorrected", moved, {
                "session_id": session, "unit_code": unit, "corrects": str(uuid4()),
                "corrected_version": 2, "reason": "Ghi nhầm", "void": void,
                "held_on": None if void else moved.isoformat(),
                "head_ids": [] if void else rng.sample(heads, 1),
                "previous_held_on": on.isoformat(), "previous_head_ids": held_by}, unit)
        self.add("dialogue", "session", session, "SessionReportFiled", self.day(on, 10), {
            "session_id": session, "attendance": rng.choice([40, 57, 34, 120])}, unit)
        for n in range(rng.randrange(3)):
            issue = f"{session}-I{n}"
            self.add("dialogue", "issue", issue, "IssueRaised", on, {
                "issue_id": issue, "session_id": session, "unit_code": unit, "category": "other",
                "text": "", "handling": rng.choice(["answered_on_spot", "assigned"])}, unit)

    def commitment(self, cid: str) -> None:
        unit, on = self.rng.choice(COMMUNES), self.day()
        due = self.day(on - timedelta(days=20), 150)
        self.add("dialogue", "commitment", cid, "CommitmentMade", on, {
            "commitment_id": cid, "session_id": "SES0", "unit_code": unit,
            "responsible_agency": "", "due_on": due.isoformat(), "text": ""}, unit)
        for kind in self.steps(["CommitmentProgressUpdated", "CommitmentOverdue",
                                "CommitmentReopened", "CommitmentCompleted"]):
            on = self.day(on, 90)
            payload: dict[str, Any] = {"commitment_id": cid}
            if kind == "CommitmentReopened":
                payload["due_on"] = self.day(on, 120).isoformat()
            if kind == "CommitmentProgressUpdated":
                payload |= {"progress_pct": 30, "status": "in_progress"}
            self.add("dialogue", "commitment", cid, kind, on, payload, unit)

    def model(self, model: str) -> None:
        rng, unit, on = self.rng, self.unit(), self.day()
        fields = ("new_rural", "exemplary_rural", "urban", "digital_transformation", "other")
        self.add("indicators", "model", model, "ModelRegistered", on, {
            "model_id": model, "unit_code": unit, "field": rng.choice(fields), "title": "",
            "started_on": on.isoformat(), "recognition_level": "district",
            "status": "building"}, unit)
        for kind in self.steps(["ModelRecognised", "ModelClosed", "ModelRegistered"]):
            on = self.day(on, 150)
            payload = {"model_id": model, "recognition_level": "city", "unit_code": unit,
                       "field": rng.choice(fields), "title": "", "status": "building"}
            self.add("indicators", "model", model, kind, on, payload, unit)
        if rng.random() < 0.5:
            entry = f"E-{model}"
            self.add("indicators", "contest", entry, "ContestEntrySubmitted", self.day(), {
                "entry_id": entry, "model_id": model, "contest_year": 2026, "title": ""}, unit)


def _content(figures: Figures) -> dict[str, Any]:
    return {"content": figures.content(), "targets": figures.targets,
            "reported_status": figures.reported_status,
            "other_indicators": figures.other_indicators}


def _days(rng: random.Random, period: Period, draws: int) -> list[date]:
    """Days the period runs on: its first, its cut-off, random ones; every day around one
    month's end (the 24th-28th ending a chunk, the 29th to the month's end, a short chunk,
    and the 1st-7th of the next: the reading turns from the chunk before plus the days since
    to the chunk less the days after in each); and in one of its chunks days early, mid
    (either side of where the reading turns) and late. About as many days as when a chunk
    was a quarter."""
    span = (period.cutoff_on - period.data_from).days
    days = {period.data_from, period.cutoff_on}
    days |= {period.data_from + timedelta(days=rng.randrange(span + 1)) for _ in range(draws)}
    firsts = [day for day in (period.data_from + timedelta(days=n) for n in range(span + 1))
              if day.day == 1]
    if firsts:
        first = rng.choice(firsts)
        days |= {first + timedelta(days=n) for n in range(-5, 7)}  # 24th/27th .. 7th
    chunks = sorted({chunk_of(period.data_from + timedelta(days=n)) for n in range(span + 1)})
    for chunk in rng.sample(chunks, 1):
        end = chunk_end(chunk)
        eve = chunk_end(previous_chunk(chunk))
        middle = eve + timedelta(days=(end - eve).days // 2)
        for day in (eve + timedelta(days=1), eve + timedelta(days=2),
                    middle - timedelta(days=1), middle, middle + timedelta(days=1),
                    end - timedelta(days=1)):
            days.add(day)
    return sorted(day for day in days if period.data_from <= day <= period.cutoff_on)


def _same_both_ways(reporting: Reporting, rng: random.Random, draws: int) -> Counter[int]:
    """Compares the two ways for days of each period (`_days`); returns how many days were
    read from the chunks with days between taken away (-1) or added (+1)."""
    runtime = reporting.runtime
    as_of = utcnow()
    between: Counter[int] = Counter()
    with read_connection(runtime.engine) as conn:
        marks = read_marks(conn)
        for pid in PERIODS:
            period = load_period(conn, runtime.store, pid, as_of)
            for index, day in enumerate(_days(rng, period, draws)):
                counted = period.counted_on(day)
                reading = chunk_reading(counted)
                assert reading is not None and from_chunks_possible(marks, counted, as_of)
                if reading.between is not None:
                    between[reading.sign] += 1
                # The national tree is big: every fourth day (the facts are the same).
                for scope in ("31", "VN") if index % 4 == 0 else ("31",):
                    fast = compute_from_chunks(reporting.state, conn, counted, scope, as_of)
                    slow = compute_fresh(conn, counted, scope, as_of)
                    assert _content(fast) == _content(slow), (pid, day, scope)
    return between


def test_a_running_periods_report_from_the_chunks_is_the_count_of_the_facts(
    reporting: Reporting, clock: FakeToday,
) -> None:
    rng = random.Random(20261205)
    facts = Facts(rng.randrange(10**9))
    items = facts.build()
    # In two deliveries, the second out of business-date order with the first.
    rng.shuffle(items)
    half = len(items) // 2
    reporting.publish(items[:half])
    assert _same_both_ways(reporting, rng, 4)
    reporting.publish(items[half:])
    read = _same_both_ways(reporting, rng, 12)
    assert read[-1] > 20 and read[+1] > 20, read
    # Corrections of religion facts move them across days and chunks, or take them out (G18).
    reporting.publish(facts.corrections())
    read = _same_both_ways(reporting, rng, 12)
    assert read[-1] > 20 and read[+1] > 20, read

    # The report the API serves on a day of a running period is that count.
    pid, day = period_id(2026, 12), date(2026, 11, 20)
    now = utcnow()
    with read_connection(reporting.runtime.engine) as conn:
        period = load_period(conn, reporting.runtime.store, pid, now)
        expected = _content(compute_fresh(conn, period.counted_on(day), "31", now))
    clock.set(day)
    shown = reporting.client.get(f"/api/v1/reports/{pid}").json()
    assert (shown["figures_on"], shown["provisional"]) == (day.isoformat(), True)
    root = expected["content"]["units"]["31"]["figures"]
    assert figure_values(shown) == {key: root[key] for key in figure_values(shown)}

    # Rebuilt by replay (in one batch): the same facts, the same figures, both ways.
    rebuild_and_wait(reporting.client)
    _same_both_ways(reporting, rng, 4)
    with read_connection(reporting.runtime.engine) as conn:
        counted = period.counted_on(day)
        replayed = compute(reporting.state, conn, counted, "31", now)
        assert _content(replayed) == _content(compute_fresh(conn, counted, "31", now))
    # The replay placed the events naming no unit where they were placed live.
    assert _content(replayed) == expected


def test_a_day_counts_facts_dated_on_it_and_not_after(reporting: Reporting) -> None:
    """A fact dated on the report's day counts; one dated the next day (typed in ahead)
    does not."""
    events = Events()
    recorded = utcnow() - timedelta(hours=1)
    for n, on in enumerate((date(2026, 10, 1), date(2026, 11, 20), date(2026, 11, 21))):
        events.add("dialogue", "issue", f"I{n}", "IssueRaised", on, {
            "issue_id": f"I{n}", "session_id": "S", "unit_code": "11755", "category": "other",
            "text": "", "handling": "assigned"}, "11755", recorded)
    reporting.feed(events)
    with read_connection(reporting.runtime.engine) as conn:
        period = load_period(conn, reporting.runtime.store, period_id(2026, 12))
        counts = {}
        for day in (date(2026, 9, 30), date(2026, 10, 1), date(2026, 11, 20),
                    date(2026, 11, 21)):
            counted = period.counted_on(day)
            fast = compute_from_chunks(reporting.state, conn, counted, "31", utcnow())
            counts[day] = fast.values["31"]["issues_raised"]
    assert counts == {date(2026, 9, 30): 0, date(2026, 10, 1): 1, date(2026, 11, 20): 2,
                      date(2026, 11, 21): 3}


def test_figures_read_while_a_fact_arrived_are_served_not_kept(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a connection that sees each commit (PostgreSQL's READ COMMITTED), a fact projected
    while a report is computed may be in some of its reads and not in the marks it is kept
    by: such figures are not kept for the next report."""
    events = Events()
    events.site("S1", "11755", date(2026, 11, 2))
    reporting.feed(events)
    reads = []

    def marks_moving(conn: Any) -> Any:
        found = read_marks(conn)
        reads.append(found)
        # The second read, after the figures: another fact was projected meanwhile.
        return found if len(reads) == 1 else replace(found, key=(*found.key, "moved"))

    monkeypatch.setattr(figures_module, "read_marks", marks_moving)
    with read_connection(reporting.runtime.engine) as conn:
        period = load_period(conn, reporting.runtime.store, period_id(2026, 12))
        shown = compute(reporting.state, conn, period.counted_on(date(2026, 12, 5)), "31",
                        utcnow())
    assert shown.values["31"]["sites"] == 1 and len(reads) == 2
    assert len(reporting.state.figures) == 0


def test_what_the_days_between_change_is_kept_per_source(reporting: Reporting) -> None:
    """A running report reads the days between its chunks and its day once per source: a
    new fact of one source reads that source's again and keeps the others' (no read of
    their facts), and the figures are still the count of the facts."""
    events = Events()
    recorded = utcnow() - timedelta(hours=1)
    day = date(2026, 11, 20)  # counted as the chunk to 14/12 less the days after it
    for n, on in enumerate((date(2026, 10, 1), date(2026, 11, 25), date(2026, 12, 2))):
        events.site(f"S{n}", "11755", on)
        events.add("dialogue", "issue", f"I{n}", "IssueRaised", on, {
            "issue_id": f"I{n}", "session_id": "S", "unit_code": "11755", "category": "other",
            "text": "", "handling": "assigned"}, "11755", recorded)
    reporting.feed(events)
    engine = reporting.runtime.engine
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "rpt_religion_facts" in statement:
            reads.append(statement)

    def both_ways() -> tuple[dict[str, Any], dict[str, Any]]:
        now = utcnow()
        with read_connection(engine) as conn:
            period = load_period(conn, reporting.runtime.store, period_id(2026, 12), now)
            counted = period.counted_on(day)
            assert chunk_reading(counted) is not None
            assert chunk_reading(counted).sign == -1  # type: ignore[union-attr]
            event.listen(engine, "before_cursor_execute", count)
            try:
                fast = compute_from_chunks(reporting.state, conn, counted, "31", now)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            return _content(fast), _content(compute_fresh(conn, counted, "31", now))

    fast, slow = both_ways()
    assert fast == slow and reads, "the religion facts after the day were read"
    assert slow["content"]["units"]["31"]["figures"]["sites"] == 1
    reads.clear()
    later = Events()
    later.add("dialogue", "issue", "I9", "IssueRaised", date(2026, 11, 30), {
        "issue_id": "I9", "session_id": "S", "unit_code": "11755", "category": "other",
        "text": "", "handling": "assigned"}, "11755", recorded)
    reporting.feed(later)
    fast, slow = both_ways()
    assert fast == slow and reads == [], "the religion facts were not read again"


def test_sessions_held_from_15_to_31_december_count_for_the_next_years_i2(
    reporting: Reporting,
) -> None:
    """The year's windows open on 15/12, and I2's with them (finding O14): the heads' chunks
    are read over the flows' chunks, on every day the first period runs on around the new
    year and at its cut-off, as the facts count them."""
    events = Events()
    recorded = utcnow() - timedelta(hours=1)
    events.add("dialogue", "rule", "commune", "DialogueRuleSet", date(2025, 1, 1), {
        "level": "commune", "min_sessions_per_year": 12, "effective_from": "2025-01-01"},
        None, recorded)
    # The new Xã Tiên Lãng's head (11755 persisted into it on 01/07/2025, a new commune).
    events.add("dialogue", "head", "H1", "HeadTookOffice", date(2025, 7, 1), {
        "head_id": "H1", "unit_code": "11755", "role": "party_secretary", "full_name": "",
        "from_date": "2025-07-01"}, "11755", recorded)
    for n, on in enumerate((date(2025, 12, 16), date(2025, 12, 20), date(2025, 12, 31),
                            date(2026, 1, 3))):
        events.add("dialogue", "session", f"SES{n}", "SessionHeld", on, {
            "session_id": f"SES{n}", "unit_code": "11755", "held_on": on.isoformat(),
            "head_ids": ["H1"]}, "11755", recorded)
    reporting.feed(events)
    now = utcnow()
    with read_connection(reporting.runtime.engine) as conn:
        period = load_period(conn, reporting.runtime.store, period_id(2026, 3), now)
        for day in [period.data_from + timedelta(days=n) for n in range(25)] + [
                period.cutoff_on]:
            counted = period.counted_on(day)
            fast = compute_from_chunks(reporting.state, conn, counted, "31", now)
            assert _content(fast) == _content(compute_fresh(conn, counted, "31", now)), day
    # By 14/03 the rule of twelve a year owes about three over I2's window (the year's data
    # window, 15/12 → 14/03): the three sessions of December and the one of January meet it
    # (finding O14: counted from 1 January, the one of January fell short).
    head = fast.values["11755"]
    assert head.get("heads_owing") == 1 and head.get("heads_meeting_rule") == 1, head


def _two_heads_around_2023(recorded: Any) -> Events:
    """Commune heads under a rule of two sessions a year: H1 (11755) held on 20/12/2022 and
    01/06/2023, H2 (11737) on 10/01/2023 and 15/12/2023."""
    events = Events()
    events.add("dialogue", "rule", "commune", "DialogueRuleSet", date(2020, 1, 1), {
        "level": "commune", "min_sessions_per_year": 2, "effective_from": "2020-01-01"},
        None, recorded)
    sessions = {"H1": ("11755", (date(2022, 12, 20), date(2023, 6, 1))),
                "H2": ("11737", (date(2023, 1, 10), date(2023, 12, 15)))}
    for head, (unit, days) in sessions.items():
        events.add("dialogue", "head", head, "HeadTookOffice", date(2020, 1, 1), {
            "head_id": head, "unit_code": unit, "role": "party_secretary", "full_name": "",
            "from_date": "2020-01-01"}, unit, recorded)
        for on in days:
            session = f"{head}-{on.isoformat()}"
            events.add("dialogue", "session", session, "SessionHeld", on, {
                "session_id": session, "unit_code": unit, "held_on": on.isoformat(),
                "head_ids": [head]}, unit, recorded)
    return events


def test_a_session_counts_in_the_i2_of_the_year_whose_reports_count_it_held(
    reporting: Reporting,
) -> None:
    """Finding O14: a session held on 20/12/2022 is held in 2023-12m's window (15/12/2022 →
    14/12/2023) and judged by its I2 too; one of 15/12/2023 by 2024's (held there, one of
    the two the rule owes), not 2023's. From the
    chunks, from the facts, and after a rebuild of the read model, alike."""
    reporting.feed(_two_heads_around_2023(utcnow() - timedelta(hours=1)))
    now = utcnow()

    def year_report(period: str) -> dict[str, dict[str, int]]:
        with read_connection(reporting.runtime.engine) as conn:
            found = load_period(conn, reporting.runtime.store, period, now)
            fast = compute(reporting.state, conn, found, "31", now)
            assert _content(fast) == _content(compute_fresh(conn, found, "31", now)), period
        return {unit: {key: int(fast.values[unit].get(key) or 0) for key in (
            "sessions_held", "heads_owing", "heads_meeting_rule")} for unit in (
            "11755", "11737")}

    expected = {
        "2022-12m": {"11755": {"sessions_held": 0, "heads_owing": 1, "heads_meeting_rule": 0},
                     "11737": {"sessions_held": 0, "heads_owing": 1, "heads_meeting_rule": 0}},
        "2023-12m": {"11755": {"sessions_held": 2, "heads_owing": 1, "heads_meeting_rule": 1},
                     "11737": {"sessions_held": 1, "heads_owing": 1, "heads_meeting_rule": 0}},
        "2024-12m": {"11755": {"sessions_held": 0, "heads_owing": 1, "heads_meeting_rule": 0},
                     "11737": {"sessions_held": 1, "heads_owing": 1, "heads_meeting_rule": 0}},
    }
    assert {period: year_report(period) for period in expected} == expected
    rebuild_and_wait(reporting.client)
    assert {period: year_report(period) for period in expected} == expected
