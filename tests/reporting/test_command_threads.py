"""A finalisation waits for its sources outside its transaction (require_sources_applied): it
runs in the app's many command threads, not in SQLite's one writer thread
(shared/commandthreads.py `waits_outside_database`), so another command is not held up
meanwhile. SQLite and PostgreSQL (where every command runs in the many)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.reporting.api import routes
from services.reporting.application import catchup
from services.reporting.domain.periods import default_period
from shared.runtime import ServiceRuntime
from tests.reporting.conftest import Reporting


def test_a_finalisation_waiting_for_its_sources_holds_up_no_other_command(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = reporting.client
    entered, release = threading.Event(), threading.Event()
    waited_in: list[str] = []
    require_sources_applied = catchup.require_sources_applied

    def waiting(runtime: ServiceRuntime) -> datetime:
        waited_in.append(threading.current_thread().name)
        entered.set()
        assert release.wait(60), "the finalisation was never let go"
        return require_sources_applied(runtime)

    monkeypatch.setattr(routes, "require_sources_applied", waiting)
    answers: list[Any] = []
    finalising = threading.Thread(target=lambda: answers.append(
        client.post("/api/v1/reports/2023-3m/finalise", json={"scope": "31"})))
    finalising.start()
    try:
        assert entered.wait(60)
        assert waited_in == ["command"]  # not "command-writer"
        period = default_period(2023, 6)
        tag = client.get("/api/v1/periods/2023-6m").headers["ETag"]
        moved = client.put("/api/v1/periods/2023-6m", headers={"if-match": tag}, json={
            "data_from": period.data_from.isoformat(),
            "cutoff_on": (period.cutoff_on + timedelta(days=5)).isoformat(),
            "reason": "Hội nghị giao ban lùi"})
        assert moved.status_code == 200, moved.text
    finally:
        release.set()
        finalising.join(60)
    [finalised] = answers
    assert finalised.status_code == 201, finalised.text
