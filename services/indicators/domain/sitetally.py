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
from services.indicators.domain.facts import (
    Certificate,
    SiteFact,
    SiteState,
    SiteStepFact,
    certificate_step,
    dossier_step,
    fold_sites,
    site_step,
)
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
class _Fold:
    """Where the fold of a site's facts, list by list, stands after the last of each."""

    site: SiteState | None = None
    dossier_on: date | None = None
    certificate: Certificate = (None, None)
    #: The site's part as the fold stands, once asked (None: not asked since it moved).
    tally: tuple[UnitCatalogue, SiteTally | None] | None = None


@dataclass
class SiteHistory:
    """The facts of one site, in the order the fact tables give them.

    Its state with every fact known is kept folded: a fact added after every other of its
    list (the usual live event: today's, or the batch's next) is folded into it with the
    steps of `fold_sites`, from where the last fold stood, instead of sorting and folding the
    whole history again at every event (a catch-up's batch folded each site once per event).
    A fact added out of order, or taken out by a correction, has it folded again from the
    start; tests/indicators/test_site_history.py checks both give a full re-fold's result."""

    site_code: str
    sites: list[tuple[Ordered, SiteFact]] = field(default_factory=list)
    dossier: list[tuple[Ordered, SiteStepFact]] = field(default_factory=list)
    certificate: list[tuple[Ordered, SiteStepFact]] = field(default_factory=list)
    #: Where each fact stands, by the event id that states it (a correction names it so).
    placed: dict[str, tuple[str, Ordered]] = field(default_factory=dict)
    #: The fold of every fact (None: to be folded from the start when next asked).
    _fold: _Fold | None = field(default=None, repr=False, compare=False)
    #: The last order of each list, and the latest business date of all.
    _last: dict[str, Ordered] = field(default_factory=dict, repr=False, compare=False)
    _latest: date | None = field(default=None, repr=False, compare=False)

    def add(self, kind: str, event_id: str, order: Ordered,
            fact: SiteFact | SiteStepFact) -> None:
        """A fact into the list `kind` ("sites", "dossier", "certificate")."""
        getattr(self, kind).append((order, fact))
        self.placed[event_id] = (kind, order)
        if self._latest is None or order[0] > self._latest:
            self._latest = order[0]
        last = self._last.get(kind)
        if last is not None and order < last:
            self._fold = None  # before a fact already folded: folded again from the start
            return
        self._last[kind] = order
        fold = self._fold
        if fold is None:
            return
        if kind == "sites":
            fold.site = site_step(fold.site, fact)  # type: ignore[arg-type]
        elif kind == "dossier":
            fold.dossier_on = dossier_step(fold.dossier_on, fact)  # type: ignore[arg-type]
        else:
            fold.certificate = certificate_step(fold.certificate, fact)  # type: ignore[arg-type]
        fold.tally = None

    def day_of(self, event_id: str) -> date | None:
        """The business date of the fact stated by `event_id`; None when the history holds
        none."""
        located = self.placed.get(event_id)
        return None if located is None else located[1][0]

    def take_out(self, event_id: str) -> bool:
        """The fact stated by `event_id` out of the history (a correction takes its place);
        False when the history holds none (a fact this service does not keep)."""
        located = self.placed.pop(event_id, None)
        if located is None:
            return False
        kind, order = located
        facts: list[Any] = getattr(self, kind)
        facts[:] = [(o, f) for o, f in facts if o != order]
        self._fold = None
        self._last = {name: max(o for o, _ in mine)
                      for name, mine in (("sites", self.sites), ("dossier", self.dossier),
                                         ("certificate", self.certificate)) if mine}
        self._latest = max((o[0] for o in self._last.values()), default=None)
        return True

    def state(self, on: date | None = None) -> SiteState | None:
        """The site on business date `on` (None: with every fact known), folded as the full
        evaluation folds every site (`fold_sites`)."""
        if on is None:
            fold = self._folded()
            site = fold.site
            if site is None:
                return None
            # A copy with the fold's dossier and certificate, every field given: what
            # dataclasses.replace made, without its walk through the fields (5.7 -> 1.1 us,
            # asked one and a half times per event of a catch-up).
            return SiteState(site.site_code, site.name, site.commune_code, site.placed_on,
                             site.closed, fold.dossier_on, fold.certificate[0],
                             fold.certificate[1])
        states = fold_sites(_known(self.sites, on), _known(self.dossier, on),
                            _known(self.certificate, on))
        return states.get(self.site_code)

    def tallies(self, dates: Iterable[date | None], catalogue: UnitCatalogue
                ) -> dict[date | None, SiteTally | None]:
        """The site's part with every fact (None) and on each of `dates`; folded once for
        the dates no fact is after (the usual case: a live event is dated today)."""
        latest = self._latest
        everything = self._tally(catalogue)
        return {on: everything if on is None or latest is None or latest <= on
                else site_tally(self.state(on), catalogue) for on in dates}

    def latest(self) -> date | None:
        return self._latest

    def commune(self) -> str | None:
        """The commune its latest fact naming one gives (whatever the site's state)."""
        named = [(order, fact.commune_code) for order, fact in self.sites if fact.commune_code]
        return max(named, key=lambda item: item[0])[1] if named else None

    def _folded(self) -> _Fold:
        fold = self._fold
        if fold is None:
            fold = self._fold = _Fold()
            for _, fact in sorted(self.sites, key=_order):
                fold.site = site_step(fold.site, fact)
            for _, step in sorted(self.dossier, key=_order):
                fold.dossier_on = dossier_step(fold.dossier_on, step)
            for _, step in sorted(self.certificate, key=_order):
                fold.certificate = certificate_step(fold.certificate, step)
        return fold

    def _tally(self, catalogue: UnitCatalogue) -> SiteTally | None:
        """`site_tally` of the site with every fact, kept until a fact moves it."""
        fold = self._folded()
        if fold.tally is None or fold.tally[0] is not catalogue:
            fold.tally = (catalogue, site_tally(self.state(), catalogue))
        return fold.tally[1]


def _order(item: tuple[Ordered, Any]) -> Ordered:
    return item[0]


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
