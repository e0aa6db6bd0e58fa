"""Views for reports: the Tiên Lãng pilot; and the rebuild of the service's own read models."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from services.religion import apitexts
from services.religion.adapters.projection import rebuild
from services.religion.api import access
from services.religion.application import queries
from shared.auth.checks import OPERATIONS
from shared.clock import today_vn
from shared.db import read_connection
from shared.jsonbody import JSONBodyRoute
from shared.validation import Day
from shared.web import runtime_of

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=["báo cáo"])


@router.get("/reports/tien-lang-pilot")
def tien_lang_pilot(
    request: Request,
    as_of: Annotated[Day | None, Query(description=apitexts.PILOT_AS_OF)] = None,
) -> dict[str, Any]:
    """Per-site progress of certificate issuance in Huyện Tiên Lãng, for the Standing Board."""
    access.district_for(request, queries.TIEN_LANG)
    runtime = runtime_of(request)
    with read_connection(runtime.engine) as conn:
        return queries.tien_lang_pilot(conn, runtime.store, today_vn(), as_of)


@router.post("/admin/rebuild-read-models", dependencies=[Depends(OPERATIONS)])
def rebuild_read_models(request: Request) -> dict[str, Any]:
    """Empty the register's tables and replay this service's events into them."""
    runtime = runtime_of(request)
    with runtime.engine.begin() as conn:
        replayed = rebuild(conn, runtime.store)
    return {"status": "rebuilt", "events_replayed": replayed}
