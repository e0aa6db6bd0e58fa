"""The units an indicator is computed for, as of the evaluation date (phạm vi chỉ tiêu).

A figure for a 2023 period counts by the units of 2023: the scope tree is built from the
versioned catalogue as of the evaluation date, and every fact is placed on a unit of that
tree. A fact about a unit that no longer (or not yet) exists on that date is carried along
the catalogue's successions (`restate`); where they are incomplete it lands on the nearest
unit that surely holds it, at worst the province, and is shown there as "not attributed to a
lower unit" rather than dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shared.adminunits import AdminUnit, UnitCatalogue, UnknownUnitError

_RANK = {"province": 0, "district": 1, "commune": 2}


@dataclass
class ScopeTree:
    catalogue: UnitCatalogue
    on: date
    roots: tuple[str, ...]
    units: dict[str, AdminUnit]
    parent: dict[str, str | None]
    children: dict[str, list[str]]
    _placed: dict[tuple[str, date], str | None] = field(default_factory=dict)
    _chains: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, catalogue: UnitCatalogue, roots: tuple[str, ...], on: date) -> ScopeTree:
        """Raises UnknownUnitError when a root does not exist on `on`."""
        units: dict[str, AdminUnit] = {}
        parent: dict[str, str | None] = {}
        children: dict[str, list[str]] = {}
        for root in roots:
            stack: list[tuple[AdminUnit, str | None]] = [(catalogue.require(root, on), None)]
            while stack:
                unit, up = stack.pop()
                units[unit.code] = unit
                parent[unit.code] = up
                kids = catalogue.children(unit.code, on)
                children[unit.code] = [k.code for k in kids]
                stack.extend((k, unit.code) for k in kids)
        return cls(catalogue, on, roots, units, parent, children)

    @property
    def communes(self) -> list[str]:
        return sorted(c for c, u in self.units.items() if u.level == "commune")

    def ordered(self) -> list[str]:
        """Units top-down (provinces, districts, communes), each level by code."""
        return sorted(self.units, key=lambda c: (_RANK[self.units[c].level], c))

    def chain(self, code: str) -> tuple[str, ...]:
        """`code` and its ancestors inside the scope, nearest first (kept: every fact counted
        and every live event asks for them)."""
        found = self._chains.get(code)
        if found is not None:
            return found
        out: list[str] = []
        current: str | None = code
        while current is not None:
            out.append(current)
            current = self.parent[current]
        found = self._chains[code] = tuple(out)
        return found

    def descendants(self, code: str) -> list[str]:
        out: list[str] = []
        stack = list(self.children.get(code, ()))
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(self.children.get(current, ()))
        return out

    def place(self, code: str, known_on: date) -> str | None:
        """The unit of this tree a fact about unit `code` (as it was on `known_on`) counts at;
        None when it lies outside the scope or the code is unknown."""
        if code in self.units:
            return code
        key = (code, known_on)
        if key not in self._placed:
            self._placed[key] = self._carry(code, known_on)
        return self._placed[key]

    def _carry(self, code: str, known_on: date) -> str | None:
        version = _version(self.catalogue, code, known_on)
        if version is None:
            return None
        try:
            restated = self.catalogue.restate(code, self.on, on=version.valid_from)
        except UnknownUnitError:
            restated = []
        inside = [c for c in restated if c in self.units]
        if inside:
            return self._common_ancestor(inside)
        if version.parent_code is not None:
            # No successor inside the tree (a commune merged away, successor unknown): it
            # counts where its own parent does (its district while the district exists, else
            # the province), as reporting keeps it under its parent, so a district's figure
            # still holds its communes' sites and the drill-down adds up to the total.
            return self.place(version.parent_code, version.valid_from)
        return None

    def _common_ancestor(self, codes: list[str]) -> str:
        chains = [self.chain(c) for c in codes]
        shared = set(chains[0]).intersection(*map(set, chains[1:]))
        # Several roots share no ancestor: the first root holds it (never happens for one scope).
        return next((c for c in chains[0] if c in shared), chains[0][-1])


def placement_date(catalogue: UnitCatalogue, code: str, known_on: date) -> date:
    """The one date standing for every `known_on` on which a fact about `code` is placed the
    same way in any tree: `place` reads `known_on` only through the catalogue's version of the
    code then (its start, where the version is valid again), so facts may be counted together
    by (code, placement date) instead of by the day of each fact."""
    version = _version(catalogue, code, known_on)
    return known_on if version is None else version.valid_from


def _version(catalogue: UnitCatalogue, code: str, known_on: date) -> AdminUnit | None:
    return catalogue.get(code, known_on) or _nearest_version(catalogue.history(code), known_on)


def _nearest_version(versions: list[AdminUnit], on: date) -> AdminUnit | None:
    if not versions:
        return None
    before = [v for v in versions if v.valid_from <= on]
    return before[-1] if before else versions[0]
