"""A rescheduled session counts as planned on its new day (finding L1): reporting reads
`SessionRescheduled` as a restatement of the planned date, so a session postponed across a
cut-off or a year counts in the period it will take place in, as the dialogue service's own
list has it; as of before the reschedule, and in a report signed before it, where it was
first planned (the change listed among the signed report's differences). Driven through the
dialogue service's API, read through reporting's, live, from the facts and after a rebuild."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from services.dialogue.app import create_app as create_dialogue
from services.reporting.adapters.tables import FACT_TABLES
from services.reporting.app import create_app as create_reporting
from services.reporting.application.figures import compute_fresh, compute_from_chunks
from services.reporting.application.reports import load_period
from services.reporting.application.state import state_of
from services.reporting.domain.chunks import chunk_reading
from shared.envelope import utcnow
from shared.eventstore import events_table
from shared.natsserver import NatsServer
from shared.settings import Settings
from tests.dialogue.conftest import TIEN_LANG_TOWN, FakeToday, ok, take_office
from tests.integration.helpers import ensure_streams, rebuild_and_wait, wait_until
from tests.reporting.conftest import figure_values

PERIODS = ("2021-12m", "2022-3m", "2022-6m", "2022-12m", "2023-3m")


def _plan(d: TestClient, head: str, on: str) -> str:
    body = ok(d.post("/api/v1/sessions", json={
        "unit_code": TIEN_LANG_TOWN, "head_ids": [head], "planned_on": on,
        "topic": "Đối thoại về giải phóng mặt bằng", "place": "Hội trường UBND"}), 201)
    session_id: str = body["session_id"]
    return session_id


def _reschedule(d: TestClient, session_id: str, on: str, decided_on: str) -> None:
    ok(d.post(f"/api/v1/sessions/{session_id}/reschedule", json={
        "planned_on": on, "reason": "Trùng lịch họp Huyện ủy", "decided_on": decided_on}))


def _sessions(r: TestClient, period: str, **params: str) -> tuple[int, int]:
    found: dict[str, Any] = ok(r.get(f"/api/v1/reports/{period}",
                                     params={"unit": TIEN_LANG_TOWN, **params}))
    figures = figure_values(found)
    return figures["sessions_planned"], figures["sessions_cancelled"]


def _listed(d: TestClient, r: TestClient, period: str, **params: str) -> int:
    """The sessions the dialogue service lists in the period's window (none is held: each is
    listed by its planned day)."""
    window = ok(r.get(f"/api/v1/periods/{period}"))
    total: int = ok(d.get("/api/v1/sessions", params={
        "unit_code": TIEN_LANG_TOWN, "date_from": window["data_from"],
        "date_to": window["cutoff_on"], **params}))["total"]
    return total


def test_a_rescheduled_session_counts_in_the_period_of_its_new_day(
    settings_factory: Callable[..., Settings], clock: FakeToday, nats_server: NatsServer,
    subject_root: str,
) -> None:
    # Every source's stream, so that a report can be finalised (its sources caught up).
    asyncio.run(ensure_streams(nats_server.url, subject_root, FACT_TABLES))
    dialogue = create_dialogue(settings_factory("dialogue"), today=clock, scan_interval_s=3600)
    reporting = create_reporting(settings_factory("reporting"), today=clock)
    with TestClient(dialogue) as d, TestClient(reporting) as r:
        # 2022's year report closes on 31/12: 2023's periods open on 01/01.
        tag = r.get("/api/v1/periods/2022-12m").headers["ETag"]
        ok(r.put("/api/v1/periods/2022-12m", headers={"if-match": tag}, json={
            "data_from": "2021-12-15", "cutoff_on": "2022-12-31",
            "reason": "Chốt số liệu cả năm"}))
        head = take_office(d, TIEN_LANG_TOWN, "people_committee_chair", "Nguyễn Văn Một",
                           "2020-01-01")
        across_cutoff = _plan(d, head, "2022-03-10")
        across_year = _plan(d, head, "2021-12-10")
        new_year = _plan(d, head, "2022-12-31")
        twice = _plan(d, head, "2022-05-10")

        with d.app.state.runtime.engine.connect() as conn:  # type: ignore[attr-defined]
            produced = len(conn.execute(events_table.select()).all())
        consumer = next(c for c in r.app.state.runtime.consumers  # type: ignore[attr-defined]
                        if c.projection.source_service == "dialogue")
        wait_until(lambda: consumer.applied >= produced)
        first = {period: _sessions(r, period)[0] for period in PERIODS}
        assert first == {"2021-12m": 1, "2022-3m": 1, "2022-6m": 2, "2022-12m": 3,
                         "2023-3m": 0}
        signed = r.post("/api/v1/reports/2021-12m/finalise", json={"scope": "31"})
        assert signed.status_code == 201, signed.text
        before = utcnow().isoformat()

        _reschedule(d, across_cutoff, "2022-03-20", "2022-03-01")  # after the 14/03 cut-off
        _reschedule(d, across_year, "2022-01-10", "2021-12-01")  # into the next year
        _reschedule(d, new_year, "2023-01-01", "2022-12-20")  # 31/12 → 01/01
        # Put off past the 6-month cut-off, brought forward again, then called off.
        _reschedule(d, twice, "2022-06-20", "2022-05-01")
        _reschedule(d, twice, "2022-05-30", "2022-05-15")
        ok(d.post(f"/api/v1/sessions/{twice}/cancel", json={
            "reason": "Đã giải quyết qua tiếp công dân", "cancelled_on": "2022-05-20"}))
        # The cancellation, the last event, is counted: so is every one before it.
        wait_until(lambda: _sessions(r, "2022-6m", as_of=utcnow().isoformat())[1] == 1)
        now = utcnow().isoformat()

        expected = {"2021-12m": (0, 0), "2022-3m": (1, 0), "2022-6m": (3, 1),
                    "2022-12m": (3, 1), "2023-3m": (1, 0)}
        assert {p: _sessions(r, p, as_of=now) for p in PERIODS} == expected
        # The dialogue service lists the same sessions in each window, the cancelled one too.
        assert {p: _listed(d, r, p) for p in PERIODS} == {
            p: planned for p, (planned, _) in expected.items()}
        assert _listed(d, r, "2022-6m", status="cancelled") == 1
        # As known before the reschedules: where they were first planned.
        assert {p: _sessions(r, p, as_of=before)[0] for p in PERIODS} == first
        # The signed report keeps its figure and lists the change.
        report = ok(r.get("/api/v1/reports/2021-12m", params={"unit": TIEN_LANG_TOWN}))
        assert figure_values(report)["sessions_planned"] == 1
        assert {"unit_code": TIEN_LANG_TOWN, "figure": "sessions_planned", "frozen": 1,
                "current": 0} in report["differences"]

        # The chunk figures and the facts agree; a rebuild (a replay) gives the same.
        runtime = r.app.state.runtime  # type: ignore[attr-defined]
        with runtime.engine.connect() as conn:
            for period_id in PERIODS:
                at = utcnow()
                period = load_period(conn, runtime.store, period_id, at)
                if chunk_reading(period) is None:  # a moved cut-off: counted from the facts
                    continue
                fast = compute_from_chunks(state_of(runtime), conn, period, "31", at)
                slow = compute_fresh(conn, period, "31", at)
                assert fast.content() == slow.content(), period_id
        rebuild_and_wait(r)
        assert {p: _sessions(r, p, as_of=utcnow().isoformat()) for p in PERIODS} == expected
        assert {p: _sessions(r, p, as_of=before)[0] for p in PERIODS} == first
        assert date.fromisoformat(ok(r.get("/api/v1/periods/2023-3m"))["data_from"]) == (
            date(2023, 1, 1))
