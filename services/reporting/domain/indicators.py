"""The four indicators of plan II.1.1-1.3 (chỉ tiêu) and how their status is judged.

Targets come from the indicators service (`IndicatorDefined`); until one is defined for a
year, the plan's own targets apply. Targets are percentages.

Status at a conference period, for a "higher is better" indicator:
- đạt (green): the value reaches the target;
- có nguy cơ không đạt (amber): not reached yet, but on the year's pace, i.e. at least the
  target times the share of the year elapsed (3/12 at the 3-month conference ...);
- chưa đạt (red): behind that pace, or not reached at the year's report.
For a "lower is better" indicator the comparison is mirrored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["dat", "co_nguy_co", "chua_dat"]
Comparator = Literal[">=", "<="]

CORE_INDICATORS = ("I1", "I2", "I3", "I4")
# Plan II.1.3: "tổng số 239 cơ sở" — the fixed denominator of I3 and I4 for Hai Phong.
PLAN_RELIGIOUS_SITES = 239


@dataclass(frozen=True)
class IndicatorTarget:
    indicator_id: str
    comparator: Comparator
    target: float
    denominator_fixed: int | None = None
    name: str | None = None


PLAN_TARGETS: dict[str, IndicatorTarget] = {
    "I1": IndicatorTarget("I1", ">=", 100.0),
    "I2": IndicatorTarget("I2", ">=", 100.0),
    "I3": IndicatorTarget("I3", ">=", 40.0, PLAN_RELIGIOUS_SITES),
    "I4": IndicatorTarget("I4", ">=", 10.0, PLAN_RELIGIOUS_SITES),
}

_COMPARATORS: dict[str, Comparator] = {
    ">=": ">=", "gte": ">=", "≥": ">=", "ge": ">=", "at_least": ">=",
    "<=": "<=", "lte": "<=", "≤": "<=", "le": "<=", "at_most": "<=",
}


def comparator_of(value: object) -> Comparator:
    """The comparators other services may write, normalised; unknown ones mean "at least"."""
    return _COMPARATORS.get(str(value).strip().lower(), ">=")


def percentage(numerator: int, denominator: int) -> float | None:
    if denominator <= 0:
        return None
    return round(100.0 * numerator / denominator, 1)


def judge(value: float | None, target: IndicatorTarget, pace: float) -> Status:
    """The status of a value at a period whose expected share of the year is `pace`."""
    if value is None:
        return "chua_dat"
    if target.comparator == ">=":
        if value >= target.target:
            return "dat"
        on_pace = value >= target.target * pace
    else:
        if value <= target.target:
            return "dat"
        on_pace = True  # a ceiling can still be met by the year's end
    if pace >= 1.0:
        return "chua_dat"
    return "co_nguy_co" if on_pace else "chua_dat"
