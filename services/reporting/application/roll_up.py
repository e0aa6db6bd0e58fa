"""From the figures counted per node of a unit tree (`Direct`, by either compute path) to a
report's `Figures`: communes counted, every unit's figures summed up the tree, the targets of
the year, I1-I4 of every unit (each indicator measured by its named figures,
`domain/indicators.MEASURED_BY`, and judged by the kernel's rulebook) and what the indicators
service itself reported."""

from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection

from services.reporting.adapters.tables import indicators_facts
from services.reporting.application.fact_reads import TARGETS_FAMILY, histories
from services.reporting.application.report_figures import Figures, IndicatorFigure, Window
from services.reporting.application.unittree import UnitTree, scope_province
from services.reporting.domain.indicators import (
    CORE_INDICATORS,
    MEASURED_BY,
    PLAN_TARGETS,
    IndicatorTarget,
    comparator_of,
    judge,
)
from services.reporting.domain.metrics import METRIC_KEYS, MODEL_FIELDS
from services.reporting.domain.periods import Period
from shared.adminunits import HAI_PHONG
from shared.planrules import (
    CHUA_DEN_HAN,
    SummedFrom,
    base_warnings,
    percent_of,
    plan_base,
    plan_serves,
    plan_targets_apply,
    reported_coverage,
)

Direct = dict[str, Counter[str]]  # figures per node of the tree, before rolling up


@dataclass(frozen=True)
class UnitRatios:
    """What a unit's four indicators depend on, the key units share them by: whether it is
    the city of the plan (whose base replaces the register's count), whether any head owes a
    session yet (I2 is "chưa đến hạn" until one does), and each indicator's numerator and
    denominator, by indicator id."""

    city_of_plan: bool
    heads_owing: bool
    ratios: tuple[tuple[str, int, int], ...]

    @classmethod
    def of(cls, code: str, tree: UnitTree, unit: dict[str, int]) -> UnitRatios:
        return cls(*cls.key(code, tree, unit))

    @staticmethod
    def key(code: str, tree: UnitTree, unit: dict[str, int]
            ) -> tuple[bool, bool, tuple[tuple[str, int, int], ...]]:
        """The fields of `of`, as a plain tuple: a report looks up thousands of units' keys
        among a few hundred, and a tuple hashes without a dataclass's method calls."""
        return (
            code == tree.scope and code == HAI_PHONG,
            unit["heads_owing"] > 0,
            tuple([(indicator_id, unit[numerator], unit[denominator])
                   for indicator_id, numerator, denominator in _MEASURED]),
        )


#: Each core indicator with the names of its numerator and denominator, in the plan's order.
_MEASURED = tuple((indicator_id, *MEASURED_BY[indicator_id][:2])
                  for indicator_id in CORE_INDICATORS)


def finish_figures(
    conn: Connection, period: Period, scope: str, window: Window, tree: UnitTree,
    direct: Direct, strays: Direct, targets: dict[str, IndicatorTarget],
) -> Figures:
    """The report's figures from what was counted per node (`direct`, changed in place);
    `strays`: what of it names no unit of the tree (`UnitTree.unattributed`); `targets`: the
    year's definitions (`year_targets`) the heads were counted by."""
    # Before the communes are counted: they are figures of the commune rows, never own.
    own_lines = own_records(tree, direct, strays)
    # I1's numerator: a commune with a model of a field the year's definition counts (the
    # models are counted per field, so a definition's fields need no figure of their own).
    qualifying = [f"models_{field}" for field in MODEL_FIELDS
                  if field in targets["I1"].fields()]
    for node in tree.nodes.values():
        if node.level == "commune":
            own = direct[node.code]
            own["communes"] += 1
            if any(own[key] > 0 for key in qualifying):
                own["communes_with_model"] += 1
    values = roll_up(tree, direct)
    # Units with the same numbers share their indicators (thousands of communes, a few
    # hundred different numbers): made once, never changed.
    made: dict[tuple[Any, ...], dict[str, IndicatorFigure]] = {}
    indicators: dict[str, dict[str, IndicatorFigure]] = {}
    for code in tree.nodes:
        key = UnitRatios.key(code, tree, values[code])
        found = made.get(key)
        if found is None:
            found = made[key] = _indicators(UnitRatios(*key), targets, period.year,
                                            period.cutoff_on)
        indicators[code] = found
    figures = Figures(period, scope, window.as_of, tree, values, indicators, targets,
                      unattributed=unattributed(tree, strays), own=own_lines)
    _reported(conn, window, tree, period.year, figures)
    _as_defined(conn, window, tree, period, figures)
    return figures


