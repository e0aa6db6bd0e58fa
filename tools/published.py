"""A hand-made payload completed as its publisher would have sent it.

The test scenarios write the fields a test is about; the consumers check every envelope
against its publisher's contract (shared/contract.py) and dead-letter one lacking a required
field. What a scenario leaves out is filled here, as the publisher's command would: a business
date is the event's own day, an optional value (`str | None`) is None, a text is empty, and a
head's level is its unit's (a province's code has two digits, a district's three, a
commune's five). A field the class does not have is left out, as the publisher's class would
refuse it (a case's `referred_to` written on every step). A value the scenario gives is never
changed: a wrong one stays wrong."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

import orjson

from shared.contract import CONTRACTS_DIR

_LEVELS = {2: "province", 3: "district", 5: "commune"}


@cache
def _events(service: str) -> dict[str, Any]:
    path = CONTRACTS_DIR / f"{service}.json"
    events: dict[str, Any] = orjson.loads(path.read_bytes())["events"] if path.exists() else {}
    return events


def as_published(
    service: str, event_type: str, version: int, payload: dict[str, Any], on: date,
) -> dict[str, Any]:
    """`payload` with every field its contract requires at `version` (shared/contract.py)."""
    entry = _events(service).get(event_type)
    if entry is None:
        return payload
    schema = entry["payload"]
    later = {name for name, since in entry.get("added_in", {}).items() if since > version}
    missing = [name for name in schema.get("required", ())
               if name not in payload and name not in later]
    known = schema["properties"]
    unknown = [] if schema.get("additionalProperties", True) else [
        name for name in payload if name not in known]
    if not missing and not unknown:
        return payload
    completed = {name: value for name, value in payload.items() if name not in unknown}
    for name in missing:
        completed[name] = _value(name, schema["properties"][name], payload, on)
    return completed


def _value(name: str, field: dict[str, Any], payload: dict[str, Any], on: date) -> Any:
    if any(option.get("type") == "null" for option in field.get("anyOf", ())):
        return None
    if field.get("format") == "date":
        return on.isoformat()
    if name == "level":
        return _LEVELS[len(str(payload.get("unit_code", "")))]
    if "enum" in field:
        return field["enum"][0]
    empty: dict[str, Any] = {"string": "", "array": [], "object": {}, "boolean": False,
                             "integer": 0, "number": 0}
    return empty[field["type"]]
