"""Units of an event as of its business date, looked up once per (code, structure)."""

from __future__ import annotations

import functools
from datetime import date
from typing import NamedTuple

from shared.adminunits import REFORM_2025, AdminUnit, default_catalogue


class EventUnits(NamedTuple):
    unit_code: str | None
    district_code: str | None
    province_code: str | None


NO_UNITS = EventUnits(None, None, None)


def units_of(code: str | None, on: date) -> EventUnits:
    if not code:
        return NO_UNITS
    # The catalogue holds two structures only (before and after the 2025 reform), so the
    # answer depends on the side of the reform, not on the exact day: cache on that.
    return _units_of(code, on >= REFORM_2025)


@functools.lru_cache(maxsize=20_000)
def _units_of(code: str, reformed: bool) -> EventUnits:
    catalogue = default_catalogue()
    on = REFORM_2025 if reformed else date(2024, 1, 1)
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
