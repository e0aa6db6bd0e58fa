"""Every figure of a conference report.

A report is a pure function of (period window, scope, as of): facts with a business date in
the window (flow figures) or up to the cut-off (stock figures), and recorded no later than
"as of". Asked again, or after a full replay, it gives the same figures.

Two ways to the same figures, following the same rules (`domain/counting.py`):
- from the chunk figures the projections keep (`rpt_figure_chunks`): when "as of" is at or
  after the latest recorded fact (a report as of now) and the period has its default
  window, the figures are sums of a few thousand rows, whatever the number of facts (kept
  summed in memory and brought up to date by the rows changed since: `chunk_sums.py`);
- from the fact tables, for any other "as of" or a moved window.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import math
import operator
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row, Table, and_, func, literal, select

from services.reporting.adapters.tables import (
    dialogue_facts,
    indicators_facts,
    religion_facts,
    source_marks,
)
from services.reporting.application.chunk_sums import (
    HEADS,
    SourceMark,
    marking_source,
    window_sums,
)
from services.reporting.application.heads import heads, heads_of_windows
from services.reporting.application.unittree import UnitTree, unit_tree
from services.reporting.domain.chunks import has_default_window, period_chunks
from services.reporting.domain.counting import (
    ATTENDANCE,
    FLOW_FAMILIES,
    MODELS_I1,
    STOCK_FAMILIES,
    SubjectHistory,
    flow_amount,
    flow_figures,
    group_families,
    source_figures,
    stock_figures,
)
from services.reporting.domain.indicators import (
    CORE_INDICATORS,
    PLAN_TARGETS,
    IndicatorTarget,
    comparator_of,
    judge,
)
from services.reporting.domain.metrics import METRIC_KEYS
from services.reporting.domain.periods import Period
from shared.adminunits import HAI_PHONG
from shared.planrules import base_warnings, i2_window, percent_of, plan_year

TABLES: dict[str, Table] = {
    "religion": religion_facts,
    "dialogue": dialogue_facts,
    "indicators": indicators_facts,
}


@dataclass(frozen=True)
class Window:
    data_from: date
    cutoff_on: date
    as_of: datetime  # UTC


@dataclass(frozen=True)
class IndicatorFigure:
    indicator_id: str
    numerator: int
    denominator: int
    value: float | None
    status: str | None  # None: no denominator (shared/planrules.py)
    target: float
    comparator: str
    #: Where the plan's base replaced the denominator: the register's own count of open
    #: sites, and the kernel's data warnings (numerator above the base, register not it).
    register: int | None = None
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return _indicator_content(self)


@functools.lru_cache(maxsize=8192)
def _indicator_content(figure: IndicatorFigure) -> dict[str, Any]:
    """Shared by every unit with the same figure: readers never change it."""
    return {
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "value": figure.value,
        "status": figure.status,
        "target": figure.target,
        "comparator": figure.comparator,
        "register": figure.register,
        "warnings": list(figure.warnings),
    }


def canonical_json(content: dict[str, Any]) -> str:
    """The text a report's content is hashed and frozen as."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _units_json(units: dict[str, Any], indicators: Iterable[IndicatorFigure]) -> str:
    """`canonical_json` of the units' content, by orjson where it writes the very same text:
    figures are ints, and the indicators' floats (their only floats) are written alike by
    both only between 1e-4 and 1e16; the keys are ASCII codes and names."""
    if all(_same_text(figure.value) and _same_text(figure.target) for figure in indicators):
        return orjson.dumps(units, option=orjson.OPT_SORT_KEYS).decode()
    return canonical_json(units)


