"""The indicator definitions, read from the service's own event store (the source of truth).

Definitions are few and change rarely, so they are folded from their IndicatorDefined events
on demand instead of kept in a read model that could lag behind a command.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select

from services.indicators.domain.definitions import Definition
from services.indicators.domain.events import IndicatorDefined, registry
from shared.clock import in_utc
from shared.envelope import EventEnvelope
from shared.eventstore import events_table
from shared.ids import code_key
from shared.planrules import PLAN_TARGETS, plan_targets_apply

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


Definitions = dict[tuple[str, int], Definition]

#: The definitions folded lately, by the ids of the events they were folded from. Events are
#: never edited nor deleted, so the same ids are the same definitions in any database; a new
#: definition is a new id. Each consumed batch reads the ids (through the event version key's
#: index) instead of decoding every payload again.
_FOLDED: dict[tuple[str, ...], Definitions] = {}
_FOLDED_KEPT = 8
_FOLDED_LOCK = threading.Lock()  # the consumers apply their batches in worker threads

_DEFINED = (
    events_table.c.event_type == IndicatorDefined.event_type,
    events_table.c.aggregate_type == "indicator",
)


def load_definitions(conn: Connection, as_of: datetime | None = None) -> Definitions:
    """Every indicator-year's latest definition recorded up to `as_of` (default: all)."""
    if as_of is not None:
        return _known_at(conn, as_of)
    ids = tuple(conn.execute(
        select(events_table.c.event_id).where(*_DEFINED).order_by(events_table.c.position)
    ).scalars())
    with _FOLDED_LOCK:
        found = _FOLDED.get(ids)
    if found is None:
        # Kept under the ids the fold itself read (a statement apart from the one above may
        # see a definition committed in between).
        folded, found = _fold(conn)
        with _FOLDED_LOCK:
            if len(_FOLDED) >= _FOLDED_KEPT:
                _FOLDED.clear()
            _FOLDED[folded] = found
    return dict(found)


def known_indicator_id(definitions: Definitions, indicator_id: str, year: int) -> str:
    """The spelling under which an indicator id is known: "i3" names I3, as a site code or a
    model id names one thing whatever its case (`shared.ids.code_key`, G10). The one defined
    for `year`, else the plan's (I1–I4), else one defined for another year (the first); as
    typed when none. Reads find a definition under it, and a definition or a figure is
    recorded under it, so that reporting, which keys targets by the id, sees one indicator."""
    if (indicator_id, year) in definitions:
        return indicator_id
    key = code_key(indicator_id)
    defined = [i for i, _ in definitions if code_key(i) == key]
    of_year = [i for i, y in definitions if y == year and code_key(i) == key]
    plan = [i for i in PLAN_TARGETS if code_key(i) == key]
    return next(iter([*of_year, *plan, *defined]), indicator_id)


def _known_at(conn: Connection, as_of: datetime) -> Definitions:
    """The latest definition of each indicator-year recorded by `as_of`. The plan's own
    indicators (I1–I4) of the plan's year exist before any record, by the plan: asked before
    their first record, they are read as first recorded, as reporting falls back to the plan's
    targets for that year alone (`planrules.plan_targets_apply`)."""
    query = (
        select(events_table.c.schema_version, events_table.c.payload,
               events_table.c.recorded_at)
        .where(*_DEFINED)
        .order_by(events_table.c.position)
    )
    found: Definitions = {}
    first: Definitions = {}
    moment = in_utc(as_of)
    for version, payload, recorded_at in conn.execute(query):
        definition = Definition.from_event(_decode(version, json.loads(payload)))
        key = (definition.indicator_id, definition.year)
        first.setdefault(key, definition)
        if in_utc(recorded_at) <= moment:
            found[key] = definition
    for key, definition in first.items():
        if key not in found and key[0] in PLAN_TARGETS and plan_targets_apply(key[1]):
            found[key] = definition
    return found


def _fold(conn: Connection) -> tuple[tuple[str, ...], Definitions]:
    """The ids of the definitions' events and what they define."""
    query = (
        select(events_table.c.event_id, events_table.c.schema_version, events_table.c.payload)
        .where(*_DEFINED)
        .order_by(events_table.c.position)
    )
    ids: list[str] = []
    found: Definitions = {}
    for event_id, version, payload in conn.execute(query):
        ids.append(event_id)
        event = _decode(version, json.loads(payload))
        definition = Definition.from_event(event)
        found[(definition.indicator_id, definition.year)] = definition
    return tuple(ids), found


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
