"""End to end: the reporting service reads the dialogue stream without a dead letter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.dialogue.app import create_app as create_dialogue
from services.reporting.app import create_app as create_reporting
from shared.eventstore import events_table
from shared.settings import Settings
from tests.dialogue.conftest import TIEN_LANG, FakeToday, held_session, ok, take_office
from tests.integration.helpers import wait_until


def _dead_letters(client: TestClient) -> int:
    total: int = ok(client.get("/api/v1/admin/dead-letters"))["total"]
    return total


def test_reporting_counts_dialogue_events(
    settings_factory: Callable[..., Settings], clock: FakeToday
) -> None:
    dialogue = create_dialogue(settings_factory("dialogue"), today=clock, scan_interval_s=3600)
    reporting = create_reporting(settings_factory("reporting"))
    with TestClient(dialogue) as d, TestClient(reporting) as r:
        head = take_office(d, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
        session_id = held_session(d, TIEN_LANG, [head], "2023-03-15")
        ok(d.post(f"/api/v1/sessions/{session_id}/issues", json={
            "category": "environment", "text": "Ô nhiễm từ cơ sở chăn nuôi",
            "handling": "assigned", "assigned_agency": "Phòng Tài nguyên và Môi trường",
            "citizen": {"full_name": "Đinh Thị Lan", "contact": "0987 654 321"}}), 201)
        ok(d.post(f"/api/v1/sessions/{session_id}/commitments", json={
            "text": "Kiểm tra, xử lý cơ sở chăn nuôi", "due_on": "2023-05-31",
            "responsible_agency": "Phòng Tài nguyên và Môi trường"}), 201)
        ok(d.post(f"/api/v1/sessions/{session_id}/report",
                  json={"attendance": 140, "summary": "Tiếp thu 6 ý kiến"}))
        clock.set(date(2023, 6, 1))
        ok(d.post("/api/v1/admin/scan"))
        runtime = d.app.state.runtime  # type: ignore[attr-defined]
        with runtime.engine.connect() as conn:
            produced = conn.execute(select(func.count()).select_from(events_table)).scalar_one()
        reporting_runtime = r.app.state.runtime  # type: ignore[attr-defined]
        consumer = next(c for c in reporting_runtime.consumers
                        if c.projection.source_service == "dialogue")
        wait_until(lambda: consumer.applied >= produced)
        assert _dead_letters(r) == 0
        report: dict[str, Any] = ok(r.get("/api/v1/reports/2023-12m"))
        text = str(report)
        # The contact whole, spaced or not: its first four digits alone also stand in a
        # timestamp's microseconds ("…33.209876"), which once failed this check.
        assert "Đinh Thị Lan" not in text
        assert "0987 654 321" not in text and "0987654321" not in text
        section = next(x for x in report["sections"] if x["key"] == "dialogue")
        figures = {f["key"]: f["value"] for f in section["figures"]}
        assert (figures["heads_in_office"], figures["sessions_held"]) == (1, 1)
        assert figures["heads_meeting_rule"] == 0, "one session where the district rule asks 2"
        i2 = next(x for x in report["indicators"] if x["id"] == "I2")
        assert (i2["numerator"], i2["denominator"]) == (0, 1)
