"""A commitment completed before its due date is done, however late its completion is recorded
and whatever overdue was recorded before it (finding G1). Once the dialogue service judged an
update dated 18/06 at the day it was recorded (2026): it wrote an overdue dated 21/06 before
the completion, its GET answered overdue_since 21/06, and reporting, ordering a commitment's
facts by business date, took that overdue as the last word and counted the commitment overdue
in every later period. The same when the scheduler flagged it before the desk, a few days
late, recorded a completion dated before the due date (live, or through the progress import).

The kernel decides (`shared/planrules.commitment_standing`): done when completed at the
cut-off, else overdue once its due date has passed, else in progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.dialogue.app import create_app as create_dialogue
from services.reporting.app import create_app as create_reporting
from services.reporting.application.figures import compute_fresh
from services.reporting.application.reports import load_period
from shared.envelope import utcnow
from shared.eventstore import events_table
from shared.settings import Settings
from tests.dialogue.conftest import TIEN_LANG_TOWN, FakeToday, held_session, ok, take_office
from tests.integration.helpers import rebuild_and_wait, wait_until

FIGURES = ("commitments_total", "commitments_done", "commitments_overdue",
           "commitments_in_progress")
# The finding's hand count (C1 due 31/05 done 20/05, reopened 01/10 due 30/11; C2 due 10/06,
# 50 % 01/06, 100 % 01/08; C3 due 14/06, never updated; C4 made 15/06 due 20/06, done 18/06):
# total, done, overdue, in progress at each period's cut-off.
EXPECTED = {
    "2023-6m": (3, 1, 1, 1),  # 14/06: C1 done; C2 overdue; C3 due that day; C4 not yet made
    "2023-9m": (4, 3, 1, 0),  # 14/09: C1, C2, C4 done; C3 overdue
    "2023-12m": (4, 2, 2, 0),  # 14/12: C2, C4 done; C1 (reopened, due 30/11) and C3 overdue
}


@dataclass
class Services:
    dialogue: TestClient
    reporting: TestClient

    def commitment(self, session_id: str, due_on: str) -> str:
        body = ok(self.dialogue.post(f"/api/v1/sessions/{session_id}/commitments", json={
            "text": "Sửa đường trục xã", "responsible_agency": "UBND xã",
            "due_on": due_on}), 201)
        commitment_id: str = body["commitment_id"]
        return commitment_id

    def progress(self, commitment_id: str, pct: int, on: str) -> dict[str, Any]:
        return ok(self.dialogue.post(f"/api/v1/commitments/{commitment_id}/progress",
                                     json={"progress_pct": pct, "updated_on": on}))

    def get(self, commitment_id: str) -> dict[str, Any]:
        return ok(self.dialogue.get(f"/api/v1/commitments/{commitment_id}"))

    def caught_up(self) -> None:
        """Reporting has projected every event the dialogue service stored."""
        runtime = self.dialogue.app.state.runtime  # type: ignore[attr-defined]
        with runtime.engine.connect() as conn:
            # A report reminder is not sent to reporting (its consumer does not ask for it).
            produced = conn.execute(
                select(func.count()).select_from(events_table)
                .where(events_table.c.event_type != "SessionReportReminderDue")).scalar_one()
        consumer = next(c for c in self.reporting.app.state.runtime.consumers  # type: ignore[attr-defined]
                        if c.projection.source_service == "dialogue")
        wait_until(lambda: consumer.applied >= produced)

    def figures(self, period: str) -> tuple[int, ...]:
        """The period's commitment figures through the reporting API (as of now: from the
        chunk figures), checked equal to those computed from the fact tables."""
        report = ok(self.reporting.get(f"/api/v1/reports/{period}"))
        values = {f["key"]: f["value"] for s in report["sections"] for f in s["figures"]}
        shown = tuple(values[name] for name in FIGURES)
        runtime = self.reporting.app.state.runtime  # type: ignore[attr-defined]
        as_of = utcnow()
        with runtime.engine.connect() as conn:
            fresh = compute_fresh(conn, load_period(conn, runtime.store, period, as_of),
                                  "31", as_of)
        assert tuple(fresh.values[fresh.scope].get(name, 0) for name in FIGURES) == shown, period
        return shown


@contextmanager
def running(settings_factory: Callable[..., Settings], clock: FakeToday) -> Iterator[Services]:
    dialogue = create_dialogue(settings_factory("dialogue"), today=clock, scan_interval_s=3600)
    reporting = create_reporting(settings_factory("reporting"))
    with TestClient(dialogue) as d, TestClient(reporting) as r:
        yield Services(d, r)


def _sessions(services: Services) -> tuple[str, str]:
    client = services.dialogue
    head = take_office(client, TIEN_LANG_TOWN, "people_committee_chair", "Nguyễn Văn Một",
                       "2020-01-01")
    return (held_session(client, TIEN_LANG_TOWN, [head], "2023-03-14"),
            held_session(client, TIEN_LANG_TOWN, [head], "2023-06-15"))


def test_the_findings_commitments_recorded_in_2026_count_as_hand_counted(
    settings_factory: Callable[..., Settings], clock: FakeToday,
) -> None:
    clock.set(date(2026, 12, 5))  # every update is recorded years after its date
    with running(settings_factory, clock) as services:
        first, second = _sessions(services)
        c1, c2, c3 = (services.commitment(first, due)
                      for due in ("2023-05-31", "2023-06-10", "2023-06-14"))
        services.progress(c1, 100, "2023-05-20")
        services.progress(c2, 50, "2023-06-01")
        services.progress(c2, 100, "2023-08-01")
        ok(services.dialogue.post(f"/api/v1/commitments/{c1}/reopen", json={
            "reason": "Người dân phản ánh chưa xong", "reopened_on": "2023-10-01",
            "new_due_on": "2023-11-30"}))
        c4 = services.commitment(second, "2023-06-20")
        answer = services.progress(c4, 100, "2023-06-18")
        ok(services.dialogue.post("/api/v1/admin/scan"))  # the scheduler's pass (flags C3)

        c4_body = services.get(c4)
        assert (c4_body["status"], c4_body["overdue_since"]) == ("done", None), answer
        # No overdue was ever recorded for it: judged at 18/06, it was not.
        assert [h["event_type"] for h in c4_body["history"]] == [
            "CommitmentMade", "CommitmentProgressUpdated", "CommitmentCompleted"]
        # C2 was overdue from 11/06 until its completion on 01/08: that stays said.
        assert (services.get(c2)["status"], services.get(c2)["overdue_since"]) == (
            "done", "2023-06-11")
        assert services.get(c3)["overdue_since"] == "2023-06-15"
        # C1, reopened on 01/10 with a new due date 30/11, is overdue today from 01/12.
        assert (services.get(c1)["status"], services.get(c1)["overdue_since"]) == (
            "overdue", "2023-12-01")

        services.caught_up()
        assert {p: services.figures(p) for p in EXPECTED} == EXPECTED
        # A replay of the same events gives the same figures.
        rebuild_and_wait(services.reporting)
        assert {p: services.figures(p) for p in EXPECTED} == EXPECTED


def _overdue_flagged_on_01_06(services: Services, clock: FakeToday) -> str:
    """A commitment due 31/05, flagged overdue by the scheduler's pass of 01/06."""
    clock.set(date(2023, 5, 25))
    first, _ = _sessions_before_june(services)
    commitment_id = services.commitment(first, "2023-05-31")
    clock.set(date(2023, 6, 1))
    assert ok(services.dialogue.post("/api/v1/admin/scan"))["overdue"] == 1
    assert services.get(commitment_id)["overdue_since"] == "2023-06-01"
    clock.set(date(2023, 6, 5))
    return commitment_id


