"""The order of a record's dated steps: one rule for every service.

A step of a course (a dossier's, an inspection's, a model's, a dialogue session's) is not
dated before the step it follows. Dated earlier, it would count in a report's period before
the facts it comes after (a model closed before its recognition counted recognised while
stopped; a session cancelled years before it was planned counted as cancelled in a period
in which it never existed, finding M7). Pure: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date

from shared import messages
from shared.clock import format_date_vn
from shared.errors import InvalidInput

#: The code of a step dated before the one it follows, in every service.
DATE_BEFORE_PREVIOUS_STEP = "DATE_BEFORE_PREVIOUS_STEP"


def not_before(on: date, previous: date | None, refusal: str | None = None) -> None:
    """Refuse (422) a step dated `on` before `previous`, the day of the step it follows (None:
    it follows nothing dated). `refusal`: the Vietnamese text when the step it follows is
    better named than "the previous step" (a site's registration, a session's heads)."""
    if previous is not None and on < previous:
        raise InvalidInput(
            DATE_BEFORE_PREVIOUS_STEP,
            refusal or messages.DATE_BEFORE_PREVIOUS_STEP.format(
                on=format_date_vn(on), previous=format_date_vn(previous)),
            previous=previous.isoformat(),
        )
