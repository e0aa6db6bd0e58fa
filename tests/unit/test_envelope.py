from __future__ import annotations

import os
import threading
from dataclasses import FrozenInstanceError, fields, replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import RFC_4122, UUID, SafeUUID, uuid4

import orjson
import pytest

from shared import randomids
from shared.envelope import (
    ENVELOPE_FIELDS,
    FIELD_TYPES,
    HEAD_FIELDS,
    STORED_FIELDS,
    DomainEvent,
    EventEnvelope,
    EventRegistry,
    PendingEvent,
    new_envelope,
)
from shared.randomids import random_uuid


def _envelope(event_type: str, version: int, payload: dict[str, Any]) -> EventEnvelope:
    now = datetime(2023, 3, 1, tzinfo=UTC)
    return EventEnvelope(
        event_id=uuid4(), event_type=event_type, schema_version=version, service="religion",
        aggregate_type="site", aggregate_id="S1", aggregate_version=1, occurred_at=now,
        recorded_at=now, actor="tester", payload=payload,
    )


def test_old_schema_version_is_upcast_step_by_step() -> None:
    registry = EventRegistry("religion")

    @registry.register
    class SiteRenamed(DomainEvent):
        event_type = "SiteRenamed"
        schema_version = 3
        name: str
        reason: str

    @registry.upcaster("SiteRenamed", 1)
    def v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
        return {"name": payload.pop("title")}

    @registry.upcaster("SiteRenamed", 2)
    def v2_to_v3(payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "reason": "không rõ"}

    event = registry.decode(_envelope("SiteRenamed", 1, {"title": "Chùa Dư Hàng"}))
    assert isinstance(event, SiteRenamed)
    assert (event.name, event.reason) == ("Chùa Dư Hàng", "không rõ")


def test_missing_upcaster_is_an_error_not_a_silent_load() -> None:
    registry = EventRegistry("religion")

    @registry.register
    class Thing(DomainEvent):
        event_type = "Thing"
        schema_version = 2
        value: int

    with pytest.raises(ValueError, match="no upcaster"):
        registry.decode(_envelope("Thing", 1, {"value": 1}))


def test_envelope_survives_the_wire() -> None:
    envelope = _envelope("SiteRegistered", 1, {"name": "Nhà thờ Lớn", "area": 12.5})
    again = EventEnvelope.from_json(envelope.to_json())
    assert again == envelope
    assert envelope.subject("danvan") == "danvan.religion.site.SiteRegistered"


def test_decoded_envelope_is_complete_and_frozen() -> None:
    """from_json fills the instance without __init__: it must set every field, and the result
    must stay immutable."""
    envelope = replace(_envelope("SiteRegistered", 1, {}), unit_code="31", position=7)
    again = EventEnvelope.from_json(envelope.to_json())
    # Every field and nothing else (in the body's order: the payload travels last).
    assert sorted(vars(again)) == sorted(f.name for f in fields(EventEnvelope))
    assert again == envelope and hash(again.event_id) == hash(envelope.event_id)
    with pytest.raises(FrozenInstanceError):
        again.actor = "someone else"  # type: ignore[misc]


def test_a_body_with_a_field_more_decodes_to_the_envelope_without_it() -> None:
    """A body of exactly the envelope's fields is taken as its values (issue 20); one with
    another field is picked from, and the field is no attribute of the envelope."""
    envelope = _envelope("SiteRegistered", 1, {"code": "S1"})
    body = {**orjson.loads(envelope.to_json()), "extra": 1}
    again = EventEnvelope.from_json(orjson.dumps(body))
    assert again == envelope and "extra" not in vars(again)
    del body["actor"]
    with pytest.raises(KeyError):
        EventEnvelope.from_json(orjson.dumps(body))


def test_an_envelopes_event_key_is_its_id_as_text_and_a_replaced_id_has_its_own() -> None:
    envelope = _envelope("SiteRegistered", 1, {})
    assert envelope.event_key == str(envelope.event_id)
    other = replace(envelope, event_id=uuid4())
    assert other.event_key == str(other.event_id) != envelope.event_key
    again = EventEnvelope.from_json(envelope.to_json())
    assert again.event_key == envelope.event_key and again == envelope


@pytest.mark.parametrize("name", ENVELOPE_FIELDS)
def test_a_message_missing_any_field_is_undecodable(name: str) -> None:
    """The head writes every field (None included): one missing is a broken message, never
    silently given a default."""
    bare = orjson.loads(_envelope("SiteRegistered", 1, {}).to_json())
    assert list(bare) == [*HEAD_FIELDS, "payload"]
    del bare[name]
    with pytest.raises(KeyError):
        EventEnvelope.from_json(orjson.dumps(bare))


def test_envelope_with_a_malformed_field_is_undecodable() -> None:
    bare = orjson.loads(_envelope("SiteRegistered", 1, {}).to_json())
    with pytest.raises(ValueError):
        EventEnvelope.from_json(orjson.dumps(bare | {"recorded_at": "x", "event_id": "nope"}))


