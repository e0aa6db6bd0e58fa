"""The indicator definitions, read from the service's own event store (the source of truth).

Definitions are few and change rarely, so they are folded from their IndicatorDefined events
on demand instead of kept in a read model that could lag behind a command.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select

from services.indicators.adapters.facts import utc
from services.indicators.domain.definitions import Definition
from services.indicators.domain.events import IndicatorDefined, registry
from shared.envelope import EventEnvelope
from shared.eventstore import events_table

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def load_definitions(
    conn: Connection, as_of: datetime | None = None
) -> dict[tuple[str, int], Definition]:
    """Every indicator-year's latest definition recorded up to `as_of` (default: all)."""
    query = (
        select(events_table.c.schema_version, events_table.c.payload)
        .where(
            events_table.c.event_type == IndicatorDefined.event_type,
            events_table.c.aggregate_type == "indicator",
        )
        .order_by(events_table.c.position)
    )
    if as_of is not None:
        query = query.where(events_table.c.recorded_at <= utc(as_of))
    found: dict[tuple[str, int], Definition] = {}
    for version, payload in conn.execute(query):
        event = _decode(version, json.loads(payload))
        definition = Definition.from_event(event)
        found[(definition.indicator_id, definition.year)] = definition
    return found


def _decode(schema_version: int, payload: dict[str, Any]) -> IndicatorDefined:
    """Through the registry, so older schema versions are upcast like any loaded event."""
    envelope = EventEnvelope(
        event_id=UUID(int=0), event_type=IndicatorDefined.event_type,
        schema_version=schema_version, service=registry.service, aggregate_type="indicator",
        aggregate_id="", aggregate_version=0, occurred_at=_EPOCH, recorded_at=_EPOCH,
        actor="", payload=payload,
    )
    event = registry.decode(envelope)
    assert isinstance(event, IndicatorDefined)
    return event
