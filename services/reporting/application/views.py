"""A report seen from one unit: what the JSON API, the dashboard and the documents show."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from services.reporting import messages
from services.reporting.application.comparability import (
    basis_changes,
    fixed_base,
    signed_changes,
)
from services.reporting.application.report_figures import summed_from_json
from services.reporting.application.reports import SHOWN_RECOMPUTED, Report
from services.reporting.domain.indicators import CORE_INDICATORS, IndicatorTarget, judge
from services.reporting.domain.metrics import MODEL_FIELDS, SECTIONS, Metric, Section, metrics_of
from services.reporting.domain.periods import Period
from shared.adminunits import NOT_CURRENT_UNIT, OWN_UNIT_RECORDS, default_catalogue
from shared.clock import format_date_vn
from shared.errors import InvalidInput
from shared.planrules import (
    BASIS_BASE,
    BASIS_FIELDS,
    BASIS_METHOD,
    BASIS_PERIOD,
    CHUA_DEN_HAN,
    ReportedFigure,
    percent_of,
    reported_coverage,
    warning_text,
)
from shared.vnformat import format_number_vn

# Thematic reports of plan II.4.2: views of the same figures.
THEMES: dict[str, tuple[tuple[str, ...], tuple[Section, ...]]] = {
    "dan-van-kheo": (("I1",), ("models",)),
    "doi-thoai": (("I2",), ("dialogue",)),
    "dat-dai-ton-giao": (("I3", "I4"), ("religion", "compliance")),
}


def period_name(period: Period) -> str:
    return messages.PERIOD_NAMES[period.months].format(year=period.year)


def backdated_reason(row: dict[str, Any]) -> str | None:
    """Why a district's first submission was recorded back-dated (its row of
    `shared.taskrules.duty_row`, K5), as every output shows it; None when it was not, and for
    a report signed before the reason was part of the row (its frozen content)."""
    reason = row.get("first_submission_backdated_reason")
    return str(reason) if reason and row.get("first_submitted_on") else None


def period_view(period: Period) -> dict[str, Any]:
    return {**period.as_dict(), "name": period_name(period)}


def provisional_note(report: Report) -> str | None:
    """The line every output of a report of a period still running shows (Word, Excel, PDF,
    dashboard): its figures are taken at the report's day, not at the cut-off. None when
    the period has ended."""
    if not report.provisional:
        return None
    return messages.PROVISIONAL.format(on=format_date_vn(report.figures_on),
                                       cutoff_on=format_date_vn(report.period.cutoff_on))


def targets_note(
    report: Report, indicators: Sequence[str] = CORE_INDICATORS, *, staff: bool = False
) -> str | None:
    """The line every output of a report shows when some of its indicators have no target
    of the year (no definition recorded, not the plan's year): why they have no status, and
    how the Commission records the year's targets. None when every one has its target.
    `staff` (JSON, dashboard): also where the service takes them; the signed documents
    (Word, PDF, Excel) say it in words only."""
    missing = [i for i in indicators
               if i in report.targets and not report.targets[i].defined]
    if not missing:
        return None
    year = report.period.year
    note = messages.NO_TARGETS_NOTE.format(year=year, indicators=", ".join(missing))
    if staff:
        note = f"{note} {messages.NO_TARGETS_ENDPOINT.format(year=year)}"
    return note


def require_theme(theme: str) -> tuple[tuple[str, ...], tuple[Section, ...]]:
    if theme not in THEMES:
        # The themes by the titles people read, their identifiers (the URL's) in `allowed`.
        known = ", ".join(f"«{messages.THEME_TITLES[t]}» ({t})" for t in THEMES)
        raise InvalidInput("UNKNOWN_THEME",
                           messages.UNKNOWN_THEME.format(value=theme[:40], known=known),
                           allowed=list(THEMES))
    return THEMES[theme]


def require_unit(report: Report, code: str | None) -> str:
    code = code or report.scope
    if code not in report.tree.nodes:
        catalogue = default_catalogue()
        last = catalogue.last_day(code)
        unit = catalogue.named_on(code, report.period.cutoff_on)
        if unit is not None and last is not None and last < report.period.cutoff_on:
            # A unit that ceased (a district after the 2025 reform): say so and which
            # periods still have it, not only that it is out of the report (finding H19).
            raise InvalidInput(
                "UNKNOWN_UNIT_IN_SCOPE",
                messages.UNIT_CEASED_BEFORE_CUTOFF.format(
                    name=unit.name, code=code, ended=format_date_vn(last + timedelta(days=1)),
                    last=format_date_vn(last),
                    cutoff=format_date_vn(report.period.cutoff_on)),
                unit_code=code, last_day=last.isoformat(),
            )
        raise InvalidInput(
            "UNKNOWN_UNIT_IN_SCOPE",
            messages.UNKNOWN_UNIT_IN_SCOPE.format(
                value=code[:20], on=report.period.cutoff_on.strftime("%d/%m/%Y")
            ),
            unit_code=code,
        )
    return code


def subtree(report: Report, code: str) -> list[str]:
    """`code` and every unit under it, depth-first in the tree's order: the units a report
    seen from `code` shows (its children rows and their own children)."""
    order: list[str] = []
    stack = [code]
    while stack:
        unit = stack.pop()
        order.append(unit)
        stack.extend(reversed(report.tree.nodes[unit].children))
    return order


def _under(report: Report, code: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows (by `unit_code`) of `code`'s tree; all of them when `code` is the scope."""
    if code == report.scope:
        return rows
    units = set(subtree(report, code))
    return [row for row in rows if row["unit_code"] in units]


def differences_under(report: Report, code: str) -> list[dict[str, Any]]:
    """The figures moved since finalisation that a report seen from `code` lists: those of
    `code` and the units under it. The report holds its whole scope's; a district board
    reading the city's finalised report must not read the other districts' (the same units
    as its children rows; every output, JSON, dashboard, Word and Excel, reads them here)."""
    return _under(report, code, report.scope_differences)


def current_label(report: Report) -> str:
    """The heading of the differences' second column: the figures of now beside a finalised
    report's frozen ones, or those of the live view asked as of a time."""
    return messages.COL_CURRENT if report.figures_finalised else messages.COL_AS_OF


def other_indicators_under(report: Report, code: str) -> list[dict[str, Any]]:
    """The reported indicators a report seen from `code` lists: those of its tree, as
    `differences_under`."""
    return _under(report, code, report.scope_other_indicators)


def target_text(report: Report, indicator_id: str, code: str | None = None) -> str:
    """"≥ 40%"; empty for an indicator of a year without a definition (no target), and for a
    unit `code` outside the definition's scope (the target is not its own)."""
    target = report.targets.get(indicator_id)
    if target is None:  # a reported indicator not defined as known at the report's as_of
        return messages.VALUE_MISSING
    if not target.defined or not _covers(report, indicator_id, code):
        return ""
    return messages.TARGET_TEXT[target.comparator].format(target=format_number(target.target))


def reported_indicator_rows(report: Report, code: str) -> list[dict[str, Any]]:
    """The indicators whose figures units report (method "reported", I5...) as `code` reads
    them, in the shape of `indicator_rows`: each one's figure over `code`'s tree by the
    kernel's rule (`planrules.reported_coverage`: a unit's latest report, else the sum of the
    units under it, with how many of the units directly under it have a figure:
    `summed_from`), judged at the report's day by the year's definition (no definition
    known, no status), and the previous period's beside it, as the I1-I4 rows have it (from
    the same previous report: `Report.previous_reported`). Made from the reported rows the
    report holds (frozen with a finalised report, so its figures never move) and its
    targets."""
    order = list(reversed(subtree(report, code)))  # every unit after the units under it

    def children(unit: str) -> list[str]:
        return report.tree.nodes[unit].children

    def figures(rows: list[dict[str, Any]]) -> dict[str, ReportedFigure]:
        reported: dict[str, dict[str, tuple[int, int]]] = {}
        for row in rows:
            reported.setdefault(row["indicator_id"], {})[row["unit_code"]] = (
                int(row["numerator"]), int(row["denominator"] or 0))
        return {indicator_id: reported_coverage(order, children, units).get(code, NO_FIGURE)
                for indicator_id, units in reported.items()}

    current = figures(report.scope_other_indicators)
    before = report.previous_reported
    earlier = figures(before.other_indicators) if before is not None else {}
    defined = {key for key in report.targets if key not in CORE_INDICATORS}
    rows: list[dict[str, Any]] = []
    for indicator_id in sorted(defined | current.keys()):
        numerator, denominator, summed = current.get(indicator_id, NO_FIGURE)
        target = report.targets.get(indicator_id)
        status = None if target is None else judge(
            numerator, denominator, target, report.period.year, report.figures_on)
        name = (target.name if target else None) or messages.OTHER_INDICATOR_NAME.format(
            indicator_id=indicator_id)
        previous = None
        if before is not None:
            was = earlier.get(indicator_id, NO_FIGURE)[:2]
            was_target = before.targets.get(indicator_id)
            previous = {
                "numerator": was[0],
                "denominator": was[1],
                "value": percent_of(*was),
                "status": None if was_target is None else judge(
                    *was, was_target, before.period.year, before.period.cutoff_on),
                "target": was_target.target if was_target and was_target.defined else None,
                **_comparison(report, indicator_id, None, None),
            }
        rows.append({
            "id": indicator_id,
            "name": name,
            "short_name": name,
            "method": "reported",
            "target": target.target if target else None,
            "comparator": target.comparator if target else None,
            "target_text": target_text(report, indicator_id),
            "numerator": numerator,
            "denominator": denominator,
            "value": percent_of(numerator, denominator),
            "status": status,
            "status_label": (messages.STATUS_LABELS[status] if status
                             else messages.NO_TARGET.format(year=report.period.year)
                             if target is None else messages.NO_STATUS),
            "register": None,
            "warnings": [],
            "summed_from": summed_from_json(summed),
            "previous": previous,
            "reported_status": report.reported_status.get((code, indicator_id)),
        })
    return rows


#: A reported indicator no unit of the tree has a figure of: 0/0, nothing summed.
NO_FIGURE = ReportedFigure(0, 0, None)


def summed_from_text(row: dict[str, Any]) -> str | None:
    """What the documents and the dashboard say of a row's summed reported figure (its
    `summed_from`): of how many of the units directly under the unit it is the sum; None for
    a unit's own report, a counted indicator, or a report frozen before it was kept."""
    summed = row.get("summed_from")
    if not summed:
        return None
    return messages.SUMMED_FROM.format(with_figure=format_number(summed["units_with_figure"]),
                                       under=format_number(summed["units_under"]))


def _comparison(
    report: Report, indicator_id: str, base_before: int | None, base_now: int | None
) -> dict[str, Any]:
    """Whether an indicator's previous rate is the same measure as this one's (finding J9):
    `comparable`, and `basis_changes` (`planrules.rate_basis_changes`) between the previous
    period's definition, as it was counted or signed (`Report.previous_reported`: unknown for
    a report signed before it was frozen, then only the bases are compared), and this one's.
    A signed report's are those it was signed with (`Report.rate_comparisons`, review RV-P7):
    a later fix of the rule changes no signed report's words."""
    changes = signed_changes(report.rate_comparisons, indicator_id, base_before, base_now)
    if changes is None:
        changes = basis_changes(
            report.targets, report.period.year,
            report.previous_reported.targets if report.previous_reported else None,
            report.previous_period.year, indicator_id, base_before, base_now)
    return {"comparable": not changes, "basis_changes": list(changes)}


def _base_text(figure: dict[str, Any], year: int) -> str:
    base = fixed_base(figure)
    if base is None:
        return messages.BASE_COUNTED.format(count=format_number(figure["denominator"]))
    return messages.BASE_FIXED.format(base=format_number(base), year=year)


def _definitions(report: Report, previous: bool) -> tuple[dict[str, IndicatorTarget], int]:
    """The definitions the previous period's rates (`previous`) or this one's were measured
    by, and their year (`_comparison`: the previous ones are known when a change of them is
    reported)."""
    if previous and report.previous_reported is not None:
        return report.previous_reported.targets, report.previous_period.year
    return report.targets, report.period.year


def _definition_text(report: Report, indicator_id: str, change: str, previous: bool) -> str:
    """What the previous period's definition (`previous`) or this one's says of a part that
    changed (`planrules.BASIS_CHANGES`, the base aside: it is a unit's)."""
    targets, year = _definitions(report, previous)
    target = targets[indicator_id]
    if change == BASIS_FIELDS:
        return ", ".join(f"«{messages.MODEL_FIELD_NAMES[f]}»" for f in MODEL_FIELDS
                         if f in target.fields())
    if change == BASIS_PERIOD:
        start, end = target.period(year)
        return messages.PERIOD_SPAN.format(start=format_date_vn(start), end=format_date_vn(end))
    if change == BASIS_METHOD:
        return messages.METHOD_NAMES[target.reported]
    return ", ".join(_unit_name(unit, report.period.cutoff_on) for unit in target.scope) \
        or messages.SCOPE_OF_PLAN


def _not_comparable_item(report: Report, row: dict[str, Any], code: str) -> str:
    """One indicator of `not_comparable_note`: what differs between the two periods' rates."""
    previous = row["previous"]
    indicator_id = row["id"]
    reasons = []
    for change in previous["basis_changes"]:
        if change == BASIS_BASE:
            before = report.previous_unit(code)
            was = before["indicators"][indicator_id] if before else previous
            now = report.unit(code)["indicators"][indicator_id]
            texts = (_base_text(was, report.previous_period.year),
                     _base_text(now, report.period.year))
        else:
            texts = (_definition_text(report, indicator_id, change, True),
                     _definition_text(report, indicator_id, change, False))
        reasons.append(messages.BASIS_CHANGE_TEXTS[change].format(before=texts[0],
                                                                  now=texts[1]))
    return messages.NOT_COMPARABLE_ITEM.format(
        indicator=f"{indicator_id} {row['short_name']}", reasons="; ".join(reasons))


def not_comparable_note(report: Report, rows: Sequence[dict[str, Any]], code: str) -> str | None:
    """The one sentence every output (JSON, dashboard, Word, PDF, Excel) shows under the
    indicators whose previous rate is not the same measure as this period's (`_comparison`):
    the previous rate is shown as it was counted and reported, on its own year's definition,
    and the reader is told what differs and that the gap between them is no rise or fall
    (finding J9). None when every rate of `rows` is comparable."""
    items = [_not_comparable_item(report, row, code) for row in rows
             if row["previous"] is not None and not row["previous"]["comparable"]]
    if not items:
        return None
    return messages.PREVIOUS_NOT_COMPARABLE.format(
        previous=period_name(report.previous_period), year=report.previous_period.year,
        items="; ".join(items))


def flows_comparable(report: Report) -> bool:
    """Whether a flow figure (counted over the period's data window) may be set against the
    previous period's: within a year, each period's window runs from the year's one data
    start, so the difference is what the months between added; the previous period of a
    3-month report is the year before's report, whose window is the whole year before: the
    difference is no rise or fall (finding J9). Stock figures (at the cut-off) always may."""
    return report.previous_period.year == report.period.year


def flows_note(report: Report) -> str | None:
    """The sentence under the figures' tables when `flows_comparable` is False: why their
    flows have no change beside them."""
    if flows_comparable(report):
        return None
    previous = report.previous_period
    return messages.PREVIOUS_OTHER_YEAR_FLOWS.format(
        previous=period_name(previous), data_from=format_date_vn(previous.data_from),
        cutoff_on=format_date_vn(previous.cutoff_on),
        now_from=format_date_vn(report.period.data_from), year=report.period.year)


def rate_beside_others(figure: dict[str, Any] | None) -> float | None:
    """A period's rate of an indicator as it may be shown beside another period's (the
    previous-period columns, the dashboard's bars of the year's conferences): none when that
    period had no figure, or when its status was «chưa đến hạn» (no head yet owed a session:
    I2's 3/3 is then no achievement, and a 100 beside a later period's 50 read as a fall;
    finding H10)."""
    if figure is None or figure.get("status") == CHUA_DEN_HAN:
        return None
    value: float | None = figure["value"]
    return value


def previous_value(row: dict[str, Any]) -> float | None:
    """An indicator row's previous-period rate as the previous-period columns print it
    (`rate_beside_others`)."""
    return rate_beside_others(row["previous"])


def format_number(value: float | int | None, decimals: int = 2) -> str:
    """Vietnamese number format: 1.234,56 (thousands with dots, decimals with a comma); a
    percentage keeps the 2 decimals it was rounded to (shared/planrules.percent)."""
    if value is None:
        return messages.VALUE_MISSING
    return format_number_vn(value, decimals)


def figure_label(figure: str) -> str:
    """A figure path of a difference row ("I4.value", "sites") as the reader knows it."""
    key, _, part = figure.partition(".")
    if key in messages.INDICATOR_SHORT:
        return f"{key} {messages.INDICATOR_SHORT[key]} ({messages.INDICATOR_PART_LABELS[part]})"
    if part in messages.INDICATOR_PART_LABELS:  # a reported indicator's (I5...): its id
        return f"{key} ({messages.INDICATOR_PART_LABELS[part]})"
    return messages.METRIC_LABELS.get(key, key)


def difference_value(value: float | int | str | dict[str, int] | None) -> str:
    """A frozen or current value of a difference row: a count or rate in Vietnamese number
    format, an indicator's status (its `.status` part is a code such as "co_nguy_co") by its
    label, a reported figure's sum (its `.summed_from` part) as «2/15» of the units under it
    (none, «—»: not a sum, the unit's own report)."""
    if isinstance(value, str):
        return messages.STATUS_LABELS.get(value, value)
    if isinstance(value, dict):
        return (f"{format_number(value['units_with_figure'])}/"
                f"{format_number(value['units_under'])}")
    return format_number(value)


def indicator_rows(
    report: Report, code: str, only: Sequence[str] = CORE_INDICATORS
) -> list[dict[str, Any]]:
    unit = report.unit(code)
    previous = report.previous_unit(code)
    rows = []
    for indicator_id in only:
        figure = unit["indicators"][indicator_id]
        before = previous["indicators"][indicator_id] if previous else None
        target = report.targets[indicator_id]
        rows.append({
            "id": indicator_id,
            "name": target.name or messages.INDICATOR_NAMES[indicator_id],
            "short_name": messages.INDICATOR_SHORT[indicator_id],
            "target": figure["target"],
            "comparator": figure["comparator"],
            "target_text": target_text(report, indicator_id, code),
            "numerator": figure["numerator"],
            "denominator": figure["denominator"],
            "value": figure["value"],
            "status": figure["status"],
            "status_label": _status_label(report, figure, indicator_id, code),
            "register": figure.get("register"),
            # An I1-I4 the year defines "reported", summed from the units under `code`.
            "summed_from": figure.get("summed_from"),
            "warnings": [
                {"code": code, "message": warning_text(code, figure["numerator"],
                                                       figure["denominator"],
                                                       figure.get("register") or 0)}
                for code in figure.get("warnings", ())
            ],
            "previous": None if before is None else {
                "numerator": before["numerator"],
                "denominator": before["denominator"],
                "value": before["value"],
                "status": before["status"],
                "target": before.get("target"),
                **_comparison(report, indicator_id, fixed_base(before), fixed_base(figure)),
            },
            "reported_status": report.reported_status.get((code, indicator_id)),
        })
    return rows


def _unit_name(code: str, on: date) -> str:
    """A unit by the name it had on `on` (the catalogue's `named_on`), else its code."""
    unit = default_catalogue().named_on(code, on)
    return code if unit is None else unit.name


def unit_name_of(report: Report, code: str) -> str:
    """A unit of a table of changed figures by its name at the report's cut-off, as the units
    tables name it (finding J11: the rows showed a bare code)."""
    node = report.tree.nodes.get(code)
    return node.name if node is not None else _unit_name(code, report.period.cutoff_on)


def _covers(report: Report, indicator_id: str, code: str | None) -> bool:
    """Whether the year's definition of the indicator covers `code` (`covers_unit`)."""
    target = report.targets.get(indicator_id)
    return code is None or target is None or target.covers_unit(code, report.period.cutoff_on)


def _status_label(report: Report, figure: dict[str, Any], indicator_id: str, code: str) -> str:
    """A figure's status by its label; without a target (`target` None: no definition of the
    year), the line saying so rather than "no data to judge"; for a unit outside the
    definition's scope, whom the target is for (finding H24: the row printed another unit's
    target beside «no target»)."""
    if figure["status"]:
        return messages.STATUS_LABELS[figure["status"]]
    if not _covers(report, indicator_id, code):
        scope = report.targets[indicator_id].scope
        return messages.TARGET_FOR_OTHER_UNITS.format(
            year=report.period.year,
            units=", ".join(_unit_name(unit, report.period.cutoff_on) for unit in scope))
    if figure["target"] is None:
        return messages.NO_TARGET.format(year=report.period.year)
    return messages.NO_STATUS


def section_rows(
    report: Report, code: str, sections: Sequence[Section] = SECTIONS
) -> list[dict[str, Any]]:
    unit = report.unit(code)["figures"]
    previous = report.previous_unit(code)
    before = previous["figures"] if previous else {}
    return [
        {
            "key": section,
            "title": messages.SECTION_TITLES[section],
            "figures": [_figure_row(metric, unit, before, flows_comparable(report))
                        for metric in metrics_of(section)],
        }
        for section in sections
    ]


def _figure_row(
    metric: Metric, unit: dict[str, int], before: dict[str, int], flows: bool
) -> dict[str, Any]:
    """A figure beside the previous period's: `flows` False (`flows_comparable`), a flow's
    previous value is shown, as reported, without a change (`comparable` False)."""
    value = unit.get(metric.key, 0)
    previous = before.get(metric.key)
    comparable = flows or metric.kind != "flow"
    return {
        "key": metric.key,
        "label": messages.METRIC_LABELS[metric.key],
        "kind": metric.kind,
        "value": value,
        "previous": previous,
        "comparable": comparable,
        "change": None if previous is None or not comparable else value - previous,
    }


def children_rows(
    report: Report, code: str, only: Sequence[str] = CORE_INDICATORS
) -> list[dict[str, Any]]:
    rows = []
    for child in report.tree.nodes[code].children:
        node = report.tree.nodes[child]
        unit = report.unit(child)
        rows.append({
            "code": node.code,
            "name": node.name,
            "level": node.level,
            "has_children": bool(node.children),
            "figures": unit["figures"],
            "indicators": {
                key: {"value": unit["indicators"][key]["value"],
                      "status": unit["indicators"][key]["status"],
                      "numerator": unit["indicators"][key]["numerator"],
                      "denominator": unit["indicators"][key]["denominator"]}
                for key in only
            },
        })
    return rows


def children_reported(report: Report, code: str) -> dict[str, list[dict[str, Any]]]:
    """The reported indicators (I5...) of each unit directly under `code`, as that unit reads
    them (`reported_indicator_rows`: its own report or the sum of its units', with
    `summed_from`), for the drill-down beside the I1-I4 of `children_rows`: the same
    indicators, in the same order, for every child (the report's, not the child's tree's)."""
    return {child: reported_indicator_rows(report, child)
            for child in report.tree.nodes[code].children}


def unattributed_row(report: Report, code: str) -> dict[str, Any] | None:
    """The line under `code`'s children rows of the figures counted under codes that were no
    unit on the cut-off day (merged or dissolved before it: reporting does not carry a fact
    to a successor)."""
    return _line_row(report, code, report.unattributed(code), "unattributed", NOT_CURRENT_UNIT)


def own_row(report: Report, code: str) -> dict[str, Any] | None:
    """The line under `code`'s children rows of the figures recorded for `code` itself (a
    district's own heads and sessions, a fact naming the city as a whole)."""
    return _line_row(report, code, report.own(code), "own", OWN_UNIT_RECORDS)


def lines_under(report: Report, code: str) -> list[dict[str, Any]]:
    """The lines that make `code`'s children rows add up to it, in the order shown: what was
    recorded for the unit itself, then what names no unit of the cut-off day. Only figures
    (sums): a line has no indicator, a percentage or status of no unit."""
    return [row for row in (own_row(report, code), unattributed_row(report, code))
            if row is not None]


def _line_row(
    report: Report, code: str, line: dict[str, int] | None, kind: str, label: str
) -> dict[str, Any] | None:
    """None without any figure (or for a report frozen before the line existed); else every
    figure is given (0 where the line has none), as in a child's row."""
    if not line:
        return None
    return {
        "kind": kind,
        "label": label,
        "figures": {key: line.get(key, 0) for key in report.unit(code)["figures"]},
    }


def restatements_under(report: Report, code: str) -> list[dict[str, Any]]:
    """The previous column's figures restated since the previous report was signed
    (`reports.previous_column`) that a report seen from `code` lists: those of `code` and
    the units under it, as `differences_under`."""
    if report.previous_signed is None:
        return []
    return _under(report, code, report.previous_signed.scope_restatements)


#: How many restated figures a note names in its sentence (the tables list them all).
RESTATED_IN_NOTE = 6


def restated_note(report: Report, rows: list[dict[str, Any]]) -> str | None:
    """The one sentence every output (dashboard, Word, PDF, Excel) shows about the previous
    column, of the restated figures `rows` a reader is shown (`restatements_under`): None
    when it is not read against a signed report, or nothing was restated in that tree."""
    signed = report.previous_signed
    if signed is None or not rows:
        return None
    items = [messages.RESTATED_ITEM.format(
        unit=report.tree.nodes[row["unit_code"]].name if row["unit_code"] in report.tree.nodes
        else row["unit_code"],
        figure=figure_label(row["figure"]), frozen=difference_value(row["frozen"]),
        current=difference_value(row["current"])) for row in rows[:RESTATED_IN_NOTE]]
    if len(rows) > RESTATED_IN_NOTE:
        items.append(messages.RESTATED_MORE.format(count=len(rows) - RESTATED_IN_NOTE))
    figures = "; ".join(items)
    if signed.shown == SHOWN_RECOMPUTED:
        return messages.PREVIOUS_RECOMPUTED.format(hash=signed.content_hash[:12], figures=figures)
    return " ".join((messages.PREVIOUS_SIGNED.format(hash=signed.content_hash[:12]),
                     messages.PREVIOUS_RESTATED.format(figures=figures)))


def report_view(
    report: Report, code: str | None = None, theme: str | None = None
) -> dict[str, Any]:
    code = require_unit(report, code)
    indicators, sections = require_theme(theme) if theme else (CORE_INDICATORS, SECTIONS)
    node = report.tree.nodes[code]
    restated = restatements_under(report, code)
    rows = indicator_rows(report, code, indicators)
    reported = [] if theme else reported_indicator_rows(report, code)
    return {
        "report_id": report.report_id,
        "theme": theme,
        "title": messages.THEME_TITLES[theme] if theme else None,
        "period": period_view(report.period),
        "previous_period": period_view(report.previous_period),
        # The previous column: the previous period's finalised report it shows (None: the
        # figures counted for it, not finalised), and its figures moved since it was signed.
        "previous_finalised": report.previous_signed.as_dict() if report.previous_signed
        else None,
        "previous_restated": bool(restated),
        "previous_restatements": restated,
        "previous_note": restated_note(report, restated),
        # The previous rates that are not the same measure as this period's, and the flows
        # counted over another year's window (finding J9): shown as reported, said so.
        "previous_not_comparable_note": not_comparable_note(report, [*rows, *reported], code),
        "previous_flows_note": flows_note(report),
        "scope": {"code": report.scope, "name": report.tree.root.name},
        "as_of": report.as_of.isoformat(),
        # A period still running: figures taken at `figures_on` (today), not at the cut-off.
        "provisional": report.provisional,
        "figures_on": report.figures_on.isoformat(),
        "provisional_note": provisional_note(report),
        "targets_note": targets_note(report, indicators, staff=True),
        "content_hash": report.content_hash,
        "unit": {
            "code": node.code,
            "name": node.name,
            "level": node.level,
            "path": [{"code": n.code, "name": n.name, "level": n.level}
                     for n in report.tree.path(code)],
        },
        "indicators": rows,
        "sections": section_rows(report, code, sections),
        "children": _with_reported(children_rows(report, code, indicators),
                                   {} if theme else children_reported(report, code)),
        "children_own": own_row(report, code),
        "children_unattributed": unattributed_row(report, code),
        "other_indicators": [] if theme else other_indicators_under(report, code),
        # The reported indicators over the unit shown, with their totals and statuses.
        "reported_indicators": reported,
        # Kết quả thực hiện nhiệm vụ and the district boards' reports: the reader's (the
        # whole for the city, a district board's own: build_report's `reader`), whatever
        # unit is shown (a plan is not split by the unit shown).
        "plan": None if theme else report.plan,
        "finalised": report.finalisation.as_dict() if report.finalisation else None,
        # True: the figures are the finalised report's frozen ones (`finalised.content_hash`);
        # false: computed as of `as_of` (`differences`: frozen against these).
        "figures_finalised": report.figures_finalised,
        "differences": differences_under(report, code),
    }


def _with_reported(
    rows: list[dict[str, Any]], reported: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The children rows, each with its reported indicators' figures (`children_reported`;
    none on a theme's page, which leaves the reported indicators out)."""
    return [{**row, "reported_indicators": [
        {key: figure[key] for key in ("id", "numerator", "denominator", "value", "status",
                                      "summed_from")}
        for figure in reported.get(row["code"], [])]} for row in rows]


def units_document(report: Report, readable: Callable[[str], bool]) -> dict[str, Any]:
    """Every figure of every unit of the scope the reader may see: the body of the JSON
    API's flat table."""
    view = report_view(report)
    return {key: view[key] for key in ("report_id", "period", "scope", "as_of", "provisional",
                                       "figures_on", "provisional_note", "content_hash",
                                       "finalised", "figures_finalised")} | {
        "differences": [row for row in report.scope_differences
                        if readable(row["unit_code"])],
        "units": [row for row in units_table(report) if readable(row["code"])],
        "own": [
            {"parent": code, **row} for code in report.tree.nodes
            if readable(code) and (row := own_row(report, code)) is not None],
        "unattributed": [
            {"parent": code, **row} for code in report.tree.nodes
            if readable(code) and (row := unattributed_row(report, code)) is not None],
        "previous_finalised": view["previous_finalised"],
        "previous_restatements": [row for row in restatements_under(report, report.scope)
                                  if readable(row["unit_code"])],
    }


def units_table(report: Report) -> list[dict[str, Any]]:
    """Every unit of the scope with every figure: the flat table of the JSON API and Excel."""
    rows = []
    for node in report.tree.nodes.values():
        unit = report.unit(node.code)
        rows.append({
            "code": node.code,
            "name": node.name,
            "level": node.level,
            "parent": node.parent,
            "figures": unit["figures"],
            "indicators": unit["indicators"],
        })
    return rows