def _sessions_before_june(services: Services) -> tuple[str, None]:
    head = take_office(services.dialogue, TIEN_LANG_TOWN, "people_committee_chair",
                       "Nguyễn Văn Một", "2020-01-01")
    return held_session(services.dialogue, TIEN_LANG_TOWN, [head], "2023-03-14"), None


def _done_before_due(services: Services, commitment_id: str) -> None:
    """Done on 20/05, whatever overdue the stream holds before its completion."""
    body = services.get(commitment_id)
    assert (body["status"], body["overdue_since"]) == ("done", None)
    assert [h["event_type"] for h in body["history"]] == [
        "CommitmentMade", "CommitmentOverdue", "CommitmentProgressUpdated",
        "CommitmentCompleted"], "the overdue recorded on 01/06 stays in the history"
    services.caught_up()
    # 14/06: done, not overdue (the overdue fact, dated 01/06, sorts after the completion).
    assert services.figures("2023-6m") == (1, 1, 0, 0)
    assert services.figures("2023-12m") == (1, 1, 0, 0)
    rebuild_and_wait(services.reporting)
    assert services.figures("2023-6m") == (1, 1, 0, 0)
    # The dialogue read model rebuilt from the same events says the same.
    ok(services.dialogue.post("/api/v1/admin/rebuild-read-models"))
    assert services.get(commitment_id)["overdue_since"] is None


