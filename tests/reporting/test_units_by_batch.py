"""An event naming no unit belongs where its subject's earlier events were (the projection's
rule), whether the events came one by one, as live, or in one batch, as a replay brings
them: a rebuild gives the same facts and figures. Once a dossier lodged and a certificate
issued without a unit, after their site was registered at a commune, were counted at the
commune live and, after a rebuild, on the city as its own records."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import event, select

from services.reporting.adapters.tables import dialogue_facts, religion_facts
from shared.envelope import utcnow
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import Events

COMMUNE, MOVED_TO = "11755", "11737"  # communes of Hai Phong (2026)


def _units(reporting: Reporting) -> dict[str, tuple[str | None, ...]]:
    with reporting.runtime.engine.connect() as conn:
        return {
            str(row[0]): tuple(row[1:])
            for table in (religion_facts, dialogue_facts)
            for row in conn.execute(select(
                table.c.event_id, table.c.kind, table.c.unit_code, table.c.district_code,
                table.c.province_code))
        }


def test_an_event_naming_no_unit_is_placed_alike_live_and_replayed(
    reporting: Reporting,
) -> None:
    events = Events()
    recorded = utcnow() - timedelta(days=1)
    on = date(2026, 3, 1)
    events.site("S1", COMMUNE, on)
    events.add("religion", "dossier", "S1", "LandDossierLodged", on + timedelta(days=5), {
        "site_code": "S1", "state": "lodged", "document_refs": []}, None, recorded)
    events.add("religion", "certificate", "S1", "CertificateIssued", on + timedelta(days=9), {
        "site_code": "S1", "certificate_number": "CS 1", "issued_on": "2026-03-10",
        "issuing_authority": "", "certified_area_m2": 1.0}, None, recorded)
    # A session moved to another commune, then reported on without a unit: the first unit.
    events.add("dialogue", "session", "SES1", "SessionPlanned", on, {
        "session_id": "SES1", "unit_code": COMMUNE, "head_ids": [], "topic": ""}, COMMUNE)
    events.add("dialogue", "session", "SES1", "SessionHeld", on + timedelta(days=2), {
        "session_id": "SES1", "unit_code": MOVED_TO, "head_ids": [],
        "held_on": "2026-03-03"}, MOVED_TO)
    events.add("dialogue", "session", "SES1", "SessionReportFiled", on + timedelta(days=3), {
        "session_id": "SES1", "attendance": 50}, None, recorded)
    for envelope in events.items:  # one by one: each its own batch
        reporting.publish([envelope])
    live = _units(reporting)
    assert {kind: units[0] for kind, *units in live.values()} == {
        "SiteRegistered": COMMUNE, "LandDossierLodged": COMMUNE, "CertificateIssued": COMMUNE,
        "SessionPlanned": COMMUNE, "SessionHeld": MOVED_TO, "SessionReportFiled": COMMUNE}
    as_of = {"as_of": utcnow().isoformat()}  # after every fact: the chunk figures
    shown = reporting.client.get("/api/v1/reports/2026-6m/units", params=as_of).json()

    rebuild_and_wait(reporting.client)  # the replay reads them in one batch
    assert _units(reporting) == live
    assert reporting.client.get("/api/v1/reports/2026-6m/units", params=as_of).json() == shown


def test_the_units_of_events_naming_none_are_read_once_per_batch(
    reporting: Reporting,
) -> None:
    """A batch of session reports naming no unit (an old store, an import), each of another
    session: one read of the stored facts finds every session's first unit, not one read per
    session (a rebuild's CPU grew by a tenth), and each report lands at its session's."""
    events = Events()
    on = date(2026, 3, 1)
    communes = ("11755", "11737", "11311", "11758")
    for n, commune in enumerate(communes):
        events.add("dialogue", "session", f"SES{n}", "SessionPlanned", on, {
            "session_id": f"SES{n}", "unit_code": commune, "head_ids": [], "topic": ""},
            commune)
    reporting.feed(events)
    later = Events()
    for n in range(len(communes)):
        later.versions[("dialogue", "session", f"SES{n}")] = 1
        later.add("dialogue", "session", f"SES{n}", "SessionReportFiled", on, {
            "session_id": f"SES{n}", "attendance": 50}, None)
    projection = next(c.projection for c in reporting.runtime.consumers
                      if c.projection.source_service == "dialogue")
    assert projection.batch_handler is not None
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "rpt_dialogue_facts" in statement:
            reads.append(statement)

    engine = reporting.runtime.engine
    # The batch's own connection: the service's background work (its warm-up, the chunk
    # figures) reads the same table on others meanwhile, and counted on the engine, a read of
    # theirs made this 2 once under load.
    with engine.begin() as conn:
        event.listen(conn, "before_cursor_execute", count)
        try:
            projection.batch_handler(conn, later.items)
        finally:
            event.remove(conn, "before_cursor_execute", count)
    assert len(reads) == 1, reads
    with engine.connect() as conn:
        placed = dict(conn.execute(
            select(dialogue_facts.c.subject, dialogue_facts.c.unit_code)
            .where(dialogue_facts.c.kind == "SessionReportFiled")).all())
    assert placed == {f"SES{n}": commune for n, commune in enumerate(communes)}
