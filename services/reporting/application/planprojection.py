"""The plan's projection: every plan event of the indicators service becomes one row of
`rpt_plan_events` (docs/events.md, "indicators: the plan"), in the transaction that records
it as processed. Rebuilt by replay with the other read models (`read_models`)."""

from __future__ import annotations

import orjson
from sqlalchemy import Connection, Table, insert

from services.reporting.adapters.tables import plan_events
from shared.clock import day_vn
from shared.consumer import Handler, Projection
from shared.envelope import EventEnvelope
from shared.rebuild import TableMap

#: The plan's event types, as the indicators service publishes them.
PLAN_EVENT_TYPES = (
    "PlanIssued", "PlanDocumentRecorded", "PlanItemAdded", "PlanItemAmended",
    "PlanItemWithdrawn", "PlanPartyNamed", "PlanItemProgressRecorded", "PlanItemReopened",
    "InspectionPlanned",
    "InspectionCarriedOut", "InspectionConcluded", "InspectionFollowUpRecorded",
    "InspectionCancelled", "ReportingDeadlineSet", "DistrictReportSubmitted",
    "DistrictReportReturned", "DistrictReportReminderDue",
)


def _writer(table: Table) -> Handler:
    def write(conn: Connection, envelope: EventEnvelope) -> None:
        payload = envelope.payload
        conn.execute(insert(table), {
            "event_id": str(envelope.event_id),
            "event_type": envelope.event_type,
            "aggregate_type": envelope.aggregate_type,
            "aggregate_id": envelope.aggregate_id,
            "aggregate_version": envelope.aggregate_version,
            "year": int(payload.get("year") or envelope.occurred_at.year),
            "business_on": day_vn(envelope.occurred_at),
            "recorded_at": envelope.recorded_at,
            "payload": orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode(),
        })

    return write


def plan_projection(tables: TableMap) -> Projection:
    table = tables(plan_events)
    write = _writer(table)
    return Projection(name="plan", source_service="indicators",
                      handlers=dict.fromkeys(PLAN_EVENT_TYPES, write), tables=[table])
