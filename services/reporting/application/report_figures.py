"""The figures of one period for one scope: what both compute paths build (`figures.py`) and
every output reads. Built once and shared by every request the cached figures serve: readers
never change them."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.reporting.application.canonical import canonical_json, units_json
from services.reporting.application.unittree import UnitTree
from services.reporting.domain.indicators import IndicatorTarget
from services.reporting.domain.periods import Period
from shared.planrules import SummedFrom


@dataclass(frozen=True)
class Window:
    """What a report sees: business dates from `data_from` (flow figures) to `cutoff_on`,
    recorded no later than `as_of`."""

    data_from: date
    cutoff_on: date
    as_of: datetime  # UTC


@dataclass(frozen=True)
class IndicatorFigure:
    indicator_id: str
    numerator: int
    denominator: int
    value: float | None
    status: str | None  # None: no denominator or no target (shared/planrules.py)
    target: float | None  # None: no definition of the year (`IndicatorTarget.defined`)
    comparator: str | None
    #: Where the plan's base replaced the denominator: the register's own count of open
    #: sites, and the kernel's data warnings (numerator above the base, register not it).
    register: int | None = None
    warnings: tuple[str, ...] = ()
    #: An I1-I4 the year defines "reported", of a unit without its own report: how many of
    #: the units directly under it have a figure, of how many (`planrules.reported_coverage`).
    summed_from: SummedFrom | None = None

    def as_dict(self) -> dict[str, Any]:
        return _indicator_content(self)


@functools.lru_cache(maxsize=8192)
def _indicator_content(figure: IndicatorFigure) -> dict[str, Any]:
    """Shared by every unit with the same figure: readers never change it (a pure function of
    an immutable figure, so a memo rather than process state)."""
    return {
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "value": figure.value,
        "status": figure.status,
        "target": figure.target,
        "comparator": figure.comparator,
        "register": figure.register,
        "warnings": list(figure.warnings),
        # Only on a summed reported figure: the content (and hash) of every other report is
        # what it was before the key existed.
        **({} if figure.summed_from is None
           else {"summed_from": summed_from_json(figure.summed_from)}),
    }


def summed_from_json(summed: SummedFrom | None) -> dict[str, int] | None:
    """How complete a summed reported figure is, as the JSON, the content and every output
    read it: `units_with_figure` of the `units_under` directly under the unit; None for a
    unit's own report (or no figure)."""
    return None if summed is None else summed.as_json()


@dataclass
class Figures:
    """The figures of one period for one scope, every unit of its tree.

    The content of the units is built once and shared by every request the cached figures
    serve (as is its canonical text): readers never change it."""

    period: Period
    scope: str
    as_of: datetime
    tree: UnitTree
    values: dict[str, dict[str, int]]
    indicators: dict[str, dict[str, IndicatorFigure]]
    targets: dict[str, IndicatorTarget]
    reported_status: dict[tuple[str, str], str] = field(default_factory=dict)
    other_indicators: list[dict[str, Any]] = field(default_factory=list)
    #: Per unit, the figures counted under codes that are no unit of the tree
    #: (`roll_up.unattributed`): what its children's rows lack to add up to it.
    unattributed: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Per unit, the figures recorded for the unit itself (`roll_up.own_records`): with
    #: `unattributed`, all its children's rows lack to add up to it.
    own: dict[str, dict[str, int]] = field(default_factory=dict)
    built: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def units_content(self) -> dict[str, Any]:
        units: dict[str, Any] | None = self.built.get("units")
        if units is None:
            # Units with the same numbers share one indicators dict (see `roll_up.py`), so
            # their content is made once per shared dict.
            made: dict[int, dict[str, Any]] = {}
            units = self.built["units"] = {}
            for code in self.tree.nodes:
                indicators = self.indicators[code]
                content = made.get(id(indicators))
                if content is None:
                    content = made[id(indicators)] = {
                        key: figure.as_dict() for key, figure in indicators.items()}
                units[code] = {"figures": self.values[code], "indicators": content}
        return units

    def _head(self) -> dict[str, Any]:
        head: dict[str, Any] = {
            "period_id": self.period.id,
            "scope": self.scope,
            "as_of": self.as_of.isoformat(),
            "data_from": self.period.data_from.isoformat(),
            "cutoff_on": self.period.cutoff_on.isoformat(),
        }
        # Each line only when there is any: the content (and hash) of a report whose rows
        # add up is what it was before the lines existed. Both keys sort before "units"
        # (`canonical_text`).
        if self.own:
            head["own"] = self.own
        if self.unattributed:
            head["unattributed"] = self.unattributed
        return head

    def content(self) -> dict[str, Any]:
        """The canonical content of the report: what finalising freezes and hashes."""
        return self._head() | {"units": self.units_content()}

    def canonical_text(self) -> str:
        """`canonical_json(self.content())`, the units' part written once ("units" is the
        last key in sorted order): what is hashed and what finalising stores."""
        units: str | None = self.built.get("units_json")
        if units is None:
            floats = {value for figures in self.indicators.values()
                      for figure in figures.values() for value in (figure.value, figure.target)}
            units = self.built["units_json"] = units_json(self.units_content(), floats)
        return canonical_json(self._head())[:-1] + ',"units":' + units + "}"

    def content_hash(self) -> str:
        """The hash of `content()`."""
        return hashlib.sha256(self.canonical_text().encode()).hexdigest()
