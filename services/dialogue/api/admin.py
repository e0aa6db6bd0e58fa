"""Operations of the dialogue service: rebuild the read models, run the scheduler now."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from services.dialogue import messages
from services.dialogue.adapters.projection import rebuild
from services.dialogue.api.deps import Runtime
from services.dialogue.application.scheduler import scan
from shared.auth.checks import OPERATIONS
from shared.jsonbody import JSONBodyRoute

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1/admin",
                   tags=[messages.TAG_OPERATIONS], dependencies=[Depends(OPERATIONS)])


@router.post("/rebuild-read-models")
def rebuild_read_models(runtime: Runtime) -> dict[str, Any]:
    """Empty the inline read models and replay this service's events into them (one
    transaction: readers see the old rows or the new ones, never half)."""
    with runtime.engine.begin() as conn:
        replayed = rebuild(conn, runtime.store)
    return {"status": "rebuilt", "events_replayed": replayed}


@router.post("/scan")
def run_scan(runtime: Runtime) -> dict[str, Any]:
    """Record due report reminders and overdue commitments now instead of at the next pass."""
    result = scan(runtime, runtime.today())
    return {"reminders": result.reminders, "overdue": result.overdue,
            "conflicts": result.conflicts}
