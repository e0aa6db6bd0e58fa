"""Units of an event as of its business date, looked up once per (code, structure)."""

from __future__ import annotations

import functools
from datetime import date
from typing import NamedTuple

from shared.adminunits import AdminUnit, default_catalogue


class EventUnits(NamedTuple):
    unit_code: str | None
    district_code: str | None
    province_code: str | None


NO_UNITS = EventUnits(None, None, None)


def units_of(code: str | None, on: date) -> EventUnits:
    if not code:
        return NO_UNITS
    # The catalogue changes only between its eras (2023, January 2025, July 2025), so the
    # answer depends on the era of the day, not on the day itself: cache on the era's start.
    return _units_of(code, _era_start(on))


def _era_start(on: date) -> date:
    eras = default_catalogue().sources
    start = eras[0].valid_from  # a day before the catalogue's start counts in its first era
    for era in eras:
        if era.valid_from <= on:
            start = era.valid_from
    return start


@functools.lru_cache(maxsize=30_000)
def _units_of(code: str, on: date) -> EventUnits:
    catalogue = default_catalogue()
    unit = catalogue.get(code, on)
    if unit is None:
        # A code from the other structure (or an unknown one): keep the code, attribute by
        # its own latest version if it has one.
        history = catalogue.history(code)
        if not history:
            return EventUnits(code, None, None)
        unit = history[-1]
        on = unit.valid_from
    return EventUnits(unit.code, _district(unit, on), unit.province_code)


def _district(unit: AdminUnit, on: date) -> str | None:
    if unit.level == "district":
        return unit.code
    if unit.level == "commune":
        parent = default_catalogue().get(unit.parent_code or "", on)
        return parent.code if parent is not None and parent.level == "district" else None
    return None
