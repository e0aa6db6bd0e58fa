"""HTTP API of the reporting service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.reporting.application.queries import religious_sites_summary
from shared.web import runtime_of

router = APIRouter(prefix="/api/v1", tags=["báo cáo"])


@router.get("/religion/sites-summary")
def sites_summary(request: Request) -> dict[str, Any]:
    """Số cơ sở tôn giáo và số cơ sở đã có hồ sơ đăng ký đất đai, toàn thành phố và theo xã."""
    return religious_sites_summary(runtime_of(request).engine)
