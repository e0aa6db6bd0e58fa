"""The successors officials recorded for merged units (J15): the indicators service's
`UnitSuccessionRecorded` and its corrections `UnitSuccessionCorrected`, one row each of
`rpt_unit_successions` (a correction's row names the corrected successor at its own recording
time; the recording's row stays), written in the transaction that records the event as
processed and rebuilt by replay with the other read models.

A report places facts by the catalogue completed with the successions recorded by its "as of"
(the kernel's rule, `shared.adminunits.recorded`, the indicators service's too): `known`
gives them, and the kept figures are keyed on them (`figures.compute_many`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, Table, insert, select

from services.reporting.adapters.tables import unit_successions
from shared.adminunits import RecordedSuccession, UnitSuccession, known_at
from shared.clock import in_utc
from shared.consumer import Handler, Projection
from shared.envelope import EventEnvelope
from shared.rebuild import TableMap

#: A recording and its correction carry the same fields; the kernel's rule takes the latest.
EVENT_TYPES = ("UnitSuccessionRecorded", "UnitSuccessionCorrected")


def _writer(table: Table) -> Handler:
    def write(conn: Connection, envelope: EventEnvelope) -> None:
        payload = envelope.payload
        conn.execute(insert(table), {
            "event_id": str(envelope.event_id),
            "predecessor_code": payload["predecessor_code"],
            "successor_code": payload["successor_code"],
            "effective": date.fromisoformat(str(payload["effective"])),
            "recorded_at": envelope.recorded_at,
            "legal_basis": payload.get("legal_basis", ""),
        })

    return write


def successions_projection(tables: TableMap) -> Projection:
    table = tables(unit_successions)
    return Projection(name="successions", source_service="indicators",
                      handlers={t: _writer(table) for t in EVENT_TYPES}, tables=[table])


def recorded(conn: Connection) -> list[RecordedSuccession]:
    """Every succession recorded or corrected, with its recording time."""
    t = unit_successions
    return [RecordedSuccession(row.predecessor_code, row.successor_code, row.effective,
                               in_utc(row.recorded_at))
            for row in conn.execute(select(t.c.predecessor_code, t.c.successor_code,
                                           t.c.effective, t.c.recorded_at))]


def known(conn: Connection, as_of: datetime) -> tuple[UnitSuccession, ...]:
    """The successions a report as of `as_of` places facts by (`known_at`)."""
    return known_at(recorded(conn), as_of)
