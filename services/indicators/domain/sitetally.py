"""I3 and I4 kept counted: what each site adds to its unit, and the counts of a scope tree.

A full evaluation folds every site's facts (`facts.fold_sites`) and counts the open ones at
the unit they are placed on (`figures.compute_sites`). A site's part in those counts depends
on its own facts only, so a live event about one site changes the counts by what that site
added before and adds now (`SiteTally`), and nothing else needs reading. The counts are kept
per (commune code, placement date) in the read model (`ind_site_counts`), which every tree
places the same way (`scope.placement_date`); `TreeCounts` rolls them up a scope tree and
moves them site by site. The same fold, the same rulebook and the same figure rule
(`figures.unit_figures`) serve both paths, so their figures are equal by construction of the
code they share, and tests/indicators/test_live_evaluation.py checks it on random histories.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from services.indicators.domain.definitions import Definition
from services.indicators.domain.facts import SiteFact, SiteState, SiteStepFact, fold_sites
from services.indicators.domain.figures import (
    Counts,
    UnitFigure,
    unit_figures,
    unit_status,
    unit_statuses,
)
from services.indicators.domain.scope import ScopeTree, placement_date
from shared.adminunits import UnitCatalogue
from shared.planrules import Status, site_counts_i3, site_counts_i4

#: A fact of a site with its order: (business date, arrival order). Facts of the same date
#: are folded in arrival order, as the fact tables' `seq` orders them.
Ordered = tuple[date, int]


@dataclass(frozen=True)
class SiteTally:
    """What one open site adds: 1 site at (commune, placement date), and 1 to I3's and/or
    I4's numerator there."""

    commune_code: str
    placed_on: date
    dossier: bool
    certificate: bool

    @property
    def group(self) -> tuple[str, date]:
        return (self.commune_code, self.placed_on)


def site_tally(site: SiteState | None, catalogue: UnitCatalogue) -> SiteTally | None:
    """None for a site not in the register (never registered, or closed)."""
    if site is None or site.closed:
        return None
    return SiteTally(
        site.commune_code,
        placement_date(catalogue, site.commune_code, site.placed_on),
        site_counts_i3(True, site.has_dossier),
        site_counts_i4(True, site.has_certificate),
    )


@dataclass
class SiteHistory:
    """The facts of one site, in the order the fact tables give them."""

    site_code: str
    sites: list[tuple[Ordered, SiteFact]] = field(default_factory=list)
    dossier: list[tuple[Ordered, SiteStepFact]] = field(default_factory=list)
    certificate: list[tuple[Ordered, SiteStepFact]] = field(default_factory=list)
    #: Where each fact stands, by the event id that states it (a correction names it so).
    placed: dict[str, tuple[str, Ordered]] = field(default_factory=dict)

    def add(self, kind: str, event_id: str, order: Ordered,
            fact: SiteFact | SiteStepFact) -> None:
        """A fact into the list `kind` ("sites", "dossier", "certificate")."""
        getattr(self, kind).append((order, fact))
        self.placed[event_id] = (kind, order)

    def take_out(self, event_id: str) -> bool:
        """The fact stated by `event_id` out of the history (a correction takes its place);
        False when the history holds none (a fact this service does not keep)."""
        located = self.placed.pop(event_id, None)
        if located is None:
            return False
        kind, order = located
        facts: list[Any] = getattr(self, kind)
        facts[:] = [(o, f) for o, f in facts if o != order]
        return True

    def state(self, on: date | None = None) -> SiteState | None:
        """The site on business date `on` (None: with every fact known), folded as the full
        evaluation folds every site (`fold_sites`)."""
        states = fold_sites(_known(self.sites, on), _known(self.dossier, on),
                            _known(self.certificate, on))
        return states.get(self.site_code)

    def tallies(self, dates: Iterable[date | None], catalogue: UnitCatalogue
                ) -> dict[date | None, SiteTally | None]:
        """The site's part with every fact (None) and on each of `dates`; folded once for
        the dates no fact is after (the usual case: a live event is dated today)."""
        latest = self.latest()
        everything = site_tally(self.state(), catalogue)
        return {on: everything if on is None or latest is None or latest <= on
                else site_tally(self.state(on), catalogue) for on in dates}

    def latest(self) -> date | None:
        days = [order[0] for order, _ in (*self.sites, *self.dossier, *self.certificate)]
        return max(days) if days else None

    def commune(self) -> str | None:
        """The commune its latest fact naming one gives (whatever the site's state)."""
        named = [(order, fact.commune_code) for order, fact in self.sites if fact.commune_code]
        return max(named, key=lambda item: item[0])[1] if named else None


