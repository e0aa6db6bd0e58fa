"""The audit query every service answers: who did what, when, on which unit.

It reads the event store itself (actor, department, unit, times are envelope columns), so it
needs no read model and is as complete as the events. Payloads are left out: the audit says
what happened and who did it; the content is one click away in the service's own API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from shared.auth.checks import require_unit
from shared.auth.principal import Principal
from shared.auth.units import tree_codes
from shared.clock import in_utc, today_vn
from shared.eventstore import events_table


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None
    department: str | None = None
    unit: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    event_type: str | None = None
    aggregate_id: str | None = None


def audit_events(
    conn: Connection, principal: Principal, query: AuditQuery, limit: int, offset: int
) -> dict[str, Any]:
    e = events_table.c
    conditions = []
    if query.actor:
        conditions.append(e.actor == query.actor)
    if query.department:
        conditions.append(e.department == query.department)
    if query.event_type:
        conditions.append(e.event_type == query.event_type)
    if query.aggregate_id:
        conditions.append(e.aggregate_id == query.aggregate_id)
    if query.recorded_from:
        conditions.append(e.recorded_at >= query.recorded_from)
    if query.recorded_to:
        conditions.append(e.recorded_at <= query.recorded_to)
    unit = query.unit
    if unit is not None and not principal.is_city:
        require_unit(principal, unit, today_vn())
    codes = tree_codes(unit) if unit is not None else None
    own = tree_codes(principal.unit_scope)
    if own is not None:
        # Events without a unit (city-wide settings) stay with the city level.
        codes = own if codes is None else codes & own
    if codes is not None:
        conditions.append(e.unit_code.in_(sorted(codes)))
    total = conn.execute(select(func.count()).select_from(events_table).where(*conditions)).scalar()
    rows = conn.execute(
        select(
            e.position,
            e.event_id,
            e.event_type,
            e.aggregate_type,
            e.aggregate_id,
            e.aggregate_version,
            e.occurred_at,
            e.recorded_at,
            e.actor,
            e.department,
            e.unit_code,
            e.correlation_id,
        )
        .where(*conditions)
        .order_by(e.position.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        "total": total,
        "items": [
            {
                "position": r.position,
                "event_id": r.event_id,
                "event_type": r.event_type,
                "aggregate_type": r.aggregate_type,
                "aggregate_id": r.aggregate_id,
                "aggregate_version": r.aggregate_version,
                "occurred_at": in_utc(r.occurred_at).isoformat(),
                "recorded_at": in_utc(r.recorded_at).isoformat(),
                "actor": r.actor,
                "department": r.department,
                "unit_code": r.unit_code,
                "correlation_id": r.correlation_id,
            }
            for r in rows
        ],
    }
