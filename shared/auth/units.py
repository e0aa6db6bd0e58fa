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

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true

from shared.adminunits import UnknownUnitError, default_catalogue, level_of_code
from shared.auth.principal import CITY_SCOPE


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
        last = (version.valid_to - timedelta(days=1)) if version.valid_to else date.today()
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
# (`covers_during`) decide by the same spans, computed from `covers` itself.

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
    days = sorted(turns)
    starts: list[date | None] = [None, *days]
    ends: list[date | None] = [*days, None]
    spans: list[list[date | None]] = []
    for start, end in zip(starts, ends, strict=True):
        probe = start if start is not None else days[0] - timedelta(days=1)
        if not covers(unit_scope, code, probe):
            continue
        if spans and spans[-1][1] == start:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return tuple((s[0], s[1]) for s in spans)


def covers_during(unit_scope: str, unit_code: str, first: date, last: date | None) -> bool:
    """Whether the scope covers `unit_code` on some day of [first, last] (last None: the
    record lives on). The one rule a read of one record uses; `scope_clause` lists by it."""
    if unit_scope in (CITY_SCOPE, unit_code):
        return True
    spans = _reach(unit_scope).get(unit_code, ())
    return any(_overlaps(span, first, last) for span in spans)


def _overlaps(span: Span, first: date, last: date | None) -> bool:
    start, end = span
    return (end is None or first < end) and (start is None or last is None or last >= start)


def scope_clause(
    unit_scope: str,
    unit: ColumnElement[Any],
    first: ColumnElement[Any],
    last: ColumnElement[Any],
) -> ColumnElement[bool] | None:
    """The condition a list puts on its rows for `unit_scope`: `covers_during` in SQL, the
    record's unit in `unit`, the first day of its life in `first` and the last in `last`
    (NULL: it lives on; a dated fact gives its day twice). None for the city."""
    spans = reach(unit_scope)
    if spans is None:
        return None
    always = [code for code, s in spans.items() if s == ((None, None),)]
    timed = [
        and_(unit == code, or_(*(_overlap_clause(span, first, last) for span in s)))
        for code, s in spans.items()
        if s != ((None, None),)
    ]
    # The unit's IN list first and whole, so an index on the unit column serves the list (the
    # timed codes' spans alone are an OR no planner searches an index by).
    if not timed:
        return unit.in_(always)
    return and_(unit.in_(sorted(spans)), or_(unit.in_(always), *timed))


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