F = TypeVar("F", SiteFact, SiteStepFact)


def _known(facts: list[tuple[Ordered, F]], on: date | None) -> list[F]:
    return [fact for order, fact in sorted(facts, key=lambda item: item[0])
            if on is None or order[0] <= on]


# Per group (commune code, placement date): open sites, with a dossier, with a certificate.
GroupCounts = dict[tuple[str, date], list[int]]


def add_tally(groups: GroupCounts, tally: SiteTally | None, sign: int) -> None:
    if tally is None:
        return
    counts = groups.setdefault(tally.group, [0, 0, 0])
    counts[0] += sign
    counts[1] += sign * int(tally.dossier)
    counts[2] += sign * int(tally.certificate)


class TreeCounts:
    """The counts of I3 and I4 over one scope tree: own (placed at a unit) and rolled up
    (a unit and everything under it), moved one site at a time."""

    def __init__(self, tree: ScopeTree, groups: Mapping[tuple[str, date], Iterable[int]]):
        self.tree = tree
        # Like the figures' Counts: [numerator, denominator] per unit, own and rolled up.
        self.i3: Counts = {code: [0, 0, 0] for code in tree.units}
        self.i4: Counts = {code: [0, 0, 0] for code in tree.units}
        self.own3: Counts = {}
        self.own4: Counts = {}
        for (commune, placed_on), (sites, dossiers, certificates) in groups.items():
            self._add(commune, placed_on, sites, dossiers, certificates)

    def node(self, tally: SiteTally) -> str | None:
        return self.tree.place(tally.commune_code, tally.placed_on)

    def move(self, before: SiteTally | None, after: SiteTally | None) -> set[str]:
        """One site's part changes from `before` to `after`; returns the units whose counts
        changed (where it was and is counted, and above)."""
        if before == after:
            return set()
        moved: set[str] = set()
        for tally, sign in ((before, -1), (after, 1)):
            if tally is not None:
                node = self._add(tally.commune_code, tally.placed_on, sign,
                                 sign * int(tally.dossier), sign * int(tally.certificate))
                if node is not None:
                    moved.update(self.tree.chain(node))
        return moved

    def _add(self, commune: str, placed_on: date, sites: int, dossiers: int,
             certificates: int) -> str | None:
        node = self.tree.place(commune, placed_on)
        if node is None or not (sites or dossiers or certificates):
            return node
        for own, numerator in ((self.own3, dossiers), (self.own4, certificates)):
            mine = own.setdefault(node, [0, 0])
            mine[0] += numerator
            mine[1] += sites
        for code in self.tree.chain(node):
            self.i3[code][0] += dossiers
            self.i3[code][1] += sites
            self.i4[code][0] += certificates
            self.i4[code][1] += sites
        return node

    def status(self, definition: Definition, code: str) -> Status | None:
        """The status of `code`'s figure (`figures` gives the same, with the figure)."""
        certificate = definition.method == "sites_with_certificate"
        return unit_status(definition, self.tree, self.i4 if certificate else self.i3, code)

    def statuses(self, definition: Definition) -> Callable[[str], Status | None]:
        """`status` of any unit, as the counts stand when asked (the rule read once)."""
        certificate = definition.method == "sites_with_certificate"
        return unit_statuses(definition, self.tree, self.i4 if certificate else self.i3)

    def figures(self, definition: Definition, codes: Iterable[str]) -> dict[str, UnitFigure]:
        """The figures of `codes` for I3 (dossiers) or I4 (certificates), as the full
        evaluation gives them."""
        certificate = definition.method == "sites_with_certificate"
        sums, own = (self.i4, self.own4) if certificate else (self.i3, self.own3)
        return unit_figures(definition, self.tree, sums, own, codes)
