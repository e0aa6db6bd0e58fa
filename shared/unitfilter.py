"""The unit filter of every list and report: one name in every service, `unit` (finding H16).

It had four: `unit` (indicators, reporting, the audit), `unit_code` (dialogue's lists),
`district` and `commune` (religion's). A partner that learnt one service's name and sent it to
another got the whole unfiltered list (now a 422, shared/requestguard.py). The former names
are still read, deprecated, so the links and programs written against them keep their
meaning (docs/api-conventions.md, "Lists"); the OpenAPI documents name `unit` and mark the
old names deprecated. A request naming the unit twice under two names must name the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from shared import messages
from shared.adminunits.model import (
    COMMUNE_CODE_PATTERN,
    DISTRICT_CODE_PATTERN,
    LOCAL_UNIT_CODE_PATTERN,
    UNIT_CODE_PATTERN,
    level_of_code,
)
from shared.errors import InvalidInput

#: The one name of the unit filter.
UNIT = "unit"
UNIT_FILTER_DISAGREES = "UNIT_FILTER_DISAGREES"

Unit = Annotated[str | None, Query(pattern=UNIT_CODE_PATTERN)]
LocalUnitCode = Annotated[str | None, Query(pattern=LOCAL_UNIT_CODE_PATTERN)]


def _former(pattern: str) -> object:
    return Query(pattern=pattern, deprecated=True,
                 description="Tên cũ của `unit`, vẫn nhận; dùng `unit`")


def one_unit(**named: str | None) -> str | None:
    """The unit named under any of the filter's names (None when none is sent); 422
    UNIT_FILTER_DISAGREES when two names carry different codes."""
    sent = {name: code for name, code in named.items() if code is not None}
    codes = set(sent.values())
    if len(codes) > 1:
        raise InvalidInput(
            UNIT_FILTER_DISAGREES,
            messages.UNIT_FILTER_DISAGREES.format(
                names=", ".join(f"«{name}»" for name in sent),
                codes=", ".join(sent.values()),
                unit=f"«{UNIT}»",
            ),
            **sent,
        )
    return next(iter(codes), None)


async def unit_or_unit_code(
    unit: Unit = None,
    unit_code: Annotated[str | None, _former(UNIT_CODE_PATTERN)] = None,
) -> str | None:
    """Any unit's code (the city, a district, a commune): dialogue's lists, which took it as
    `unit_code`."""
    return one_unit(unit=unit, unit_code=unit_code)


UnitFilter = Annotated[str | None, Depends(unit_or_unit_code)]


@dataclass(frozen=True)
class LocalUnit:
    """A district or a commune asked for, each in its own place (religion's lists narrow a
    district by the unit tree's rule and a commune by its code)."""

    district: str | None = None
    commune: str | None = None


async def district_or_commune(
    unit: LocalUnitCode = None,
    district: Annotated[str | None, _former(DISTRICT_CODE_PATTERN)] = None,
    commune: Annotated[str | None, _former(COMMUNE_CODE_PATTERN)] = None,
) -> LocalUnit:
    """A district's or a commune's code as `unit`: religion's lists, which took them as
    `district` and `commune` (both may still be sent together, as before)."""
    if unit is None:
        return LocalUnit(district, commune)
    if level_of_code(unit) == "district":
        return LocalUnit(one_unit(unit=unit, district=district), commune)
    return LocalUnit(district, one_unit(unit=unit, commune=commune))


LocalUnitFilter = Annotated[LocalUnit, Depends(district_or_commune)]
