"""The event contract a consumer checks another service's events against before applying them.

A consumer may not import the publishing service's event classes (no service imports another,
and a service's container image holds only its own code), so each publishing service's
registry is written out as its catalogue, `shared/contracts/<service>.json` (the document
`GET /api/v1/events/catalogue` answers; `python -m tools.contracts` writes them, a test keeps
them equal to the registries). The consumer runner (`shared/consumer.py`) checks every
envelope against it, live and in a rebuild alike, so both apply the same events:

- a `schema_version` newer than the contract knows, or a field the contract's class does not
  have, is not applied (`EVENT_SCHEMA_TOO_NEW`, `SchemaTooNew`): the consumer would read a
  renamed or removed field as missing, or drop an added one. It is no
  defect of the event but a publisher upgraded before its consumers, so the runner does not
  dead-letter it: it stops there, unacked, until it is upgraded (docs/events.md);
- a payload the publisher's event class would refuse (a null name, a number given as text,
  an impossible date such as 2023-02-30, a list of the wrong things, a required field
  missing, a nested field its class does not have, a value outside a Literal's choices) is
  refused (`EVENT_PAYLOAD_INVALID`);
- an envelope no publisher stored is refused: a version or position beyond what a store
  holds (`EVENT_ENVELOPE_INVALID`). Every consumer checks before any handler runs, so an
  envelope is applied by every consumer or by none (finding P1);
- an envelope recorded later than its message was published (beyond the clocks' skew) is
  applied as recorded at its publication (`recorded_as_published`), with a warning: a
  service's clock ahead of the NATS server's, or a forged future time (review RV-P2).

What is checked is each field the payload carries, against the type, date format and choices
(a Literal's, an Enum's) its JSON Schema states, nested fields included; that every required
field is there and no field the class does not have (each event class forbids extras, so its
publisher would refuse them); for every version up to the contract's: an older version's
payload, before its upcaster (which stays in the publisher's code), keeps the types of the
fields it has and lacks those a later version added (`DomainEvent.added_in`). The envelope's
`aggregate_version` and `position` must be what a store holds (1..2^63-1); its
`recorded_at` is taken as no later than its message's publication (`recorded_as_published`).
A rule the class states in Python code only (a date's order) is the publisher's command's,
not the contract's; so is the unit's jurisdiction: another province's unit is refused by
every publisher's command (shared/unitcheck.py), is counted in none of the jurisdiction's
figures, and the benchmarks feed the consumers national data. docs/events.md says what no
check can see.

The schema is compiled once into plain functions: a consumer catching up applies thousands of
events a second and a general JSON Schema validator costs some 300 µs an event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from shared import messages
from shared.clock import in_utc
from shared.envelope import EventEnvelope

CONTRACTS_DIR = Path(__file__).parent / "contracts"

TOO_NEW = "EVENT_SCHEMA_TOO_NEW"
INVALID = "EVENT_PAYLOAD_INVALID"
ENVELOPE_INVALID = "EVENT_ENVELOPE_INVALID"
#: No longer given (such an envelope is applied, `recorded_as_published`): kept so the dead
#: letters it left before still show their code and reason.
RECORDED_LATER = "EVENT_RECORDED_AFTER_PUBLISHED"
CODES = (TOO_NEW, INVALID, ENVELOPE_INVALID, RECORDED_LATER)

#: What the stores hold of a version or a position (a BIGINT; SQLite's INTEGER alike): an
#: envelope claiming more was never stored by its publisher (2**70 crashed a consumer's
#: insert, finding P1).
ENVELOPE_INTEGERS = ("aggregate_version", "position")
LARGEST_STORED = 2**63 - 1
#: How much later than the message's own JetStream timestamp an envelope's `recorded_at` may
#: be and stand: the relay publishes after the commit, so only the two clocks' skew
#: separates them.
CLOCK_SKEW = timedelta(seconds=5)

# A check returns None when the value fits, else where and why it does not (English, for the
# operator reading the dead letter beside the Vietnamese sentence).
Check = Callable[[Any], str | None]

_ANNOTATIONS = frozenset({"title", "description", "default", "examples"})
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


class ContractViolation(ValueError):
    """An envelope its publisher's contract refuses: dead-lettered, never applied (but for
    `SchemaTooNew`, held until the consumer is upgraded). Its text
    (the dead letter's `error`) is «CODE: Vietnamese reason» and, on a line of its own, what
    in the payload is wrong (`shared.consumer.dead_letter_reason` reads it back)."""

    def __init__(self, code: str, message: str, detail: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}\n{detail}")


class SchemaTooNew(ContractViolation):
    """An envelope of a schema version newer than the contract knows, or of a known version
    with a field the contract's event class does not have (`fields`): not applied yet, and
    not a dead letter either (waiting for the consumer's upgrade makes it right)."""

    def __init__(
        self, event_type: str, version: int, known: int, fields: tuple[str, ...] = ()
    ) -> None:
        self.event_type = event_type
        self.version = version
        self.known = known
        self.fields = fields
        if fields:
            message = messages.EVENT_FIELDS_TOO_NEW.format(
                event_type=event_type, fields=", ".join(fields))
            detail = f"fields {list(fields)} not in schema_version {version} of the contract"
        else:
            message = messages.EVENT_SCHEMA_TOO_NEW.format(
                event_type=event_type, version=version, known=known)
            detail = f"schema_version {version} > {known}"
        super().__init__(TOO_NEW, message, detail)


@dataclass(frozen=True)
class _EventTerms:
    version: int
    #: The payload check of each schema version, 1 to `version` (index 0 unused): a field a
    #: later version added (`added_in`) is not required of an older payload.
    checks: tuple[Check, ...]
    #: The payload's fields the event class has (None: it takes any). A publisher's class
    #: forbids others, so a payload with another is a class newer than the contract, even at
    #: the same schema version (an optional field added without a new version): held, as a
    #: newer version is, not dead-lettered and lost.
    fields: frozenset[str] | None


@dataclass(frozen=True)
class EventContract:
    """The event types one service publishes, their schema versions and payload checks."""

    service: str
    events: dict[str, _EventTerms]

    @classmethod
    def of(cls, service: str) -> EventContract | None:
        """The contract of `service`, or None when no contract is published for it (a test's
        made-up stream)."""
        path = CONTRACTS_DIR / f"{service}.json"
        if not path.exists():
            return None
        return cls.from_catalogue(orjson.loads(path.read_bytes()))

    @classmethod
    def from_catalogue(cls, catalogue: dict[str, Any]) -> EventContract:
        events = {}
        for name, entry in catalogue["events"].items():
            schema = entry["payload"]
            version = int(entry["schema_version"])
            added_in: dict[str, int] = entry.get("added_in", {})
            defs = schema.get("$defs", {})
            latest = _compile(schema, defs)
            checks: list[Check] = [_anything]
            for older in range(1, version):
                missing = {field for field, since in added_in.items() if since > older}
                checks.append(_compile({**schema, "required": [
                    field for field in schema.get("required", []) if field not in missing]},
                    defs) if missing else latest)
            closed = schema.get("additionalProperties", True) is False
            fields = frozenset(schema.get("properties", {})) if closed else None
            events[name] = _EventTerms(version=version, checks=(*checks, latest), fields=fields)
        return cls(service=str(catalogue["service"]), events=events)

    def check(self, envelope: EventEnvelope) -> None:
        """Raise ContractViolation for an envelope that must not be applied. A type the
        contract does not list is left to the projection (which handles only listed types:
        tests/unit/test_contracts.py)."""
        for name in ENVELOPE_INTEGERS:
            number = getattr(envelope, name)
            if number is not None and not 1 <= number <= LARGEST_STORED:
                raise ContractViolation(
                    ENVELOPE_INVALID,
                    messages.EVENT_ENVELOPE_INVALID.format(
                        event_type=envelope.event_type, service=self.service),
                    f"{name} {number} outside 1..{LARGEST_STORED}",
                )
        terms = self.events.get(envelope.event_type)
        if terms is None:
            return
        version = envelope.schema_version
        if version > terms.version:
            raise SchemaTooNew(envelope.event_type, version, terms.version)
        payload = envelope.payload
        if (terms.fields is not None and isinstance(payload, dict)
                and not terms.fields.issuperset(payload)):
            newer = tuple(sorted(name for name in payload if name not in terms.fields))
            if newer:
                raise SchemaTooNew(envelope.event_type, version, terms.version, newer)
        problem = ("schema_version below 1" if version < 1
                   else terms.checks[version](envelope.payload))
        if problem is not None:
            raise ContractViolation(
                INVALID,
                messages.EVENT_PAYLOAD_INVALID.format(
                    event_type=envelope.event_type, version=version, service=self.service),
                problem,
            )


def recorded_as_published(envelope: EventEnvelope, published_at: datetime) -> datetime | None:
    """The time to take as `envelope`'s `recorded_at` when it claims to have been recorded
    later than its message was published (`published_at`, the JetStream message's own
    timestamp, set by the server) beyond the clocks' skew: its publication, the latest
    moment the consumer can vouch it was known at. None when its own `recorded_at` stands.

    Such an envelope is applied, not refused (review RV-P2): refused, a service host whose
    clock runs ahead of the NATS server's lost every event it published, live and in every
    rebuild (both times are fixed); taken at its publication, a forged future `recorded_at`
    still hides no fact until then (finding P1). One recorded earlier than it really was
    cannot be told from a relay catching up after an outage, and stands (docs/events.md)."""
    # A naive time is UTC, as every stored one (shared.clock.in_utc).
    if in_utc(envelope.recorded_at) > published_at + CLOCK_SKEW:
        return published_at
    return None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: nats-py's `metadata.timestamp` is the reply subject's nanoseconds divided as a float and
#: rounded to the microsecond: within a microsecond of them. Twice that apart from the
#: bound, `recorded_stands` and `recorded_as_published` cannot disagree.
_STAMP_ERROR_NS = 2_000
_CLOCK_SKEW_NS = CLOCK_SKEW // _MICROSECOND * 1_000


def recorded_stands(envelope: EventEnvelope, published_ns: int) -> bool:
    """True when `envelope`'s `recorded_at` surely stands against its message's publication
    given as JetStream's nanoseconds since the epoch (`recorded_as_published` would answer
    None); False when it may not, to be decided by `recorded_as_published`. Every consumed
    event is asked: nats-py's parsed metadata, a datetime and three objects made per message,
    cost a consumer catching up more than the rest of this check (issue 20)."""
    recorded_ns = (in_utc(envelope.recorded_at) - _EPOCH) // _MICROSECOND * 1_000
    return recorded_ns + _STAMP_ERROR_NS <= published_ns + _CLOCK_SKEW_NS


def _compile(schema: dict[str, Any], defs: dict[str, Any]) -> Check:
    """One function checking a value against the types and formats of `schema` (the subset
    pydantic writes for event payloads; a keyword outside it is refused here, at start, so
    nothing is skipped unseen)."""
    keywords = set(schema) - _ANNOTATIONS - {"$defs"}
    if "$ref" in schema:
        return _compile(defs[schema["$ref"].removeprefix("#/$defs/")], defs)
    if "anyOf" in schema:
        plain = [set(option) - _ANNOTATIONS == {"type"} for option in schema["anyOf"]]
        if all(plain):  # `str | None`: one isinstance
            return _type([option["type"] for option in schema["anyOf"]])
        return _any_of([_compile(option, defs) for option in schema["anyOf"]])
    checks: list[Check] = []
    if "type" in schema:
        checks.append(_type(schema["type"]))
    if "enum" in schema or "const" in schema:
        checks.append(_choices(schema["enum"] if "enum" in schema else [schema["const"]]))
    if "format" in schema:
        checks.append(_format(schema["format"]))
    if "items" in schema:
        checks.append(_items(_compile(schema["items"], defs)))
    if "properties" in schema or "required" in schema or "additionalProperties" in schema:
        checks.append(_object(schema, defs))
    unknown = keywords - {"type", "format", "items", "properties", "additionalProperties",
                          "required", "enum", "const"}
    if unknown:
        raise ValueError(f"contract keywords not checked: {sorted(unknown)}")
    return _all_of(checks)


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return _anything
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> str | None:
        for one in checks:
            problem = one(value)
            if problem is not None:
                return problem
        return None

    return check


def _any_of(options: list[Check]) -> Check:
    def check(value: Any) -> str | None:
        problems = []
        for option in options:
            problem = option(value)
            if problem is None:
                return None
            problems.append(problem)
        return " or ".join(problems)

    return check


# JSON's types as Python reads them; bool is an int to Python, not to JSON Schema (nor to a
# strict reader of a count).
_CLASSES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "null": (type(None),), "array": (list,), "object": (dict,),
}


def _type(declared: str | list[str]) -> Check:
    names = [declared] if isinstance(declared, str) else list(declared)
    classes = tuple(cls for name in names for cls in _CLASSES[name])
    refuse_bool = "boolean" not in names

    def check(value: Any) -> str | None:
        if isinstance(value, classes) and not (refuse_bool and isinstance(value, bool)):
            return None
        return f"{_shown(value)} is not {'/'.join(names)}"

    return check


def _format(name: str) -> Check:
    if name == "date":
        def check(value: Any) -> str | None:
            if not isinstance(value, str):
                return None  # the type's to say
            try:
                if _DATE.match(value):
                    date.fromisoformat(value)
                    return None
            except ValueError:
                pass
            return f"{_shown(value)} is no date"

        return check
    if name == "date-time":
        def check_time(value: Any) -> str | None:
            if not isinstance(value, str):
                return None
            try:
                datetime.fromisoformat(value)
            except ValueError:
                return f"{_shown(value)} is no date-time"
            return None

        return check_time
    raise ValueError(f"contract format not checked: {name}")


def _anything(value: Any) -> str | None:
    return None


def _items(item: Check) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list):
            return None
        for index, one in enumerate(value):
            problem = item(one)
            if problem is not None:
                return f"[{index}]: {problem}"
        return None

    return check


