"""Indicator figures (kết quả thực hiện chỉ tiêu) from the state on the evaluation date.

Every method counts at the units of the scope tree ("own" counts of a unit), then a unit's
figure is its own counts plus those of all units under it, so a district is the sum of its
communes (plus what is counted at the district itself, e.g. the district's heads for I2)
and the city the sum of everything. A fixed denominator (the plan's 239 sites) replaces the
computed denominator of the scope's root only: the plan gives no per-district split of it.

What counts, the status and the rounding are the kernel's rulebook (`shared/planrules.py`);
this module applies it to the indicators service's facts:

* model_coverage (I1): each commune of the scope counts 1 in the denominator and 1 in the
  numerator when at least one model of a qualifying field, started and not closed on the
  date, is registered at that commune.
* dialogue_heads (I2): each head in office at some time between the period's start and the
  date counts 1 in the denominator at the unit they head, and 1 in the numerator when they
  took part, on days they were in office, in at least the sessions the direct-dialogue
  rule (`shared/dialoguerule.py`) owes for their days in office in that window (the pace
  of the whole year is the status rule's business, not the head's). When no head of a unit
  owes anything yet, its figure is "chưa đến hạn".
* sites_with_dossier (I3) / sites_with_certificate (I4): each site in the register and not
  closed counts 1 in the denominator at its commune, and 1 in the numerator when its dossier
  is lodged and not withdrawn or rejected (I3) / it holds a certificate not revoked (I4).
  Where the plan's base (239) replaces the root's denominator, the register's own count is
  kept beside it with the kernel's data warnings.
* reported: a unit's figure is the last figure reported for it; a unit without one adds up
  the figures of the units under it, and says of how many of the units directly under it
  (`summed_from`, the kernel's `reported_coverage`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Any, Literal

from services.indicators.domain.definitions import Definition
from services.indicators.domain.facts import (
    HeadTerm,
    HeldSession,
    ModelState,
    ReportedFact,
    RuleFact,
    SiteState,
)
from services.indicators.domain.scope import ScopeTree
from shared.adminunits import level_of_code, names_no_unit
from shared.clock import iso_or_none
from shared.dialoguerule import held_in_windows
from shared.planrules import (
    CHUA_DEN_HAN,
    Comparator,
    ReportedFigure,
    Status,
    SummedFrom,
    base_warnings,
    count_status,
    i1_fields,
    model_counts_i1,
    office_in_window,
    owed_sessions,
    ratio,
    reported_coverage,
    site_counts_i3,
    site_counts_i4,
)

EvidenceKind = Literal["model", "head", "site", "reported"]
TOTAL = "*"
#: A unit of a reported indicator without any figure under it: 0/0, nothing summed.
NO_REPORTED_FIGURE = ReportedFigure(0, 0, None)


@dataclass(frozen=True)
class HeadRecord:
    """What I2's evidence shows of a head: the term, the requirement, the sessions held."""

    term: HeadTerm
    required: int
    sessions: tuple[HeldSession, ...]


@dataclass(frozen=True)
class EvidenceItem:
    """One model, head, site or report behind a figure, and whether it is in the numerator.
    `source` is the state it was counted from; `detail` renders it only when asked for, as
    national figures carry hundreds of thousands of items nobody reads at once."""

    unit_code: str
    kind: EvidenceKind
    key: str
    counts: bool
    source: ModelState | HeadRecord | SiteState | ReportedFact

    @property
    def detail(self) -> dict[str, Any]:
        return render(self.source)


