"""Everything one service process runs besides HTTP: database, NATS link, relay, consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from sqlalchemy import Connection, Engine, MetaData
from starlette.requests import Request

from shared.adminunits import UnitCatalogue
from shared.aggregate import CommandContext, ConnectionSource, RecordingClock, UnitOfWork
from shared.commands import execute
from shared.consumer import ConsumerRunner, Projection
from shared.db import checked_out, engine_for, read_connection
from shared.envelope import EventEnvelope, EventRegistry
from shared.eventstore import EventStore, kernel_metadata
from shared.idempotency import IdempotencyKeys
from shared.logs import error_line, get_logger
from shared.metrics import ServiceMetrics
from shared.migrations import apply_migrations
from shared.natsconn import NatsLink
from shared.outage import Backoff, DiskFullNotice, is_infrastructure_failure
from shared.rebuild import ReadModelRebuilds, ReadModels, rebuild_metadata
from shared.relay import OutboxRelay
from shared.requestbound import outside_requests, service_work
from shared.settings import Settings
from shared.streams import ensure_stream, stream_config
from shared.watermark import WatermarkConfig

log = get_logger("danvan.runtime")

# A long-running job of the service (e.g. a reminder scheduler): runs until the event is set.
BackgroundTask = Callable[["ServiceRuntime", asyncio.Event], Coroutine[Any, Any, None]]
P = ParamSpec("P")
T = TypeVar("T")


class ServiceRuntime:
    def __init__(
        self,
        settings: Settings,
        registry: EventRegistry,
        *,
        metadata: Sequence[MetaData] = (),
        projections: Sequence[Projection] = (),
        background: Sequence[BackgroundTask] = (),
        engine: Engine | None = None,
        read_models: ReadModels | None = None,
        placing: Callable[[Connection], UnitCatalogue] | None = None,
    ) -> None:
        self.settings = settings
        # What its commands' unit checks place a merged commune's records by (UnitOfWork).
        self.placing = placing
        self.registry = registry
        self.engine = engine or engine_for(settings)
        self.metadata = [kernel_metadata, *metadata]
        if read_models is not None:
            self.metadata.append(rebuild_metadata)
        self.store = EventStore(settings.service, settings.subject_root)
        self.connections = ConnectionSource(self.engine)
        #: Every command's `recorded_at`, never before the last one (a clock stepped back).
        self.recording_clock = RecordingClock()
        #: When the database last refused a command's write for lack of space (/readyz).
        self.disk_full = DiskFullNotice()
        self.idempotency = IdempotencyKeys(timedelta(hours=settings.idempotency_retention_hours))
        self.metrics = ServiceMetrics(settings.service)
        # Read at each scrape: after any burst the checked-out count returns to the kept ones.
        self.metrics.db_checked_out.set_function(lambda: checked_out(self.engine))
        self.metrics.db_kept_idle.set_function(lambda: self.connections.idle)
        self.link = NatsLink(settings)
        self.relay = OutboxRelay(
            self.engine,
            self.link,
            settings.service,
            batch_size=settings.relay_batch_size,
            poll_interval_s=settings.relay_poll_interval_s,
            publish_timeout_s=settings.relay_publish_timeout_s,
            metrics=self.metrics,
            connections=self.connections,
            stream=self._stream_config(),
            watermarks=self._watermark_config(),
        )
        self.link.when_up(self.relay.link_up)
        # Consumers of projections rebuilt by reset and replay; read models rebuilt beside the
        # live ones by generations have theirs in `rebuilds` (see `consumers`).
        self._plain_consumers = [self._runner(projection) for projection in projections]
        self.rebuilds = (
            ReadModelRebuilds(self, read_models, self._runner) if read_models is not None
            else None
        )
        self.background = list(background)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._consumer_stop = asyncio.Event()
        self._consumer_tasks: list[asyncio.Task[None]] = []
        # Started (its lifespan): it runs its NATS link and consumers. Tests of commands run
        # the app without, their read models fed by nobody.
        self.running = False
        # The loop the service runs on, once started: how code running in a command's thread
        # (not an AnyIO worker, shared/commandthreads.py) reaches it.
        self.loop: asyncio.AbstractEventLoop | None = None
        # The task waiting for a database that did not answer at start (`start`).
        self._database_wait: asyncio.Task[None] | None = None
        # Started, but its database has not yet answered and been migrated (`start`): the
        # probes answer, every other request is refused 503 DATABASE_UNAVAILABLE
        # (shared.web.RequestMiddleware). A plain attribute: read for every request.
        self.waiting_for_database = False

    def _runner(self, projection: Projection) -> ConsumerRunner:
        settings = self.settings
        return ConsumerRunner(
            self.engine,
            self.link,
            projection,
            service=settings.service,
            subject_root=settings.subject_root,
            batch_size=projection.batch_size or settings.consumer_batch_size,
            poison_attempts=settings.consumer_poison_attempts,
            ack_wait_s=settings.consumer_ack_wait_s,
            metrics=self.metrics,
            # What a projection decides and appends (indicators' status changes) is
            # announced as a command's events are.
            on_appended=self._committed,
        )

    @property
    def consumers(self) -> list[ConsumerRunner]:
        """The consumers feeding the live read models (not those of a rebuild under way)."""
        live = self.rebuilds.live.runners if self.rebuilds is not None else []
        return [*self._plain_consumers, *live]

    def create_schema(self) -> None:
        apply_migrations(self.engine, self.settings, self.metadata)
        # Before any command of this run: its events come after those already recorded, even
        # if the host's clock was stepped back while the service was down.
        with read_connection(self.engine) as conn:
            last = self.store.last_recorded_at(conn)
        if last is not None:
            self.recording_clock.not_before(last)

    def uow(self, context: CommandContext, clock: datetime | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.engine,
            self.store,
            self.registry,
            context,
            on_commit=self._committed,
            clock=(lambda: clock) if clock else self.recording_clock,
            connections=self.connections,
            jurisdiction=self.settings.jurisdiction,
            placing=self.placing,
        )

    def execute(
        self,
        context: CommandContext,
        handler: Callable[Concatenate[UnitOfWork, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run a command handler in its own unit of work, committed when it returns
        (shared.commands.execute): the one way every caller runs a command."""
        return execute(self, context, handler, *args, **kwargs)

    def _committed(self, envelopes: list[EventEnvelope]) -> None:
        self.metrics.events_appended.inc(len(envelopes))
        self.relay.notify()

    def _stream_config(self) -> StreamConfig:
        return stream_config(
            self.settings.subject_root,
            self.settings.service,
            self.settings.stream_replicas,
            self.settings.stream_duplicate_window_s,
        )

    def _watermark_config(self) -> WatermarkConfig:
        return WatermarkConfig(self.settings.subject_root,
                               self.settings.relay_watermark_interval_s,
                               self.settings.stream_replicas)

    async def _on_connect(self, js: JetStreamContext) -> None:
        await ensure_stream(js, self._stream_config())
        # The watermarks' stream: a refusal (a NATS user without its permission) must not
        # keep the service from its own stream; its relay then writes no watermark.
        try:
            await ensure_stream(js, self._watermark_config().stream)
        except Exception as exc:
            log.warning("watermark_stream_unavailable", error=str(exc)[:500])

    async def start(self) -> None:
        """Migrate the database, then run the NATS link, relay, consumers and background
        jobs. A database that does not answer (PostgreSQL down or still starting while the
        service starts) is waited for in a task of its own, so the process stays up and
        answers its probes (/healthz alive, /readyz 503) instead of exiting for its restart
        policy; the same work starts once it answers (`_wait_for_database`)."""
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            self.create_schema()
        except Exception as exc:
            # A migration that fails on a working database: as before, no start. An SQLite
            # file that cannot be opened is a setting to correct, not a server to wait for
            # (`make run` fails as before).
            if self.engine.dialect.name == "sqlite" or not is_infrastructure_failure(exc):
                raise
            log.warning("database_waiting", service=self.settings.service, error=error_line(exc),
                        bound_s=self.settings.database_start_wait_s or None)
            self.waiting_for_database = True
            self._database_wait = asyncio.create_task(self._wait_for_database())
            return
        await self._start_work()

    async def _wait_for_database(self) -> None:
        """Try the migrations again after each of Backoff's waits (1 s doubling to 30 s), one
        log line a try, until they go through; past DATABASE_START_WAIT_S (when set) or on a
        failure that is not the database being away, the process gives up and exits
        (`give_up`) for its restart policy, as a start without the wait did at once."""
        try:
            await self._migrate_when_answering()
        except Exception as exc:  # the work's own start failed: not left waiting forever
            log.error("database_start_failed", error=error_line(exc), exc_info=exc)
            self.give_up()

    async def _migrate_when_answering(self) -> None:
        backoff = Backoff()
        bound = self.settings.database_start_wait_s
        started = time.monotonic()
        attempt = 0
        while True:
            wait = backoff.next()
            if bound and time.monotonic() - started + wait > bound:
                wait = max(0.0, bound - (time.monotonic() - started))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=wait)
            if self._stop.is_set():
                return
            attempt += 1
            try:
                await asyncio.to_thread(self.create_schema)
            except Exception as exc:
                if not is_infrastructure_failure(exc):
                    raise  # the database answers: its migrations failed (`_wait_for_database`)
                waited = time.monotonic() - started
                if bound and waited >= bound:
                    log.error("database_wait_gave_up", attempt=attempt, waited_s=round(waited, 1),
                              bound_s=bound, error=error_line(exc))
                    self.give_up()
                    return
                log.warning("database_wait_retry", attempt=attempt, waited_s=round(waited, 1),
                            error=error_line(exc))
                continue
            log.info("database_ready", attempt=attempt,
                     waited_s=round(time.monotonic() - started, 1))
            break
        await self._start_work()
        self.waiting_for_database = False

    def give_up(self) -> None:
        """End the process with uvicorn's code for a failed start (3), for its restart
        policy: the database never answered within DATABASE_START_WAIT_S, or its migrations
        failed. Nothing of the service's work was started: no event to lose."""
        logging.shutdown()
        sys.stdout.flush()  # the log lines (structlog prints them): os._exit flushes nothing
        sys.stderr.flush()
        os._exit(3)

    async def _start_work(self) -> None:
        # The relay's and the background jobs' database calls are bounded (a stopped backend).
        with service_work(self.settings.database_work_wait_s):
            work = [asyncio.create_task(self.relay.run(self._stop)),
                    *(asyncio.create_task(job(self, self._stop)) for job in self.background)]
        self._tasks = [
            asyncio.create_task(self.link.connect_forever(self._stop, self._on_connect)),
            *work,
        ]
        self._start_consumers()
        if self.rebuilds is not None:
            await self.rebuilds.start()
        self.running = True
        log.info("service_started", service=self.settings.service)

    def _start_consumers(self) -> None:
        self._consumer_stop = asyncio.Event()
        # Their calls are bounded by the service work's wait, not by the request of a rebuild
        # that starts them again.
        with service_work(self.settings.database_work_wait_s):
            self._consumer_tasks = [
                asyncio.create_task(c.run(self._consumer_stop)) for c in self._plain_consumers
            ]

    async def _stop_consumers(self) -> None:
        # Graceful: a batch being applied finishes and commits before its task ends, so
        # nothing is written behind a reset.
        self._consumer_stop.set()
        await _finish(self._consumer_tasks, timeout=10.0)
        self._consumer_tasks = []

    async def stop(self) -> None:
        self.running = False
        self._stop.set()
        if self._database_wait is not None:
            await _finish([self._database_wait], timeout=5.0)
            self._database_wait = None
        if self.rebuilds is not None:
            await self.rebuilds.stop()
        await self._stop_consumers()
        await _finish(self._tasks, timeout=5.0)
        self._tasks = []
        await self.link.close()
        self.connections.close_all()
        self.engine.dispose()

    async def rebuild_projections(self, requested_by: str = "system") -> dict[str, Any]:
        """Rebuild the read models from the source streams: read models by generations are
        built beside the live ones (the rebuild's state is returned; a second one while it
        runs is refused); other projections are dropped and replayed."""
        with outside_requests():  # a rebuild's work is the service's, not the request's
            return await self._rebuild_projections(requested_by)

    async def _rebuild_projections(self, requested_by: str) -> dict[str, Any]:
        if self.rebuilds is not None:
            return await self.rebuilds.begin(requested_by)
        await self._stop_consumers()
        for consumer in self._plain_consumers:
            await asyncio.to_thread(consumer.reset)
            if self.link.js is not None:
                await consumer.delete_durable(self.link.js)
        log.info("projections_reset", consumers=[c.durable for c in self.consumers])
        self._start_consumers()
        return {"state": "rebuilding", "consumers": [c.durable for c in self.consumers]}


async def _finish(tasks: list[asyncio.Task[None]], timeout: float) -> None:
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def runtime_of(request: Request) -> ServiceRuntime:
    """The runtime of the service a request reached (shared.web.build_app keeps it)."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime
