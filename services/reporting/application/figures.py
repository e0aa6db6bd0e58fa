"""Every figure of a conference report, computed from the fact tables.

A report is a pure function of (period window, scope, as of): facts with a business date in
the window (flow figures) or up to the cut-off (stock figures), and recorded no later than
"as of". Asked again, or after a full replay, it gives the same figures.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, and_, func, select

from services.reporting.adapters.tables import dialogue_facts, indicators_facts, religion_facts
from services.reporting.application.unittree import UnitTree, unit_tree
from services.reporting.domain.indicators import (
    CORE_INDICATORS,
    PLAN_TARGETS,
    IndicatorTarget,
    comparator_of,
    judge,
    percentage,
)
from services.reporting.domain.metrics import I1_FIELDS, METRIC_KEYS, MODEL_FIELDS
from services.reporting.domain.periods import Period
from shared.adminunits import HAI_PHONG

# Flow figures: (fact table, event type) → figure. A count, or the sum of `amount` for
# the figures in FLOW_SUMS.
FLOW_KINDS: dict[tuple[str, str], str] = {
    ("religion", "LandDossierLodged"): "dossiers_lodged",
    ("religion", "DossierRejected"): "dossiers_rejected_or_withdrawn",
    ("religion", "DossierWithdrawn"): "dossiers_rejected_or_withdrawn",
    ("religion", "CertificateIssued"): "certificates_issued",
    ("religion", "CertificateRevoked"): "certificates_revoked",
    ("religion", "ComplianceCaseOpened"): "cases_opened",
    ("religion", "ComplianceCaseResolved"): "cases_resolved",
    ("religion", "ComplianceCaseReferred"): "cases_referred",
    ("dialogue", "SessionPlanned"): "sessions_planned",
    ("dialogue", "SessionHeld"): "sessions_held",
    ("dialogue", "SessionCancelled"): "sessions_cancelled",
    ("dialogue", "SessionReportFiled"): "sessions_reported",
    ("dialogue", "IssueRaised"): "issues_raised",
    ("dialogue", "CommitmentMade"): "commitments_made",
    ("indicators", "ModelRegistered"): "models_registered",
    ("indicators", "ModelRecognised"): "models_recognised",
    ("indicators", "ContestEntrySubmitted"): "contest_entries",
}
FLOW_FAMILIES = {
    "religion": ("dossier", "certificate", "compliance"),
    "dialogue": ("session", "issue", "commitment"),
    "indicators": ("model", "contest"),
}
ISSUE_HANDLING = {"answered_on_spot": "issues_answered_on_spot", "assigned": "issues_assigned"}
TABLES: dict[str, Table] = {
    "religion": religion_facts,
    "dialogue": dialogue_facts,
    "indicators": indicators_facts,
}
# Quyết định 1738-QĐ/TU: a head holds direct dialogue at least once a year, until the rule
# (being amended) arrives as a `DialogueRuleSet` event.
DEFAULT_MIN_SESSIONS = 1.0
LEVEL_BY_LENGTH = {2: "province", 3: "district", 5: "commune"}


@dataclass(frozen=True)
class Window:
    data_from: date
    cutoff_on: date
    as_of: datetime  # UTC


@dataclass
class IndicatorFigure:
    indicator_id: str
    numerator: int
    denominator: int
    value: float | None
    status: str
    target: float
    comparator: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "status": self.status,
            "target": self.target,
            "comparator": self.comparator,
        }


@dataclass
class Figures:
    """The figures of one period for one scope, every unit of its tree."""

    period: Period
    scope: str
    as_of: datetime
    tree: UnitTree
    values: dict[str, dict[str, int]]
    indicators: dict[str, dict[str, IndicatorFigure]]
    targets: dict[str, IndicatorTarget]
    reported_status: dict[tuple[str, str], str] = field(default_factory=dict)
    other_indicators: list[dict[str, Any]] = field(default_factory=list)

    def content(self) -> dict[str, Any]:
        """The canonical content of the report: what finalising freezes and hashes."""
        return {
            "period_id": self.period.id,
            "scope": self.scope,
            "as_of": self.as_of.isoformat(),
            "data_from": self.period.data_from.isoformat(),
            "cutoff_on": self.period.cutoff_on.isoformat(),
            "units": {
                code: {
                    "figures": dict(self.values[code]),
                    "indicators": {
                        key: figure.as_dict() for key, figure in self.indicators[code].items()
                    },
                }
                for code in self.tree.nodes
            },
        }


# -- reading facts -------------------------------------------------------------------------

_STOCK_COLUMNS = ("subject", "kind", "effect", "state", "amount", "due_on", "unit_code",
                  "district_code", "province_code", "data")


@dataclass
class SubjectHistory:
    """What a stock figure needs of one subject's facts up to the cut-off."""

    first: Row[Any]
    last: Row[Any]
    switch: Row[Any] | None  # the last fact that switched it on or off

    @property
    def on(self) -> bool:
        return self.switch is not None and self.switch.effect == 1


