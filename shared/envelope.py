"""The event envelope, domain event payloads and the registry of event types.

A type keeps its name for ever; a new schema version comes with an upcaster that lifts the
stored payload of the older version, so old events still load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import orjson
from pydantic import BaseModel, ConfigDict

from shared.clock import in_utc
from shared.randomids import random_uuid


class DomainEvent(BaseModel):
    """Payload of one event. Subclasses set `event_type`, the `aggregate_type` whose stream
    it belongs to (its subject's third part: the AsyncAPI document's channel), and
    `schema_version` when bumped."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    aggregate_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    #: The required fields a later schema version added, and that version: an older payload,
    #: stored before its upcaster, lacks them (the contract requires them from that version
    #: on, shared/contract.py).
    added_in: ClassVar[dict[str, int]] = {}


def utcnow() -> datetime:
    return datetime.now(UTC)


#: Business dates whose midnight `as_business_time` keeps, at most (then it starts again).
REMEMBERED_DAYS = 4096
_MIDNIGHTS: dict[date, datetime] = {}


def as_business_time(value: date | datetime) -> datetime:
    """Business dates arrive as dates; store them as aware datetimes at midnight UTC.

    A date's midnight is made once and handed out again (datetimes are immutable): every
    event recorded on a business date needs one, the same few days again and again, and an
    aware datetime costs more to make than the rest of `Aggregate.record`; the one kept also
    keeps its hash, which the store's text of it is looked up by (eventstore._remembered)."""
    if type(value) is date:
        midnight = _MIDNIGHTS.get(value)
        if midnight is None:
            if len(_MIDNIGHTS) >= REMEMBERED_DAYS:
                _MIDNIGHTS.clear()
            midnight = _MIDNIGHTS[value] = datetime(
                value.year, value.month, value.day, tzinfo=UTC)
        return midnight
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


@dataclass(frozen=True)
class EventEnvelope:
    """One stored event with everything needed to route, audit and replay it."""

    event_id: UUID
    event_type: str
    schema_version: int
    service: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    payload: dict[str, Any]
    unit_code: str | None = None
    department: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    position: int | None = None

    @cached_property
    def event_key(self) -> str:
        """`str(event_id)`, made once per envelope: a consumed event's id is the key of its
        processed record, its evaluated record and its facts, asked for several times.
        (Kept in the instance's dict, not a field: `replace` makes a new envelope without it.)"""
        return str(self.event_id)

    def subject(self, root: str) -> str:
        return f"{root}.{self.service}.{self.aggregate_type}.{self.event_type}"

    def to_json(self) -> bytes:
        return wire_json(
            self.head(), orjson.dumps(self.payload).decode()
        )

    def head(self) -> dict[str, Any]:
        """Every field but the payload, as they travel (`HEAD_FIELDS`)."""
        values = self.__dict__
        head = {name: values[name] for name in HEAD_FIELDS}
        for name, encode in _TO_WIRE:
            head[name] = encode(head[name])
        return head

    @classmethod
    def from_json(cls, data: bytes | str) -> EventEnvelope:
        """The envelope of a message body. Every field must be there (the head always writes
        each, None included): a missing one is a KeyError, never a silent default."""
        raw = orjson.loads(data)
        # A body of exactly the envelope's fields (as every publisher writes it) is taken as
        # the values themselves: picking them one by one into a new dict cost a consumer
        # catching up a tenth of the decoding (issue 20). Any other is picked from.
        if type(raw) is dict and raw.keys() == _FIELD_SET:
            values = raw
        else:
            values = {name: raw[name] for name in ENVELOPE_FIELDS}
        for name, decode in _FROM_WIRE:
            values[name] = decode(values[name])
        # Every consumer decodes every event it receives. The frozen dataclass's __init__
        # sets each field through object.__setattr__, half the cost of decoding; every field
        # is given here, so the values as the instance's dict make the very same envelope.
        envelope = object.__new__(cls)
        object.__setattr__(envelope, "__dict__", values)
        return envelope


# The envelope's fields are spelled out once, above: everything else derives from them.
#: Every field, in the dataclass's order, with its declared type.
FIELD_TYPES: dict[str, str] = {f.name: str(f.type) for f in fields(EventEnvelope)}
ENVELOPE_FIELDS: tuple[str, ...] = tuple(FIELD_TYPES)
_FIELD_SET = frozenset(ENVELOPE_FIELDS)
#: What travels beside the payload in a message body (`EventEnvelope.head`).
HEAD_FIELDS: tuple[str, ...] = tuple(name for name in ENVELOPE_FIELDS if name != "payload")
#: What a row of the `events` table holds: the service is the store's own.
STORED_FIELDS: tuple[str, ...] = tuple(name for name in ENVELOPE_FIELDS if name != "service")


def fields_of_type(*types: str) -> tuple[str, ...]:
    """The envelope's fields declared with one of `types` (as written: "datetime")."""
    return tuple(name for name, declared in FIELD_TYPES.items() if declared in types)


# How the fields that are not JSON values travel (the others travel as they are); the
# versions are made ints again in case a producer wrote them as text.
_TO_WIRE: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    *((name, str) for name in fields_of_type("UUID")),
    *((name, datetime.isoformat) for name in fields_of_type("datetime")),
)


