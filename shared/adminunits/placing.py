"""THE rule placing a fact about a unit on a tree of units of one day (every service's).

A figure of a day counts by the units of that day. A fact names the unit it was recorded for;
when that code is no unit of the tree (merged, dissolved or abolished before the tree's day,
or not yet created), it is restated along the catalogue's successions
(`UnitCatalogue.restate`) and counts on the unit of the tree holding all of what it was
restated to (the successor commune of a merger; for a split, the nearest unit above every
part). Where the successions give nothing inside the tree (successor unknown), it counts
where the unit's own parent is placed (its district while the district exists, else the
province), and is shown there on the line of `NOT_CURRENT_UNIT` (`names_no_unit`).
A derived view: no fact is changed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from .catalogue import UnitCatalogue
from .model import AdminUnit, UnknownUnitError
from .stretches import stretches


def placed_in(
    catalogue: UnitCatalogue,
    parents: Mapping[str, str | None],
    on: date,
    code: str,
    known_on: date,
) -> str | None:
    """The unit of the tree of day `on` (`parents`: each of its units' parent inside it, None
    at a root) that a fact about `code`, as the code was on `known_on`, counts at; None when
    it lies outside the tree or the code is unknown."""
    if code in parents:
        return code
    version = version_near(catalogue, code, known_on)
    if version is None:
        return None
    try:
        restated = catalogue.restate(code, on, on=version.valid_from)
    except UnknownUnitError:
        restated = []
    inside = [c for c in restated if c in parents]
    if inside:
        return _common_ancestor(parents, inside)
    if version.parent_code is not None:
        return placed_in(catalogue, parents, on, version.parent_code, version.valid_from)
    return None


def version_near(catalogue: UnitCatalogue, code: str, known_on: date) -> AdminUnit | None:
    """The version of `code` a fact known on `known_on` names: the one valid then, else the
    last one begun by then, else its first; None for a code that never existed."""
    found = catalogue.get(code, known_on)
    if found is not None:
        return found
    versions = catalogue.history(code)
    if not versions:
        return None
    before = [v for v in versions if v.valid_from <= known_on]
    return before[-1] if before else versions[0]


def _chain(parents: Mapping[str, str | None], code: str) -> list[str]:
    out: list[str] = []
    current: str | None = code
    while current is not None:
        out.append(current)
        current = parents[current]
    return out


def _common_ancestor(parents: Mapping[str, str | None], codes: list[str]) -> str:
    chains = [_chain(parents, c) for c in codes]
    shared = set(chains[0]).intersection(*map(set, chains[1:]))
    # Several roots share no ancestor: the first root holds it (never happens for one scope).
    return next((c for c in chains[0] if c in shared), chains[0][-1])


# --- A list's unit filter: the codes placed in a unit ---------------------------------------
#
# A list for a unit on a day shows the records a figure of that day counts at the unit: those
# of the units it succeeded (a merged commune's at its successor), as `placed_in` places them.
# A store keeps the code each record was recorded for, so a list asks for the codes placed in
# the unit (`codes_placed_in`) and filters with IN rather than placing every row.


def codes_placed_in(
    catalogue: UnitCatalogue, unit: str, on: date, *, below: bool = False
) -> frozenset[str]:
    """The codes whose records count at `unit` on `on` by `placed_in` (facts known on `on`, as
    a report's cut-off places them), `unit` itself always among them; with `below`, those
    counting at a unit under it too. A unit that had ceased by `on` is read on its last day
    (a district after the 2025 reform: its communes then); one not yet created, or unknown,
    holds its own code only."""
    last = catalogue.last_day(unit)
    day = on if last is None else min(on, last)
    version = catalogue.get(unit, day)
    if version is None:
        return frozenset({unit})
    placed = _placements(catalogue, version.province_code, day)
    inside = {unit}
    if below:
        inside |= {u.code for u in catalogue.descendants(unit, day)}
        inside |= {u.code for u in catalogue.children(unit, day)}
    return frozenset({unit} | {code for code, at in placed.items() if at in inside})


@functools.lru_cache(maxsize=64)
def _provinces_merged_into(catalogue: UnitCatalogue, province: str) -> set[str]:
    """The province and every province merged into it, at any depth: the codes ever of these
    are the ones that may count on the province's tree."""
    provinces, pending = {province}, [province]
    while pending:
        for s in catalogue.predecessors(pending.pop()):
            if s.predecessor_code not in provinces:
                provinces.add(s.predecessor_code)
                pending.append(s.predecessor_code)
    return provinces


def _placements(catalogue: UnitCatalogue, province: str, on: date) -> Mapping[str, str]:
    """Where each code ever of the province, or of a province merged into it, counts on the
    province's tree of `on` (codes placed outside it left out). Kept per day: a few hundred
    placements, shared read-only by every list of that day."""
    parents: dict[str, str | None] = {province: None}
    stack = [province]
    while stack:
        code = stack.pop()
        for child in catalogue.children(code, on):
            parents[child.code] = code
            stack.append(child.code)
    found: dict[str, str] = {}
    for p in sorted(_provinces_merged_into(catalogue, province)):
        for code in catalogue.codes_of_province(p):
            at = placed_in(catalogue, parents, on, code, on)
            if at is not None:
                found[code] = at
    return MappingProxyType(found)


#: A stretch of days [start, end) (None: open on that side) and where each code placed on
#: another unit counts throughout it (`placements_by_stretch`).
Stretch = tuple[date | None, date | None, Mapping[str, str]]


@functools.lru_cache(maxsize=64)
def placements_by_stretch(catalogue: UnitCatalogue, province: str) -> tuple[Stretch, ...]:
    """Where each code of the province (or of a province merged into it) that is no unit of
    the province's tree counts (`placed_in`, facts known on the day), stretch by stretch: a
    placement changes only where a version of one of those units begins or ends (a merger's
    day, a succession's `effective`), so it is read once per stretch, on its first day. What a
    record of a merged commune counts at on each day of its life: the reads of one record
    decide by it (`shared.auth.units.covers_during`, finding N7)."""
    turns: set[date] = set()
    for p in _provinces_merged_into(catalogue, province):
        for code in catalogue.codes_of_province(p):
            for version in catalogue.history(code):
                turns.add(version.valid_from)
                if version.valid_to is not None:
                    turns.add(version.valid_to)
    out: list[Stretch] = []
    for start, end, probe in stretches(turns):
        if catalogue.get(province, probe) is None:
            continue  # no tree that day (before the catalogue's first): nothing counts on it
        elsewhere = {code: at for code, at in _placements(catalogue, province, probe).items()
                     if at != code}
        out.append((start, end, MappingProxyType(elsewhere)))
    return tuple(out)

