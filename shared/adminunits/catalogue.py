"""The administrative unit catalogue: versioned units and their successions.

Every lookup is "as of a date". Stored data is never changed by a query; restating an
old unit to the units of another date (:meth:`UnitCatalogue.restate`) is a derived view.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any, Final, Literal

from unidecode import unidecode

from shared.clock import FIRST_DAY

from .model import (
    AdminUnit,
    Level,
    UnitSuccession,
    UnknownUnitError,
    is_kind,
    is_succession_kind,
    level_of_code,
)

HAI_PHONG: Final = "31"
#: The commune rearrangements of 2023–2025 (Hai Phong: 1 January 2025; one date is used for
#: the whole country, see tools/build_adminunits.py).
REARRANGEMENT_2025: Final = date(2025, 1, 1)
#: The 2025 reform: districts abolished, communes and provinces merged.
REFORM_2025: Final = date(2025, 7, 1)

DATA_PACKAGE: Final = "shared.adminunits.data"
#: The eras, oldest first; a file with ``changes_to`` holds only what changed in its era.
UNIT_FILES: Final[tuple[str, ...]] = ("units-2023.json", "units-2025-01.json", "units-2025.json")
SUCCESSION_FILES: Final[tuple[str, ...]] = ("successions-2025-01.json", "successions-2025.json")
_UNIT_COLUMNS: Final = ["code", "name", "short_name", "kind", "parent_code", "province_code"]

#: `UnitCatalogue.successor_wanted`: whether a successor may be recorded for a code, or why not.
SuccessorWanted = Literal[
    "awaiting", "no_such_unit", "current", "successor_known", "level_abolished"
]

_ONE_DAY: Final = timedelta(days=1)
_LEVEL_RANK: Final[dict[Level, int]] = {"province": 0, "district": 1, "commune": 2}
_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII form for diacritics-insensitive matching ("Đồ Sơn" -> "do son")."""
    return _NON_ALNUM.sub(" ", unidecode(unicodedata.normalize("NFC", text)).lower()).strip()


