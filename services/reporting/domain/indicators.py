"""The four indicators of plan II.1.1-1.3 (chỉ tiêu) in a report: an adapter over the kernel's
rulebook (`shared/planrules.py`), which decides every status, pace and rounding.

Targets come from the indicators service (`IndicatorDefined`); until one is defined for a
year, the plan's own targets apply to the plan's year only (`planrules.plan_targets_apply`):
an indicator of another year without a definition is counted (by the plan's period and
fields) but has no target and is not judged, as the indicators service has no such indicator.
Targets are percentages. A report's indicators are
counted and judged at its cut-off by the definition known at the report's "as of": its
period (I2's window and the pace; the plan year unless it gives another,
`planrules.defined_period`) and I1's qualifying fields (`planrules.i1_fields`), as the
indicators service counts and judges them on the same date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from shared.auth.units import covers
from shared.planrules import (
    AT_LEAST,
    CHUA_DEN_HAN,
    CORE_INDICATORS,
    PLAN_RELIGIOUS_SITES,
    Comparator,
    RateDefinition,
    Status,
    defined_period,
    i1_fields,
    i2_window,
    not_yet_owed,
    ratio,
    status_of,
    year_days,
)
from shared.planrules import PLAN_TARGETS as KERNEL_TARGETS
from shared.planrules import comparator_of as kernel_comparator

__all__ = ["CORE_INDICATORS", "MEASURED_BY", "PLAN_RELIGIOUS_SITES", "PLAN_TARGETS",
           "IndicatorTarget", "comparator_of", "judge"]

#: Each core indicator's numerator and denominator among a unit's figures
#: (`domain/metrics.py`): I3 and I4 share the sites.
MEASURED_BY: dict[str, tuple[str, str]] = {
    "I1": ("communes_with_model", "communes"),
    "I2": ("heads_meeting_rule", "heads_in_office"),
    "I3": ("sites_with_dossier", "sites"),
    "I4": ("sites_with_certificate", "sites"),
}


@dataclass(frozen=True)
class IndicatorTarget:
    indicator_id: str
    comparator: Comparator
    target: float  # percent, as other services write it
    denominator_fixed: int | None = None
    name: str | None = None
    # The definition's period (ISO dates; None: the plan year's bound) and I1's qualifying
    # fields (empty: the plan's). Plain values: a finalised report keeps its targets as JSON.
    period_start: str | None = None
    period_end: str | None = None
    qualifying_fields: tuple[str, ...] = ()
    #: False: no definition of the year and not the plan's year, so no target to judge by
    #: (the other values are the plan's, only to count the figure by). A finalised report
    #: frozen before this was kept had a target for every indicator.
    defined: bool = True
    #: How the definition computes the figure (None: the plan's method of the indicator):
    #: "reported" takes the units' reported figures (`planrules.reported_roll_up`), as the
    #: indicators service does for such a definition.
    method: str | None = None
    #: The units the definition covers (empty: the plan's, the city). A unit outside them
    #: has no figure of the indicator in the indicators service: not judged here; a fixed
    #: base is the figure's of the scope's one unit.
    scope: tuple[str, ...] = ()

    @classmethod
    def from_context(cls, value: dict[str, Any]) -> IndicatorTarget:
        """A target as a finalised report's context keeps it (`dataclasses.asdict`); one
        frozen before the kernel's comparators wrote ">=", read in its vocabulary."""
        return cls(**{**value, "comparator": comparator_of(value["comparator"]),
                      "qualifying_fields": tuple(value.get("qualifying_fields") or ()),
                      "scope": tuple(value.get("scope") or ())})

    @property
    def ratio(self) -> Fraction:
        """The target as an exact ratio: through str, 40.0 stays exactly 2/5."""
        return Fraction(str(self.target)) / 100

    def period(self, year: int) -> tuple[date, date]:
        """The days the indicator of `year` is counted and judged over."""
        return defined_period(year, _day(self.period_start), _day(self.period_end))

    def i2_window(self, year: int, data_from: date, cutoff: date) -> tuple[date, date]:
        """The days I2 looks at on a report's cut-off (`planrules.i2_window` over the
        definition's period): the report's data window, from `data_from` (the day after the
        previous year's 12-month cut-off as it stands) to `cutoff`, which never passes the
        year's 12-month cut-off as it stands (`periods.window_problem` keeps a year's
        cut-offs in order), so the report judges the sessions it counts as held."""
        return i2_window(*self.period(year), cutoff, (data_from, cutoff))

    def covers_unit(self, code: str, on: date) -> bool:
        """Whether the definition gives `code` a figure on `on`: every unit without a scope
        of its own; else the scope's units and those under them (a unit above or beside
        them has none in the indicators service, so no target and no status here)."""
        return not self.scope or (code.isdigit() and any(
            covers(unit, code, on) for unit in self.scope))

    @property
    def reported(self) -> bool:
        """Whether the definition takes the units' reported figures, not counted ones."""
        return self.method == "reported"

    def base_unit(self) -> str | None:
        """The unit whose figure is measured against the fixed base (the indicators service:
        its scope's one root unit); None with several or with the plan's scope (the city,
        as the report's scope decides: `roll_up.UnitRatios`)."""
        return self.scope[0] if len(self.scope) == 1 else None

    def fields(self) -> frozenset[str]:
        """The fields whose models count toward I1 (`planrules.i1_fields`)."""
        return i1_fields(self.qualifying_fields)

    def rate_definition(self, year: int) -> RateDefinition:
        """What of the definition of `year` its rate is measured by, to compare it with
        another year's (`planrules.rate_basis_changes`): I1's fields, the period as days of
        its year, counted or reported (an indicator the indicators service names by its
        computing method is counted, as the plan's), the scope."""
        return RateDefinition(
            self.fields() if self.indicator_id == "I1" else frozenset(),
            year_days(year, *self.period(year)),
            "reported" if self.reported else None,
            tuple(sorted(self.scope)),
        )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


PLAN_TARGETS: dict[str, IndicatorTarget] = {
    indicator_id: IndicatorTarget(indicator_id, target.comparator,
                                  float(target.target_percent), target.base)
    for indicator_id, target in KERNEL_TARGETS.items()
}


def comparator_of(value: object) -> Comparator:
    """The comparator another service wrote, in the kernel's vocabulary; one unknown to the
    rulebook means "at least", the plan's only kind."""
    return kernel_comparator(value) or AT_LEAST


def judge(
    numerator: int, denominator: int, target: IndicatorTarget, year: int, cutoff: date,
    *, due: bool = True,
) -> Status | None:
    """The status of a figure at a report's cut-off (`shared/planrules.status_of`); None
    without a target (`IndicatorTarget.defined`), except that a figure nothing is owed for
    yet (`due` False: I2 before any head owes a session) is «chưa đến hạn» with or without
    one: that is the dialogue rule's, not the target's (finding J5: a year without targets
    showed I2's 2/2 of the 3 months as 100 %, then as the previous rate beside 0/2)."""
    if not target.defined:
        return CHUA_DEN_HAN if not_yet_owed(denominator, due=due) else None
    start, end = target.period(year)
    return status_of(ratio(numerator, denominator), target.ratio, target.comparator,
                     start, end, cutoff, due=due)
