"""What changed between a finalised report's frozen figures and the figures of now."""

from __future__ import annotations

from typing import Any

from services.reporting.messages import INDICATOR_PART_LABELS


def differences(frozen: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure that differs, by unit (from the scope down) and path. Units whose content
    is equal are passed over whole: a national report has thousands of them."""
    before_units, after_units = frozen["units"], current["units"]
    found: list[tuple[str, Any, Any]] = []
    for code in before_units.keys() | after_units.keys():
        unit_before, unit_after = before_units.get(code), after_units.get(code)
        if unit_before == unit_after:
            continue
        before, after = _flatten_unit(code, unit_before), _flatten_unit(code, unit_after)
        for path in before.keys() | after.keys():
            if before.get(path) != after.get(path):
                found.append((path, before.get(path), after.get(path)))
    changed: list[dict[str, Any]] = []
    for path, was, now in sorted(found, key=lambda item: _path_order(item[0])):
        unit, _, figure = path.partition("/")
        changed.append({"unit_code": unit, "figure": figure, "frozen": was, "current": now})
    return changed


def _flatten_unit(code: str, unit: dict[str, Any] | None) -> dict[str, Any]:
    """A unit's figure paths (unit/figure, unit/indicator.part) and their values."""
    flat: dict[str, Any] = {}
    if unit is None:
        return flat
    for key, value in unit["figures"].items():
        flat[f"{code}/{key}"] = value
    for indicator_id, figure in unit["indicators"].items():
        for part in INDICATOR_PART_LABELS:
            flat[f"{code}/{indicator_id}.{part}"] = figure[part]
    return flat


def _path_order(path: str) -> tuple[int, str]:
    unit = path.partition("/")[0]
    return (len(unit), path)