def histories(
    conn: Connection, table: Table, family: str, window: Window
) -> dict[str, SubjectHistory]:
    query = (
        select(*(table.c[name] for name in _STOCK_COLUMNS))
        .where(
            table.c.family == family,
            table.c.business_on <= window.cutoff_on,
            table.c.recorded_at <= window.as_of,
        )
        .order_by(table.c.subject, table.c.business_on, table.c.seq, table.c.recorded_at)
    )
    found: dict[str, SubjectHistory] = {}
    for row in conn.execute(query):
        history = found.get(row.subject)
        if history is None:
            history = found[row.subject] = SubjectHistory(row, row, None)
        history.last = row
        if row.effect is not None:
            history.switch = row
    return found


def _flow_rows(conn: Connection, source: str, window: Window) -> Sequence[Row[Any]]:
    table = TABLES[source]
    query = (
        select(
            table.c.kind, table.c.state, table.c.unit_code, table.c.district_code,
            table.c.province_code, func.count().label("n"), func.sum(table.c.amount).label("total"),
        )
        .where(
            table.c.family.in_(FLOW_FAMILIES[source]),
            table.c.business_on >= window.data_from,
            table.c.business_on <= window.cutoff_on,
            table.c.recorded_at <= window.as_of,
        )
        .group_by(table.c.kind, table.c.state, table.c.unit_code, table.c.district_code,
                  table.c.province_code)
    )
    return conn.execute(query).all()


def _sessions_by_head(conn: Connection, window: Window) -> Counter[str]:
    table = dialogue_facts
    query = select(table.c.data).where(
        and_(
            table.c.family == "session",
            table.c.kind == "SessionHeld",
            table.c.business_on >= window.data_from,
            table.c.business_on <= window.cutoff_on,
            table.c.recorded_at <= window.as_of,
        )
    )
    held: Counter[str] = Counter()
    for (data,) in conn.execute(query):
        for head in json.loads(data or "{}").get("head_ids", []):
            held[head] += 1
    return held


# -- computing -----------------------------------------------------------------------------

# Reports of the same facts are the same report: computed once, kept for later requests.
_CACHE: OrderedDict[tuple[Any, ...], Figures] = OrderedDict()
_CACHE_SIZE = 24
_cache_lock = threading.Lock()


def forget_cached_figures() -> None:
    with _cache_lock:
        _CACHE.clear()


def _fingerprint(conn: Connection, as_of: datetime) -> tuple[Any, ...]:
    """What identifies the facts a report at `as_of` sees. Facts are only ever added (a
    rebuild re-adds the same ones), so their number and latest recording time up to `as_of`
    identify the set."""
    marks: list[Any] = []
    for table in TABLES.values():
        count, latest = conn.execute(
            select(func.count(), func.max(table.c.recorded_at)).where(
                table.c.recorded_at <= as_of)
        ).one()
        marks.extend((int(count), str(latest)))
    return tuple(marks)


def compute(conn: Connection, period: Period, scope: str, as_of: datetime) -> Figures:
    """The figures of a period for a scope as of a time (cached by the facts they see)."""
    key = (period.data_from, period.cutoff_on, period.year, period.months, scope,
           _fingerprint(conn, as_of))
    with _cache_lock:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
    if cached is not None:
        # Same facts, same figures; only the stated time differs.
        return replace(cached, period=period, as_of=as_of)
    figures = compute_fresh(conn, period, scope, as_of)
    with _cache_lock:
        _CACHE[key] = figures
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return figures


