"""The period before a running one is kept while no fact of its window changed (issue 20):
a new fact of the running period leaves its figures kept, and after each kind of change (a
new fact in the running period, a correction of a fact of the period before, a late fact
dated in it, corrections of religion facts across both, a rebuild by replay) the figures
served, kept or not, are those counted afresh from the facts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest

from services.reporting.application import chunk_tail
from services.reporting.application import figures as figures_module
from services.reporting.application.chunk_tail import _changes as changes
from services.reporting.application.figures import compute_fresh, compute_many
from services.reporting.application.from_chunks import compute_from_chunks_many
from services.reporting.application.reports import load_period, load_previous_period
from services.reporting.domain.periods import Period, period_id
from shared.db import read_connection
from shared.envelope import utcnow
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import Events
from tests.reporting.test_running_from_chunks import Facts, _content

PERIOD = period_id(2026, 6)  # data from 15/12/2025; the period before it: 2026-3m, to 14/03
DAY = date(2026, 4, 17)  # running: the chunks to 14/04 and the facts of 15-17/04
UNIT = "11755"


def _issue(events: Events, issue: str, on: date, recorded: Any) -> None:
    events.add("dialogue", "issue", issue, "IssueRaised", on, {
        "issue_id": issue, "session_id": "SX", "unit_code": UNIT, "category": "other",
        "text": "", "handling": "assigned"}, UNIT, recorded)


class Served:
    """The running period's report and the one before as a report asks them (`compute_many`,
    kept figures and all), compared with their count from the facts; which periods were
    summed from the chunks (not kept) and which sources' days were counted from the facts
    (not kept) are recorded."""

    def __init__(self, reporting: Reporting, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reporting = reporting
        self.summed: list[date] = []
        self.days: list[str] = []
        self.running: dict[str, Any] = {}

        def spied(conn: Any, periods: Sequence[Period], *args: Any) -> Any:
            self.summed += [period.cutoff_on for period in periods]
            return compute_from_chunks_many(conn, periods, *args)

        def days_spied(between: Any, source: str) -> Any:
            self.days.append(source)
            return changes(between, source)

        monkeypatch.setattr(figures_module, "compute_from_chunks_many", spied)
        monkeypatch.setattr(chunk_tail, "_changes", days_spied)

    def __call__(self) -> tuple[list[date], dict[str, Any]]:
        """Which cut-offs were summed, and the figures of the period before (the running
        period's: `running`)."""
        runtime = self.reporting.runtime
        now = utcnow()
        self.summed, self.days = [], []
        with read_connection(runtime.engine) as conn:
            counted = load_period(conn, runtime.store, PERIOD, now).counted_on(DAY)
            previous = load_previous_period(conn, runtime.store, PERIOD, now)
            served = compute_many(self.reporting.state, conn, [counted, previous], "31", now)
            for figures, period in zip(served, (counted, previous), strict=True):
                fresh = compute_fresh(conn, period, "31", now)
                assert _content(figures) == _content(fresh), period.cutoff_on
        self.running = served[0].values[UNIT]
        return self.summed, served[1].values[UNIT]


def test_the_period_before_a_running_one_is_kept_until_its_facts_change(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch,
) -> None:
    facts = Facts(20261207)
    items = facts.build()
    # A head in office from 11/03/2026 under a rule owing a session every three days: the
    # session of 10/03 is before their days in office, moved to 12/03 (the same chunk, 8-14
    # March) it meets the rule at 14/03. Another session on 16/04, a day the running report
    # counts from the facts.
    recorded = utcnow() - timedelta(hours=1)
    events = Events()
    events.add("dialogue", "rule", "commune", "DialogueRuleSet", date(2025, 1, 2), {
        "level": "commune", "min_sessions_per_year": 120, "effective_from": "2025-01-02"},
        None, recorded)
    events.add("dialogue", "head", "HP", "HeadTookOffice", date(2026, 3, 11), {
        "head_id": "HP", "unit_code": UNIT, "role": "party_secretary", "full_name": "",
        "from_date": "2026-03-11"}, UNIT, recorded)
    events.add("dialogue", "session", "SX", "SessionHeld", date(2026, 3, 10), {
        "session_id": "SX", "unit_code": UNIT, "held_on": "2026-03-10",
        "head_ids": ["HP"]}, UNIT, recorded)
    events.add("dialogue", "session", "SY", "SessionHeld", date(2026, 4, 16), {
        "session_id": "SY", "unit_code": UNIT, "held_on": "2026-04-16",
        "head_ids": ["HP"]}, UNIT, recorded)
    reporting.publish([*items, *events.items])
    served = Served(reporting, monkeypatch)
    previous_on = date(2026, 3, 14)

    summed, before = served()
    assert previous_on in summed and DAY in summed and "dialogue" in served.days
    summed, again = served()
    assert summed == [] and again == before  # nothing changed: both kept

    # A new fact of the running period (not of its days from the facts): the period before
    # is kept, the running one summed again, its days counted from the facts kept.
    later = Events()
    _issue(later, "NEW1", date(2026, 3, 25), recorded)
    reporting.feed(later)
    summed, kept = served()
    assert summed == [DAY] and kept == before and served.days == []

    # A session of the days moved out of them, inside their chunk (15-21/04): no chunk
    # figure moves, the days' do.
    held = served.running["sessions_held"]
    moved_out = Events()
    moved_out.held_corrected("SY", UNIT, (date(2026, 4, 16), ["HP"]),
                             (date(2026, 4, 19), ["HP"]), utcnow() - timedelta(minutes=40))
    reporting.feed(moved_out)
    summed, kept = served()
    assert summed == [DAY] and kept == before and served.days == ["dialogue"]
    assert served.running["sessions_held"] == held - 1

    # A correction of a fact of the period before, which moves no chunk figure (the session
    # stays in its chunk): the head meets the rule at 14/03.
    corrected = Events()
    corrected.held_corrected("SX", UNIT, (date(2026, 3, 10), ["HP"]),
                             (date(2026, 3, 12), ["HP"]), utcnow() - timedelta(minutes=30))
    reporting.feed(corrected)
    summed, moved = served()
    assert previous_on in summed
    assert moved["heads_meeting_rule"] == before["heads_meeting_rule"] + 1

    # A late fact dated in the period before.
    late = Events()
    _issue(late, "LATE1", date(2026, 2, 10), utcnow() - timedelta(minutes=20))
    reporting.feed(late)
    summed, counted = served()
    assert previous_on in summed
    assert counted["issues_raised"] == moved["issues_raised"] + 1

    # Corrections of a third of the religion facts, re-dated across chunks or voided.
    reporting.publish(facts.corrections())
    served()

    # Rebuilt by replay: a new generation, summed again, the same figures.
    _, replayed_before = served()
    rebuild_and_wait(reporting.client)
    summed, replayed = served()
    assert previous_on in summed and replayed == replayed_before