def render(source: ModelState | HeadRecord | SiteState | ReportedFact) -> dict[str, Any]:
    if isinstance(source, ModelState):
        return {
            "model_id": source.model_id,
            "unit_code": source.unit_code,
            "title": source.title,
            "field": source.field,
            "started_on": source.started_on.isoformat(),
            "recognition_level": source.recognition_level,
            "closed_on": iso_or_none(source.closed_on),
        }
    if isinstance(source, HeadRecord):
        term = source.term
        return {
            "head_id": term.head_id,
            "unit_code": term.unit_code,
            "role": term.role,
            "full_name": term.full_name,
            "in_office_from": term.start.isoformat(),
            "in_office_to": iso_or_none(term.to),
            "required_sessions": source.required,
            "sessions_held": len(source.sessions),
            "sessions": [
                {"session_id": s.session_id, "held_on": s.held_on.isoformat(),
                 "unit_code": s.unit_code}
                for s in source.sessions
            ],
        }
    if isinstance(source, SiteState):
        return {
            "site_code": source.site_code,
            "name": source.name,
            "commune_code": source.commune_code,
            "dossier_lodged_on": iso_or_none(source.dossier_on),
            "certificate_number": source.certificate,
            "certificate_issued_on": iso_or_none(source.certificate_on),
        }
    return {
        "unit_code": source.unit_code,
        "numerator": source.numerator,
        "denominator": source.denominator,
        "reported_on": source.reported_on.isoformat(),
        "reported_by": source.actor,
        "department": source.department,
        "recorded_at": source.recorded_at,
        "note": source.note,
        "source_document": source.source_document,
    }


@dataclass(frozen=True)
class UnitFigure:
    unit_code: str
    numerator: int
    denominator: int
    own_numerator: int
    own_denominator: int
    status: Status | None
    #: Where the plan's base replaced the denominator: the register's own count, and the
    #: kernel's data warnings (numerator above the base, register not the base).
    register: int | None = None
    warnings: tuple[str, ...] = ()
    #: A reported indicator's figure of a unit without its own report: how many of the units
    #: directly under it have a figure, of how many (`planrules.reported_coverage`).
    summed_from: SummedFrom | None = None

    @property
    def value(self) -> Fraction | None:
        return ratio(self.numerator, self.denominator)


@dataclass(frozen=True)
class IndicatorFigures:
    definition: Definition
    tree: ScopeTree
    figures: dict[str, UnitFigure]
    total: UnitFigure
    evidence: list[EvidenceItem]
    #: Per unit, the part of its own counts (numerator, denominator) from facts naming no
    #: unit of the tree (the kernel's `names_no_unit`: a commune merged away, no successor
    #: in the catalogue's data): the `NOT_CURRENT_UNIT` line under its children's rows; the
    #: rest of its own counts were recorded for the unit itself (`OWN_UNIT_RECORDS`).
    strays: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def on(self) -> date:
        return self.tree.on

    def lines_under(self, codes: Iterable[str]) -> tuple[tuple[int, int], tuple[int, int]]:
        """What a table of units lacks to add up to the total, counted on `codes` (the units
        above its rows): (numerator, denominator) recorded for those units themselves, and
        of facts naming no unit of the tree."""
        own, stray = [0, 0], [0, 0]
        for code in codes:
            figure = self.figures[code]
            line = self.strays.get(code, (0, 0))
            own[0] += figure.own_numerator - line[0]
            own[1] += figure.own_denominator - line[1]
            stray[0] += line[0]
            stray[1] += line[1]
        return (own[0], own[1]), (stray[0], stray[1])

    def evidence_under(self, unit_code: str) -> list[EvidenceItem]:
        units = {unit_code, *self.tree.descendants(unit_code)}
        return [item for item in self.evidence if item.unit_code in units]


Counts = dict[str, list[int]]  # per unit: numerator, denominator, and for I2 heads owing


def compute_model_coverage(
    definition: Definition, tree: ScopeTree, models: Iterable[ModelState]
) -> IndicatorFigures:
    fields = i1_fields(definition.qualifying_fields)
    own: Counts = {code: [0, 1] for code in tree.communes}
    evidence: list[EvidenceItem] = []
    for model in sorted(models, key=lambda m: m.model_id):
        node = tree.place(model.unit_code, model.started_on)
        if node is None or model.started_on > tree.on:
            continue
        counts = tree.units[node].level == "commune" and model_counts_i1(
            model.field, model.started_on, model.closed_on, tree.on, fields)
        if counts:
            own[node][0] = 1
        evidence.append(EvidenceItem(node, "model", model.model_id, counts, model))
    return _finish(definition, tree, own, evidence)