def _as_defined(
    conn: Connection, window: Window, tree: UnitTree, period: Period, figures: Figures
) -> None:
    """I1-I4 where the year's definition departs from the plan, as the indicators service
    computes them: a definition of method "reported" takes the units' reported figures
    (`planrules.reported_coverage`, with how complete a unit's sum is: `summed_from`), not
    the counted ones; one with a scope of its own gives no figure to a unit outside it
    (shown counted, not judged) and measures its fixed base at its scope's unit."""
    special = {indicator_id: target for indicator_id, target in figures.targets.items()
               if indicator_id in CORE_INDICATORS and (target.reported or target.scope)}
    if not special:
        return
    reported: dict[str, dict[str, tuple[int, int]]] = {}
    if any(target.reported for target in special.values()):
        for subject, history in histories(conn, indicators_facts, "reported", window).items():
            indicator_id, for_year, unit = [*subject.split(":"), "", ""][:3]
            if for_year == str(period.year) and indicator_id in special:
                denominator = json.loads(history.last.data or "{}").get("denominator")
                reported.setdefault(indicator_id, {})[unit] = (
                    int(history.last.amount or 0), int(denominator or 0))
    order = [node.code for node in tree.post_order()]  # every unit after those under it
    rolled = {indicator_id: reported_coverage(order, lambda code: tree.nodes[code].children,
                                              units)
              for indicator_id, units in reported.items()}
    made: dict[tuple[int, ...], dict[str, IndicatorFigure]] = {}
    for code in tree.nodes:
        row = figures.indicators[code]
        changed: dict[str, IndicatorFigure] = {}
        for indicator_id, target in special.items():
            figure = row[indicator_id]
            numerator, denominator = figure.numerator, figure.denominator
            register = figure.register
            summed = None
            if target.reported:
                numerator, denominator, summed = rolled.get(indicator_id, {}).get(
                    code, (0, 0, None))
                register = None
            in_scope = target.covers_unit(code, period.cutoff_on)
            if target.denominator_fixed and not target.reported and target.scope:
                counted = register if register is not None else denominator
                if code == target.base_unit():
                    register, denominator = counted, target.denominator_fixed
                else:
                    register, denominator = None, counted
            judged = target if in_scope else replace(target, defined=False)
            # Only a counted I2 waits for a session owed (`UnitRatios.heads_owing`).
            due = target.reported or figure.status != CHUA_DEN_HAN
            changed[indicator_id] = _indicator(
                indicator_id, numerator, denominator, judged, period.year, period.cutoff_on,
                due, register, summed)
        key = (id(row), *(id(f) for f in changed.values()))
        if key not in made:
            made[key] = {**row, **changed}
        figures.indicators[code] = made[key]


def roll_up(tree: UnitTree, direct: Direct) -> dict[str, dict[str, int]]:
    """Every unit's figures: its own plus its children's, every figure of `METRIC_KEYS`."""
    totals: dict[str, list[int]] = {}
    zeros = [0] * len(METRIC_KEYS)
    for node in tree.post_order():
        own = direct.get(node.code)
        values = list(map(own.get, METRIC_KEYS, zeros)) if own else zeros
        if node.children:
            # Figure by figure over every child at once (a province has a hundred communes):
            # counts (attendance is rounded per unit before), so the sums are exact.
            values = list(map(sum, zip(values, *(totals[child] for child in node.children),
                                       strict=True)))
        totals[node.code] = values
    return {code: dict(zip(METRIC_KEYS, totals[code], strict=True)) for code in tree.nodes}


def unattributed(tree: UnitTree, strays: Direct) -> dict[str, dict[str, int]]:
    """Per unit, the figures its children's rows do not hold because they were counted under
    a code that is no unit of the tree (the line `NOT_CURRENT_UNIT`): the figures that are
    not 0, in the order of `METRIC_KEYS`; units in the tree's order, only those with any."""
    found: dict[str, dict[str, int]] = {}
    for code in tree.nodes:
        own = strays.get(code)
        if own:
            line = {key: own[key] for key in METRIC_KEYS if own.get(key)}
            if line:
                found[code] = line
    return found


def own_records(tree: UnitTree, direct: Direct, strays: Direct) -> dict[str, dict[str, int]]:
    """Per unit with children, the figures recorded for the unit itself (the line
    `OWN_UNIT_RECORDS`): what `place` counted on it less what of that names no unit of the
    tree (`unattributed`), so that for every figure of `METRIC_KEYS` (each summed up the tree
    by `roll_up`) the children's rows + this line + the not-attributed line = the unit. The
    figures that are not 0, in the order of `METRIC_KEYS`; only units with any. Indicators
    (percentages and statuses) are no sums and have no part in either line."""
    found: dict[str, dict[str, int]] = {}
    for node in tree.nodes.values():
        counted = direct.get(node.code)
        if not node.children or not counted:
            continue
        stray: Counter[str] = strays.get(node.code) or Counter()
        line = {key: value for key in METRIC_KEYS
                if (value := counted.get(key, 0) - stray.get(key, 0))}
        if line:
            found[node.code] = line
    return found


