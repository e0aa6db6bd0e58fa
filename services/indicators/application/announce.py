"""Announcing status changes (IndicatorStatusChanged), exactly once per change.

The last status announced for an indicator-year-unit is the last event of its own stream in
the event store ("I3-2023@31"), which no rebuild touches: a figure is announced only when its
status differs from that one, and it is appended with that stream's version, so two writers
cannot both announce the same change.

When consumed events trigger the evaluation, it runs inside the consumer's transaction, and
the consumed event's id is kept in `ind_evaluated_events`. That table is not a read model:
replaying the read models after a reset finds the id there and only rebuilds the facts. An
announcement made while the facts are half rebuilt would be a false alarm.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from uuid import uuid4

from sqlalchemy import Connection, insert, select

from services.indicators.adapters.definitions import load_definitions
from services.indicators.adapters.tables import evaluated_events
from services.indicators.application.compute import compute
from services.indicators.domain.definitions import Definition, status_key
from services.indicators.domain.events import IndicatorStatusChanged, Status
from services.indicators.domain.figures import IndicatorFigures
from services.indicators.domain.status import percent
from shared.clock import VN_TZ, today_vn
from shared.envelope import EventEnvelope, as_business_time, utcnow
from shared.eventstore import EventStore, events_table

SYSTEM_ACTOR = "system:indicators"


def last_status(conn: Connection, key: str) -> tuple[Status | None, int]:
    row = conn.execute(
        select(events_table.c.payload, events_table.c.aggregate_version)
        .where(events_table.c.aggregate_type == "indicator", events_table.c.aggregate_id == key)
        .order_by(events_table.c.aggregate_version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None, 0
    status: Status = json.loads(row.payload)["status"]
    return status, int(row.aggregate_version)


def announce_changes(
    conn: Connection,
    store: EventStore,
    figures: IndicatorFigures,
    units: Iterable[str] | None,
    *,
    cause: str,
    causation: EventEnvelope | None = None,
) -> list[EventEnvelope]:
    """Append an IndicatorStatusChanged for each of `units` (all when None) whose status
    differs from the last one announced."""
    definition = figures.definition
    stored: list[EventEnvelope] = []
    now = utcnow()
    for code in sorted(set(figures.figures if units is None else units)):
        figure = figures.figures.get(code)
        if figure is None or figure.status is None:
            continue
        key = status_key(definition.indicator_id, definition.year, code)
        previous, version = last_status(conn, key)
        if previous == figure.status:
            continue
        event = IndicatorStatusChanged(
            indicator_id=definition.indicator_id,
            year=definition.year,
            unit_code=code,
            status=figure.status,
            previous_status=previous,
            numerator=figure.numerator,
            denominator=figure.denominator,
            value=percent(figure.value) or 0.0,
            target=float(definition.target_percent),
            evaluated_on=figures.on,
            cause=cause,
        )
        envelope = EventEnvelope(
            event_id=uuid4(),
            event_type=event.event_type,
            schema_version=event.schema_version,
            service=store.service,
            aggregate_type="indicator",
            aggregate_id=key,
            aggregate_version=version + 1,
            occurred_at=as_business_time(figures.on),
            recorded_at=now,
            actor=SYSTEM_ACTOR,
            payload=event.model_dump(mode="json"),
            unit_code=code,
            correlation_id=causation.correlation_id if causation else None,
            causation_id=str(causation.event_id) if causation else None,
        )
        stored.extend(store.append(conn, [envelope], version))
    return stored


def evaluate_definition(
    conn: Connection,
    store: EventStore,
    definition: Definition,
    units: Iterable[str] | None,
    *,
    cause: str,
    causation: EventEnvelope | None = None,
    today: date | None = None,
) -> list[EventEnvelope]:
    """Compute the figures "now" and announce the changed statuses of `units` (all if None)."""
    on = definition.evaluation_date(today or today_vn())
    figures = compute(conn, definition, on, utcnow())
    if units is not None:
        units = _affected(figures, units)
    return announce_changes(conn, store, figures, units, cause=cause, causation=causation)


def _affected(figures: IndicatorFigures, hints: Iterable[str]) -> set[str]:
    """The units a fact about `hints` can move: where it is placed and everything above."""
    tree = figures.tree
    found: set[str] = set(tree.roots)
    for code in hints:
        node = tree.place(code, tree.on)
        if node is not None:
            found.update(tree.chain(node))
    return found


def business_date(envelope: EventEnvelope) -> date:
    return envelope.occurred_at.astimezone(VN_TZ).date()


def evaluate_after(
    conn: Connection,
    store: EventStore,
    envelope: EventEnvelope,
    fed: Callable[[Definition], bool],
    unit_codes: Iterable[str] | None,
) -> None:
    """After a consumed event changed the facts: re-evaluate the definitions it feeds (`fed`)
    for the units it can move (`unit_codes` and all above them; every unit when None).

    A replayed event (already evaluated once) changes the facts only, see the module doc.
    """
    event_id = str(envelope.event_id)
    seen = conn.execute(
        select(evaluated_events.c.event_id).where(evaluated_events.c.event_id == event_id)
    ).first()
    if seen is not None:
        return
    conn.execute(
        insert(evaluated_events),
        {"event_id": event_id, "source_service": envelope.service, "evaluated_at": utcnow()},
    )
    today = today_vn()
    happened = business_date(envelope)
    hints = None if unit_codes is None else [c for c in unit_codes if c]
    for definition in load_definitions(conn).values():
        if not fed(definition) or definition.period_start > today:
            continue
        if hints is not None and definition.period_end < happened:
            continue  # a fact dated after the period moves none of its figures
        evaluate_definition(
            conn, store, definition, hints, cause=envelope.event_type, causation=envelope,
            today=today,
        )