class UnitCatalogue:
    """Versioned administrative units with lookups as of a date."""

    def __init__(
        self,
        units: Iterable[AdminUnit],
        successions: Iterable[UnitSuccession] = (),
        successor_unknown: Iterable[tuple[str, date]] = (),
        sources: Sequence[EraSource] = (),
    ) -> None:
        versions: dict[str, list[AdminUnit]] = defaultdict(list)
        children: dict[str, list[AdminUnit]] = defaultdict(list)
        communes_by_province: dict[str, list[AdminUnit]] = defaultdict(list)
        for unit in units:
            versions[unit.code].append(unit)
            if unit.parent_code is not None:
                children[unit.parent_code].append(unit)
            if unit.level == "commune":
                communes_by_province[unit.province_code].append(unit)
        for code, vs in versions.items():
            vs.sort(key=lambda u: u.valid_from)
            for a, b in itertools.pairwise(vs):
                if a.valid_to is None or a.valid_to > b.valid_from:
                    raise ValueError(f"overlapping versions of unit {code}")
        self._versions: dict[str, list[AdminUnit]] = dict(versions)
        self._children: dict[str, list[AdminUnit]] = {
            k: sorted(v, key=lambda u: u.code) for k, v in children.items()
        }
        self._communes_by_province: dict[str, list[AdminUnit]] = {
            k: sorted(v, key=lambda u: u.code) for k, v in communes_by_province.items()
        }
        self._set_successions(successions)
        self._search_index: list[tuple[str, str, AdminUnit]] | None = None
        self._successor_unknown: tuple[tuple[str, date], ...] = tuple(
            sorted(successor_unknown, key=lambda m: (m[1], len(m[0]), m[0]))
        )
        self._sources: tuple[EraSource, ...] = tuple(sources)

    def _set_successions(self, successions: Iterable[UnitSuccession]) -> None:
        self._successions: tuple[UnitSuccession, ...] = tuple(
            sorted(successions, key=lambda s: (s.effective, s.predecessor_code, s.successor_code))
        )
        succ_from: dict[str, list[UnitSuccession]] = defaultdict(list)
        succ_to: dict[str, list[UnitSuccession]] = defaultdict(list)
        for s in self._successions:
            succ_from[s.predecessor_code].append(s)
            succ_to[s.successor_code].append(s)
        self._succ_from: dict[str, list[UnitSuccession]] = dict(succ_from)
        self._succ_to: dict[str, list[UnitSuccession]] = dict(succ_to)

    # -- basic lookups -----------------------------------------------------------------------

    def get(self, code: str, on: date) -> AdminUnit | None:
        """The version of ``code`` valid on ``on``, or ``None``."""
        for unit in self._versions.get(code, ()):
            if unit.valid_on(on):
                return unit
        return None

    def named_on(self, code: str, on: date) -> AdminUnit | None:
        """The version that names ``code`` on ``on``: the one valid then; for a unit that had
        ceased by then (merged, or a district after the 2025 reform), its last version; for
        one not yet created, its first. ``None`` for a code that never existed. Every service
        names a unit through this, so a unit has the same name everywhere on a date."""
        versions = self._versions.get(code)
        if not versions:
            return None
        named = versions[0]
        for unit in versions:
            if unit.valid_from <= on:
                named = unit
        return named

    def require(self, code: str, on: date, level: Level | None = None) -> AdminUnit:
        """Like :meth:`get` but raises :class:`UnknownUnitError` (also on a level mismatch)."""
        unit = self.get(code, on)
        if unit is None or (level is not None and unit.level != level):
            raise UnknownUnitError(code, on, level)
        return unit

    def is_commune(self, code: str, on: date) -> bool:
        unit = self.get(code, on)
        return unit is not None and unit.level == "commune"

    def units(
        self, on: date, level: Level | None = None, province_code: str | None = None
    ) -> list[AdminUnit]:
        """All units valid on ``on``, optionally of one level and/or province, by code."""
        if province_code is not None and level == "commune":
            pool: Iterable[AdminUnit] = self._communes_by_province.get(province_code, ())
        else:
            pool = (u for vs in self._versions.values() for u in vs)
        found = [
            u
            for u in pool
            if u.valid_on(on)
            and (level is None or u.level == level)
            and (province_code is None or u.province_code == province_code)
        ]
        return sorted(found, key=lambda u: (_LEVEL_RANK[u.level], u.code))

    # -- hierarchy ---------------------------------------------------------------------------

    def children(self, code: str, on: date) -> list[AdminUnit]:
        """Direct children valid on ``on`` (districts or communes of a province, communes of a
        district), ordered by code."""
        self.require(code, on)
        return [u for u in self._children.get(code, ()) if u.valid_on(on)]

    def descendants(self, code: str, on: date) -> list[AdminUnit]:
        """Commune-level units under a province or district on ``on``, ordered by code."""
        unit = self.require(code, on)
        if unit.level == "province":
            pool: Sequence[AdminUnit] = self._communes_by_province.get(code, ())
        elif unit.level == "district":
            pool = self._children.get(code, ())
        else:
            return []
        return [u for u in pool if u.level == "commune" and u.valid_on(on)]

    def district_of(self, commune_code: str, on: date) -> AdminUnit | None:
        """The district of a commune; ``None`` from 2025-07-01 (no district level)."""
        commune = self.require(commune_code, on, "commune")
        parent = self._parent(commune, on)
        return parent if parent is not None and parent.level == "district" else None

    def ancestors(self, code: str, on: date) -> list[AdminUnit]:
        """Parent, grandparent, … up to the province (nearest first)."""
        chain: list[AdminUnit] = []
        parent = self._parent(self.require(code, on), on)
        while parent is not None:
            chain.append(parent)
            parent = self._parent(parent, on)
        return chain

    def tree(self, root_code: str, on: date) -> dict[str, Any]:
        """JSON-ready nested tree ``{code, name, short_name, level, kind, children}``."""
        root = self.require(root_code, on)

        def node(unit: AdminUnit) -> dict[str, Any]:
            kids = [u for u in self._children.get(unit.code, ()) if u.valid_on(on)]
            return {
                "code": unit.code,
                "name": unit.name,
                "short_name": unit.short_name,
                "level": unit.level,
                "kind": unit.kind,
                "children": [node(k) for k in kids],
            }

        return node(root)

    def _parent(self, unit: AdminUnit, on: date) -> AdminUnit | None:
        if unit.parent_code is None:
            return None
        parent = self.get(unit.parent_code, on)
        if parent is None:
            raise ValueError(f"parent {unit.parent_code} of {unit.code} missing on {on}")
        return parent

    # -- versions and successions ------------------------------------------------------------

    def history(self, code: str) -> list[AdminUnit]:
        """All versions of ``code``, oldest first (empty if the code never existed). The
        links to other codes are in :meth:`successors` and :meth:`predecessors`."""
        return list(self._versions.get(code, ()))

    def codes_of_province(self, province_code: str) -> frozenset[str]:
        """Every code one of whose versions lies in the province (itself, its districts and
        communes of every era): where a placement on the province's tree looks for what it
        holds."""
        return frozenset({province_code}
                         | {u.code for u in self._communes_by_province.get(province_code, ())}
                         | {u.code for u in self._children.get(province_code, ())})

    def last_day(self, code: str) -> date | None:
        """The last day ``code`` existed (a district abolished on 1 July 2025 ends on 30 June);
        None while it still exists or if it never did. What a unit holds (a head's term)
        cannot outlast it."""
        versions = self._versions.get(code, ())
        if not versions or any(v.valid_to is None for v in versions):
            return None
        return max(v.valid_to for v in versions if v.valid_to is not None) - _ONE_DAY

    def last_day_of(self, code: str, on: date) -> date | None:
        """The last day of the unit ``code`` named on ``on``: the eve of the first day after
        ``on`` on which the catalogue records that unit merged or split (a succession of
        another kind than ``rename``), even where its code persisted into the new unit, else
        the code's :meth:`last_day`. What a unit held from ``on`` (a head's term) cannot
        outlast it: on 1 July 2025 every commune and province recorded as merged (113 of Hai
        Phong's 114 communes kept the code of one of theirs, ``code_persisted``; the city
        itself, ``31`` merged with ``30``) became a new unit with a new People's Committee and
        Party Committee (Nghị quyết 202/2025/QH15), its leaders appointed anew. A continuation
        the catalogue records as ``rename`` (a province with that one predecessor, e.g. Hà
        Nội) or with no succession at all (a commune unchanged on 1 January 2025) does not end
        anything."""
        ends = [s.effective - _ONE_DAY for s in self._succ_from.get(code, ())
                if s.kind != "rename" and s.effective > on]
        last = self.last_day(code)
        return min([*ends, *([last] if last is not None else [])], default=None)

    def successors(self, code: str) -> list[UnitSuccession]:
        """Successions in which ``code`` is the predecessor."""
        return list(self._succ_from.get(code, ()))

    def predecessors(self, code: str) -> list[UnitSuccession]:
        """Successions in which ``code`` is the successor."""
        return list(self._succ_to.get(code, ()))

    @property
    def successions(self) -> tuple[UnitSuccession, ...]:
        return self._successions

    @property
    def sources(self) -> tuple[EraSource, ...]:
        """Each era's data: valid from/to and the package version it was generated from."""
        return self._sources

    def with_successions(self, extra: Iterable[UnitSuccession]) -> UnitCatalogue:
        """This catalogue with more successions (those officials recorded,
        `shared.adminunits.recorded`): the same units, shared, not copied; a predecessor they
        complete leaves the `successor_unknown` list. A new object: this one is unchanged."""
        added = tuple(extra)
        completed = {(s.predecessor_code, s.effective) for s in added}
        other = copy.copy(self)
        other._set_successions((*self._successions, *added))
        other._successor_unknown = tuple(m for m in self._successor_unknown
                                         if m not in completed)
        return other

    def successor_unknown(self, province_code: str | None = None) -> list[AdminUnit]:
        """The last version of each unit whose code disappeared with no successor the data
        shows (by date, then code); an official completes these as events, never here."""
        found = []
        for code, effective in self._successor_unknown:
            last = self.get(code, effective - _ONE_DAY)
            if last is not None and (province_code is None or last.province_code == province_code):
                found.append(last)
        return found

    def successor_wanted(self, code: str) -> SuccessorWanted:
        """Whether a successor may be recorded for ``code``, and if not, why (finding M2: a
        refusal says the truth): ``awaiting`` (on the `successor_unknown` list), ``no_such_unit``
        (the catalogue never held the code), ``current`` (the code is still in use),
        ``successor_known`` (the data, or a recorded succession, shows where it went),
        ``level_abolished`` (a district of the 2025 reform: no unit of its level succeeds it;
        its figures are restated through its communes)."""
        versions = self._versions.get(code)
        if not versions:
            return "no_such_unit"
        last = versions[-1]
        if last.valid_to is None:
            return "current"
        if (code, last.valid_to) in self._successor_unknown:
            return "awaiting"
        if last.level == "district" and last.valid_to == REFORM_2025 and not self._succ_from.get(
            code
        ):
            return "level_abolished"
        return "successor_known"

    def restate(self, code: str, to: date, *, on: date | None = None) -> list[str]:
        """Codes of the units valid on ``to`` that hold (part of) what ``code`` held.

        ``on`` picks the version of ``code`` meant (default: its oldest version). Moving
        forward follows successions, backward follows predecessors; a district or province
        without successions of its own is restated through its communes. The result may be
        empty where the succession data is incomplete. A derived view: nothing is changed.
        """
        if on is None:
            versions = self._versions.get(code)
            if not versions:
                raise UnknownUnitError(code, None)
            start = versions[0]
        else:
            start = self.require(code, on)
        found: set[str] = set()
        self._restate(start, to, found, set())
        return sorted(found, key=lambda c: (len(c), c))

    def _restate(
        self, unit: AdminUnit, to: date, found: set[str], seen: set[tuple[str, date]]
    ) -> None:
        key = (unit.code, unit.valid_from)
        if key in seen:
            return
        seen.add(key)
        if unit.valid_on(to):
            found.add(unit.code)
            return
        # ``inside``: last/first day of this version; ``across``: the day on the other side.
        if unit.valid_to is not None and to >= unit.valid_to:
            inside, across = unit.valid_to - _ONE_DAY, unit.valid_to
            links = [unit.code] + [
                s.successor_code
                for s in self._succ_from.get(unit.code, ())
                if s.effective == unit.valid_to
            ]
        else:
            inside, across = unit.valid_from, unit.valid_from - _ONE_DAY
            # The same code on the other side is the same unit in its previous version.
            links = [unit.code] + [
                s.predecessor_code
                for s in self._succ_to.get(unit.code, ())
                if s.effective == unit.valid_from
            ]
        nexts = [u for c in links if (u := self.get(c, across)) is not None]
        if not nexts and unit.level != "commune":
            nexts = self.descendants(unit.code, inside)
        for nxt in nexts:
            self._restate(nxt, to, found, seen)

    # -- search ------------------------------------------------------------------------------

    def search(
        self,
        text: str,
        on: date,
        *,
        level: Level | None = None,
        province_code: str | None = None,
        limit: int | None = None,
    ) -> list[AdminUnit]:
        """Units valid on ``on`` whose name contains the words of ``text``, ignoring case and
        Vietnamese diacritics ("tien lang" finds "Huyện Tiên Lãng"; "đ" matches "d").

        Words match at word starts. Exact short-name matches come first, then short-name
        prefixes, then the rest; ties by level (province first) and code.
        """
        query = fold(text)
        if not query:
            return []
        if self._search_index is None:
            self._search_index = [
                (f" {fold(u.name)} ", fold(u.short_name), u)
                for vs in self._versions.values()
                for u in vs
            ]
        needle = f" {query}"
        hits: list[tuple[int, int, str, AdminUnit]] = []
        for folded_name, folded_short, unit in self._search_index:
            if (
                needle in folded_name
                and unit.valid_on(on)
                and (level is None or unit.level == level)
                and (province_code is None or unit.province_code == province_code)
            ):
                rank = 0 if folded_short == query else 1 if folded_short.startswith(query) else 2
                hits.append((rank, _LEVEL_RANK[unit.level], unit.code, unit))
        hits.sort(key=lambda h: h[:3])
        units = [h[3] for h in hits]
        return units if limit is None else units[:limit]

    # -- integrity ---------------------------------------------------------------------------

    def validate(self) -> list[str]:
        """Consistency problems (empty when sound): levels, parents over each version's whole
        extent, province codes, successions pointing at existing versions."""
        problems: list[str] = []
        for code, versions in self._versions.items():
            for u in versions:
                if level_of_code(code) != u.level:
                    problems.append(f"{code}: level {u.level} does not match code length")
                if u.level == "province":
                    if u.parent_code is not None or u.province_code != code:
                        problems.append(f"{code}: province with parent or other province code")
                    continue
                parent = self.get(u.parent_code or "", u.valid_from)
                if parent is None or not self._covers(u.parent_code or "", u):
                    problems.append(f"{code}: parent {u.parent_code} does not cover {u}")
                elif parent.province_code != u.province_code:
                    problems.append(f"{code}: province code differs from its parent's")
        for s in self._successions:
            if self.get(s.predecessor_code, s.effective - _ONE_DAY) is None:
                problems.append(f"succession {s}: no predecessor version")
            if self.get(s.successor_code, s.effective) is None:
                problems.append(f"succession {s}: no successor version")
        return problems


    def _covers(self, parent_code: str, child: AdminUnit) -> bool:
        """Whether versions of ``parent_code`` (a renamed district keeps its code) follow each
        other without a gap over the child's whole extent."""
        day = child.valid_from
        for version in self._versions.get(parent_code, ()):
            if version.valid_on(day):
                if version.valid_to is None:
                    return True
                day = version.valid_to
            if child.valid_to is not None and day >= child.valid_to:
                return True
        return False


