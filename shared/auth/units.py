"""Unit scope: which administrative units a principal may write to and read, as of a date.

The tree is the versioned catalogue (`shared.adminunits`): the city ("31") covers every unit;
a district board's scope is its district code and covers that district and the communes that
belong to it on the business date; a commune scope covers that commune only. After the 2025
reform there are no districts: a district scope is read as of the district's last day
(30/06/2025), by code, so it covers a post-reform commune that kept the code of one of its
communes and nothing else (a code it never held, e.g. 11948 Đặc khu Bạch Long Vĩ, is outside:
403, never an error).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true

from shared.adminunits import (
    UnitCatalogue,
    UnknownUnitError,
    default_catalogue,
    level_of_code,
    placements_by_stretch,
    stretches,
)
from shared.auth.principal import CITY_SCOPE
from shared.clock import today_vn


def covers(unit_scope: str, unit_code: str, on: date) -> bool:
    """Whether `unit_scope` includes `unit_code` on `on`."""
    if unit_scope in (CITY_SCOPE, unit_code):
        return True
    return unit_scope in _ancestor_codes(unit_code, min(on, _last_day(unit_scope)))


@lru_cache(maxsize=1024)
def _last_day(code: str) -> date:
    # The catalogue's rule (a unit's last day); a scope that still exists, or is no unit code
    # at all, has none: read it on the business date itself.
    last = default_catalogue().last_day(code) if code.isdigit() else None
    return date.max if last is None else last


@lru_cache(maxsize=8192)
def _ancestor_codes(unit_code: str, on: date) -> frozenset[str]:
    try:
        level_of_code(unit_code)
        return frozenset(u.code for u in default_catalogue().ancestors(unit_code, on))
    except ValueError:
        return frozenset()
    except UnknownUnitError:
        # Not a unit on that day (e.g. a post-reform code read on a district's last day).
        return frozenset()


def district_filter(unit_scope: str) -> str | None:
    """The district a list must be narrowed to for this scope (None: no narrowing needed)."""
    if unit_scope == CITY_SCOPE or len(unit_scope) != 3:
        return None
    return unit_scope


def commune_filter(unit_scope: str) -> str | None:
    return unit_scope if len(unit_scope) == 5 else None


@lru_cache(maxsize=256)
def tree_codes(unit_scope: str) -> frozenset[str] | None:
    """Every unit code under `unit_scope` (itself included) in any structure it lived in;
    None for the city, which needs no filter."""
    if unit_scope == CITY_SCOPE:
        return None
    catalogue = default_catalogue()
    codes = {unit_scope}
    for version in catalogue.history(unit_scope) if unit_scope.isdigit() else []:
        last = (version.valid_to - timedelta(days=1)) if version.valid_to else today_vn()
        for on in {version.valid_from, last}:
            codes.update(u.code for u in catalogue.descendants(unit_scope, on))
    return frozenset(codes)


# --- Reading a record: the days its unit was the scope's -----------------------------------
#
# A record belongs to the unit it was recorded for, and a district board's jurisdiction over
# a commune lasts the days the commune was the district's (`covers`). So a record is within a
# scope when its unit was covered on some day of the record's life: from the day it was
# recorded for until it ended (a dated fact lives one day; a site until it closed, a head's
# term until the head left, an open commitment until today). Xã Đại Bản (11587) was in Huyện
# An Dương (312) until 31/12/2024 and in Quận Hải An (303) from 01/01/2025: its 2023 session is
# 312's, its March 2025 session is 303's, and a site registered in 2023 and still open is
# both boards' (each had it in its care). Lists (`scope_clause`) and reads of one record
# (`covers_during`) decide by the same spans, computed from `covers` itself. Given the
# service's placing catalogue, a record is also the scope's when a list or figure of a day on
# or after its first places it on a unit the scope covers (a merged commune's successor in
# another district: finding N7).

#: A span of days [first, end): None for an open end on either side.
Span = tuple[date | None, date | None]


def reach(unit_scope: str) -> dict[str, tuple[Span, ...]] | None:
    """Each unit code the scope ever covers, with the spans of days it covers it; None for
    the city (everything, always)."""
    return None if unit_scope == CITY_SCOPE else dict(_reach(unit_scope))


@lru_cache(maxsize=256)
def _reach(unit_scope: str) -> Mapping[str, tuple[Span, ...]]:
    # Built once per scope and shared by every call (read-only, so no caller can change what
    # the next one reads): `covers_during` runs once per record of a list made in Python.
    codes = tree_codes(unit_scope) or frozenset()
    found = ((code, _spans(unit_scope, code)) for code in sorted(codes))
    return MappingProxyType({code: spans for code, spans in found if spans})


def _spans(unit_scope: str, code: str) -> tuple[Span, ...]:
    if code == unit_scope:
        return ((None, None),)
    catalogue = default_catalogue()
    # `covers` can only change where a version of the code or of one of its parents starts
    # or ends, or the day after the scope's last day: it is asked once per stretch between.
    versions = list(catalogue.history(code))
    for parent in {v.parent_code for v in versions if v.parent_code}:
        versions += catalogue.history(parent)
    turns = {v.valid_from for v in versions} | {v.valid_to for v in versions if v.valid_to}
    last = _last_day(unit_scope)
    if last != date.max:
        turns.add(last + timedelta(days=1))
    spans: list[list[date | None]] = []
    for start, end, probe in stretches(turns):
        if not covers(unit_scope, code, probe):
            continue
        if spans and spans[-1][1] == start:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return tuple((s[0], s[1]) for s in spans)


def covers_during(
    unit_scope: str, unit_code: str, first: date, last: date | None,
    placing: UnitCatalogue | None = None,
) -> bool:
    """Whether the scope covers `unit_code` on some day of [first, last] (last None: the
    record lives on). The one rule a read of one record uses; `scope_clause` lists by it.

    With `placing` (the catalogue completed with the successions recorded, the one the
    service's lists for a unit place records by), a record is also the scope's when a figure
    or a list of a day on or after its first places it (`shared.adminunits.placed_in`) on a
    unit the scope covers that day: a merged commune's records are the board's of its
    successor from the merger's day, those dated before it included, as that board's reports
    and its lists for the successor count them (finding N7: a successor in another district
    got figures its board could neither list nor open). The predecessor's district keeps
    them by their own unit, for the days it had the commune."""
    if unit_scope in (CITY_SCOPE, unit_code):
        return True
    spans = _reach(unit_scope).get(unit_code, ())
    if any(_overlaps(span, first, last) for span in spans):
        return True
    placed = () if placing is None else _placed_reach(unit_scope, placing).get(unit_code, ())
    return any(_overlaps(span, first, None) for span in placed)


# --- Writing a record: the scope that has its unit on the day of the write --------------------
#
# A write is today's work (Vietnam time) of the board that has the record's unit today
# (review R4). A board writes a record, dated `on`, of a unit it covered on `on` (`covers`:
# the predecessor's old district keeps the days it had the commune), or of a unit that the
# service's placing catalogue places today on a unit the board covers today: after a merger
# the successor's board writes the merged commune's records, those dated before the merger
# included, as it reads and counts them (`covers_during`, `_placed_reach`: the same spans).


def covers_write(
    unit_scope: str, unit_code: str, on: date, today: date,
    placing: Callable[[], UnitCatalogue | None] | None = None,
) -> bool:
    """Whether `unit_scope` may write a record of `unit_code` dated `on` on `today`. The one
    rule of every write that names or touches a unit (`shared.auth.checks.authorize`).
    `placing` gives the service's placing catalogue (the one its lists and reads place by),
    asked for only when the unit's own days do not decide: it is read from the database."""
    if covers(unit_scope, unit_code, on):
        return True
    catalogue = None if placing is None else placing()
    if catalogue is None:
        return False
    placed = _placed_reach(unit_scope, catalogue).get(unit_code, ())
    return any(_overlaps(span, today, today) for span in placed)


@lru_cache(maxsize=256)
def _placed_reach(
    unit_scope: str, placing: UnitCatalogue
) -> Mapping[str, tuple[Span, ...]]:
    # For each code placed on another unit (`placements_by_stretch`), the days of a stretch
    # on which the scope covers that unit (`covers`, asked on each side of the scope's last
    # day). Kept per scope and catalogue: a recording makes a new catalogue.
    found: dict[str, list[Span]] = {}
    provinces = {v.province_code for v in default_catalogue().history(unit_scope)
                 if unit_scope.isdigit()}
    cut = _last_day(unit_scope)
    cuts = [] if cut == date.max else [cut + timedelta(days=1)]
    for province in sorted(p for p in provinces if p):
        for start, end, elsewhere in placements_by_stretch(placing, province):
            for first, after, probe in stretches(cuts, start, end):
                for code, at in elsewhere.items():
                    if covers(unit_scope, at, probe):
                        found.setdefault(code, []).append((first, after))
    return MappingProxyType({code: _union(spans) for code, spans in found.items()})


def _union(spans: list[Span]) -> tuple[Span, ...]:
    """The spans merged where they overlap or touch."""
    merged: list[list[date | None]] = []
    for start, end in sorted(spans, key=lambda s: s[0] or date.min):
        if merged and (merged[-1][1] is None or (start is not None and start <= merged[-1][1])):
            last_end = merged[-1][1]
            merged[-1][1] = None if last_end is None or end is None else max(last_end, end)
        else:
            merged.append([start, end])
    return tuple((s[0], s[1]) for s in merged)


def _overlaps(span: Span, first: date, last: date | None) -> bool:
    start, end = span
    return (end is None or first < end) and (start is None or last is None or last >= start)


def scope_clause(
    unit_scope: str,
    unit: ColumnElement[Any],
    first: ColumnElement[Any],
    last: ColumnElement[Any],
    placing: UnitCatalogue | None = None,
) -> ColumnElement[bool] | None:
    """The condition a list puts on its rows for `unit_scope`: `covers_during` in SQL (with
    the same `placing`), the record's unit in `unit`, the first day of its life in `first`
    and the last in `last` (NULL: it lives on; a dated fact gives its day twice). None for the
    city."""
    spans = reach(unit_scope)
    if spans is None:
        return None
    placed = {} if placing is None else _placed_reach(unit_scope, placing)
    always = sorted({code for code, s in spans.items() if s == ((None, None),)}
                    | {code for code, s in placed.items() if s == ((None, None),)})
    timed = [
        and_(unit == code, or_(
            *(_overlap_clause(span, first, last) for span in spans.get(code, ())),
            # Placed: by a list or figure of a day on or after the record's first.
            *(true() if end is None else first < end for _, end in placed.get(code, ()))))
        for code in sorted(set(spans) | set(placed))
        if code not in always
    ]
    # The unit's IN list first and whole, so an index on the unit column serves the list (the
    # timed codes' spans alone are an OR no planner searches an index by).
    if not timed:
        return unit.in_(always)
    return and_(unit.in_(sorted(set(spans) | set(placed))), or_(unit.in_(always), *timed))


def _overlap_clause(
    span: Span, first: ColumnElement[Any], last: ColumnElement[Any]
) -> ColumnElement[bool]:
    start, end = span
    conditions = []
    if end is not None:
        conditions.append(first < end)
    if start is not None:
        conditions.append(or_(last.is_(None), last >= start))
    return and_(true(), *conditions)
