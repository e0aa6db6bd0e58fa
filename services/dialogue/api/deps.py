"""Dependencies shared by the dialogue routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from services.dialogue.application.runtime import DialogueRuntime
from shared.commands import CommandResult
from shared.ids import RecordIdPath
from shared.web import runtime_of

Id = RecordIdPath


# Dependencies without I/O are `async def`: a plain `def` costs each request a round trip
# through the thread pool.
async def dialogue_runtime(request: Request) -> DialogueRuntime:
    runtime = runtime_of(request)
    assert isinstance(runtime, DialogueRuntime)
    return runtime


Runtime = Annotated[DialogueRuntime, Depends(dialogue_runtime)]


def named(name: str, *, first: bool = True) -> Callable[[CommandResult], dict[str, Any]]:
    """The command's answer also names its aggregate as its clients know it (`session_id`...):
    the first event's aggregate, or the last one's."""

    def extra(result: CommandResult) -> dict[str, Any]:
        event = result.events[0] if first else result.events[-1]
        return {name: event.aggregate_id}

    return extra
