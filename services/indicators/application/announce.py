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
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from uuid import uuid4

from sqlalchemy import Connection, bindparam, insert, select

from services.indicators.adapters.definitions import load_definitions
from services.indicators.adapters.tables import evaluated_events
from services.indicators.application.compute import FactCache, compute
from services.indicators.domain.definitions import Definition, status_key
from services.indicators.domain.events import IndicatorStatusChanged
from services.indicators.domain.figures import IndicatorFigures
from shared.clock import VN_TZ, today_vn
from shared.envelope import EventEnvelope, as_business_time, utcnow
from shared.eventstore import EventStore, events_table
from shared.planrules import Status, percent

SYSTEM_ACTOR = "system:indicators"
#: Live statuses count every fact received, whatever the clock of the service that recorded it
#: (a recording time a little ahead of ours must not hide a fact from its own evaluation).
EVERYTHING = datetime(9999, 12, 31, tzinfo=UTC)


def last_statuses(conn: Connection, keys: Sequence[str]) -> dict[str, tuple[Status, int]]:
    """The last status announced, and its stream version, of each key that has one."""
    found: dict[str, tuple[Status, int]] = {}
    for start in range(0, len(keys), 500):
        rows = conn.execute(
            select(events_table.c.aggregate_id, events_table.c.aggregate_version,
                   events_table.c.payload)
            .where(events_table.c.aggregate_type == "indicator",
                   events_table.c.aggregate_id.in_(keys[start : start + 500]))
            .order_by(events_table.c.aggregate_version)
        )
        for key, version, payload in rows:
            found[key] = (json.loads(payload)["status"], int(version))
    return found


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
    codes = sorted(
        code for code in set(figures.figures if units is None else units)
        if code in figures.figures and figures.figures[code].status is not None
    )
    keys = {code: status_key(definition.indicator_id, definition.year, code) for code in codes}
    previous = last_statuses(conn, list(keys.values()))
    now = utcnow()
    first: list[EventEnvelope] = []
    stored: list[EventEnvelope] = []
    for code in codes:
        figure = figures.figures[code]
        status, version = previous.get(keys[code], (None, 0))
        if status == figure.status:
            continue
        assert figure.status is not None
        event = IndicatorStatusChanged(
            indicator_id=definition.indicator_id,
            year=definition.year,
            unit_code=code,
            status=figure.status,
            previous_status=status,
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
            aggregate_id=keys[code],
            aggregate_version=version + 1,
            occurred_at=as_business_time(figures.on),
            recorded_at=now,
            actor=SYSTEM_ACTOR,
            payload=event.model_dump(mode="json"),
            unit_code=code,
            correlation_id=causation.correlation_id if causation else None,
            causation_id=str(causation.event_id) if causation else None,
        )
        if version == 0:
            first.append(envelope)  # a unit's first status starts its stream: batched below
        else:
            stored.extend(store.append(conn, [envelope], version))
    # Still guarded: a stream someone else started meanwhile makes the batch fail whole.
    store.append_many(conn, first)
    return [*first, *stored]


def evaluate_definition(
    conn: Connection,
    store: EventStore,
    definition: Definition,
    units: Iterable[str] | None,
    *,
    cause: str,
    causation: EventEnvelope | None = None,
    today: date | None = None,
    cache: FactCache | None = None,
) -> list[EventEnvelope]:
    """Compute the figures "now" and announce the changed statuses of `units` (all if None)."""
    on = definition.evaluation_date(today or today_vn())
    figures = compute(conn, definition, on, EVERYTHING, cache)
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


_EVALUATED = select(evaluated_events.c.event_id).where(
    evaluated_events.c.event_id == bindparam("event_id")
)


def evaluate_after(
    conn: Connection,
    store: EventStore,
    envelope: EventEnvelope,
    fed: Callable[[Definition], bool],
    unit_codes: Callable[[], Iterable[str]] | None,
) -> None:
    """After a consumed event changed the facts: re-evaluate the definitions it feeds (`fed`)
    for the units it can move (`unit_codes()` and all above them; every unit when None).

    A replayed event (already evaluated once) changes the facts only, see the module doc;
    `unit_codes` is called only when there is something to evaluate.
    """
    event_id = str(envelope.event_id)
    if conn.execute(_EVALUATED, {"event_id": event_id}).first() is not None:
        return
    conn.execute(
        insert(evaluated_events),
        {"event_id": event_id, "source_service": envelope.service, "evaluated_at": utcnow()},
    )
    today = today_vn()
    happened = business_date(envelope)
    hints = None if unit_codes is None else [c for c in unit_codes() if c]
    cache: FactCache = {}
    for definition in load_definitions(conn).values():
        if not fed(definition) or definition.period_start > today:
            continue
        if hints is not None and definition.period_end < happened:
            continue  # a fact dated after the period moves none of its figures
        evaluate_definition(
            conn, store, definition, hints, cause=envelope.event_type, causation=envelope,
            today=today, cache=cache,
        )
