"""Whether an indicator's previous rate is the same measure as this period's (finding J9), and
the outcome a finalised report keeps with it (review RV-P7).

The outcome is the kernel's rule (`planrules.rate_basis_changes`) over what a report holds:
the two periods' definitions of the indicator and the fixed bases (if any) its two rates were
measured against. A running report asks the rule each time it is shown. A signed report must
read the same every time, but the rule is code and gets fixed (P2 changed what 2024's and
2025's signed reports said of «phạm vi»): so the finalisation records the rule's answer for
every (indicator, base before, base now) its rows can ask (`rate_comparisons`), in its
`ReportFinalised` event, and the signed report is rendered from that (`signed_changes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from services.reporting.domain.indicators import CORE_INDICATORS, IndicatorTarget
from shared.planrules import RateBasis, rate_basis_changes

#: What a row asks of the rule: the indicator, the fixed base its previous rate was measured
#: against and this one's (None: a counted denominator).
ComparisonKey = tuple[str, int | None, int | None]
#: The rule's answers a finalised report was signed with (`rate_comparisons`).
Comparisons = dict[ComparisonKey, tuple[str, ...]]


def fixed_base(figure: Mapping[str, Any]) -> int | None:
    """The fixed base a unit's figure was measured against (`register` beside it: the
    plan's 239 sites, a definition's base); None when its denominator was counted."""
    return int(figure["denominator"]) if figure.get("register") is not None else None


def basis_changes(
    targets: Mapping[str, IndicatorTarget], year: int,
    previous_targets: Mapping[str, IndicatorTarget] | None, previous_year: int,
    indicator_id: str, base_before: int | None, base_now: int | None,
) -> tuple[str, ...]:
    """The rule, asked now: what differs between the previous period's measure (its
    definitions as counted or signed, `previous_targets`; None: unknown, for a report signed
    before they were frozen with it, then only the bases are compared) and this one's."""
    was = (previous_targets or {}).get(indicator_id)
    now = targets.get(indicator_id)
    return rate_basis_changes(
        RateBasis(base_before, was.rate_definition(previous_year) if was and now else None),
        RateBasis(base_now, now.rate_definition(year) if was and now else None))


def _order(key: ComparisonKey) -> tuple[str, int, int]:
    indicator_id, before, now = key
    return indicator_id, -1 if before is None else before, -1 if now is None else now


def rate_comparisons(
    content: Mapping[str, Any], previous_content: Mapping[str, Any],
    targets: Mapping[str, IndicatorTarget], year: int,
    previous_targets: Mapping[str, IndicatorTarget] | None, previous_year: int,
    other_indicators: Iterable[Mapping[str, Any]], previous_reported: bool,
) -> Comparisons:
    """The rule's answer for every question a report's rows can ask (`views.indicator_rows`
    of each unit with a previous figure: the core indicators' bases; with a previous column
    of reported indicators, `previous_reported`, each reported indicator's, always without a
    base): few, as most units share their bases. In a fixed order, so that the event says
    it the same way for the same report."""
    keys: set[ComparisonKey] = set()
    for code, unit in content["units"].items():
        before = previous_content["units"].get(code)
        if before is None:
            continue
        for indicator_id in CORE_INDICATORS:
            if indicator_id in unit["indicators"] and indicator_id in before["indicators"]:
                keys.add((indicator_id, fixed_base(before["indicators"][indicator_id]),
                          fixed_base(unit["indicators"][indicator_id])))
    if previous_reported:
        reported = {key for key in targets if key not in CORE_INDICATORS}
        reported |= {str(row["indicator_id"]) for row in other_indicators}
        keys |= {(indicator_id, None, None) for indicator_id in reported}
    return {key: basis_changes(targets, year, previous_targets, previous_year, *key)
            for key in sorted(keys, key=_order)}


def signed_changes(
    signed: Comparisons | None, indicator_id: str, base_before: int | None, base_now: int | None,
) -> tuple[str, ...] | None:
    """The answer a finalised report was signed with for a row (`rate_comparisons`); None
    when it has none: a report not signed, or signed before the answers were recorded with
    it (its `ReportFinalised` event has no `rate_comparisons`), whose rows are then asked of
    the rule as it stands (`basis_changes`), as they always were."""
    if signed is None:
        return None
    return signed.get((indicator_id, base_before, base_now))