def compute_fresh(conn: Connection, period: Period, scope: str, as_of: datetime) -> Figures:
    """The figures computed from the facts, bypassing the cache."""
    window = Window(period.data_from, period.cutoff_on, as_of)
    tree = unit_tree(scope, period.cutoff_on)
    direct: dict[str, Counter[str]] = defaultdict(Counter)

    def add(row: Row[Any], metric: str, amount: int = 1) -> None:
        code = tree.place(row.unit_code, row.district_code, row.province_code)
        if code is not None:
            direct[code][metric] += amount

    for source in TABLES:
        for row in _flow_rows(conn, source, window):
            metric = FLOW_KINDS.get((source, row.kind))
            if metric is None:
                continue
            add(row, metric, int(row.n))
            if metric == "sessions_reported":
                add(row, "attendance", round(row.total or 0))
            if metric == "issues_raised" and row.state in ISSUE_HANDLING:
                add(row, ISSUE_HANDLING[row.state], int(row.n))

    _religion_stocks(conn, window, add)
    _commitment_stocks(conn, window, add)
    _head_stocks(conn, window, add)
    communes_with_model = _model_stocks(conn, window, tree, add)
    for node in tree.nodes.values():
        if node.level == "commune":
            direct[node.code]["communes"] += 1
            if node.code in communes_with_model:
                direct[node.code]["communes_with_model"] += 1

    values = _roll_up(tree, direct)
    targets = _targets(conn, window, period.year)
    indicators = {
        code: _indicators(code, tree, values[code], targets, period) for code in tree.nodes
    }
    figures = Figures(period, scope, as_of, tree, values, indicators, targets)
    _reported(conn, window, tree, period.year, figures)
    return figures


Add = Any  # the `add(row, metric, amount=1)` closure of compute()


def _religion_stocks(conn: Connection, window: Window, add: Add) -> None:
    for history in histories(conn, religion_facts, "site", window).values():
        if history.on and history.switch is not None:
            add(history.switch, "sites")
    for history in histories(conn, religion_facts, "dossier", window).values():
        if history.on and history.switch is not None:
            add(history.switch, "sites_with_dossier")
        if history.last.state == "requisitioned":
            add(history.last, "dossiers_requisitioned")
    for history in histories(conn, religion_facts, "certificate", window).values():
        if history.on and history.switch is not None:
            add(history.switch, "sites_with_certificate")
    for history in histories(conn, religion_facts, "compliance", window).values():
        if history.on:
            add(history.first, "cases_pending")


def _commitment_stocks(conn: Connection, window: Window, add: Add) -> None:
    # Overdue is detected here too, from the due date, so a report never waits for the
    # dialogue service's own detector to have run.
    for history in histories(conn, dialogue_facts, "commitment", window).values():
        made = history.first
        add(made, "commitments_total")
        state = history.last.state
        if state == "done":
            add(made, "commitments_done")
        elif state == "overdue" or (made.due_on is not None and made.due_on < window.cutoff_on):
            add(made, "commitments_overdue")
        else:
            add(made, "commitments_in_progress")


def _head_stocks(conn: Connection, window: Window, add: Add) -> None:
    rules: dict[str, float] = {}
    for level, history in histories(conn, dialogue_facts, "rule", window).items():
        if history.last.amount is not None:
            rules[level] = float(history.last.amount)
    held = _sessions_by_head(conn, window)
    for head_id, history in histories(conn, dialogue_facts, "head", window).items():
        if not history.on or history.switch is None:
            continue
        row = history.switch
        add(row, "heads_in_office")
        level = LEVEL_BY_LENGTH.get(len(row.unit_code or ""), "commune")
        if held[head_id] >= rules.get(level, DEFAULT_MIN_SESSIONS):
            add(row, "heads_meeting_rule")


def _model_stocks(conn: Connection, window: Window, tree: UnitTree, add: Add) -> set[str]:
    with_model: set[str] = set()
    for history in histories(conn, indicators_facts, "model", window).values():
        if not history.on or history.switch is None:
            continue
        row = history.switch
        field_name = row.state if row.state in MODEL_FIELDS else "other"
        add(row, "models_active")
        add(row, f"models_{field_name}")
        code = tree.place(row.unit_code, row.district_code, row.province_code)
        if field_name in I1_FIELDS and code is not None and tree.nodes[code].level == "commune":
            with_model.add(code)
    return with_model


