"""The kernel's inline projection (`shared/projection.py`): handlers by event class, every
registered type handled or explicitly ignored, an unknown type an error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, insert, select

from services.dialogue.adapters import projection as dialogue
from services.dialogue.domain.events import registry as dialogue_events
from services.religion.adapters import projection as religion
from services.religion.domain.events import registry as religion_events
from shared.db import create_db_engine, create_schema
from shared.envelope import DomainEvent, EventEnvelope, EventRegistry, UnknownEventTypeError
from shared.eventstore import EventStore, kernel_metadata
from shared.projection import InlineProjection

registry = EventRegistry("test")
metadata = MetaData()
seen = Table("seen", metadata, Column("n", Integer, primary_key=True), Column("name", String))


@registry.register
class Named(DomainEvent):
    event_type = "Named"
    name: str


@registry.register
class Noted(DomainEvent):
    event_type = "Noted"
    note: str


def _named(conn: Connection, event: Named, envelope: EventEnvelope) -> None:
    conn.execute(insert(seen), {"n": envelope.aggregate_version, "name": event.name})


def _envelope(event_type: str, version: int, payload: dict[str, Any]) -> EventEnvelope:
    now = datetime(2023, 3, 1, tzinfo=UTC)
    return EventEnvelope(
        event_id=uuid4(), event_type=event_type, schema_version=1, service="test",
        aggregate_type="thing", aggregate_id="T1", aggregate_version=version,
        occurred_at=now, recorded_at=now, actor="tester", payload=payload)


def test_every_registered_type_is_handled_or_explicitly_ignored() -> None:
    with pytest.raises(ValueError, match="Noted"):
        InlineProjection(registry, [seen], {Named: _named})
    with pytest.raises(ValueError, match="handled and ignored"):
        InlineProjection(registry, [seen], {Named: _named}, ignored=[Named, Noted])

    class Stranger(DomainEvent):
        event_type = "Stranger"

    with pytest.raises(ValueError, match="Stranger"):
        InlineProjection(registry, [seen], {Named: _named, Stranger: _named}, ignored=[Noted])


def test_the_services_project_every_event_of_their_registry() -> None:
    for module, events in ((religion, religion_events), (dialogue, dialogue_events)):
        assert isinstance(module.PROJECTION, InlineProjection)
        assert set(module.PROJECTION._by_name) == set(events.types)
        assert all(apply is not None for apply in module.PROJECTION._by_name.values())


def test_project_and_rebuild_give_the_same_rows(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'p.db'}")
    create_schema(engine, kernel_metadata, metadata)
    projection = InlineProjection(registry, [seen], {Named: _named}, ignored=[Noted])
    store = EventStore("test", "danvan")
    envelopes = [_envelope("Named", 1, {"name": "Chùa Keo"}),
                 # Ignored: never decoded (this payload would not validate).
                 _envelope("Noted", 2, {"not": "a note"}),
                 _envelope("Named", 3, {"name": "Đình Hàng Kênh"})]
    try:
        with engine.begin() as conn:
            store.append(conn, envelopes, 0)
            projection.project(conn, envelopes)
            projected = conn.execute(select(seen).order_by(seen.c.n)).all()
        assert [tuple(row) for row in projected] == [(1, "Chùa Keo"), (3, "Đình Hàng Kênh")]
        with engine.begin() as conn:
            assert projection.rebuild(conn, store) == 3
            assert conn.execute(select(seen).order_by(seen.c.n)).all() == projected
        with engine.begin() as conn, pytest.raises(UnknownEventTypeError):
            projection.project(conn, [_envelope("Unheard", 4, {})])
    finally:
        engine.dispose()