def _same_text(value: float | None) -> bool:
    return value is None or value == 0 or (
        math.isfinite(value) and 1e-4 <= abs(value) < 1e16)


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
    built: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def units_content(self) -> dict[str, Any]:
        units: dict[str, Any] | None = self.built.get("units")
        if units is None:
            # Units with the same numbers share one indicators dict (see `_figures`), so
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
        return {
            "period_id": self.period.id,
            "scope": self.scope,
            "as_of": self.as_of.isoformat(),
            "data_from": self.period.data_from.isoformat(),
            "cutoff_on": self.period.cutoff_on.isoformat(),
        }

    def content(self) -> dict[str, Any]:
        """The canonical content of the report: what finalising freezes and hashes."""
        return self._head() | {"units": self.units_content()}

    def canonical_text(self) -> str:
        """`canonical_json(self.content())`, the units' part written once ("units" is the
        last key in sorted order): what is hashed and what finalising stores."""
        units: str | None = self.built.get("units_json")
        if units is None:
            units = self.built["units_json"] = _units_json(
                self.units_content(),
                {f for figures in self.indicators.values() for f in figures.values()})
        return canonical_json(self._head())[:-1] + ',"units":' + units + "}"

    def content_hash(self) -> str:
        """The hash of `content()`."""
        return hashlib.sha256(self.canonical_text().encode()).hexdigest()


# -- reading facts -------------------------------------------------------------------------

_STOCK_COLUMNS = ("subject", "family", "kind", "effect", "state", "amount", "due_on",
                  "unit_code", "district_code", "province_code", "data")


def histories(
    conn: Connection, table: Table, family: str, window: Window
) -> dict[str, SubjectHistory]:
    """Each subject's history up to the cut-off, as known at "as of": of a family, or of a
    stock group (a site with its dossier and certificate, see `counting.py`)."""
    families = group_families(family)
    query = (
        select(*(table.c[name] for name in _STOCK_COLUMNS))
        .where(
            table.c.family.in_(families) if len(families) > 1 else table.c.family == family,
            table.c.business_on <= window.cutoff_on,
            table.c.recorded_at <= window.as_of,
        )
        .order_by(table.c.subject, table.c.business_on, table.c.seq, table.c.recorded_at,
                  table.c.event_id)
    )
    found: dict[str, SubjectHistory] = {}
    for row in conn.execute(query):
        history = found.get(row.subject)
        if history is None:
            found[row.subject] = SubjectHistory.start(row)
        else:
            history.add(row)
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