def compute_dialogue_heads(
    definition: Definition,
    tree: ScopeTree,
    window: tuple[date, date],
    terms: Mapping[str, Sequence[HeadTerm]],
    sessions: Iterable[HeldSession],
    rules: Sequence[RuleFact],
) -> IndicatorFigures:
    """I2 over `window`, the days `planrules.i2_window` gives at `tree.on` (the year's data
    window by the 12-month cut-offs in force, bounded by the definition's period)."""
    start, on = window
    held: dict[str, list[HeldSession]] = {}
    for session in sessions:
        if start <= session.held_on <= on:
            for head_id in dict.fromkeys(session.head_ids):
                held.setdefault(head_id, []).append(session)
    own: Counts = {}
    strays: Counts = {}
    evidence: list[EvidenceItem] = []
    for head_id in sorted(terms):
        in_window = [t for t in terms[head_id] if t.overlap_days(start, on) > 0]
        if not in_window:
            continue
        current = in_window[-1]
        node = tree.place(current.unit_code, current.start)
        if node is None:
            continue
        level = _level(tree, current.unit_code, current.start)
        windows = office_windows(terms[head_id], start, on)
        required = owed_sessions(windows, [rule for rule in rules if rule.level == level])
        # Only the sessions held inside the days in office count (the kernel's rule).
        counted = set(held_in_windows((s.held_on for s in held.get(head_id, [])), windows))
        mine = [s for s in held.get(head_id, []) if s.held_on in counted]
        meets = len(mine) >= required
        tally = own.setdefault(node, [0, 0, 0])
        tally[0] += int(meets)
        tally[1] += 1
        tally[2] += int(required > 0)
        _stray(strays, tree, current.unit_code, node, int(meets))
        evidence.append(
            EvidenceItem(node, "head", head_id, meets, HeadRecord(current, required, tuple(mine)))
        )
    return _finish(definition, tree, own, evidence, strays)


def required_sessions(
    terms: Sequence[HeadTerm], rules: Sequence[RuleFact], level: str, start: date, end: date
) -> int:
    """Sessions a head must have held in the window `start`..`end`: the kernel's rule over
    the parts of the window each term covers, with the versions of the head's level (in
    recording order, so a later record for the same date corrects the earlier)."""
    windows = office_windows(terms, start, end)
    return owed_sessions(windows, [rule for rule in rules if rule.level == level])


def office_windows(terms: Sequence[HeadTerm], start: date, end: date) -> list[tuple[date, date]]:
    """The parts of `start`..`end` a head was in office, from their terms."""
    return office_in_window(((term.start, term.to) for term in terms), start, end)


def compute_sites(
    definition: Definition, tree: ScopeTree, sites: Iterable[SiteState], certificate: bool
) -> IndicatorFigures:
    own: Counts = {}
    strays: Counts = {}
    evidence: list[EvidenceItem] = []
    for site in sorted(sites, key=lambda s: s.site_code):
        if site.closed:
            continue
        node = tree.place(site.commune_code, site.placed_on)
        if node is None:
            continue
        site_open = not site.closed  # always here: closed sites left above
        counts = (site_counts_i4(site_open, site.has_certificate) if certificate
                  else site_counts_i3(site_open, site.has_dossier))
        tally = own.setdefault(node, [0, 0])
        tally[0] += int(counts)
        tally[1] += 1
        _stray(strays, tree, site.commune_code, node, int(counts))
        evidence.append(EvidenceItem(node, "site", site.site_code, counts, site))
    return _finish(definition, tree, own, evidence, strays)


