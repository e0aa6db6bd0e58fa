"""Indicator definitions as data (định nghĩa chỉ tiêu), and the plan's four for 2023.

A definition says how the figure is computed (`method`), what the numerator and the
denominator are, the comparator and the target (percent), the scope (province or district
units whose drill-down is computed, as of the evaluation date) and the period. The four
indicators of the 2023 plan (I1-I4 of DOMAIN.md) come defined out of the box.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cached_property
from typing import get_args

from services.indicators import messages
from services.indicators.domain.events import (
    IndicatorDefined,
    Method,
    ModelField,
)
from shared.adminunits import HAI_PHONG
from shared.clock import format_date_vn
from shared.errors import InvalidInput, NotFound
from shared.planrules import (
    I1_FIELDS,
    PLAN_TARGETS,
    PLAN_YEAR,
    Comparator,
    defined_period,
    plan_year,
)

COMPUTED_METHODS: frozenset[Method] = frozenset(
    {"model_coverage", "dialogue_heads", "sites_with_dossier", "sites_with_certificate"}
)
#: Which source of consumed events feeds each computed method.
METHOD_SOURCE: dict[Method, str] = {
    "model_coverage": "indicators",
    "dialogue_heads": "dialogue",
    "sites_with_dossier": "religion",
    "sites_with_certificate": "religion",
    "reported": "indicators",
}
#: The plan counts models "in building exemplary new-style rural communes; urban embellishment"
#: (the kernel's rulebook, shared/planrules.py, says which fields those are).
PLAN_I1_FIELDS: tuple[ModelField, ...] = tuple(
    field for field in get_args(ModelField) if field in I1_FIELDS)


@dataclass(frozen=True)
class Definition:
    indicator_id: str
    year: int
    name: str
    method: Method
    comparator: Comparator
    target_percent: Fraction
    denominator_fixed: int | None
    numerator_text: str
    denominator_text: str
    scope: tuple[str, ...]
    period_start: date
    period_end: date
    qualifying_fields: tuple[ModelField, ...] = ()
    plan_ref: str = ""

    @cached_property
    def key(self) -> str:
        """Aggregate id of the definition: "I3-2023". Made once per definition (kept in the
        instance's dict, not a field): a live batch asks it of each event it evaluates."""
        return definition_key(self.indicator_id, self.year)

    @property
    def target(self) -> Fraction:
        """The target as a ratio (0.4 for 40 %)."""
        return self.target_percent / 100

    @property
    def computed(self) -> bool:
        return self.method in COMPUTED_METHODS

    @property
    def source(self) -> str:
        return METHOD_SOURCE[self.method]

    @classmethod
    def from_event(cls, event: IndicatorDefined) -> Definition:
        period = defined_period(event.year, event.period_start, event.period_end)
        return cls(
            indicator_id=event.indicator_id,
            year=event.year,
            name=event.name,
            method=event.method,
            comparator=event.comparator,
            # Through str: 40.0 stays exactly 40, not the binary float nearest to it.
            target_percent=Fraction(str(event.target)),
            denominator_fixed=event.denominator_fixed,
            numerator_text=event.numerator,
            denominator_text=event.denominator,
            scope=tuple(event.scope_unit_codes) or (HAI_PHONG,),
            period_start=period[0],
            period_end=period[1],
            qualifying_fields=tuple(event.qualifying_fields),
            plan_ref=event.plan_ref,
        )

    def to_event(self) -> IndicatorDefined:
        return IndicatorDefined(
            indicator_id=self.indicator_id,
            year=self.year,
            name=self.name,
            comparator=self.comparator,
            target=float(self.target_percent),
            denominator_fixed=self.denominator_fixed,
            method=self.method,
            numerator=self.numerator_text,
            denominator=self.denominator_text,
            scope_unit_codes=list(self.scope),
            period_start=self.period_start,
            period_end=self.period_end,
            qualifying_fields=list(self.qualifying_fields),
            plan_ref=self.plan_ref,
        )

    def require_in_period(self, on: date, label: str) -> date:
        """`on` itself when the definition's period holds it; a figure reported or evaluated
        on another day belongs to another period. `label` names the date in the refusal."""
        if not self.period_start <= on <= self.period_end:
            raise InvalidInput(
                "DATE_OUTSIDE_PERIOD",
                messages.DATE_OUTSIDE_PERIOD.format(
                    date=label,
                    on=format_date_vn(on),
                    start=format_date_vn(self.period_start),
                    end=format_date_vn(self.period_end),
                ),
            )
        return on

    def evaluation_date(self, today: date) -> date:
        """The business date a figure "now" is evaluated at: today, or the period's end."""
        return min(max(today, self.period_start), self.period_end)


def definition_key(indicator_id: str, year: int) -> str:
    return f"{indicator_id}-{year}"


def indicator_not_found(indicator_id: str, year: int) -> NotFound:
    """No such indicator that year: the same 404 from a command and from a read."""
    return NotFound(
        "INDICATOR_NOT_FOUND",
        messages.INDICATOR_NOT_FOUND.format(indicator_id=indicator_id, year=year),
    )


def status_key(indicator_id: str, year: int, unit_code: str) -> str:
    """Aggregate id of the status of one indicator-year-unit: "I3-2023@31"."""
    return f"{indicator_id}-{year}@{unit_code}"


def _plan_2023(
    indicator_id: str,
    name: str,
    method: Method,
    texts: tuple[str, str],
    fields: tuple[ModelField, ...] = (),
) -> Definition:
    target = PLAN_TARGETS[indicator_id]
    return Definition(
        indicator_id=indicator_id,
        year=PLAN_YEAR,
        name=name,
        method=method,
        comparator=target.comparator,
        target_percent=target.target_percent,
        denominator_fixed=target.base,
        numerator_text=texts[0],
        denominator_text=texts[1],
        scope=(HAI_PHONG,),
        period_start=plan_year(PLAN_YEAR)[0],
        period_end=plan_year(PLAN_YEAR)[1],
        qualifying_fields=fields,
        plan_ref=messages.PLAN_2023_REF,
    )


def plan_2023_definitions() -> list[Definition]:
    """I1-I4 of the 2023 plan, for the whole of Hai Phong."""
    return [
        _plan_2023(
            "I1", messages.I1_NAME, "model_coverage",
            (messages.I1_NUMERATOR, messages.I1_DENOMINATOR), fields=PLAN_I1_FIELDS,
        ),
        _plan_2023(
            "I2", messages.I2_NAME, "dialogue_heads",
            (messages.I2_NUMERATOR, messages.I2_DENOMINATOR),
        ),
        _plan_2023(
            "I3", messages.I3_NAME, "sites_with_dossier",
            (messages.I3_NUMERATOR, messages.I3_DENOMINATOR),
        ),
        _plan_2023(
            "I4", messages.I4_NAME, "sites_with_certificate",
            (messages.I4_NUMERATOR, messages.I4_DENOMINATOR),
        ),
    ]
