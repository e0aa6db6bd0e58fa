"""The order of a record's dated steps, one rule for every aggregate of the service."""

from __future__ import annotations

from datetime import date

from services.indicators import messages
from shared.clock import format_date_vn
from shared.errors import InvalidInput


def not_before(on: date, previous: date) -> None:
    """A step of a course (an inspection's, a district report's, a model's) is not dated
    before the step it follows: dated earlier, it would count in a period before the facts it
    comes after (a model closed before its recognition counted recognised while stopped)."""
    if on < previous:
        raise InvalidInput(
            "DATE_BEFORE_PREVIOUS_STEP",
            messages.DATE_BEFORE_PREVIOUS_STEP.format(
                on=format_date_vn(on), previous=format_date_vn(previous)
            ),
            previous=previous.isoformat(),
        )
