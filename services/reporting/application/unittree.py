"""The administrative tree a report is drilled down on, as of the period's data cut-off.

A 2023 report of Hai Phong has city → district → commune (15 districts, 217 communes with
their 2023 names); a report after the 2025 reform has city → commune; the national scope
("VN") adds the provinces on top. Events are attributed to the most specific unit of the
tree they name, by the kernel's placement rule (`shared.adminunits.placed_in`, the indicators
service's too): a code that is no unit of the tree (a commune merged before the cut-off)
counts for the unit the catalogue's successions carry it to, else on the unit above. The
catalogue is completed with the successors officials recorded by the report's "as of"
(`recorded`, `shared.adminunits.recorded`: J15), as the indicators service's is.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date

from services.reporting import messages
from shared.adminunits import (
    AdminUnit,
    UnitSuccession,
    catalogue_with,
    default_catalogue,
    names_no_unit,
    placed_in,
)

NATION = "VN"


@dataclass
class UnitNode:
    code: str
    name: str
    level: str  # "nation", "province", "district" or "commune"
    parent: str | None
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UnitTree:
    scope: str
    on: date
    nodes: dict[str, UnitNode]  # root first, then depth-first in code order
    #: The successions officials recorded that `place` follows (`successions.known`); the
    #: nodes do not depend on them.
    recorded: tuple[UnitSuccession, ...] = field(default=(), compare=False)
    #: Each node's parent, and the codes placed so far (`place`): kept, never compared.
    _parents: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    _placed: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def root(self) -> UnitNode:
        return self.nodes[self.scope]

    def place(
        self, unit_code: str | None, district_code: str | None, province_code: str | None
    ) -> str | None:
        """The node a fact counts under; None when it lies outside the scope. The most specific
        code it names that the kernel's rule places in the tree (`carried`): a commune merged
        before the cut-off counts for its successor, as in the indicators service."""
        if unit_code is None and district_code is None and province_code is None:
            return self.scope  # an event about no unit counts for the whole scope
        for code in (unit_code, district_code, province_code):
            if code is not None and (node := self.carried(code)) is not None:
                return node
        if province_code is not None:
            return None
        return self.scope if self.scope == NATION else None

    def carried(self, code: str) -> str | None:
        """The node of the tree a fact about `code` counts at (`shared.adminunits.placed_in`);
        the fact's day is not read (a chunk row has none): the code's version is its last
        begun by the cut-off, the one the indicators service reads for a fact of Hai Phong
        on any day before the cut-off (`scope.placement_date` gives the same placing)."""
        if code in self.nodes:
            return code
        if code not in self._placed:
            if not self._parents:
                self._parents.update((c, n.parent) for c, n in self.nodes.items())
            self._placed[code] = placed_in(catalogue_with(self.recorded), self._parents,
                                           self.on, code, self.on)
        return self._placed[code]

    def unattributed(
        self, unit_code: str | None, district_code: str | None, province_code: str | None
    ) -> bool:
        """Whether a fact names a unit that is none of the tree's and `place` counts it on a
        unit above (a code merged away before the cut-off with no successor in the tree):
        that unit's children's rows do not add up to it (the line of
        `shared.adminunits.NOT_CURRENT_UNIT`). One carried to a successor commune is in that
        commune's row, as the indicators service's drill-down has it. A fact `place` counts
        on the unit it names, or on the scope for naming none, is the unit's own
        (`roll_up.own_records`); the province counts too, or a national report would call a
        merged province's facts the nation's."""
        if not names_no_unit(unit_code or district_code or province_code, self.nodes):
            return False
        node = self.place(unit_code, district_code, province_code)
        return node is not None and bool(self.nodes[node].children)

    def path(self, code: str) -> list[UnitNode]:
        chain: list[UnitNode] = []
        node: UnitNode | None = self.nodes[code]
        while node is not None:
            chain.append(node)
            node = self.nodes[node.parent] if node.parent else None
        return list(reversed(chain))

    def post_order(self) -> list[UnitNode]:
        return list(reversed(list(self.nodes.values())))


class UnknownScope(LookupError):
    pass


def scope_province(scope: str, on: date) -> str | None:
    """The province a report's scope lies in on `on` (as named then); None for the nation."""
    unit = None if scope == NATION else default_catalogue().named_on(scope, on)
    return None if unit is None else unit.province_code


def unit_tree(scope: str, on: date, recorded: tuple[UnitSuccession, ...] = ()) -> UnitTree:
    """The tree of `scope` on `on`, placing facts by the catalogue completed with `recorded`
    (kept: its placings are kept with it)."""
    if not recorded:
        return _unit_tree(scope, on)
    return _placing_with(scope, on, recorded)


@functools.lru_cache(maxsize=32)
def _placing_with(scope: str, on: date, recorded: tuple[UnitSuccession, ...]) -> UnitTree:
    return replace(_unit_tree(scope, on), recorded=recorded, _placed={})


@functools.lru_cache(maxsize=32)
def _unit_tree(scope: str, on: date) -> UnitTree:
    catalogue = default_catalogue()
    nodes: dict[str, UnitNode] = {}

    def add(unit: AdminUnit, parent: str) -> None:
        node = UnitNode(unit.code, unit.name, unit.level, parent)
        nodes[unit.code] = node
        nodes[parent].children.append(unit.code)
        if unit.level != "commune":
            for child in catalogue.children(unit.code, on):
                add(child, unit.code)

    if scope == NATION:
        nodes[NATION] = UnitNode(NATION, messages.NATION_NAME, "nation", None)
        for province in catalogue.units(on, "province"):
            add(province, NATION)
    else:
        root = catalogue.get(scope, on)
        if root is None or root.level != "province":
            raise UnknownScope(scope)
        nodes[scope] = UnitNode(root.code, root.name, root.level, None)
        for child in catalogue.children(scope, on):
            add(child, scope)
    return UnitTree(scope, on, nodes)
