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

from collections.abc import Mapping
from datetime import date

from .catalogue import UnitCatalogue
from .model import AdminUnit, UnknownUnitError


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