# ---------------------------------------------------------------------------------------------
# Loading the committed data files


@dataclass(frozen=True, slots=True)
class EraSource:
    """Where one era of the catalogue comes from (the header of its data file)."""

    era: str
    valid_from: date
    valid_to: date | None
    source: str
    source_data_version: str
    #: The first day the data itself describes, where the era reaches back further (K15).
    source_valid_from: date | None = None


def parse_units(document: dict[str, Any]) -> list[AdminUnit]:
    """Units of one complete ``units-*.json`` document (see tools/build_adminunits.py)."""
    if document.get("changes_to"):
        raise ValueError(f"era {document['era']} holds only changes: use parse_eras")
    return parse_eras([document])


def parse_eras(documents: Sequence[dict[str, Any]]) -> list[AdminUnit]:
    """The unit versions of consecutive eras, oldest first.

    A complete document starts a new version of every unit (a new structure: extents
    changed even where names did not). A document with ``changes_to`` lists only the units
    new or changed in its era and the codes ``removed``; every other unit continues in the
    same version, so a unit gets a new version only when its name, kind or parent changes.
    """
    closed: list[AdminUnit] = []
    open_rows: dict[str, tuple[tuple[str, ...], date]] = {}
    previous_to: date | None = None
    for document in documents:
        if document["columns"] != _UNIT_COLUMNS:
            raise ValueError(f"unexpected unit columns {document['columns']}")
        valid_from = date.fromisoformat(document["valid_from"])
        if previous_to is not None and valid_from != previous_to:
            raise ValueError(f"era {document['era']} does not follow the previous one")
        rows = {row[0]: tuple(row) for row in document["units"]}
        if document.get("changes_to"):
            ending = [c for c in document["removed"]]
            ending += [c for c, row in rows.items() if c in open_rows and open_rows[c][0] != row]
        else:
            ending = list(open_rows)
        for code in ending:
            row, since = open_rows.pop(code)
            closed.append(_unit(row, since, valid_from))
        for code, row in rows.items():
            if code not in open_rows:
                open_rows[code] = (row, valid_from)
        to = document["valid_to"]
        previous_to = date.fromisoformat(to) if to else None
    closed += [_unit(row, since, previous_to) for row, since in open_rows.values()]
    return closed


