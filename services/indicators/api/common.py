"""What the routers of the indicators service share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from services.indicators.application.commands import INDICATOR_ID_PATTERN
from shared.ids import CodePath
from shared.validation import WholeNumber

IdPath = CodePath
IndicatorPath = Annotated[str, Path(max_length=20, pattern=INDICATOR_ID_PATTERN)]
YearPath = Annotated[WholeNumber, Path(ge=2000, le=2100)]

