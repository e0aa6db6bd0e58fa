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
from starlette.requests import Request

from shared import messages
from shared.adminunits.model import (
    COMMUNE_CODE_PATTERN,
    DISTRICT_CODE_PATTERN,
    LOCAL_UNIT_CODE_PATTERN,
    UNIT_CODE_PATTERN,
    level_of_code,
)
from shared.clock import today_vn
from shared.errors import InvalidInput
from shared.runtime import runtime_of
from shared.unitcheck import require_unit_of_jurisdiction

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


def listed_unit(request: Request, code: str | None) -> str | None:
    """`code` itself when it names a unit of the jurisdiction on some day (a district abolished
    in 2025 still lists its records), as every unit the API takes: a code the catalogue never
    held is 422 UNKNOWN_UNIT, one never in the jurisdiction (a Hà Nội ward's «00001») 422
    OUTSIDE_JURISDICTION. They were answered 200 with an empty list by religion's lists, the
    models and the audit of every service, which read as «nothing recorded there»
    (examiner-hostile; dialogue's lists already refused an unknown code)."""
    if code is not None:
        require_unit_of_jurisdiction(code, today_vn(), runtime_of(request).settings.jurisdiction)
    return code


async def unit_or_unit_code(
    request: Request,
    unit: Unit = None,
    unit_code: Annotated[str | None, _former(UNIT_CODE_PATTERN)] = None,
) -> str | None:
    """Any unit's code (the city, a district, a commune): dialogue's lists, which took it as
    `unit_code`."""
    return listed_unit(request, one_unit(unit=unit, unit_code=unit_code))


UnitFilter = Annotated[str | None, Depends(unit_or_unit_code)]


@dataclass(frozen=True)
class LocalUnit:
    """A district or a commune asked for, each in its own place (religion's lists narrow a
    district by the unit tree's rule and a commune by its code)."""

    district: str | None = None
    commune: str | None = None


async def district_or_commune(
    request: Request,
    unit: LocalUnitCode = None,
    district: Annotated[str | None, _former(DISTRICT_CODE_PATTERN)] = None,
    commune: Annotated[str | None, _former(COMMUNE_CODE_PATTERN)] = None,
) -> LocalUnit:
    """A district's or a commune's code as `unit`: religion's lists, which took them as
    `district` and `commune` (both may still be sent together, as before)."""
    if unit is None:
        chosen = LocalUnit(district, commune)
    elif level_of_code(unit) == "district":
        chosen = LocalUnit(one_unit(unit=unit, district=district), commune)
    else:
        chosen = LocalUnit(district, one_unit(unit=unit, commune=commune))
    listed_unit(request, chosen.district)
    listed_unit(request, chosen.commune)
    return chosen


LocalUnitFilter = Annotated[LocalUnit, Depends(district_or_commune)]