def compute_reported(
    definition: Definition, tree: ScopeTree, facts: Iterable[ReportedFact]
) -> IndicatorFigures:
    latest: dict[str, ReportedFact] = {}
    for fact in facts:  # in business-date order: the last report of a unit wins
        node = tree.place(fact.unit_code, fact.reported_on)
        if node == fact.unit_code:
            latest[node] = fact
    own = {code: (fact.numerator, fact.denominator) for code, fact in latest.items()}
    rolled = reported_coverage(reversed(tree.ordered()),
                               lambda code: tree.children.get(code, ()), own)
    evidence = [
        EvidenceItem(code, "reported", code, True, fact) for code, fact in sorted(latest.items())
    ]
    result: dict[str, UnitFigure] = {}
    for code in tree.units:
        numerator, denominator, summed = rolled.get(code, NO_REPORTED_FIGURE)
        result[code] = _figure(definition, tree, code, numerator, denominator,
                               *own.get(code, (0, 0)), summed_from=summed)
    total = _total(definition, tree, result)
    if total.unit_code == TOTAL:
        # The roots of a scope of several units are the units directly under its total.
        total = replace(total, summed_from=SummedFrom(
            sum(root in rolled for root in tree.roots), len(tree.roots)))
    return IndicatorFigures(definition, tree, result, total, evidence)


def _stray(strays: Counts, tree: ScopeTree, named: str, node: str, counts: int) -> None:
    """Tally one fact (in the numerator or not, in the denominator) counted on `node` for
    the `NOT_CURRENT_UNIT` line when it names no unit of the tree and `node` is a unit above
    it (one carried to a successor commune is in that commune's row)."""
    if names_no_unit(named, tree.units) and tree.children.get(node):
        line = strays.setdefault(node, [0, 0])
        line[0] += counts
        line[1] += 1


def _finish(
    definition: Definition, tree: ScopeTree, own: Counts, evidence: list[EvidenceItem],
    strays: Counts | None = None,
) -> IndicatorFigures:
    figures = unit_figures(definition, tree, roll_up(tree, own), own, tree.units)
    return IndicatorFigures(
        definition, tree, figures, _total(definition, tree, figures), evidence,
        {code: (line[0], line[1]) for code, line in (strays or {}).items()},
    )


def roll_up(tree: ScopeTree, own: Counts) -> Counts:
    """Each unit's counts and those of every unit under it."""
    sums: Counts = {code: [0, 0, 0] for code in tree.units}
    for node, counts in own.items():
        for code in tree.chain(node):
            for index, count in enumerate(counts):
                sums[code][index] += count
    return sums


def unit_figures(
    definition: Definition, tree: ScopeTree, sums: Counts, own: Counts, codes: Iterable[str]
) -> dict[str, UnitFigure]:
    """The figures of `codes` from the rolled-up and own counts (the live evaluation asks
    for the few units an event moved, the full one for all)."""
    # I2 counts the heads owing a session (third count): none owing, the figure is not due.
    owing = definition.method == "dialogue_heads"
    fixed_root = (tree.roots[0] if definition.denominator_fixed is not None
                  and len(tree.roots) == 1 else None)
    figures: dict[str, UnitFigure] = {}
    for code in codes:
        n, d, heads_owing = sums[code]
        mine = own.get(code, (0, 0))
        if code == fixed_root and definition.denominator_fixed is not None:
            figures[code] = _figure(definition, tree, code, n, definition.denominator_fixed,
                                    mine[0], mine[1], register=d)
        else:
            figures[code] = _figure(definition, tree, code, n, d, mine[0], mine[1],
                                    due=not owing or heads_owing > 0)
    return figures


def unit_status(definition: Definition, tree: ScopeTree, sums: Counts, code: str
                ) -> Status | None:
    """The status `unit_figures` gives `code`, without the figure (the live evaluation asks
    it of every unit an event moved, and makes the figure only when the status changed)."""
    return unit_statuses(definition, tree, sums)(code)