def _choices(choices: list[Any]) -> Check:
    """A Literal's or an Enum's values: equal and of the same JSON type (True is no 1)."""
    allowed = {(type(choice), choice) for choice in choices}

    def check(value: Any) -> str | None:
        try:
            if (type(value), value) in allowed:
                return None
        except TypeError:  # a list or an object: no choice of a Literal
            pass
        return f"{_shown(value)} is none of {_shown(choices)}"

    return check


def _object(schema: dict[str, Any], defs: dict[str, Any]) -> Check:
    properties = {name: _compile(sub, defs)
                  for name, sub in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    # A field the class does not have: refused where the class forbids it (extra="forbid",
    # every DomainEvent), as its publisher would; checked against its schema where stated.
    others: Check | None = _compile(extra, defs) if isinstance(extra, dict) else None
    closed = extra is False

    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return None  # the type's to say
        for name in required:
            if name not in value:
                return f"{name}: missing"
        for name, one in value.items():
            field_check = properties.get(name, others)
            if field_check is None:
                if closed:
                    return f"{name}: no such field"
                continue
            problem = field_check(one)
            if problem is not None:
                return f"{name}: {problem}"
        return None

    return check


def _shown(value: Any) -> str:
    text = orjson.dumps(value).decode() if _jsonable(value) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _jsonable(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except TypeError:
        return False
    return True

