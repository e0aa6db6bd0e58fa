"""What the routers of the indicators service share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path

from shared.clock import VN_TZ
from shared.ids import CodePath

IdPath = CodePath
IndicatorPath = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$")]
YearPath = Annotated[int, Path(ge=2000, le=2100)]


def vn_time(value: datetime) -> datetime:
    """A time without a zone is read as Vietnamese time, as the users write it."""
    return value if value.tzinfo else value.replace(tzinfo=VN_TZ)