def unit_statuses(definition: Definition, tree: ScopeTree, sums: Counts
                  ) -> Callable[[str], Status | None]:
    """`unit_status` of any unit of `tree`, as `sums` stand when asked: the definition's
    rule read once for the several units each live event moves."""
    rule = _rule(definition)
    on = tree.on
    fixed = definition.denominator_fixed
    fixed_root = tree.roots[0] if fixed is not None and len(tree.roots) == 1 else None
    heads = definition.method == "dialogue_heads"
    # The rule and the date are this closure's own: its statuses are kept by the counts
    # alone, without hashing the rule's dates again for each of the units every event moves.
    known: dict[tuple[int, int, bool], Status | None] = {}

    def status(code: str) -> Status | None:
        n, d, heads_owing = sums[code]
        if code == fixed_root and fixed is not None:
            d, due = fixed, True
        else:
            due = not heads or heads_owing > 0
        key = (n, d, due)
        try:
            return known[key]
        except KeyError:
            found = known[key] = _status(rule, n, d, on, due)
            return found

    return status


def _total(
    definition: Definition, tree: ScopeTree, figures: Mapping[str, UnitFigure]
) -> UnitFigure:
    if len(tree.roots) == 1 and tree.roots[0] in figures:
        return figures[tree.roots[0]]
    roots = [figures[r] for r in tree.roots if r in figures]
    numerator = sum(f.numerator for f in roots)
    counted = sum(f.denominator for f in roots)
    # Owed when some root owes: a root without any head (no denominator, no status) owes
    # nothing, and would otherwise make the others' «chưa đến hạn» a judged 100 %.
    due = not roots or any(f.denominator > 0 and f.status != CHUA_DEN_HAN for f in roots)
    if definition.denominator_fixed is None:
        return _figure(definition, tree, TOTAL, numerator, counted, 0, 0, due=due)
    return _figure(definition, tree, TOTAL, numerator, definition.denominator_fixed, 0, 0,
                   register=counted)


def _figure(
    definition: Definition,
    tree: ScopeTree,
    code: str,
    numerator: int,
    denominator: int,
    own_numerator: int,
    own_denominator: int,
    *,
    due: bool = True,
    register: int | None = None,
    summed_from: SummedFrom | None = None,
) -> UnitFigure:
    status = _status(_rule(definition), numerator, denominator, tree.on, due)
    warnings = () if register is None else base_warnings(numerator, denominator, register)
    return UnitFigure(code, numerator, denominator, own_numerator, own_denominator, status,
                      register, warnings, summed_from)


#: What a status depends on in a definition: the target percent (as numerator and
#: denominator), the comparator and the period. Plain values: the cache below hashes its key
#: for every figure, and a whole definition (its scope, a Fraction) costs more to hash than
#: the status costs to look up.
StatusRule = tuple[int, int, Comparator, date, date]


def _rule(definition: Definition) -> StatusRule:
    target = definition.target_percent
    return (target.numerator, target.denominator, definition.comparator,
            definition.period_start, definition.period_end)


@functools.lru_cache(maxsize=1 << 16)
def _status(
    rule: StatusRule, numerator: int, denominator: int, on: date, due: bool
) -> Status | None:
    """The rulebook's status of a count: the same few counts recur at thousands of units
    and at every live event (kept here); the national and provincial counts are new at
    every event, judged on the counts (`count_status`) without making their ratio."""
    target_numerator, target_denominator, comparator, start, end = rule
    return count_status(numerator, denominator, _target(target_numerator, target_denominator),
                        comparator, start, end, on, due=due)


@functools.lru_cache(maxsize=256)
def _target(target_numerator: int, target_denominator: int) -> Fraction:
    """A rule's target as a ratio (as Definition.target), made once: a status not cached
    above (a unit's counts seen for the first time) costs half as much."""
    return Fraction(target_numerator, target_denominator) / 100


def _level(tree: ScopeTree, code: str, on: date) -> str:
    unit = tree.catalogue.get(code, on)
    if unit is not None:
        return unit.level
    try:
        return level_of_code(code)
    except ValueError:
        return "commune"
