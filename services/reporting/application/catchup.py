"""A finalisation signs the figures as of its moment only once reporting has applied every
event its sources had committed by then (finding J13).

A command answered 201 a few milliseconds before the signing has its event still on its way
(outbox, relay, JetStream, reporting's consumers): frozen then, the signed report would differ
from the report "as of" its own as_of. Two checks, within FINALISE_CATCH_UP_S together:

1. every source service's relay shows, by a watermark written after the finalisation began,
   that nothing it had committed by then is left in its outbox (shared/watermark.py); a relay
   that does not (its service down, cut off from NATS, or publishing slowly) is named;
2. then reporting's consumers have applied everything in their streams (asked after the
   watermarks were read, so that includes what they cover).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from services.reporting import messages
from shared.consumer import SchemaHold, wait_caught_up
from shared.envelope import utcnow
from shared.errors import DomainError
from shared.runtime import ServiceRuntime
from shared.watermark import wait_watermarks
from shared.web import RETRY_AFTER_S


class FiguresCatchingUp(DomainError):
    """503: the signing cannot be shown complete now; it can be once the consumers caught up."""

    status_code = 503

    def __init__(self, behind: list[str]) -> None:
        super().__init__(
            "FIGURES_CATCHING_UP", messages.FIGURES_CATCHING_UP.format(seconds=RETRY_AFTER_S),
            retry_after_s=RETRY_AFTER_S, consumers=behind,
        )


class SourcesUnconfirmed(DomainError):
    """503: a source's relay has not shown that its events committed before the signing are
    published; named, with what its last watermark said (None: none read)."""

    status_code = 503

    def __init__(self, sources: dict[str, dict[str, int] | None]) -> None:
        names = ", ".join(messages.SOURCE_SERVICE_LABELS.get(name, name) for name in sources)
        super().__init__(
            "FIGURES_CATCHING_UP",
            messages.FIGURES_SOURCES_UNCONFIRMED.format(services=names, seconds=RETRY_AFTER_S),
            retry_after_s=RETRY_AFTER_S, sources=sorted(sources), watermarks=sources,
        )


# A hold lasts until reporting is upgraded (a deployment), not seconds: retrying every 5 s, as
# for events still on their way, would only load the service (review RV-P3).
HELD_RETRY_AFTER_S = 60


class FiguresHeld(DomainError):
    """503: a consumer stopped at an event of a newer schema version (shared/consumer.py
    `SchemaHold`): its read models go no further until reporting is upgraded, so no wait can
    make the figures complete. Refused at once, naming the consumer and the event."""

    status_code = 503

    def __init__(self, holds: list[SchemaHold]) -> None:
        super().__init__(
            "FIGURES_HELD_SCHEMA_TOO_NEW",
            messages.FIGURES_HELD_SCHEMA_TOO_NEW.format(
                held=" ".join(hold.message() for hold in holds)),
            retry_after_s=HELD_RETRY_AFTER_S,
            consumers=[hold.consumer for hold in holds],
            held=[{"consumer": hold.consumer, **hold.shown()} for hold in holds],
        )


def source_services(runtime: ServiceRuntime) -> list[str]:
    """The services whose streams reporting's live read models consume."""
    return sorted({runner.projection.source_service for runner in runtime.consumers})


async def _confirm(runtime: ServiceRuntime) -> tuple[dict[str, dict[str, int] | None], list[str]]:
    settings = runtime.settings
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.finalise_catch_up_s
    if settings.finalise_source_watermarks:
        unconfirmed = await wait_watermarks(runtime.link, settings.subject_root,
                                            source_services(runtime),
                                            settings.finalise_catch_up_s)
        if unconfirmed:
            return {service: None if found is None else {
                "pending": found.pending, "from_sequence": found.from_sequence,
                "published_sequence": found.published_sequence,
            } for service, found in unconfirmed.items()}, []
    behind = await wait_caught_up(runtime.link, runtime.consumers,
                                  max(deadline - loop.time(), 0.0))
    return {}, behind


def require_sources_applied(runtime: ServiceRuntime) -> datetime:
    """From a request's worker thread: wait (up to FINALISE_CATCH_UP_S) until every source
    shows its events committed so far published and the live read models' consumers have
    applied them, else refuse. Returns the moment taken before the ask: the latest `as_of`
    the waiting covers (finding L6). Each source's relay answers only once its transactions
    begun before it read the ask have ended (shared/inflight.py), so every event stamped up to
    that moment is applied; one stamped after it may not be, and a later as_of would count
    it when read afterwards but not when frozen. A runtime not started (tests of commands
    alone) has no consumers running: nothing to wait for, its read models are fed by the
    test."""
    asked_at = utcnow()
    loop = runtime.loop
    if not runtime.running or loop is None:
        return asked_at
    # A held consumer stays behind until an upgrade: waiting FINALISE_CATCH_UP_S and answering
    # "catching up" would block a command thread for nothing and point operators at the
    # relays instead of the schema hold (review RV-P3).
    holds = [runner.held for runner in runtime.consumers if runner.held is not None]
    if holds:
        raise FiguresHeld(holds)
    # A command's thread is not an AnyIO worker (shared/commandthreads.py): the runtime's
    # loop is reached directly.
    unconfirmed, behind = asyncio.run_coroutine_threadsafe(_confirm(runtime), loop).result()
    if unconfirmed:
        raise SourcesUnconfirmed(unconfirmed)
    if behind:
        raise FiguresCatchingUp(behind)
    return asked_at
