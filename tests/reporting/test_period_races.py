"""A period's window moved at the same moment as the period's report is finalised.

Sent one after the other, the move after the finalisation is refused (409 PERIOD_FINALISED)
and a finalisation after the move counts the new window. Sent together, each read the other's
record before the other wrote it: the move found nothing finalised and the finalisation
counted the old window, both succeeded, and the signed report was of a window the period no
longer has.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.reporting.domain.periods import default_period, period_id
from shared.eventstore import events_table
from tests.integration.helpers import at_once
from tests.reporting.conftest import Reporting

#: Not consecutive: a year report's move carries the next year's windows along (a race of
#: its own, tests/reporting/test_year_boundary.py).
YEARS = (2021, 2023)
MONTHS = (3, 6, 9, 12)


def _finalised_windows(client: TestClient) -> dict[str, tuple[str, str]]:
    """The window each finalised report was counted in, by period."""
    with client.app.state.runtime.engine.connect() as conn:  # type: ignore[attr-defined]
        payloads = conn.execute(select(events_table.c.payload).where(
            events_table.c.event_type == "ReportFinalised")).scalars()
        found = [orjson.loads(payload) for payload in payloads]
    return {p["period_id"]: (p["data_from"], p["cutoff_on"]) for p in found}


def test_a_window_moved_while_its_period_is_finalised(reporting: Reporting) -> None:
    """Eight periods, each moved and finalised at the same moment: either the move is
    refused (the finalisation went first) or the report is counted in the moved window."""
    client = reporting.client
    calls: list[partial[Any]] = []
    moved: dict[str, tuple[str, str]] = {}
    for year in YEARS:
        for months in MONTHS:
            pid = period_id(year, months)
            period = default_period(year, months)
            window = (period.data_from.isoformat(),
                      (period.cutoff_on + timedelta(days=5)).isoformat())
            moved[pid] = window
            tag = client.get(f"/api/v1/periods/{pid}").headers["ETag"]
            calls.append(partial(client.put, f"/api/v1/periods/{pid}", headers={"if-match": tag},
                                 json={"data_from": window[0], "cutoff_on": window[1],
                                       "reason": "Hội nghị giao ban lùi"}))
            calls.append(partial(client.post, f"/api/v1/reports/{pid}/finalise",
                                 json={"scope": "31"}))
    answers = at_once(calls)
    finalised = _finalised_windows(client)
    for index, pid in enumerate(moved):
        move, finalise = answers[2 * index], answers[2 * index + 1]
        assert finalise.status_code == 201, finalise.text
        now = client.get(f"/api/v1/periods/{pid}").json()
        if move.status_code == 200:
            assert finalised[pid] == moved[pid], f"{pid}: signed a window it no longer has"
        else:
            assert move.status_code == 409, move.text
            assert move.json()["error"]["code"] == "PERIOD_FINALISED"
        assert finalised[pid] == (now["data_from"], now["cutoff_on"]), pid
