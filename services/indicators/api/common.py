"""What the routers of the indicators service share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from shared.ids import CodePath

IdPath = CodePath
IndicatorPath = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$")]
YearPath = Annotated[int, Path(ge=2000, le=2100)]