def _time_from_wire(text: str) -> datetime:
    """An envelope's time from its text, in UTC as the store holds it (shared.clock.in_utc).
    Relays over a PostgreSQL session in another zone published that zone's offset until the
    store read its times in UTC («2024-12-31T16:00:00-08:00», the business date 01/01/2025),
    and their messages stay in the streams for every replay: a consumer writing such a time
    to SQLite, which keeps a time's wall clock and drops its zone, stored it 8 hours off."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is UTC else in_utc(value)


_FROM_WIRE: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    *((name, UUID) for name in fields_of_type("UUID")),
    *((name, int) for name in fields_of_type("int")),
    *((name, _time_from_wire) for name in fields_of_type("datetime")),
)


def wire_json(head: dict[str, Any], payload_json: str) -> bytes:
    """The message body: the head's fields and the payload's JSON text spliced in unparsed,
    so the relay never decodes and re-encodes a payload it only forwards."""
    text = orjson.dumps(head).decode()
    return f'{text[:-1]},"payload":{payload_json}}}'.encode()


@dataclass(frozen=True)
class PendingEvent:
    """An event decided by an aggregate, not yet stored."""

    event: DomainEvent
    occurred_at: datetime
    unit_code: str | None = None


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
E = TypeVar("E", bound=type[DomainEvent])


class UnknownEventTypeError(LookupError):
    pass


@dataclass
class EventRegistry:
    """Event types of one service, their upcasters and their JSON Schemas (the catalogue)."""

    service: str
    types: dict[str, type[DomainEvent]] = field(default_factory=dict)
    upcasters: dict[tuple[str, int], Upcaster] = field(default_factory=dict)

    def register(self, cls: E) -> E:
        name = cls.event_type
        if name in self.types and self.types[name] is not cls:
            raise ValueError(f"event type {name} registered twice")
        self.types[name] = cls
        return cls

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        def decorate(fn: Upcaster) -> Upcaster:
            self.upcasters[(event_type, from_version)] = fn
            return fn

        return decorate

    def upcast_payload(
        self, event_type: str, schema_version: int, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], int]:
        cls = self.types.get(event_type)
        version = schema_version
        while cls is not None and version < cls.schema_version:
            step = self.upcasters.get((event_type, version))
            if step is None:
                raise ValueError(f"no upcaster for {event_type} v{version}")
            payload, version = step(dict(payload)), version + 1
        return payload, version

    def upcast(self, envelope: EventEnvelope) -> EventEnvelope:
        payload, version = self.upcast_payload(
            envelope.event_type, envelope.schema_version, envelope.payload
        )
        if version == envelope.schema_version:
            return envelope
        return replace(envelope, payload=payload, schema_version=version)

    def decode_payload(
        self, event_type: str, schema_version: int, payload: dict[str, Any]
    ) -> DomainEvent:
        cls = self.types.get(event_type)
        if cls is None:
            raise UnknownEventTypeError(event_type)
        payload = self.upcast_payload(event_type, schema_version, payload)[0]
        # What model_validate returns, from the validator it calls: its Python frame and the
        # seven keyword arguments it passes on unset cost about as much as the validation of
        # a small payload, and every command rebuilds its aggregates from their events here
        # (as `new_envelope` serialises). No event overrides it.
        event: DomainEvent = cls.__pydantic_validator__.validate_python(payload)
        return event

    def decode(self, envelope: EventEnvelope) -> DomainEvent:
        return self.decode_payload(envelope.event_type, envelope.schema_version, envelope.payload)

    def catalogue(self, subject_root: str = "danvan") -> dict[str, Any]:
        """JSON Schema of every event type: the published event catalogue."""
        return {
            "service": self.service,
            "subjects": f"{subject_root}.{self.service}.<aggregate>.<EventType>",
            "events": {
                name: {
                    "schema_version": cls.schema_version,
                    "aggregate_type": getattr(cls, "aggregate_type", None),
                    "payload": cls.model_json_schema(),
                    **({"added_in": dict(cls.added_in)} if cls.added_in else {}),
                }
                for name, cls in sorted(self.types.items())
            },
        }


def new_envelope(
    *,
    service: str,
    aggregate_type: str,
    aggregate_id: str,
    aggregate_version: int,
    pending: PendingEvent,
    actor: str,
    department: str | None,
    correlation_id: str | None,
    causation_id: str | None,
    recorded_at: datetime,
) -> EventEnvelope:
    event = pending.event
    cls = type(event)
    declared = _declared_aggregate(cls) or aggregate_type
    if declared != aggregate_type:
        # The published contract (catalogue, AsyncAPI) names this event's subject from the
        # class: an aggregate recording another's event would publish where nobody looks.
        raise ValueError(
            f"{event.event_type} belongs to {declared}, not to {aggregate_type}"
        )
    # Every command builds its envelopes here. All fields are given, in the dataclass's order,
    # so filling the instance's dict makes the very envelope `EventEnvelope(...)` would,
    # without the frozen __init__'s object.__setattr__ per field (as `from_json` does).
    envelope = object.__new__(EventEnvelope)
    envelope.__dict__.update(
        event_id=random_uuid(),
        event_type=cls.event_type,
        schema_version=cls.schema_version,
        service=service,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=aggregate_version,
        occurred_at=pending.occurred_at,
        recorded_at=recorded_at,
        actor=actor,
        # What model_dump(mode="json") returns, from the serializer it calls: its Python
        # frame of fifteen defaulted arguments cost more than the payload's serialising
        # (~5,700 instructions an event, callgrind, bench peer). No event overrides it.
        payload=event.__pydantic_serializer__.to_python(event, mode="json"),
        unit_code=pending.unit_code,
        department=department,
        correlation_id=correlation_id,
        causation_id=causation_id,
        position=None,
    )
    return envelope


# The aggregate type each event class declares (None: it declares none), looked up once per
# class: pydantic answers a missing class attribute through its metaclass's __getattr__, which
# costs more than the rest of an envelope's fields together.
_DECLARED: dict[type[DomainEvent], str | None] = {}


def _declared_aggregate(cls: type[DomainEvent]) -> str | None:
    try:
        return _DECLARED[cls]
    except KeyError:
        declared = _DECLARED[cls] = getattr(cls, "aggregate_type", None)
        return declared