def year_targets(
    conn: Connection, window: Window, year: int, scope: str
) -> dict[str, IndicatorTarget]:
    """The year's indicator definitions as known at the report's "as of", whatever day each was
    recorded: a definition is the year's (the indicators service applies it to the whole year),
    so one recorded after a cut-off still decides that period's targets, as it does there.
    Without one, the plan's target for the plan's year, and none for another year (counted by
    the plan's period and fields, not judged: `IndicatorTarget.defined`), nor for a `scope`
    in another province than the plan's (`planrules.plan_serves`)."""
    served = plan_serves(scope_province(scope, window.cutoff_on))
    targets = {indicator_id: target if served and plan_targets_apply(year) else replace(
        target, defined=False, denominator_fixed=plan_base(indicator_id, year) if served else None)
        for indicator_id, target in PLAN_TARGETS.items()}
    known = replace(window, cutoff_on=date.max)  # any business date, recorded by "as of"
    for subject, history in histories(conn, indicators_facts, TARGETS_FAMILY, known).items():
        indicator_id, _, for_year = subject.partition(":")
        if for_year != str(year) or history.last.amount is None:
            continue
        row = history.last
        data = json.loads(row.data or "{}")
        fixed = data.get("denominator_fixed")
        targets[indicator_id] = IndicatorTarget(
            indicator_id,
            comparator_of(row.state),
            float(row.amount),
            # A definition naming no base is measured against the register, as the
            # indicators service measures it; one projected before the base was kept reads
            # as the plan's rule for its year (`planrules.plan_base`).
            int(fixed) if isinstance(fixed, int | float) and fixed > 0 else (
                plan_base(indicator_id, year) if "denominator_fixed" not in data else None),
            data.get("name"),
            # A definition projected before these were kept reads as the plan's (the
            # projections rebuilt once keep them: deploy/OPERATIONS.md).
            data.get("period_start") or None,
            data.get("period_end") or None,
            tuple(data.get("qualifying_fields") or ()),
            method=data.get("method") or None,
            scope=tuple(data.get("scope") or ()),
        )
    return targets


def _indicators(
    key: UnitRatios, targets: dict[str, IndicatorTarget], year: int, cutoff: date
) -> dict[str, IndicatorFigure]:
    """The four indicators of a unit, in the plan's order."""
    result: dict[str, IndicatorFigure] = {}
    for indicator_id, numerator, denominator in key.ratios:
        target = targets[indicator_id]
        # The plan's fixed denominator (239 sites) is the city's; units below are measured
        # against the sites registered in them. The register's count is kept beside it.
        register = None
        if key.city_of_plan and target.denominator_fixed:
            register, denominator = denominator, target.denominator_fixed
        due = key.heads_owing or indicator_id != "I2"  # only I2 waits for a session owed
        result[indicator_id] = _indicator(indicator_id, numerator, denominator, target, year,
                                          cutoff, due, register)
    return result


@functools.lru_cache(maxsize=4096)
def _indicator(
    indicator_id: str, numerator: int, denominator: int, target: IndicatorTarget, year: int,
    cutoff: date, due: bool, register: int | None, summed_from: SummedFrom | None = None,
) -> IndicatorFigure:
    """One indicator's figure; thousands of communes share a few (0/1, 1/1, ...), so each is
    made once (and never changed: a pure function's memo, not process state)."""
    warnings = () if register is None else base_warnings(numerator, denominator, register)
    return IndicatorFigure(
        indicator_id, numerator, denominator, percent_of(numerator, denominator),
        judge(numerator, denominator, target, year, cutoff, due=due),
        target.target if target.defined else None,
        target.comparator if target.defined else None, register, warnings, summed_from)


def _reported(
    conn: Connection, window: Window, tree: UnitTree, year: int, figures: Figures
) -> None:
    """What the indicators service itself reported: its status of I1-I4 beside ours, and
    the figures of the other indicators, which are reported rather than computed."""
    for subject, history in histories(conn, indicators_facts, "status", window).items():
        indicator_id, for_year, unit = [*subject.split(":"), "", ""][:3]
        if for_year == str(year) and unit in tree.nodes and history.last.state:
            figures.reported_status[(unit, indicator_id)] = history.last.state
    other: list[dict[str, Any]] = figures.other_indicators
    for subject, history in histories(conn, indicators_facts, "reported", window).items():
        indicator_id, for_year, unit = [*subject.split(":"), "", ""][:3]
        if for_year != str(year) or indicator_id in CORE_INDICATORS or unit not in tree.nodes:
            continue
        row = history.last
        denominator = json.loads(row.data or "{}").get("denominator")
        numerator = int(row.amount or 0)
        other.append({
            "indicator_id": indicator_id,
            "unit_code": unit,
            "numerator": numerator,
            "denominator": denominator,
            "value": percent_of(numerator, int(denominator)) if denominator else None,
        })
    other.sort(key=lambda item: (item["indicator_id"], item["unit_code"]))
