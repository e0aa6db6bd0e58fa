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

from shared.adminunits import AdminUnit, UnitCatalogue, placed_in, version_near

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
        None when it lies outside the scope or the code is unknown (the kernel's rule,
        `shared.adminunits.placed_in`, which reporting's unit tree follows too)."""
        if code in self.units:
            return code
        key = (code, known_on)
        if key not in self._placed:
            self._placed[key] = placed_in(self.catalogue, self.parent, self.on, code, known_on)
        return self._placed[key]


def placement_date(catalogue: UnitCatalogue, code: str, known_on: date) -> date:
    """The one date standing for every `known_on` on which a fact about `code` is placed the
    same way in any tree: `place` reads `known_on` only through the catalogue's version of the
    code then (its start, where the version is valid again), so facts may be counted together
    by (code, placement date) instead of by the day of each fact."""
    version = version_near(catalogue, code, known_on)
    return known_on if version is None else version.valid_from
