"""The festival guidance calendar as JSON and as iCalendar (.ics)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.religion import messages
from services.religion.adapters import ical
from services.religion.domain.festivals import FIRST_YEAR, LAST_YEAR, observances
from shared.clock import today_vn
from shared.envelope import utcnow
from shared.jsonbody import JSONBodyRoute
from shared.openapi import file_responses
from shared.validation import WholeNumber

router = APIRouter(route_class=JSONBodyRoute, prefix="/api/v1", tags=["lịch lễ tôn giáo"])
Year = Annotated[WholeNumber | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)]


@router.get("/festivals")
def festivals(year: Year = None) -> dict[str, Any]:
    chosen = year or today_vn().year
    return {
        "year": chosen,
        "name": messages.CALENDAR_NAME.format(year=chosen),
        "description": messages.CALENDAR_DESCRIPTION,
        "observances": [
            {
                "id": o.id,
                "name": o.name,
                "religions": o.religions,
                "start": o.start.isoformat(),
                "end": o.end.isoformat(),
                "lunar": o.lunar,
                "rule": o.rule,
                "guidance": o.guidance,
            }
            for o in observances(chosen)
        ],
    }


@router.get("/festivals.ics", response_class=Response,
            responses=file_responses("text/calendar"))
def festivals_ics(year: Year = None) -> Response:
    chosen = year or today_vn().year
    text = ical.calendar(
        observances(chosen),
        name=messages.CALENDAR_NAME.format(year=chosen),
        description=messages.CALENDAR_DESCRIPTION,
        year=chosen,
        stamp=utcnow(),
    )
    return Response(
        text.encode("utf-8"),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="le-ton-giao-{chosen}.ics"'},
    )
