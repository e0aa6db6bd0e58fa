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

from datetime import date, timedelta
from functools import lru_cache

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
