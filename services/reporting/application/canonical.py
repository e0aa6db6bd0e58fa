"""The canonical text of a report's content, and its hash: what finalising freezes, what a
frozen report is checked against."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from typing import Any

import orjson


def canonical_json(content: dict[str, Any]) -> str:
    """The text a report's content is hashed and frozen as."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def units_json(units: dict[str, Any], floats: Iterable[float | None]) -> str:
    """`canonical_json` of the units' content, by orjson where it writes the very same text:
    figures are ints, and the indicators' floats (their values and targets, given as
    `floats`) are written alike by both only between 1e-4 and 1e16; the keys are ASCII codes
    and names."""
    if all(_same_text(value) for value in floats):
        return orjson.dumps(units, option=orjson.OPT_SORT_KEYS).decode()
    return canonical_json(units)


def _same_text(value: float | None) -> bool:
    return value is None or value == 0 or (
        math.isfinite(value) and 1e-4 <= abs(value) < 1e16)
