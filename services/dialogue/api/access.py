"""Reads follow the unit tree: a district board reads its district and its communes only."""

from __future__ import annotations

from typing import Any

from shared.auth.checks import readable_unit, require_unit
from shared.auth.principal import Principal
from shared.clock import today_vn


def unit_filter(
    principal: Principal, requested: str | None, include_subunits: bool = True
) -> tuple[str | None, bool]:
    """The unit a list is narrowed to and whether its sub-units count: the caller's own
    unit with its sub-units when none was asked, a requested unit only inside the scope."""
    unit = readable_unit(principal, requested)
    if requested is None and unit is not None:
        return unit, True
    return unit, include_subunits


def readable(principal: Principal, item: dict[str, Any]) -> dict[str, Any]:
    """Refuse one record whose unit lies outside the caller's tree."""
    unit_code = item.get("unit_code")
    if not principal.is_city and isinstance(unit_code, str):
        require_unit(principal, unit_code, today_vn())
    return item