def test_a_completion_dated_before_the_due_date_recorded_after_the_overdue_is_done(
    settings_factory: Callable[..., Settings], clock: FakeToday,
) -> None:
    with running(settings_factory, clock) as services:
        commitment_id = _overdue_flagged_on_01_06(services, clock)
        services.progress(commitment_id, 100, "2023-05-20")
        _done_before_due(services, commitment_id)


def test_the_progress_import_of_a_completion_dated_before_the_due_date_is_done(
    settings_factory: Callable[..., Settings], clock: FakeToday,
) -> None:
    with running(settings_factory, clock) as services:
        commitment_id = _overdue_flagged_on_01_06(services, clock)
        csv_text = ("Mã cam kết;Tiến độ (%);Ngày cập nhật;Ghi chú\n"
                    f"{commitment_id};100;20/05/2023;Đã xong\n")
        report = ok(services.dialogue.post(
            "/api/v1/commitments/progress-import",
            files={"file": ("tien-do.csv", csv_text.encode("utf-8-sig"))}))
        assert report["applied"] is True, report
        _done_before_due(services, commitment_id)


def test_an_import_dated_before_the_due_date_records_no_overdue_before_its_rows(
    settings_factory: Callable[..., Settings], clock: FakeToday,
) -> None:
    """Two rows dated before the due date, imported after it: judged at their dates, then
    the commitment is overdue today, recorded once after both rows (dated after them)."""
    with running(settings_factory, clock) as services:
        clock.set(date(2023, 5, 25))
        first, _ = _sessions_before_june(services)
        commitment_id = services.commitment(first, "2023-06-10")
        clock.set(date(2023, 6, 20))
        csv_text = ("Mã cam kết;Tiến độ (%);Ngày cập nhật;Ghi chú\n"
                    f"{commitment_id};30;01/06/2023;\n"
                    f"{commitment_id};60;05/06/2023;\n")
        report = ok(services.dialogue.post(
            "/api/v1/commitments/progress-import",
            files={"file": ("tien-do.csv", csv_text.encode("utf-8-sig"))}))
        assert report["applied"] is True, report
        body = services.get(commitment_id)
        assert [(h["event_type"], h["on"]) for h in body["history"]] == [
            ("CommitmentMade", "2023-03-14"),
            ("CommitmentProgressUpdated", "2023-06-01"),
            ("CommitmentProgressUpdated", "2023-06-05"),
            ("CommitmentOverdue", "2023-06-11"),
        ]
        assert [h["status"] for h in body["history"][1:3]] == ["in_progress", "in_progress"]
        assert (body["status"], body["overdue_since"]) == ("overdue", "2023-06-11")
