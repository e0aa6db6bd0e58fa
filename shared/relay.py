"""The outbox relay: publishes committed events to JetStream, in commit order, exactly once.

Each event is published with `Nats-Msg-Id` = event id, so a republish after a crash between
the ack and the mark is dropped by the stream's duplicate window. An outbox row is marked
only after its publish ack; while NATS is away the relay backs off and catches up later.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text, update

from shared.envelope import EventEnvelope, utcnow
from shared.eventstore import _row_to_envelope, events_table, outbox_table
from shared.logs import get_logger
from shared.metrics import ServiceMetrics
from shared.natsconn import NatsLink

log = get_logger("danvan.relay")

CORRELATION_HEADER = "X-Correlation-Id"
EVENT_TYPE_HEADER = "X-Event-Type"


class RelayPublishError(RuntimeError):
    pass


@dataclass(frozen=True)
class OutboxItem:
    position: int
    subject: str
    envelope: EventEnvelope


def headers_for(envelope: EventEnvelope) -> dict[str, str]:
    headers = {"Nats-Msg-Id": str(envelope.event_id), EVENT_TYPE_HEADER: envelope.event_type}
    if envelope.correlation_id:
        headers[CORRELATION_HEADER] = envelope.correlation_id
    return headers


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        link: NatsLink,
        service: str,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        publish_timeout_s: float = 5.0,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._engine = engine
        self._link = link
        self._service = service
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._publish_timeout_s = publish_timeout_s
        self._metrics = metrics
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._leader_conn: Connection | None = None

    def notify(self) -> None:
        """Called from any thread after a commit: publish now rather than at the next poll."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        delay = 0.2
        try:
            while not stop.is_set():
                try:
                    leading = self._link.js is not None and await self._is_leader()
                    if leading and await self.publish_pending() >= self._batch_size:
                        continue  # more is waiting: no pause between full batches
                    delay = 0.2
                    await self._sleep(stop, self._poll_interval_s)
                except Exception as exc:
                    log.warning("relay_retry", error=str(exc), retry_in_s=delay)
                    await self._sleep(stop, delay)
                    delay = min(delay * 2, 5.0)
        finally:
            await asyncio.to_thread(self._release_leadership)

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        _, pending = await asyncio.wait(
            waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()

    async def publish_pending(self) -> int:
        """Publish one batch of pending outbox rows; return how many were acknowledged."""
        js = self._link.js
        if js is None:
            return 0
        items = await asyncio.to_thread(self._fetch_pending)
        if self._metrics:
            self._metrics.outbox_pending.set(len(items))
        if not items:
            return 0
        futures: list[asyncio.Future[Any]] = []
        try:
            for item in items:
                futures.append(
                    await js.publish_async(
                        item.subject,
                        item.envelope.to_json(),
                        headers=headers_for(item.envelope),
                    )
                )
        except Exception as exc:
            log.warning("relay_publish_failed", error=str(exc))
        acked: list[int] = []
        failure: BaseException | None = None
        for item, future in zip(items, futures, strict=False):
            try:
                await asyncio.wait_for(future, timeout=self._publish_timeout_s)
            except BaseException as exc:
                failure = exc
                break
            acked.append(item.position)
        for future in futures[len(acked) :]:
            future.cancel()  # frees nats-py's pending-publish slots
        if acked:
            await asyncio.to_thread(self._mark_published, acked)
            if self._metrics:
                self._metrics.events_published.inc(len(acked))
        if failure is not None or len(futures) < len(items):
            # Stop at the first gap: later events wait, so per-aggregate order holds.
            raise RelayPublishError(f"published {len(acked)} of {len(items)}: {failure!r}")
        return len(acked)

    def _fetch_pending(self) -> list[OutboxItem]:
        query = (
            select(events_table, outbox_table.c.subject)
            .join(outbox_table, outbox_table.c.position == events_table.c.position)
            .where(outbox_table.c.published_at.is_(None))
            .order_by(outbox_table.c.position)
            .limit(self._batch_size)
        )
        with self._engine.connect() as conn:
            return [
                OutboxItem(row.position, row.subject, _row_to_envelope(row, self._service))
                for row in conn.execute(query)
            ]

    def _mark_published(self, positions: list[int]) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(outbox_table)
                .where(outbox_table.c.position.in_(positions))
                .values(published_at=utcnow())
            )

    async def _is_leader(self) -> bool:
        """On PostgreSQL several replicas share one outbox; one advisory lock picks the relay."""
        if self._engine.dialect.name != "postgresql":
            return True
        if self._leader_conn is not None:
            return True
        return await asyncio.to_thread(self._try_lead)

    def _try_lead(self) -> bool:
        key = zlib.crc32(f"danvan-relay-{self._service}".encode())
        conn = self._engine.connect()
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        if got:
            self._leader_conn = conn
            log.info("relay_leader", service=self._service)
        else:
            conn.close()
        return got

    def _release_leadership(self) -> None:
        if self._leader_conn is not None:
            with contextlib.suppress(Exception):
                self._leader_conn.close()
            self._leader_conn = None

    def pending_count(self) -> int:
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(outbox_table.c.published_at.is_(None))
                ).scalar_one()
            )
