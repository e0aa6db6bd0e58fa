"""A commune merged on 1 July 2025 whose code persisted into the new commune (the catalogue's
`merge` with basis `code_persisted`, e.g. 11737 Phường Hợp Đức -> Phường Nam Đồ Sơn) is a new
unit: its old heads' terms end on 30/06/2025 as those of the communes whose code went, and
the new commune's heads take office from 01/07/2025. Dialogue (the command, its roster and
rule compliance) and reporting (I2) count the same heads (examiner-figures, Medium)."""

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
from tests.dialogue.conftest import FakeToday, ok, take_office
from tests.integration.helpers import wait_until

HOP_DUC = "11737"  # Phường Hợp Đức until 30/06/2025, Phường Nam Đồ Sơn from 01/07/2025


def _compliance(client: TestClient, start: str, end: str) -> dict[str, Any]:
    return ok(client.get("/api/v1/rule-compliance", params={
        "date_from": start, "date_to": end, "unit_code": HOP_DUC}))


def _reported(client: TestClient, period: str) -> tuple[int, int]:
    """Reporting's I2 heads in office at the commune, and the city's I2 denominator."""
    units = ok(client.get(f"/api/v1/reports/{period}/units"))["units"]
    report = ok(client.get(f"/api/v1/reports/{period}"))
    i2 = next(i for i in report["indicators"] if i["id"] == "I2")
    at_commune = next((u["figures"]["heads_in_office"] for u in units if u["code"] == HOP_DUC),
                      0)
    return at_commune, i2["denominator"]


def test_the_heads_of_a_commune_whose_code_persisted_end_their_terms_on_30_june_2025(
    settings_factory: Callable[..., Settings], clock: FakeToday
) -> None:
    clock.set(date(2026, 7, 1))
    dialogue = create_dialogue(settings_factory("dialogue"), today=clock, scan_interval_s=3600)
    reporting = create_reporting(settings_factory("reporting"))
    with TestClient(dialogue) as d, TestClient(reporting) as r:
        old = take_office(d, HOP_DUC, "party_secretary", "Bí thư phường Hợp Đức", "2022-01-01")
        # The new commune's secretary: 409 HEAD_POST_OCCUPIED without the fix.
        new = take_office(d, HOP_DUC, "party_secretary", "Bí thư phường Nam Đồ Sơn",
                          "2025-07-01")
        # The old term cannot be recorded past the unit's last day, nor handed over then.
        late = d.post(f"/api/v1/heads/{old}/leave", json={"to_date": "2025-07-15"})
        assert late.status_code == 422 and late.json()["error"]["code"] == "TERM_OUTLASTS_UNIT"
        on_roster = ok(d.get("/api/v1/heads", params={"on": "2026-03-01",
                                                      "unit_code": HOP_DUC}))["items"]
        assert [h["head_id"] for h in on_roster] == [new]
        # Its own record says so too, beside the term as recorded (no leaving recorded).
        record = ok(d.get(f"/api/v1/heads/{old}"))
        assert (record["to_date"], record["in_office_to"]) == (None, "2025-06-30")
        assert ok(d.get(f"/api/v1/heads/{new}"))["in_office_to"] is None
        in_2025 = _compliance(d, "2025-01-01", "2025-12-31")
        by_head = {i["head_id"]: i for i in in_2025["items"]}
        assert by_head[old]["in_office_to"] == "2025-06-30"
        in_2026 = _compliance(d, "2026-01-01", "2026-06-14")
        assert [i["head_id"] for i in in_2026["items"]] == [new]
        assert in_2026["heads_in_office"] == 1

        runtime = d.app.state.runtime  # type: ignore[attr-defined]
        with runtime.engine.connect() as conn:
            produced = conn.execute(select(func.count()).select_from(events_table)).scalar_one()
        consumer = next(c for c in r.app.state.runtime.consumers  # type: ignore[attr-defined]
                        if c.projection.source_service == "dialogue")
        wait_until(lambda: consumer.applied >= produced)
        # Reporting counts the heads dialogue counts: 2 in 2025's year (one each half), one
        # in 2026 (2 without the fix, the old secretary still counted).
        assert _reported(r, "2025-12m") == (in_2025["heads_in_office"], 2) == (2, 2)
        assert _reported(r, "2026-6m") == (1, 1)