def _unit(row: tuple[str, ...], valid_from: date, valid_to: date | None) -> AdminUnit:
    code, name, short_name, kind, parent_code, province_code = row
    if not is_kind(kind):
        raise ValueError(f"unit {code}: unknown kind {kind!r}")
    return AdminUnit(
        code=code,
        name=name,
        short_name=short_name,
        level=level_of_code(code),
        kind=kind,
        parent_code=parent_code,
        province_code=province_code,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def era_source(document: dict[str, Any]) -> EraSource:
    to = document["valid_to"]
    return EraSource(
        era=document["era"],
        valid_from=date.fromisoformat(document["valid_from"]),
        valid_to=date.fromisoformat(to) if to else None,
        source=document["source"],
        source_data_version=document["source_data_version"],
        source_valid_from=(date.fromisoformat(document["source_valid_from"])
                           if document.get("source_valid_from") else None),
    )


def successor_unknown(document: dict[str, Any]) -> list[tuple[str, date]]:
    """The codes of one successions document whose successor the data does not show."""
    effective = date.fromisoformat(document["effective"])
    return [(code, effective) for code in document.get("successor_unknown", ())]


def parse_successions(document: dict[str, Any]) -> list[UnitSuccession]:
    """Successions of one ``successions-*.json`` document."""
    columns = document["columns"]
    if columns != ["predecessor_code", "successor_code", "effective", "kind", "basis"]:
        raise ValueError(f"unexpected succession columns {columns}")
    result = []
    for predecessor, successor, effective, kind, basis in document["successions"]:
        if not is_succession_kind(kind):
            raise ValueError(f"succession {predecessor}->{successor}: unknown kind {kind!r}")
        result.append(
            UnitSuccession(predecessor, successor, date.fromisoformat(effective), kind, basis)
        )
    return result


def read_data_file(name: str) -> dict[str, Any]:
    """One committed data file as a JSON document."""
    text = (resources.files(DATA_PACKAGE) / name).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def reach_back(eras: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The eras with the first one valid from the API's first day (K15).

    The data starts with the structure of 2023, dated from 01/01/2020; what the structure was
    before is not in our data. A site registered in 2005 or a head who took office in 2016 is
    a fact of the record all the same, so a unit code of the first era is taken as it was on
    01/01/2020 back to FIRST_DAY (01/01/1990) — what the catalogue cannot know is not said to
    have not existed. Dates from 01/01/2020 on are untouched. The data files keep their own
    dates (``EraSource.source_valid_from``: the day the data itself starts).
    """
    if not eras:
        return []
    first = dict(eras[0])
    if date.fromisoformat(first["valid_from"]) > FIRST_DAY:
        first["source_valid_from"] = first["valid_from"]
        first["valid_from"] = FIRST_DAY.isoformat()
    return [first, *eras[1:]]


def load_catalogue(
    unit_files: Sequence[str] = UNIT_FILES, succession_files: Sequence[str] = SUCCESSION_FILES
) -> UnitCatalogue:
    eras = reach_back([read_data_file(name) for name in unit_files])
    documents = [read_data_file(name) for name in succession_files]
    return UnitCatalogue(
        parse_eras(eras),
        [s for document in documents for s in parse_successions(document)],
        [m for document in documents for m in successor_unknown(document)],
        [era_source(document) for document in eras],
    )


@functools.cache
def default_catalogue() -> UnitCatalogue:
    """The whole country in its three eras (2023, January 2025, July 2025), loaded once."""
    return load_catalogue()
