"""The dialogue lists' unit filter follows the catalogue's successions, as reporting's rows do
(finding M6): a session held on 20/12/2024 in 11347 Phường Gia Viên, which the catalogue
carries to 11341 from 01/01/2025, counts in reporting's 2025-3m row of 11341 (sessions_held
1), while `GET /sessions?unit=11341` over the same window listed none. A list for a unit over
a window ending on a day now shows the records a figure of that day counts at the unit; its
commitments likewise (listed as of today). A successor an official records (J15) is followed
as reporting follows it. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.dialogue.app import create_app
from shared.settings import Settings
from tests.dialogue.conftest import FakeToday, held_session, ok, runtime_of, take_office
from tests.religion.test_moved_site_old_store import reporting_factory
from tests.successions import feed_successions, indicators, record

__all__ = ["indicators", "reporting_factory"]

GIA_VIEN, GIA_VIEN_2025 = "11347", "11341"
BACH_DANG, TAN_MINH = "11788", "11791"  # a successor recorded by an official (J15)


@pytest.fixture
def dialogue(dialogue_settings: Settings, clock: FakeToday) -> Iterator[TestClient]:
    """The app without its lifespan (no relay, no NATS): schema created."""
    client = TestClient(create_app(dialogue_settings, today=clock, scan_interval_s=3600))
    runtime_of(client).create_schema()
    yield client
    runtime_of(client).engine.dispose()


def _feed_dialogue(dialogue: TestClient, reporting: TestClient) -> None:
    runtime = runtime_of(dialogue)
    with runtime.engine.connect() as conn:
        envelopes = list(runtime.store.iter_all(conn))
    consumer = next(c for c in reporting.app.state.runtime.consumers  # type: ignore[attr-defined]
                    if c.projection.source_service == "dialogue")
    consumer._apply(envelopes)


def test_a_successors_sessions_are_those_reporting_counts_at_it(
    dialogue: TestClient, clock: FakeToday, reporting_factory: Callable[[str], TestClient],
) -> None:
    clock.set(date(2025, 3, 20))
    head = take_office(dialogue, GIA_VIEN, "people_committee_chair", "Lê Văn Tâm", "2021-06-01")
    session = held_session(dialogue, GIA_VIEN, [head], "2024-12-20")
    ok(dialogue.post(f"/api/v1/sessions/{session}/commitments", json={
        "text": "Chi trả bồi thường", "due_on": "2025-06-30",
        "responsible_agency": "Ban bồi thường GPMB"}), 201)
    reporting = reporting_factory("reporting")
    _feed_dialogue(dialogue, reporting)

    for period, expected in (("2025-3m", [session]), ("2024-12m", [])):
        window = ok(reporting.get(f"/api/v1/periods/{period}"))
        rows = ok(reporting.get(f"/api/v1/reports/{period}/units"))["units"]
        held = next(r["figures"]["sessions_held"] for r in rows if r["code"] == GIA_VIEN_2025)
        listed = ok(dialogue.get("/api/v1/sessions", params={
            "unit": GIA_VIEN_2025, "date_from": window["data_from"],
            "date_to": window["cutoff_on"]}))
        assert [s["session_id"] for s in listed["items"]] == expected, period
        assert listed["total"] == held, period
    # The merged ward itself still lists its own session.
    assert ok(dialogue.get("/api/v1/sessions", params={"unit": GIA_VIEN}))["total"] == 1
    # Its commitment, listed as of today (a day of 2025), is the successor's too.
    assert ok(dialogue.get("/api/v1/commitments", params={"unit": GIA_VIEN_2025}))["total"] == 1


def test_a_recorded_successors_sessions_are_those_reporting_counts_at_it(
    dialogue: TestClient, clock: FakeToday, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    """The examiner's scenario: a session held on 20/12/2024 in 11788 Xã Bạch Đằng, whose
    successor 11791 Xã Tân Minh a city official records (`UnitSuccessionRecorded`): dialogue
    keeps it as reporting does (consumer `dialogue-successions`), so its list of 11791 over
    2025-3m's window shows the session reporting's row of 11791 counts."""
    clock.set(date(2025, 3, 20))
    head = take_office(dialogue, BACH_DANG, "people_committee_chair", "Lê Văn Tâm",
                       "2021-06-01")
    session = held_session(dialogue, BACH_DANG, [head], "2024-12-20")
    reporting = reporting_factory("reporting")
    _feed_dialogue(dialogue, reporting)
    window = ok(reporting.get("/api/v1/periods/2025-3m"))
    params = {"unit": TAN_MINH, "date_from": window["data_from"],
              "date_to": window["cutoff_on"]}
    assert ok(dialogue.get("/api/v1/sessions", params=params))["total"] == 0
    succession = record(indicators)
    for client in (reporting, dialogue):
        feed_successions(client, [succession])
    rows = ok(reporting.get("/api/v1/reports/2025-3m/units"))["units"]
    held = next(r["figures"]["sessions_held"] for r in rows if r["code"] == TAN_MINH)
    listed = ok(dialogue.get("/api/v1/sessions", params=params))
    assert [s["session_id"] for s in listed["items"]] == [session]
    assert listed["total"] == held == 1


def _csv_ids(response: Any) -> list[str]:
    """The commitment ids of a progress sheet in CSV (its first column, header left out)."""
    assert response.status_code == 200, response.text
    lines = response.content.decode("utf-8-sig").splitlines()
    return [line.split(",")[0] for line in lines[1:]]


def test_a_commitment_list_places_and_judges_on_the_business_day(
    dialogue: TestClient, clock: FakeToday
) -> None:
    """Review L2: the commitment list judged a commitment's status at the business clock's
    day (`runtime.today`, which tests move) but placed its unit on the real clock's: with the
    business day before Gia Viên's merger into 11341 (01/01/2025), 11341's list and progress
    sheet held a commitment of 11347 the day's figures count at 11347 only. One day now, the
    business clock's, places and judges; the session list places on it too."""
    clock.set(date(2024, 12, 20))
    head = take_office(dialogue, GIA_VIEN, "people_committee_chair", "Lê Văn Tâm", "2021-06-01")
    session = held_session(dialogue, GIA_VIEN, [head], "2024-12-20")
    commitment = ok(dialogue.post(f"/api/v1/sessions/{session}/commitments", json={
        "text": "Chi trả bồi thường", "due_on": "2024-12-25",
        "responsible_agency": "Ban bồi thường GPMB"}), 201)["commitment_id"]
    template = "/api/v1/commitments/progress-import/template"

    def listed(what: str, unit: str) -> list[str]:
        items = ok(dialogue.get(f"/api/v1/{what}s", params={"unit": unit}))["items"]
        return [item[f"{what}_id"] for item in items]

    assert listed("commitment", GIA_VIEN) == [commitment]
    assert listed("commitment", GIA_VIEN_2025) == []
    assert _csv_ids(dialogue.get(template, params={"unit": GIA_VIEN_2025, "format": "csv"})) == []
    assert listed("session", GIA_VIEN_2025) == []

    # The business day after the merger: the successor's, and overdue since 26/12/2024.
    clock.set(date(2025, 3, 20))
    items = ok(dialogue.get("/api/v1/commitments", params={"unit": GIA_VIEN_2025}))["items"]
    assert [(i["commitment_id"], i["status"], i["overdue_since"]) for i in items] == [
        (commitment, "overdue", "2024-12-26")]
    assert _csv_ids(dialogue.get(template, params={"unit": GIA_VIEN_2025, "format": "csv"})) == [
        commitment]
    assert listed("session", GIA_VIEN_2025) == [session]