def _roll_up(tree: UnitTree, direct: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for node in tree.post_order():
        own = direct.get(node.code, Counter())
        values = {key: int(own.get(key, 0)) for key in METRIC_KEYS}
        for child in node.children:
            for key, value in totals[child].items():
                values[key] += value
        totals[node.code] = values
    return {code: totals[code] for code in tree.nodes}


def _targets(conn: Connection, window: Window, year: int) -> dict[str, IndicatorTarget]:
    targets = dict(PLAN_TARGETS)
    for subject, history in histories(conn, indicators_facts, "indicator", window).items():
        indicator_id, _, for_year = subject.partition(":")
        if for_year != str(year) or history.last.amount is None:
            continue
        row = history.last
        data = json.loads(row.data or "{}")
        fixed = data.get("denominator_fixed")
        plan = PLAN_TARGETS.get(indicator_id)
        targets[indicator_id] = IndicatorTarget(
            indicator_id,
            comparator_of(row.state),
            float(row.amount),
            int(fixed) if isinstance(fixed, int | float) and fixed > 0 else (
                plan.denominator_fixed if plan and fixed is None else None),
            data.get("name"),
        )
    return targets


def _indicators(
    code: str, tree: UnitTree, values: dict[str, int], targets: dict[str, IndicatorTarget],
    period: Period,
) -> dict[str, IndicatorFigure]:
    is_city_of_plan = code == tree.scope and code == HAI_PHONG
    pairs = {
        "I1": (values["communes_with_model"], values["communes"]),
        "I2": (values["heads_meeting_rule"], values["heads_in_office"]),
        "I3": (values["sites_with_dossier"], values["sites"]),
        "I4": (values["sites_with_certificate"], values["sites"]),
    }
    result: dict[str, IndicatorFigure] = {}
    for indicator_id in CORE_INDICATORS:
        target = targets[indicator_id]
        numerator, denominator = pairs[indicator_id]
        # The plan's fixed denominator (239 sites) is the city's; units below are measured
        # against the sites registered in them.
        if is_city_of_plan and target.denominator_fixed:
            denominator = target.denominator_fixed
        value = percentage(numerator, denominator)
        result[indicator_id] = IndicatorFigure(
            indicator_id, numerator, denominator, value, judge(value, target, period.pace),
            target.target, target.comparator,
        )
    return result


def _reported(
    conn: Connection, window: Window, tree: UnitTree, year: int, figures: Figures
) -> None:
    """What the indicators service itself reported: its status of I1-I4 beside ours, and
    the figures of the other indicators, which are reported rather than computed."""
    for subject, history in histories(conn, indicators_facts, "status", window).items():
        indicator_id, for_year, unit = [*subject.split(":"), "", ""][:3]
        if for_year == str(year) and unit in tree.nodes and history.last.state:
            figures.reported_status[(unit, indicator_id)] = history.last.state
    for subject, history in histories(conn, indicators_facts, "reported", window).items():
        indicator_id, for_year, unit = [*subject.split(":"), "", ""][:3]
        if for_year != str(year) or indicator_id in CORE_INDICATORS or unit not in tree.nodes:
            continue
        row = history.last
        denominator = json.loads(row.data or "{}").get("denominator")
        numerator = int(row.amount or 0)
        figures.other_indicators.append({
            "indicator_id": indicator_id,
            "unit_code": unit,
            "numerator": numerator,
            "denominator": denominator,
            "value": percentage(numerator, int(denominator)) if denominator else None,
        })
    figures.other_indicators.sort(key=lambda item: (item["indicator_id"], item["unit_code"]))


def flatten(content: dict[str, Any]) -> dict[str, Any]:
    """unit/figure paths → values, for listing differences between two contents."""
    flat: dict[str, Any] = {}
    for code, unit in content["units"].items():
        for key, value in unit["figures"].items():
            flat[f"{code}/{key}"] = value
        for indicator_id, figure in unit["indicators"].items():
            for part in ("numerator", "denominator", "value", "status"):
                flat[f"{code}/{indicator_id}.{part}"] = figure[part]
    return flat


def differences(frozen: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    before, after = flatten(frozen), flatten(current)
    changed: list[dict[str, Any]] = []
    for path in sorted(before.keys() | after.keys(), key=_path_order):
        if before.get(path) != after.get(path):
            unit, _, figure = path.partition("/")
            changed.append({"unit_code": unit, "figure": figure,
                            "frozen": before.get(path), "current": after.get(path)})
    return changed


def _path_order(path: str) -> tuple[int, str]:
    unit = path.partition("/")[0]
    return (len(unit), path)


def unit_codes(figures: Figures) -> Iterable[str]:
    return figures.tree.nodes.keys()