def test_every_envelope_field_has_a_type_the_wire_and_the_store_know() -> None:
    """The wire and the store convert fields by their declared type: a field of a new type
    would travel unconverted."""
    known = {"UUID", "str", "int", "datetime", "dict[str, Any]", "str | None", "int | None"}
    assert set(FIELD_TYPES.values()) <= known
    assert tuple(f.name for f in fields(EventEnvelope)) == ENVELOPE_FIELDS
    assert set(HEAD_FIELDS) | {"payload"} == set(STORED_FIELDS) | {"service"} == set(
        ENVELOPE_FIELDS)


class _Renamed(DomainEvent):
    event_type = "SiteRenamed"
    aggregate_type = "site"
    schema_version = 2
    name: str


class _Undeclared(DomainEvent):
    event_type = "Noted"
    text: str


def _new(event: DomainEvent, aggregate_type: str = "site") -> EventEnvelope:
    return new_envelope(
        service="religion", aggregate_type=aggregate_type, aggregate_id="S1",
        aggregate_version=4, pending=PendingEvent(event, datetime(2023, 3, 1, tzinfo=UTC), "31"),
        actor="tester", department="Ban Tôn giáo", correlation_id="c1", causation_id="k1",
        recorded_at=datetime(2023, 3, 2, 8, 30, tzinfo=UTC))


def test_a_new_envelope_is_the_one_the_dataclass_would_make() -> None:
    """new_envelope fills the instance without __init__: every field, in the dataclass's
    order, equal to the envelope built field by field, and frozen."""
    envelope = _new(_Renamed(name="Chùa Dư Hàng"))
    assert list(vars(envelope)) == list(ENVELOPE_FIELDS)
    expected = EventEnvelope(
        event_id=envelope.event_id, event_type="SiteRenamed", schema_version=2,
        service="religion", aggregate_type="site", aggregate_id="S1", aggregate_version=4,
        occurred_at=datetime(2023, 3, 1, tzinfo=UTC),
        recorded_at=datetime(2023, 3, 2, 8, 30, tzinfo=UTC), actor="tester",
        payload={"name": "Chùa Dư Hàng"}, unit_code="31", department="Ban Tôn giáo",
        correlation_id="c1", causation_id="k1")
    assert envelope == expected and envelope.position is None
    assert envelope.event_id != _new(_Renamed(name="x")).event_id
    with pytest.raises(FrozenInstanceError):
        envelope.actor = "someone else"  # type: ignore[misc]


def test_an_event_is_recorded_only_by_the_aggregate_it_declares() -> None:
    with pytest.raises(ValueError, match="belongs to site, not to person"):
        _new(_Renamed(name="x"), aggregate_type="person")
    # Declaring none, an event goes with the aggregate that records it.
    assert _new(_Undeclared(text="x"), aggregate_type="person").aggregate_type == "person"


def test_catalogue_publishes_json_schema_of_each_type() -> None:
    registry = EventRegistry("religion")

    @registry.register
    class Lodged(DomainEvent):
        event_type = "Lodged"
        site_code: str

    catalogue = registry.catalogue()
    schema = catalogue["events"]["Lodged"]["payload"]
    assert schema["required"] == ["site_code"]
    assert catalogue["events"]["Lodged"]["schema_version"] == 1


def test_event_ids_are_random_uuids_and_a_forked_process_makes_its_own() -> None:
    """Event ids come from blocks drawn from os.urandom (shared.randomids): version 4, all
    different, and a child made by fork() does not hand out the ids left in its parent's
    block (the parent's next id is not the child's)."""
    made = [random_uuid() for _ in range(2000)]  # several blocks
    assert len(set(made)) == len(made)
    assert all(u.version == 4 and u.variant == RFC_4122 for u in made)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's report goes through the pipe)
        try:
            os.write(write, random_uuid().bytes)
        finally:
            os._exit(0)
    os.close(write)
    try:
        from_child = os.read(read, 16)
    finally:
        os.close(read)
        os.waitpid(child, 0)
    assert len(from_child) == 16
    assert random_uuid().bytes != from_child


def test_a_random_uuid_is_the_version_4_uuid_of_its_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """random_uuid builds its UUIDs without UUID.__init__: each must be exactly the one
    `UUID(bytes=..., version=4)` makes of the same 16 bytes (value, text, is_safe), whatever
    the bytes hold where the variant and version go."""
    block = bytes(range(256)) * 16
    monkeypatch.setattr(randomids, "os", SimpleNamespace(urandom=lambda size: block[:size]))
    made: list[UUID] = []
    # A thread of its own starts from a block of its own: the first id is the block's first.
    thread = threading.Thread(target=lambda: made.extend(random_uuid() for _ in range(256)))
    thread.start()
    thread.join()
    expected = [UUID(bytes=block[at:at + 16], version=4) for at in range(0, len(block), 16)]
    assert made == expected
    assert [str(u) for u in made] == [str(u) for u in expected]
    assert all(u.is_safe is SafeUUID.unknown for u in made)
