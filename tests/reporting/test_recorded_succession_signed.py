"""A report signed before an official records a merged commune's successor keeps its figures,
and lists the move among its changes after signing (J15), as a back-dated move or a
correction after signing is listed: a site of 11788 Xã Bạch Đằng (merged on 01/01/2025 with no
successor in the catalogue's data) counts on Huyện Tiên Lãng's line «Chưa gắn…» when 2025-6m
is signed; 11791 Xã Tân Minh is recorded as its successor after, and the report shows its
frozen figures with 11791's site among the differences."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import func, select

from services.reporting.adapters.tables import unit_successions
from shared.envelope import EventEnvelope, utcnow
from tests.integration.helpers import publish, wait_until
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import TIEN_LANG, Events

BACH_DANG, TAN_MINH, TIEN_CUONG = "11788", "11791", "11761"


def _recorded_rows(reporting: Reporting) -> int:
    with reporting.runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(unit_successions))
                   .scalar_one())


def test_a_report_signed_before_a_recorded_successor_keeps_its_figures(
    reporting: Reporting,
) -> None:
    events = Events()
    events.site("S1", BACH_DANG, date(2023, 1, 5))
    events.dossier("LandDossierLodged", "S1", BACH_DANG, date(2023, 5, 2), "lodged")
    events.certificate("S1", BACH_DANG, date(2023, 5, 20), "CS 1")
    reporting.feed(events)
    units = reporting.client.get("/api/v1/reports/2025-6m/units").json()
    assert [row["parent"] for row in units["unattributed"]] == [TIEN_LANG]
    signed = reporting.client.post("/api/v1/reports/2025-6m/finalise",
                                   json={"scope": "31"}, headers={"x-actor": "vp"})
    assert signed.status_code == 201, signed.text

    succession = Events().add(
        "indicators", "unit_succession", BACH_DANG, "UnitSuccessionRecorded",
        date(2025, 1, 1), {"predecessor_code": BACH_DANG, "predecessor_name": "Xã Bạch Đằng",
                           "successor_code": TAN_MINH, "successor_name": "Xã Tân Minh",
                           "effective": "2025-01-01", "legal_basis": "Nghị quyết 1232"},
        TAN_MINH, utcnow())
    # Published as the indicators' relay does; no fact row is written for it.
    asyncio.run(publish(reporting.nats_url, reporting.root, [succession]))
    wait_until(lambda: _recorded_rows(reporting) == 1, timeout=30)

    shown = reporting.client.get("/api/v1/reports/2025-6m").json()
    assert shown["content_hash"] == signed.json()["content_hash"]
    changed = {(d["unit_code"], d["figure"]): (d["frozen"], d["current"])
               for d in shown["differences"]}
    assert changed[(TAN_MINH, "sites")] == (0, 1)
    assert changed[(TAN_MINH, "sites_with_certificate")] == (0, 1)
    # Not signed: 2026-6m follows the successor at once, nothing left on the line.
    after = reporting.client.get("/api/v1/reports/2026-6m/units").json()
    assert after["unattributed"] == []
    assert {row["code"]: row["figures"]["sites"] for row in after["units"]}[TAN_MINH] == 1


def _succession_event(stream: Events, event_type: str, successor: str, name: str,
                      extra: dict[str, object]) -> EventEnvelope:
    return stream.add(
        "indicators", "unit_succession", BACH_DANG, event_type, date(2025, 1, 1),
        {"predecessor_code": BACH_DANG, "predecessor_name": "Xã Bạch Đằng",
         "successor_code": successor, "successor_name": name, "effective": "2025-01-01",
         "legal_basis": "Nghị quyết 1232", **extra},
        successor, utcnow())


def test_a_report_signed_before_a_successor_is_corrected_keeps_its_figures(
    reporting: Reporting,
) -> None:
    """Signed with the site of 11788 at 11791 Tân Minh (recorded), 2025-6m keeps those figures
    when the successor is corrected to 11761 Tiên Cường after, and lists the move (11791 1 -> 0,
    11761 0 -> 1) among its changes after signing; 2026-6m, unsigned, follows at once."""
    events = Events()
    events.site("S1", BACH_DANG, date(2023, 1, 5))
    events.dossier("LandDossierLodged", "S1", BACH_DANG, date(2023, 5, 2), "lodged")
    events.certificate("S1", BACH_DANG, date(2023, 5, 20), "CS 1")
    reporting.feed(events)
    stream = Events()
    recorded = _succession_event(stream, "UnitSuccessionRecorded", TAN_MINH, "Xã Tân Minh", {})
    asyncio.run(publish(reporting.nats_url, reporting.root, [recorded]))
    wait_until(lambda: _recorded_rows(reporting) == 1, timeout=30)
    signed = reporting.client.post("/api/v1/reports/2025-6m/finalise",
                                   json={"scope": "31"}, headers={"x-actor": "vp"})
    assert signed.status_code == 201, signed.text
    frozen = {row["code"]: row["figures"]["sites"] for row in reporting.client.get(
        "/api/v1/reports/2025-6m/units").json()["units"]}
    assert (frozen[TAN_MINH], frozen[TIEN_CUONG]) == (1, 0)

    corrected = _succession_event(
        stream, "UnitSuccessionCorrected", TIEN_CUONG, "Xã Tiên Cường",
        {"corrects": str(recorded.event_id), "corrected_version": 1,
         "reason": "Ghi nhầm xã kế thừa", "previous_successor_code": TAN_MINH})
    asyncio.run(publish(reporting.nats_url, reporting.root, [corrected]))
    wait_until(lambda: _recorded_rows(reporting) == 2, timeout=30)

    shown = reporting.client.get("/api/v1/reports/2025-6m").json()
    assert shown["content_hash"] == signed.json()["content_hash"]
    changed = {(d["unit_code"], d["figure"]): (d["frozen"], d["current"])
               for d in shown["differences"]}
    assert changed[(TAN_MINH, "sites")] == (1, 0)
    assert changed[(TIEN_CUONG, "sites")] == (0, 1)
    assert changed[(TIEN_CUONG, "sites_with_certificate")] == (0, 1)
    after = reporting.client.get("/api/v1/reports/2026-6m/units").json()
    sites = {row["code"]: row["figures"]["sites"] for row in after["units"]}
    assert (sites[TAN_MINH], sites[TIEN_CUONG], after["unattributed"]) == (0, 1, [])
