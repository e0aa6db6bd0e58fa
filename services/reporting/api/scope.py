"""The report scope of a request: the deployment's jurisdiction unless another is asked,
and another province (or the whole country) is refused (shared/unitcheck.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from shared.adminunits.model import SCOPE_CODE_PATTERN
from shared.unitcheck import require_scope_within
from shared.web import runtime_of


async def report_scope(
    request: Request,
    scope: Annotated[
        str | None,
        Query(pattern=SCOPE_CODE_PATTERN, description="Mã tỉnh/thành phố (mặc định: địa bàn)"),
    ] = None,
) -> str:
    jurisdiction = runtime_of(request).settings.jurisdiction
    if scope is None:
        return jurisdiction
    require_scope_within(scope, jurisdiction)
    return scope


Scope = Annotated[str, Depends(report_scope)]
