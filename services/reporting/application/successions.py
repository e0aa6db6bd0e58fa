"""The successors officials recorded for merged units (J15): the indicators service's
`UnitSuccessionRecorded` and its corrections `UnitSuccessionCorrected`, one row each of
`rpt_unit_successions` (a correction's row names the corrected successor at its own recording
time; the recording's row stays), written in the transaction that records the event as
processed and rebuilt by replay with the other read models (`shared.unitsuccessions`, which
religion's and dialogue's lists use too).

A report places facts by the catalogue completed with the successions recorded by its "as of"
(the kernel's rule, `shared.adminunits.recorded`, the indicators service's too): `known`
gives them, and the kept figures are keyed on them (`figures.compute_many`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from services.reporting.adapters.tables import unit_successions
from shared import unitsuccessions
from shared.adminunits import RecordedSuccession, UnitSuccession
from shared.consumer import Projection
from shared.rebuild import TableMap

#: A recording and its correction carry the same fields; the kernel's rule takes the latest.
EVENT_TYPES = unitsuccessions.EVENT_TYPES


def successions_projection(tables: TableMap) -> Projection:
    return unitsuccessions.successions_projection(tables(unit_successions))


def recorded(conn: Connection) -> list[RecordedSuccession]:
    """Every succession recorded or corrected, with its recording time."""
    return unitsuccessions.recorded(conn, unit_successions)


def known(conn: Connection, as_of: datetime) -> tuple[UnitSuccession, ...]:
    """The successions a report as of `as_of` places facts by (`known_at`)."""
    return unitsuccessions.known(conn, unit_successions, as_of)
