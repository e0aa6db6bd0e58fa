"""Dependencies shared by the dialogue routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Path, Request

from services.dialogue import messages
from services.dialogue.application.runtime import DialogueRuntime
from shared.envelope import EventEnvelope
from shared.errors import InvalidInput
from shared.validation import MAX_VERSION
from shared.web import runtime_of

Id = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9\-]+$")]


# Dependencies without I/O are `async def`: a plain `def` costs each request a round trip
# through the thread pool.
async def dialogue_runtime(request: Request) -> DialogueRuntime:
    runtime = runtime_of(request)
    assert isinstance(runtime, DialogueRuntime)
    return runtime


async def expected_version(
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> int | None:
    """The aggregate version the caller last saw; a command on a stale read gets 409."""
    if if_match is None:
        return None
    value = if_match.strip().strip('"').removeprefix("W/").strip('"')
    # ASCII digits only (str.isdigit() takes "²", which int() refuses), and a version an
    # aggregate can have.
    if not (value.isascii() and value.isdigit() and int(value) <= MAX_VERSION):
        raise InvalidInput("BAD_IF_MATCH", messages.BAD_IF_MATCH)
    return int(value)


def accepted(envelopes: list[EventEnvelope], **extra: Any) -> dict[str, Any]:
    last = envelopes[-1] if envelopes else None
    return {
        "aggregate_id": last.aggregate_id if last else None,
        "version": last.aggregate_version if last else None,
        "events": [{"event_id": str(e.event_id), "event_type": e.event_type} for e in envelopes],
        **extra,
    }
