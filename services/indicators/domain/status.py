"""The status rule of an indicator figure (tình trạng thực hiện chỉ tiêu).

Given the value v = numerator / denominator, the target T, the period [start, end] and the
evaluation date d (the business date up to which facts count), with the elapsed fraction of
the period f = (days from start to d, both included) / (days of the period), clamped to [0, 1]:

For a "≥" indicator (the plan's four):
* ``dat`` (đạt) — v ≥ T: the target is met.
* ``chua_dat`` (chưa đạt) — v < T and the period has ended (d ≥ end): the target was missed.
* ``co_nguy_co`` (có nguy cơ không đạt) — v < T, the period still running, and v < T × f: the
  figure is behind the straight line from 0 on the first day to T on the last day (linear pace),
  so at this pace the target will not be met.
* ``chua_dat`` (chưa đạt) — v < T, the period still running, and v ≥ T × f: not met yet but on
  pace (exactly on the line counts as on pace).

For a "≤" indicator (a ceiling, e.g. a number of violations): ``dat`` while v ≤ T, else
``chua_dat``; a ceiling exceeded is exceeded whatever the date, so there is no pace.

A figure with denominator 0 has no value and no status (``None``). The arithmetic is exact
(fractions), so a boundary such as v = T or v = T × f is decided without rounding.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from services.indicators.domain.events import Comparator, Status

DAT: Status = "dat"
CO_NGUY_CO: Status = "co_nguy_co"
CHUA_DAT: Status = "chua_dat"


def elapsed_fraction(start: date, end: date, on: date) -> Fraction:
    """Share of the period [start, end] gone by at the end of day `on`, in [0, 1]."""
    total = (end - start).days + 1
    elapsed = (on - start).days + 1
    return Fraction(min(max(elapsed, 0), total), total)


def ratio(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(numerator, denominator) if denominator > 0 else None


def status_of(
    value: Fraction | None,
    target: Fraction,
    comparator: Comparator,
    start: date,
    end: date,
    on: date,
) -> Status | None:
    """The status of a figure; `value` and `target` are ratios (0.4 for 40 %)."""
    if value is None:
        return None
    if comparator == "le":
        return DAT if value <= target else CHUA_DAT
    if value >= target:
        return DAT
    if on >= end:
        return CHUA_DAT
    if value < target * elapsed_fraction(start, end, on):
        return CO_NGUY_CO
    return CHUA_DAT


def percent(value: Fraction | None) -> float | None:
    """A ratio as a percentage rounded to 2 decimals, for people and for event payloads."""
    return None if value is None else round(float(value * 100), 2)