def _sessions_by_head(conn: Connection, window: Window, year: int) -> Counter[str]:
    """Sessions held per head in I2's window: from 1 January of the year to the cut-off."""
    start, end = i2_window(plan_year(year)[0], window.cutoff_on)
    table = dialogue_facts
    query = select(table.c.data).where(
        and_(
            table.c.family == "session",
            table.c.kind == "SessionHeld",
            table.c.business_on >= start,
            table.c.business_on <= end,
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


_gc_lock = threading.Lock()
_gc_holders = 0
_gc_paused = False


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic garbage collection while a report is computed (reference counting still
    frees everything at once). A national report allocates a million short-lived objects
    with no cycles among them, and the collector would meanwhile walk the whole heap (the
    unit catalogue, the cached reports...) several times: a third of the first request's
    time. Collection resumes when the last report being computed is done."""
    global _gc_holders, _gc_paused
    with _gc_lock:
        if _gc_holders == 0 and gc.isenabled():
            gc.disable()
            _gc_paused = True
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_paused:
                _gc_paused = False
                gc.enable()


def forget_cached_figures() -> None:
    with _cache_lock:
        _CACHE.clear()


@dataclass(frozen=True)
class Marks:
    """What the projections have written so far, from one small table."""

    key: tuple[Any, ...]  # changes whenever a fact is projected or a projection dropped
    complete: bool  # the chunk figures hold every fact
    latest: datetime | None  # the latest recording time of any fact
    sources: dict[str, SourceMark] = field(default_factory=dict)  # (generation, facts)

    def sees_everything(self, as_of: datetime) -> bool:
        return self.latest is None or as_of >= self.latest


def read_marks(conn: Connection) -> Marks:
    rows = {row.source: row for row in conn.execute(select(source_marks))}
    key: list[Any] = []
    sources: dict[str, SourceMark] = {}
    complete = True
    latest: datetime | None = None
    for source, table in TABLES.items():
        row = rows.get(source)
        if row is None:
            # Nothing projected since the chunks exist: complete only if nothing at all.
            if conn.execute(select(literal(1)).select_from(table).limit(1)).first():
                complete = False
            key.append((source, None))
            continue
        key.append((source, row.generation, int(row.facts)))
        sources[source] = (row.generation, int(row.facts))
        complete = complete and bool(row.complete)
        if row.latest_recorded_at is not None:
            seen = _utc(row.latest_recorded_at)
            latest = seen if latest is None else max(latest, seen)
    return Marks(tuple(key), complete, latest, sources)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def from_chunks_possible(marks: Marks, period: Period, as_of: datetime) -> bool:
    """Whether the chunk figures give this report: they hold every fact, the report sees
    every fact, and the period is made of whole chunks."""
    return marks.complete and marks.sees_everything(as_of) and has_default_window(period)


def compute(conn: Connection, period: Period, scope: str, as_of: datetime) -> Figures:
    """The figures of a period for a scope as of a time (cached by the facts they see)."""
    return compute_many(conn, [period], scope, as_of)[0]


def compute_many(
    conn: Connection, periods: Sequence[Period], scope: str, as_of: datetime
) -> list[Figures]:
    """The figures of several periods (a report and the one before) for a scope as of a
    time: cached by the facts they see; those the chunk figures give are read together."""
    marks = read_marks(conn)
    # Every "as of" from the latest recorded fact on sees the same facts.
    seen: Any = "all" if marks.sees_everything(as_of) else as_of
    keys = [(p.data_from, p.cutoff_on, p.year, p.months, scope, marks.key, seen)
            for p in periods]
    found: dict[int, Figures] = {}
    with _cache_lock:
        for index, key in enumerate(keys):
            cached = _CACHE.get(key)
            if cached is not None:
                _CACHE.move_to_end(key)
                # Same facts, same figures; only the stated time differs.
                found[index] = replace(cached, period=periods[index], as_of=as_of)
    missing = [i for i in range(len(periods)) if i not in found]
    from_chunks = [i for i in missing if from_chunks_possible(marks, periods[i], as_of)]
    computed = dict(zip(from_chunks, compute_from_chunks_many(
        conn, [periods[i] for i in from_chunks], scope, as_of, marks), strict=True))
    for index in missing:
        if index not in computed:
            computed[index] = compute_fresh(conn, periods[index], scope, as_of)
    with _cache_lock:
        for index, figures in computed.items():
            _CACHE[keys[index]] = figures
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return [found.get(i) or computed[i] for i in range(len(periods))]


Direct = dict[str, Counter[str]]  # figures per node of the tree, before rolling up


def compute_fresh(conn: Connection, period: Period, scope: str, as_of: datetime) -> Figures:
    """The figures computed from the facts, bypassing the cache and the chunk figures."""
    window = Window(period.data_from, period.cutoff_on, as_of)
    tree = unit_tree(scope, period.cutoff_on)
    direct: Direct = defaultdict(Counter)

    def add(row: Any, metric: str, amount: int = 1) -> None:
        code = tree.place(row.unit_code, row.district_code, row.province_code)
        if code is not None:
            direct[code][metric] += amount

    for source, table in TABLES.items():
        for row in _flow_rows(conn, source, window):
            for metric in flow_figures(source, row.kind, row.state):
                # Attendance is rounded per group of units, as the chunk figures' per unit.
                add(row, metric, round(flow_amount(metric, int(row.n), row.total)))
        for family in STOCK_FAMILIES[source]:
            for history in histories(conn, table, family, window).values():
                for row, metric in stock_figures(family, history, window.cutoff_on):
                    add(row, metric)
    held = _sessions_by_head(conn, window, period.year)
    for row, metric in _heads(conn, window, period.year, held):
        add(row, metric)
    return _figures(conn, period, scope, window, tree, direct)


def compute_from_chunks(
    conn: Connection, period: Period, scope: str, as_of: datetime
) -> Figures:
    """The figures from the chunk figures: only for a report that sees every fact and a
    period of whole chunks (`from_chunks_possible`)."""
    return compute_from_chunks_many(conn, [period], scope, as_of, read_marks(conn))[0]


def compute_from_chunks_many(
    conn: Connection, periods: Sequence[Period], scope: str, as_of: datetime, marks: Marks
) -> list[Figures]:
    """`compute_from_chunks` of several periods; `marks` as read on this connection."""
    if not periods:
        return []
    bounds = [period_chunks(p) for p in periods]
    trees = [unit_tree(scope, p.cutoff_on) for p in periods]
    directs: list[Direct] = [defaultdict(Counter) for _ in periods]
    places = [_placer(tree) for tree in trees]
    for source in TABLES:
        flows, stocks = source_figures(source)
        names = flows + stocks
        attendance = names.index(ATTENDANCE) if ATTENDANCE in names else -1
        windows = window_sums(conn, source, marks.sources.get(source), bounds)
        for place, direct, sums in zip(places, directs, windows, strict=True):
            placed: set[str] = set()
            for (unit, district, province), values in sums.items():
                code = place(unit, district, province)
                if code is None:
                    continue
                if attendance >= 0:
                    # Rounded per unit, as the facts' attendance is rounded per group of units.
                    values = (*values[:attendance], round(values[attendance]),
                              *values[attendance + 1:])
                own = direct[code]
                if code in placed:  # several units of the facts under one node
                    own.update(dict(zip(names, values, strict=True)))
                else:
                    # This source's figures are not yet there: set them in one go.
                    dict.update(own, zip(names, values, strict=True))
                    placed.add(code)
    dialogue = marks.sources.get(marking_source(HEADS))
    held: list[Counter[str]] = [
        Counter({head: int(values[0]) for (head,), values in sums.items()})
        for sums in window_sums(conn, HEADS, dialogue, bounds)]
    # I2: the direct-dialogue rule as every service judges it (domain/heads.py), over its
    # window from 1 January (the head sessions' chunks start there: `head_chunk_of`).
    judged = heads_of_windows(
        conn, [i2_window(plan_year(p.year)[0], p.cutoff_on) for p in periods], as_of, held,
        dialogue[0] if dialogue else None)
    found = []
    for period, tree, direct, head_rows in zip(periods, trees, directs, judged, strict=True):
        for row, metric in head_rows:
            code = tree.place(row.unit_code, row.district_code, row.province_code)
            if code is not None:
                direct[code][metric] += 1
        window = Window(period.data_from, period.cutoff_on, as_of)
        found.append(_figures(conn, period, scope, window, tree, direct))
    return found


def _placer(tree: UnitTree) -> Callable[[str, str, str], str | None]:
    """`tree.place` of the chunk rows' units ('' for none), each triple placed once."""
    placed: dict[tuple[str, str, str], str | None] = {}

    def place(unit: str, district: str, province: str) -> str | None:
        key = (unit, district, province)
        if key not in placed:
            placed[key] = tree.place(unit or None, district or None, province or None)
        return placed[key]

    return place


def _heads(
    conn: Connection, window: Window, year: int, held: Counter[str]
) -> Iterable[tuple[Any, str]]:
    # I2: the direct-dialogue rule as every service judges it (domain/heads.py).
    start, end = i2_window(plan_year(year)[0], window.cutoff_on)
    return heads(conn, start, end, window.as_of, held)


def _figures(
    conn: Connection, period: Period, scope: str, window: Window, tree: UnitTree,
    direct: Direct,
) -> Figures:
    for node in tree.nodes.values():
        if node.level == "commune":
            own = direct[node.code]
            own["communes"] += 1
            if own[MODELS_I1] > 0:
                own["communes_with_model"] += 1
    values = _roll_up(tree, direct)
    targets = _targets(conn, window, period.year)
    plan = tuple(targets[indicator_id] for indicator_id in CORE_INDICATORS)
    # Units with the same numbers share their indicators (thousands of communes, a few
    # hundred different numbers): made once, never changed.
    made: dict[tuple[Any, ...], dict[str, IndicatorFigure]] = {}
    indicators: dict[str, dict[str, IndicatorFigure]] = {}
    for code in tree.nodes:
        unit = values[code]
        key = (code == tree.scope and code == HAI_PHONG,
               unit["communes_with_model"], unit["communes"], unit["heads_meeting_rule"],
               unit["heads_in_office"], unit["sites_with_dossier"], unit["sites"],
               unit["sites_with_certificate"], unit["heads_owing"] > 0)
        found = made.get(key)
        if found is None:
            found = made[key] = _indicators(key, plan, period.year, period.cutoff_on)
        indicators[code] = found
    figures = Figures(period, scope, window.as_of, tree, values, indicators, targets)
    _reported(conn, window, tree, period.year, figures)
    return figures


def _roll_up(tree: UnitTree, direct: Direct) -> dict[str, dict[str, int]]:
    totals: dict[str, list[int]] = {}
    zeros = [0] * len(METRIC_KEYS)
    for node in tree.post_order():
        own = direct.get(node.code)
        values = list(map(own.get, METRIC_KEYS, zeros)) if own else zeros
        for child in node.children:
            values = list(map(operator.add, values, totals[child]))
        totals[node.code] = values
    return {code: dict(zip(METRIC_KEYS, totals[code], strict=True)) for code in tree.nodes}


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
    key: tuple[Any, ...], targets: tuple[IndicatorTarget, ...], year: int, cutoff: date
) -> dict[str, IndicatorFigure]:
    """The four indicators of a unit from `key`: whether it is the city of the plan, the
    numerators and denominators of I1 to I4 (I3 and I4 share the sites), and whether any
    head owes a session yet (I2 is "chưa đến hạn" until one does)."""
    (is_city_of_plan, with_model, communes, meeting, heads, with_dossier, sites, certified,
     owing) = key
    pairs = ((with_model, communes), (meeting, heads), (with_dossier, sites),
             (certified, sites))
    result: dict[str, IndicatorFigure] = {}
    for indicator_id, (numerator, denominator), target in zip(
            CORE_INDICATORS, pairs, targets, strict=True):
        # The plan's fixed denominator (239 sites) is the city's; units below are measured
        # against the sites registered in them. The register's count is kept beside it.
        register = None
        if is_city_of_plan and target.denominator_fixed:
            register, denominator = denominator, target.denominator_fixed
        result[indicator_id] = _indicator(indicator_id, numerator, denominator, target, year,
                                          cutoff, owing or indicator_id != "I2", register)
    return result


@functools.lru_cache(maxsize=4096)
def _indicator(
    indicator_id: str, numerator: int, denominator: int, target: IndicatorTarget, year: int,
    cutoff: date, due: bool, register: int | None,
) -> IndicatorFigure:
    """One indicator's figure; thousands of communes share a few (0/1, 1/1, ...), so each is
    made once (and never changed)."""
    warnings = () if register is None else base_warnings(numerator, denominator, register)
    return IndicatorFigure(
        indicator_id, numerator, denominator, percent_of(numerator, denominator),
        judge(numerator, denominator, target, year, cutoff, due=due), target.target,
        target.comparator, register, warnings)


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
            "value": percent_of(numerator, int(denominator)) if denominator else None,
        })
    figures.other_indicators.sort(key=lambda item: (item["indicator_id"], item["unit_code"]))


def _flatten_unit(code: str, unit: dict[str, Any] | None) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    if unit is None:
        return flat
    for key, value in unit["figures"].items():
        flat[f"{code}/{key}"] = value
    for indicator_id, figure in unit["indicators"].items():
        for part in ("numerator", "denominator", "value", "status"):
            flat[f"{code}/{indicator_id}.{part}"] = figure[part]
    return flat


def differences(frozen: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure that differs, by unit (from the scope down) and path. Units whose content
    is equal are passed over whole: a national report has thousands of them."""
    before_units, after_units = frozen["units"], current["units"]
    found: list[tuple[str, Any, Any]] = []
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


def _path_order(path: str) -> tuple[int, str]:
    unit = path.partition("/")[0]
    return (len(unit), path)


def unit_codes(figures: Figures) -> Iterable[str]:
    return figures.tree.nodes.keys()
