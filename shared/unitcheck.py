"""Unit codes are checked locally against the versioned catalogue, as of the business date,
and against the deployment's jurisdiction (one province: Hai Phong, "31", by default).

The Vietnamese texts of these refusals are the kernel's, kept here in one place.
"""

from __future__ import annotations

from datetime import date

from shared import messages
from shared.adminunits import AdminUnit, Level, UnknownUnitError, default_catalogue
from shared.clock import format_date_vn
from shared.errors import InvalidInput

LEVEL_NAMES = messages.LEVEL_NAMES
NATION = "VN"
NATION_NAME = messages.NATION_NAME
UNKNOWN_UNIT = messages.UNKNOWN_UNIT
OUTSIDE_JURISDICTION = messages.OUTSIDE_JURISDICTION
SCOPE_OUTSIDE_JURISDICTION = messages.SCOPE_OUTSIDE_JURISDICTION


def require_unit(code: str, on: date, level: Level | None = None, *, within: str) -> AdminUnit:
    """The unit ``code`` valid on ``on`` (of ``level`` if given), inside the jurisdiction
    ``within`` on that day; 422 ``UNKNOWN_UNIT`` or ``OUTSIDE_JURISDICTION`` otherwise."""
    try:
        unit = default_catalogue().require(code, on, level=level)
    except UnknownUnitError as exc:
        where = f" {LEVEL_NAMES[level]}" if level else ""
        raise InvalidInput(
            "UNKNOWN_UNIT",
            UNKNOWN_UNIT.format(where=where, code=code, on=format_date_vn(on)),
            unit_code=code,
            on=on.isoformat(),
        ) from exc
    require_within(unit, on, within)
    return unit


def require_within(unit: AdminUnit, on: date, jurisdiction: str) -> None:
    """A unit of another province (on that day: 10510 was in Hải Dương until 30/06/2025 and
    is in Hải Phòng since) is not this deployment's to record."""
    if unit.province_code == jurisdiction:
        return
    raise InvalidInput(
        "OUTSIDE_JURISDICTION",
        OUTSIDE_JURISDICTION.format(
            unit=f"«{unit.name}» ({unit.code})",
            on=format_date_vn(on),
            jurisdiction=jurisdiction_label(jurisdiction),
        ),
        unit_code=unit.code,
        jurisdiction=jurisdiction,
        on=on.isoformat(),
    )


def require_unit_ever_within(code: str, on: date, jurisdiction: str) -> None:
    """For a query over a span of time: a unit code none of whose versions lay in the
    jurisdiction is refused (422 OUTSIDE_JURISDICTION, named as of `on` or its last version);
    a code the catalogue never held is left to the query (it finds nothing)."""
    versions = default_catalogue().history(code)
    if not versions or any(v.province_code == jurisdiction for v in versions):
        return
    shown = next((v for v in versions if v.valid_on(on)), versions[-1])
    require_within(shown, on, jurisdiction)


def require_unit_of_jurisdiction(code: str, on: date, jurisdiction: str) -> None:
    """A unit code that names, on some day, a unit of the jurisdiction (an API key's unit
    scope: a district abolished in 2025 still scopes its records of before). A code the
    catalogue never held is 422 UNKNOWN_UNIT (named on `on`), one never in the jurisdiction
    422 OUTSIDE_JURISDICTION, as every unit the API takes (finding M5)."""
    if not default_catalogue().history(code):
        raise InvalidInput(
            "UNKNOWN_UNIT", UNKNOWN_UNIT.format(where="", code=code, on=format_date_vn(on)),
            unit_code=code, on=on.isoformat(),
        )
    require_unit_ever_within(code, on, jurisdiction)


def require_scope_within(scope: str, jurisdiction: str) -> None:
    """A report scope (a province code or "VN") other than the jurisdiction is refused. A
    code that never existed is left to the caller's own check (an unknown scope)."""
    if scope == jurisdiction or (scope != NATION and not default_catalogue().history(scope)):
        return
    raise InvalidInput(
        "OUTSIDE_JURISDICTION",
        SCOPE_OUTSIDE_JURISDICTION.format(
            unit=jurisdiction_label(scope), jurisdiction=jurisdiction_label(jurisdiction)
        ),
        scope=scope,
        jurisdiction=jurisdiction,
    )


def jurisdiction_label(code: str) -> str:
    """«Thành phố Hải Phòng» (31): the latest name of a province code, for messages."""
    if code == NATION:
        return f"«{NATION_NAME}»"
    versions = default_catalogue().history(code)
    return f"«{versions[-1].name}» ({code})" if versions else f"«{code}»"
