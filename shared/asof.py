"""The "as known at" query parameter of every read that can look back in time.

`as_of` (indicators, reporting) and `known_at` (a religious site's state) mean the same thing:
count only what had been recorded by then. The rule of reading them is the kernel's
(`shared/validation.read_as_of`); this module makes it a FastAPI parameter, so a link copied
from one service to another gives the same moment and the same figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from shared.apitexts import AS_OF_DESCRIPTION
from shared.envelope import utcnow
from shared.validation import read_as_of

_EXAMPLE = "2023-06-14T17:00:00+07:00"


def _moment(value: str | None) -> datetime | None:
    return None if value is None or value == "" else read_as_of(value, utcnow())


def _as_of(
    as_of: Annotated[str | None, Query(max_length=40, description=AS_OF_DESCRIPTION,
                                       examples=[_EXAMPLE])] = None,
) -> datetime | None:
    return _moment(as_of)


def _known_at(
    known_at: Annotated[str | None, Query(max_length=40, description=AS_OF_DESCRIPTION,
                                          examples=[_EXAMPLE])] = None,
) -> datetime | None:
    return _moment(known_at)


#: `?as_of=`: the moment in UTC, or None when the read is of now.
AsOf = Annotated[datetime | None, Depends(_as_of)]
#: `?known_at=`: the same rule under the name the site history uses.
KnownAt = Annotated[datetime | None, Depends(_known_at)]


def as_of_field(moment: datetime | None) -> dict[str, str]:
    """The moment a list was read as of, beside its envelope (`as_of`); nothing for now."""
    return {} if moment is None else {"as_of": moment.isoformat()}
