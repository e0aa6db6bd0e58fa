"""The consumer runner: durable pull consumers whose effects are applied exactly once.

A handler's writes and the (consumer, event id) record commit in one transaction and the ack
comes after the commit, so a redelivered event finds its record and is skipped. An event that
keeps failing goes to the dead-letter table, is logged as an error and terminated, and the
consumer moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

from shared.envelope import EventEnvelope, utcnow
from shared.eventstore import kernel_metadata
from shared.logs import get_logger
from shared.metrics import ServiceMetrics
from shared.natsconn import NatsLink
from shared.relay import CORRELATION_HEADER
from shared.settings import stream_name_for
from shared.streams import stream_exists

log = get_logger("danvan.consumer")

Handler = Callable[[Connection, EventEnvelope], None]
BatchHandler = Callable[[Connection, list[EventEnvelope]], None]

processed_events_table = Table(
    "processed_events",
    kernel_metadata,
    Column("consumer", String(150), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

dead_letters_table = Table(
    "dead_letters",
    kernel_metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("consumer", String(150), nullable=False),
    Column("event_id", String(36)),
    Column("event_type", String(100)),
    Column("subject", String(250), nullable=False),
    Column("stream_sequence", BigInteger),
    Column("deliveries", Integer, nullable=False),
    Column("error", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)


@dataclass
class Projection:
    """A read model fed by the events of one source service.

    Either per-event `handlers`, or one `batch_handler` that receives every new event of a
    fetched batch (of `batch_event_types`) in stream order and can write them with one
    executemany: at a million events that is the difference between minutes and seconds.
    """

    name: str
    source_service: str
    handlers: dict[str, Handler] = field(default_factory=dict)
    tables: Sequence[Table] = field(default_factory=tuple)
    batch_handler: BatchHandler | None = None
    batch_event_types: Sequence[str] = field(default_factory=tuple)

    @property
    def event_types(self) -> list[str]:
        return sorted(set(self.handlers) | set(self.batch_event_types))

    def reset(self, conn: Connection) -> None:
        for table in reversed(list(self.tables)):
            conn.execute(delete(table))


class ConsumerRunner:
    def __init__(
        self,
        engine: Engine,
        link: NatsLink,
        projection: Projection,
        *,
        service: str,
        subject_root: str,
        batch_size: int = 256,
        max_deliver: int = 5,
        ack_wait_s: float = 30.0,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._engine = engine
        self._link = link
        self.projection = projection
        self.durable = f"{service}-{projection.name}"
        self.stream = stream_name_for(subject_root, projection.source_service)
        self._subjects = [
            f"{subject_root}.{projection.source_service}.*.{event_type}"
            for event_type in projection.event_types
        ]
        self._batch_size = batch_size
        self._max_deliver = max_deliver
        self._ack_wait_s = ack_wait_s
        # Redelivery delays of a failing event; JetStream wants one per delivery before the last.
        self._backoff = [min(0.5 * 2**i, 30.0) for i in range(max(max_deliver - 1, 1))]
        self._metrics = metrics
        self.applied = 0

    def consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self._ack_wait_s,
            max_deliver=self._max_deliver,
            backoff=self._backoff,
            filter_subjects=self._subjects,
            max_ack_pending=max(self._batch_size * 4, 1000),
        )

    async def ensure_consumer(self, js: JetStreamContext) -> None:
        wanted = self.consumer_config()
        try:
            info = await js.consumer_info(self.stream, self.durable)
        except NotFoundError:
            await js.add_consumer(self.stream, wanted)
            return
        current = info.config
        if (
            sorted(current.filter_subjects or [current.filter_subject or ""])
            != sorted(self._subjects)
            or current.max_deliver != self._max_deliver
        ):
            # Redelivering from the start is harmless: processed events are skipped.
            await js.delete_consumer(self.stream, self.durable)
            await js.add_consumer(self.stream, wanted)

    async def run(self, stop: asyncio.Event) -> None:
        delay = 0.2
        while not stop.is_set():
            try:
                await self._consume(stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer_retry", consumer=self.durable, error=str(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                delay = min(delay * 2, 5.0)

    async def _consume(self, stop: asyncio.Event) -> None:
        await self._link.ready.wait()
        js = self._link.js
        if js is None:
            raise RuntimeError("NATS not connected")
        if not await stream_exists(js, self.stream):
            raise RuntimeError(f"stream {self.stream} does not exist yet")
        await self.ensure_consumer(js)
        subscription = await js.pull_subscribe_bind(self.durable, self.stream)
        try:
            while not stop.is_set():
                try:
                    messages = await subscription.fetch(self._batch_size, timeout=1.0)
                except TimeoutError:
                    continue
                await self.process(messages)
        finally:
            await subscription.unsubscribe()

    async def process(self, messages: list[Msg]) -> None:
        decoded: list[tuple[Msg, EventEnvelope]] = []
        for msg in messages:
            try:
                decoded.append((msg, EventEnvelope.from_json(msg.data)))
            except Exception as exc:
                # Undecodable bytes will never get better: straight to the dead letters.
                await self._dead_letter(msg, None, exc)
        if not decoded:
            return
        try:
            await asyncio.to_thread(self._apply, [envelope for _, envelope in decoded])
        except Exception:
            for msg, envelope in decoded:
                await self._process_one(msg, envelope)
            return
        for msg, _ in decoded:
            await msg.ack()

    async def _process_one(self, msg: Msg, envelope: EventEnvelope) -> None:
        try:
            await asyncio.to_thread(self._apply, [envelope])
        except Exception as exc:
            deliveries = msg.metadata.num_delivered or 1
            if deliveries >= self._max_deliver:
                await self._dead_letter(msg, envelope, exc)
            else:
                log.warning(
                    "consumer_handler_failed",
                    consumer=self.durable,
                    event_id=str(envelope.event_id),
                    deliveries=deliveries,
                    error=str(exc),
                )
                await msg.nak(delay=self._backoff[min(deliveries - 1, len(self._backoff) - 1)])
            return
        await msg.ack()

    def _apply(self, envelopes: list[EventEnvelope]) -> None:
        ids = [str(e.event_id) for e in envelopes]
        with self._engine.begin() as conn:
            seen = set(
                conn.execute(
                    select(processed_events_table.c.event_id).where(
                        processed_events_table.c.consumer == self.durable,
                        processed_events_table.c.event_id.in_(ids),
                    )
                ).scalars()
            )
            now = utcnow()
            fresh: list[dict[str, Any]] = []
            new_events: list[EventEnvelope] = []
            for envelope, event_id in zip(envelopes, ids, strict=True):
                if event_id in seen:
                    continue
                seen.add(event_id)
                new_events.append(envelope)
                fresh.append({"consumer": self.durable, "event_id": event_id, "processed_at": now})
            self._handle(conn, new_events)
            if fresh:
                conn.execute(insert(processed_events_table), fresh)
        self.applied += len(fresh)
        if self._metrics and fresh:
            self._metrics.events_projected.labels(self.durable).inc(len(fresh))

    def _handle(self, conn: Connection, envelopes: list[EventEnvelope]) -> None:
        projection = self.projection
        if projection.batch_handler is not None:
            wanted = set(projection.batch_event_types)
            batch = [e for e in envelopes if e.event_type in wanted]
            if batch:
                projection.batch_handler(conn, batch)
        for envelope in envelopes:
            handler = projection.handlers.get(envelope.event_type)
            if handler is not None:
                with structlog.contextvars.bound_contextvars(
                    correlation_id=envelope.correlation_id
                ):
                    handler(conn, envelope)

    async def _dead_letter(
        self, msg: Msg, envelope: EventEnvelope | None, exc: BaseException
    ) -> None:
        deliveries = msg.metadata.num_delivered or 1
        row = {
            "consumer": self.durable,
            "event_id": str(envelope.event_id) if envelope else None,
            "event_type": envelope.event_type if envelope else None,
            "subject": msg.subject,
            "stream_sequence": msg.metadata.sequence.stream if msg.metadata.sequence else None,
            "deliveries": deliveries,
            "error": "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000],
            # Kept readable and storable: PostgreSQL text cannot hold NUL bytes.
            "data": msg.data.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00"),
            "recorded_at": utcnow(),
        }
        await asyncio.to_thread(self._store_dead_letter, row)
        log.error(
            "event_dead_lettered",
            consumer=self.durable,
            event_id=row["event_id"],
            subject=msg.subject,
            deliveries=deliveries,
            error=row["error"],
            correlation_id=(msg.headers or {}).get(CORRELATION_HEADER),
        )
        if self._metrics:
            self._metrics.dead_letters.labels(self.durable).inc()
        await msg.term()

    def _store_dead_letter(self, row: dict[str, Any]) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(dead_letters_table), row)

    def reset(self) -> None:
        """Forget the projection and what this consumer processed, ready for a replay."""
        with self._engine.begin() as conn:
            self.projection.reset(conn)
            conn.execute(
                delete(processed_events_table).where(
                    processed_events_table.c.consumer == self.durable
                )
            )

    async def delete_durable(self, js: JetStreamContext) -> None:
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(self.stream, self.durable)
