"""A store written before the fix of finding G1 holds, for a commitment due 20/06 and done
18/06 but recorded in 2026, an overdue dated 21/06 (version 2) before the progress and the
completion dated 18/06 (versions 3, 4). Events are never edited: the reports must count it
done from 18/06, from the chunk figures and from the fact tables alike, and after a replay."""

from __future__ import annotations

from datetime import date

from services.reporting.application.figures import compute_fresh
from services.reporting.application.reports import load_period
from shared.envelope import utcnow
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import DAI_THANG, Events

FIGURES = ("commitments_total", "commitments_done", "commitments_overdue",
           "commitments_in_progress")


def _done_after_an_overdue(events: Events, cid: str, made: date, due: date,
                           overdue: date, done: date) -> None:
    """As the dialogue service wrote it: the overdue first (judged at the day of recording),
    then the completion dated before it."""
    events.commitment(cid, "SES1", DAI_THANG, made, due)
    events.add("dialogue", "commitment", cid, "CommitmentOverdue", overdue, {
        "commitment_id": cid, "due_on": due.isoformat(), "overdue_since": overdue.isoformat(),
        "progress_pct": 0}, DAI_THANG)
    events.add("dialogue", "commitment", cid, "CommitmentProgressUpdated", done, {
        "commitment_id": cid, "progress_pct": 100, "status": "done",
        "updated_on": done.isoformat(), "previous_progress_pct": 0, "note": ""}, DAI_THANG)
    events.add("dialogue", "commitment", cid, "CommitmentCompleted", done, {
        "commitment_id": cid, "completed_on": done.isoformat()}, DAI_THANG)


def _figures(reporting: Reporting, period: str) -> tuple[int, ...]:
    """Through the API (as of now: the chunk figures), checked equal to those computed from
    the fact tables."""
    response = reporting.client.get(f"/api/v1/reports/{period}")
    assert response.status_code == 200, response.text
    values = figure_values(response.json())
    shown = tuple(values[name] for name in FIGURES)
    as_of = utcnow()
    with reporting.runtime.engine.connect() as conn:
        fresh = compute_fresh(conn, load_period(conn, reporting.runtime.store, period, as_of),
                              response.json()["scope"]["code"], as_of)
    assert tuple(fresh.values[fresh.scope].get(name, 0) for name in FIGURES) == shown, period
    return shown


def test_an_overdue_stored_before_an_earlier_completion_does_not_undo_it(
    reporting: Reporting,
) -> None:
    d = date
    events = Events()
    # C4: due 20/06, done 18/06; the overdue dated 21/06 stored before the completion.
    _done_after_an_overdue(events, "C4", d(2023, 6, 15), d(2023, 6, 20), d(2023, 6, 21),
                           d(2023, 6, 18))
    # C1: due 31/05, done 20/05 (overdue 01/06 stored first), reopened 01/10 due 30/11.
    _done_after_an_overdue(events, "C1", d(2023, 3, 14), d(2023, 5, 31), d(2023, 6, 1),
                           d(2023, 5, 20))
    events.add("dialogue", "commitment", "C1", "CommitmentReopened", d(2023, 10, 1), {
        "commitment_id": "C1", "reason": "Chưa xong", "reopened_on": "2023-10-01",
        "due_on": "2023-11-30", "status": "open", "progress_pct": 0}, DAI_THANG)
    reporting.feed(events)

    expected = {"2023-6m": (1, 1, 0, 0), "2023-9m": (2, 2, 0, 0), "2023-12m": (2, 1, 1, 0)}
    assert {p: _figures(reporting, p) for p in expected} == expected
    rebuild_and_wait(reporting.client)
    assert {p: _figures(reporting, p) for p in expected} == expected
