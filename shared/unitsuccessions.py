"""The successors officials recorded for merged units (`UnitSuccessionRecorded`, J15, and its
corrections `UnitSuccessionCorrected`), as a service that places records by them keeps them:
one row each in a small table of its own (a correction's row names the corrected successor at
its own recording time; the recording's row stays),
written by a consumer of the indicators stream in the transaction that records the event as
processed, filled from the stream's start and rebuilt by replay (reporting's
`rpt_unit_successions`, religion's and dialogue's lists: finding M6).

What is placed by them is the kernel's rule (`shared.adminunits.known_at`,
`catalogue_with`): this module only stores and reads the events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Connection, Date, DateTime, MetaData, String, Table, Text, insert
from sqlalchemy import select as sql_select

from shared.adminunits import (
    RecordedSuccession,
    UnitCatalogue,
    UnitSuccession,
    catalogue_with,
    known_at,
)
from shared.clock import in_utc
from shared.consumer import Handler, Projection
from shared.envelope import EventEnvelope, utcnow

#: The indicators service's events; its stream is the projection's source. A recording and
#: its correction carry the same fields; the kernel's rule takes the latest.
EVENT_TYPES = ("UnitSuccessionRecorded", "UnitSuccessionCorrected")
SOURCE_SERVICE = "indicators"


def successions_table(name: str, metadata: MetaData) -> Table:
    """A service's table of the recorded successions (a handful of rows, read whole)."""
    return Table(
        name,
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("predecessor_code", String(10), nullable=False),
        Column("successor_code", String(10), nullable=False),
        Column("effective", Date, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("legal_basis", Text, nullable=False),
    )


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


def successions_projection(table: Table) -> Projection:
    """The consumer writing `table` (durable `<service>-successions`)."""
    return Projection(name="successions", source_service=SOURCE_SERVICE,
                      handlers={t: _writer(table) for t in EVENT_TYPES}, tables=[table])


def recorded(conn: Connection, table: Table) -> list[RecordedSuccession]:
    """Every succession recorded or corrected, with its recording time."""
    t = table
    return [RecordedSuccession(row.predecessor_code, row.successor_code, row.effective,
                               in_utc(row.recorded_at))
            for row in conn.execute(sql_select(t.c.predecessor_code, t.c.successor_code,
                                               t.c.effective, t.c.recorded_at))]


def known(conn: Connection, table: Table, as_of: datetime) -> tuple[UnitSuccession, ...]:
    """The successions a figure or a list as of `as_of` places records by (`known_at`)."""
    return known_at(recorded(conn, table), as_of)


def catalogue_known(conn: Connection, table: Table, as_of: datetime) -> UnitCatalogue:
    """The catalogue completed with the successions recorded by `as_of`."""
    return catalogue_with(known(conn, table, as_of))


def catalogue_now(conn: Connection, table: Table) -> UnitCatalogue:
    """The catalogue completed with the successors officials have recorded so far: what a
    service's list for a unit places records by now (religion's and dialogue's lists)."""
    return catalogue_known(conn, table, utcnow())
