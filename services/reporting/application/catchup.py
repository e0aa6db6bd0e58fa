"""A finalisation signs the figures as of its moment only once reporting has applied every
event its sources have published so far (finding J13).

A command answered 201 a few milliseconds before the signing has its event still on its way
(outbox, relay, JetStream, reporting's consumers): frozen then, the signed report would differ
from the report "as of" its own as_of. Events still in a source's outbox (its relay behind or
NATS away from it) are not visible here: deploy/OPERATIONS.md says so.
"""

from __future__ import annotations

import anyio.from_thread

from services.reporting import messages
from shared.consumer import wait_caught_up
from shared.errors import DomainError
from shared.runtime import ServiceRuntime
from shared.web import RETRY_AFTER_S


class FiguresCatchingUp(DomainError):
    """503: the signing cannot be shown complete now; it can be once the consumers caught up."""

    status_code = 503

    def __init__(self, behind: list[str]) -> None:
        super().__init__(
            "FIGURES_CATCHING_UP", messages.FIGURES_CATCHING_UP.format(seconds=RETRY_AFTER_S),
            retry_after_s=RETRY_AFTER_S, consumers=behind,
        )


def require_sources_applied(runtime: ServiceRuntime) -> None:
    """From a request's worker thread: wait (up to FINALISE_CATCH_UP_S) until the live read
    models' consumers have applied all that was published to their streams, else refuse.
    A runtime not started (tests of commands alone) has no consumers running: nothing to wait
    for, its read models are fed by the test."""
    if not runtime.running:
        return
    behind = anyio.from_thread.run(
        wait_caught_up, runtime.link, runtime.consumers, runtime.settings.finalise_catch_up_s)
    if behind:
        raise FiguresCatchingUp(behind)
