"""What changed between a finalised report's frozen figures and the figures of now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from services.reporting.application.report_figures import summed_from_json
from services.reporting.application.unittree import UnitTree
from services.reporting.domain.indicators import IndicatorTarget, judge
from services.reporting.messages import INDICATOR_PART_LABELS
from shared.planrules import percent_of, reported_coverage

#: A report's reported indicators (I5...) as `reported_figures` flattens them: "unit/I5.part".
Reported = Mapping[str, Any]


def differences(
    frozen: dict[str, Any], current: dict[str, Any],
    reported: tuple[Reported, Reported] | None = None,
) -> list[dict[str, Any]]:
    """Every figure that differs, by unit (from the scope down) and path. Units whose content
    is equal are passed over whole: a national report has thousands of them. `reported`: the
    reported indicators' figures of both (`reported_figures`), which the content does not
    hold (a finalised report keeps them in its context)."""
    before_units, after_units = frozen["units"], current["units"]
    found: list[tuple[str, Any, Any]] = []
    if reported is not None:
        before_reported, after_reported = reported
        found.extend((path, before_reported.get(path), after_reported.get(path))
                     for path in before_reported.keys() | after_reported.keys()
                     if before_reported.get(path) != after_reported.get(path))
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
            # `summed_from` is kept in a figure's content only when it is a sum.
            flat[f"{code}/{indicator_id}.{part}"] = figure.get(part)
    return flat


def _path_order(path: str) -> tuple[int, str]:
    unit = path.partition("/")[0]
    return (len(unit), path)


def reported_figures(
    tree: UnitTree, rows: Sequence[Mapping[str, Any]], targets: Mapping[str, IndicatorTarget],
    year: int, day: date,
) -> dict[str, Any]:
    """The reported indicators' figures of every unit of `tree`, as the report shows them
    (`views.reported_indicator_rows`): the kernel's roll-up of the units' latest reports
    (`planrules.reported_coverage`), judged at `day` by the year's definition known (none: no
    status), with how complete a sum is (`summed_from`, None for a unit's own report: a
    district whose own report equals the sum of its communes it replaced changed no number,
    yet the figure is another one); flattened as the differences name them
    ("315/I5.numerator")."""
    reported: dict[str, dict[str, tuple[int, int]]] = {}
    for row in rows:
        reported.setdefault(str(row["indicator_id"]), {})[str(row["unit_code"])] = (
            int(row["numerator"]), int(row["denominator"] or 0))
    order = [node.code for node in tree.post_order()]  # every unit after those under it
    flat: dict[str, Any] = {}
    for indicator_id, units in reported.items():
        target = targets.get(indicator_id)
        rolled = reported_coverage(order, lambda code: tree.nodes[code].children, units)
        for code, (numerator, denominator, summed) in rolled.items():
            parts = {"numerator": numerator, "denominator": denominator,
                     "value": percent_of(numerator, denominator),
                     "status": None if target is None
                     else judge(numerator, denominator, target, year, day),
                     "summed_from": summed_from_json(summed)}
            for part in INDICATOR_PART_LABELS:
                flat[f"{code}/{indicator_id}.{part}"] = parts[part]
    return flat
