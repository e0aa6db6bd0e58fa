"""The consumer runner: durable pull consumers whose effects are applied exactly once.

A handler's writes and the (consumer, event id) record commit in one transaction and the ack
comes after the commit, so a redelivered event finds its record and is skipped. An event that
keeps failing on working infrastructure goes to the dead-letter table, is logged as an error
and terminated, and the consumer moves on. An outage (database or NATS away) is not the
event's fault: the consumer holds its messages, waits for the database, and applies them
then, spending none of their attempts. An event of a schema version newer than the consumer
knows (its publisher upgraded first) is no fault either: the consumer stops at it, applying
nothing after it, until it is upgraded (`SchemaHold`). docs/reliability.md gives the reasons
and the limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import traceback
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import orjson
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, Header
from nats.js.errors import NotFoundError
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    text,
)

from shared import messages as kernel_messages
from shared.clock import in_utc
from shared.contract import CODES as CONTRACT_CODES
from shared.contract import (
    TOO_NEW,
    ContractViolation,
    EventContract,
    SchemaTooNew,
    recorded_as_published,
    recorded_stands,
)
from shared.db import BIG_ID, one_at_a_time, read_connection
from shared.driversql import RowsInsert, bind_processor, driver_of, in_lists, placeholder
from shared.envelope import EventEnvelope, utcnow
from shared.eventstore import kernel_metadata
from shared.inflight import in_flight_of
from shared.logs import get_logger
from shared.metrics import ServiceMetrics
from shared.natsconn import NatsLink
from shared.outage import RECONNECT_FIRST_S, RECONNECT_MAX_S, Backoff, is_infrastructure_failure
from shared.relay import CORRELATION_HEADER
from shared.settings import stream_name_for
from shared.streams import event_filters, stream_exists

log = get_logger("danvan.consumer")

Handler = Callable[[Connection, EventEnvelope], None]
# A batch handler may append events to its own service's store in the batch's transaction
# (a decision taken on what it consumed); it returns them, and the runner hands them to
# `on_appended` (the relay's wake-up, the metrics) once that transaction has committed.
BatchHandler = Callable[[Connection, list[EventEnvelope]], Sequence[EventEnvelope] | None]

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
    Column("id", BIG_ID, primary_key=True),
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


UNDECODABLE = "EVENT_UNDECODABLE"
HANDLER_FAILED = "EVENT_HANDLER_FAILED"


def dead_letter_reason(event_id: str | None, error: str) -> tuple[str, str]:
    """The stable code and the Vietnamese reason of a dead letter, from its row (the admin
    list shows both beside the technical `error`)."""
    # A refusal's error reads «shared.contract.ContractViolation: CODE: reason\ndetail».
    parts = error.partition("\n")[0].split(": ", 2)
    for at, code in enumerate(parts[:2]):
        if code in CONTRACT_CODES:
            return code, ": ".join(parts[at + 1:])
    if event_id is None:
        return UNDECODABLE, kernel_messages.DEAD_LETTER_UNDECODABLE
    return HANDLER_FAILED, kernel_messages.DEAD_LETTER_HANDLER_FAILED


class _ProcessedSql:
    """The idempotence bookkeeping on the driver's cursor: it runs for every event consumed."""

    _cache: ClassVar[dict[str, _ProcessedSql]] = {}

    def __init__(self, dialect: Dialect) -> None:
        self.mark = placeholder(dialect)
        self.insert = RowsInsert(
            dialect, "INSERT INTO processed_events (consumer, event_id, processed_at)", 3)
        self.time = bind_processor(processed_events_table.c.processed_at, dialect)

    def select(self, count: int) -> str:
        marks = ", ".join([self.mark] * count)
        return (
            "SELECT event_id FROM processed_events"
            f" WHERE consumer = {self.mark} AND event_id IN ({marks})"
        )

    @classmethod
    def for_dialect(cls, dialect: Dialect) -> _ProcessedSql:
        sql = cls._cache.get(dialect.name)
        if sql is None:
            sql = cls._cache[dialect.name] = cls(dialect)
        return sql


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
    # Events fetched and applied per transaction, where the projection wants its own
    # (None: the service's CONSUMER_BATCH_SIZE). A cheap batch handler catches up faster
    # with bigger batches: fewer commits and round trips per event.
    batch_size: int | None = None
    # Replicas sharing the durable consumer apply this projection's batches one at a time
    # (PostgreSQL: an advisory lock for the transaction; SQLite's writers queue at BEGIN
    # already). For a projection that reads what it keeps (counts, last statuses) and writes
    # it back whole: two batches at once would each write over the other's change.
    one_batch_at_a_time: bool = False

    @property
    def event_types(self) -> list[str]:
        return sorted(set(self.handlers) | set(self.batch_event_types))

    @property
    def lock_name(self) -> str:
        """Of this projection and its tables (a rebuild's generation has tables of its own)."""
        first = self.tables[0].name if self.tables else ""
        return f"danvan-projection:{self.name}:{first}"

    def reset(self, conn: Connection) -> None:
        for table in reversed(list(self.tables)):
            conn.execute(delete(table))

    def apply(self, conn: Connection, envelopes: list[EventEnvelope]) -> list[EventEnvelope]:
        """Apply new events (in stream order) in the caller's transaction; returns the events
        the projection appended to its own service's store meanwhile."""
        appended: list[EventEnvelope] = []
        if self.one_batch_at_a_time:
            one_at_a_time(conn, self.lock_name)
        if self.batch_handler is not None:
            wanted = set(self.batch_event_types)
            batch = [e for e in envelopes if e.event_type in wanted]
            if batch:
                appended.extend(self.batch_handler(conn, batch) or ())
        for envelope in envelopes:
            handler = self.handlers.get(envelope.event_type)
            if handler is not None:
                with structlog.contextvars.bound_contextvars(
                    correlation_id=envelope.correlation_id
                ):
                    handler(conn, envelope)
        return appended


class ForeignEnvelope(ValueError):
    """An envelope of another service in a service's stream: someone else published on its
    subjects (finding O6). Never applied as the source service's event: a dead letter."""


# A message that will never be applied, with its envelope when it has one, and why.
Refused = tuple[Msg, EventEnvelope | None, Exception]


@dataclass(frozen=True)
class SchemaHold:
    """Where a consumer stopped: the first event of a schema version newer than its contract
    knows (a publisher upgraded before its consumers). Not a dead letter: the event and every
    one after it stay unacked until the consumer is upgraded (`ConsumerRunner`)."""

    consumer: str
    stream: str
    event_id: str
    event_type: str
    version: int
    known: int
    subject: str
    stream_sequence: int | None
    reason: str  # Vietnamese, EVENT_SCHEMA_TOO_NEW's

    def message(self) -> str:
        """What /readyz and a rebuild's status say of it (Vietnamese)."""
        return kernel_messages.CONSUMER_HELD.format(
            consumer=self.consumer, event_id=self.event_id, reason=self.reason)

    def shown(self) -> dict[str, Any]:
        return {"code": TOO_NEW, "message": self.message(), "event_id": self.event_id,
                "event_type": self.event_type, "schema_version": self.version,
                "known_schema_version": self.known, "stream_sequence": self.stream_sequence}


@dataclass
class _Decoded:
    """A batch decoded: the envelopes to apply, the messages refused, and, when an event of a
    newer schema version came, that event (`too_new`) and the messages from it on (`held`)."""

    applicable: list[tuple[Msg, EventEnvelope]]
    refused: list[Refused]
    held: list[Msg] = field(default_factory=list)
    too_new: tuple[Msg, EventEnvelope, SchemaTooNew] | None = None
    #: Envelopes applied as recorded at their publication, with the time they claimed.
    clamped: list[tuple[Msg, EventEnvelope, datetime]] = field(default_factory=list)


def _decode(
    messages: list[Msg], source_service: str, contract: EventContract | None,
    applied: Callable[[EventEnvelope], bool] = lambda envelope: False,
) -> _Decoded:
    """The envelopes to apply, and the messages refused: undecodable bytes, an envelope of
    another service (O6), or one its publisher's contract refuses (shared/contract.py, O7),
    None gets better by waiting, so all go straight to the dead letters, live and in a
    rebuild alike. One recorded after its message was published is applied as recorded at
    its publication (`clamped`, review RV-P2).

    But an event of a schema version newer than the contract knows is the sign of a rolling
    upgrade done publisher-first, and waiting for the consumer's upgrade makes it right: the
    batch stops there (projections apply in stream order, so nothing after it either), and
    it and the rest are held. One some replica that knows its version has `applied` already
    (the same durable re-read from the start) is passed on as processed."""
    found = _Decoded([], [])
    for at, msg in enumerate(messages):
        try:
            envelope = EventEnvelope.from_json(msg.data)
            if envelope.service != source_service:
                raise ForeignEnvelope(
                    f"an event of {envelope.service!r} in the stream of {source_service!r}")
        except Exception as exc:
            found.refused.append((msg, None, exc))
            continue
        if contract is not None:
            try:
                contract.check(envelope)
            except SchemaTooNew as exc:
                if not applied(envelope):
                    found.too_new = (msg, envelope, exc)
                    found.held = messages[at:]
                    return found
            except ContractViolation as exc:
                found.refused.append((msg, envelope, exc))
                continue
            stamp = _published_ns(msg)
            if stamp is None or not recorded_stands(envelope, stamp):
                published = recorded_as_published(envelope, msg.metadata.timestamp)
                if published is not None:
                    # A new envelope: `replace` leaves the cached `event_key` behind, rightly.
                    found.clamped.append((msg, envelope, published))
                    envelope = replace(envelope, recorded_at=published)
        found.applicable.append((msg, envelope))
    return found


def _published_ns(msg: Msg) -> int | None:
    """The nanoseconds JetStream stamped `msg` with, read from its reply subject as nats-py's
    `Msg.metadata` reads them (v1 and v2 ack subjects), without making the rest of the
    metadata; None when it is no such subject (`metadata` then says what is wrong)."""
    tokens = (getattr(msg, "reply", None) or "").split(".")  # a test's message may have none
    if len(tokens) < _V1_ACK_TOKENS or tokens[0] != "$JS" or tokens[1] != "ACK":
        return None
    if len(tokens) == _V1_ACK_TOKENS:
        stamp = tokens[7]
    elif len(tokens) >= _V2_ACK_TOKENS:
        stamp = tokens[Msg.Ack.Timestamp]
    else:
        return None
    return int(stamp) if stamp.isdigit() else None


# The tokens of JetStream's ack subjects: $JS.ACK.<stream>.<consumer>.<delivered>.<stream
# seq>.<consumer seq>.<time>.<pending>, and from v2 on with a domain and an account hash
# before the stream and a token after (nats-py's `Msg.Metadata` reads 11 tokens or more).
_V1_ACK_TOKENS = 9
_V2_ACK_TOKENS = 11


class ConsumerGone(Exception):
    """The durable consumer (or its stream) no longer exists on the server: NATS lost its
    store, or someone deleted it. The runner makes it again (`ensure_consumer`)."""


class PullRequests:
    """Pull requests to a durable consumer, answered into one callback subscription.

    nats-py's `fetch()` awaits each message with a task and a timer of its own, which caps a
    consumer near its raw rate before any work is done; collecting the batch in a callback
    costs a fraction of that. Semantics are JetStream's own: a request for `n` messages
    stays open on the server until it has delivered `n` or expires after `expires_s`.

    A batch is handed over as soon as messages are there, as nats-py's own `fetch()` does
    (it returns after the first message of its waiting request plus what is already
    buffered): waiting for the request to fill would hold a lone live event until the
    expiry, a second later. What the open request delivers after a batch was taken goes to
    the next one. Requests are counted in messages still owed (`_credit`): a new one goes
    out when less than half a batch is owed, so messages keep arriving while a batch is
    applied (within the consumer's max ack pending).
    """

    def __init__(
        self, client: Client, stream: str, durable: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._clock = clock
        self._durable = durable
        self._subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = client.new_inbox()
        self._buffer: list[Msg] = []
        # Messages asked for that neither came nor were given up by the server (expiry).
        self._credit = 0
        self._arrived = asyncio.Event()
        self._subscription: Subscription | None = None
        # The server said the durable is not there (see `_received`).
        self._gone = False
        # When JetStream last answered a request of this subscription (a message, or the
        # status of a request that expired or found nothing), by `clock` (monotonic): what
        # tells a consumer that reads its stream from one that cannot (ConsumerRunner).
        self.answered_at: float | None = None

    async def open(self) -> None:
        self._subscription = await self._client.subscribe(self._inbox, cb=self._received)

    async def close(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None

    async def _received(self, msg: Msg) -> None:
        if JetStreamContext.is_status_msg(msg):
            # 408 request expired (the server says how many it still owed), 409 consumer
            # changed or too many requests: that request will deliver nothing more. Without
            # a count, everything is asked again: a surplus only fills the buffer sooner.
            # 503 no responders: no durable (or no stream) answers its subject, as after NATS
            # lost its store; 409 Consumer Deleted: it went while the request waited.
            headers = msg.headers or {}
            status = headers.get(Header.STATUS)
            if status in ("404", "408"):  # nothing (more) to deliver: an answer all the same
                self.answered_at = self._clock()
            if status == "503" or (
                status == "409" and headers.get(Header.DESCRIPTION) == "Consumer Deleted"
            ):
                self._gone = True
            owed = headers.get("Nats-Pending-Messages", "")
            self._credit = max(0, self._credit - int(owed)) if owed.isdigit() else 0
        else:
            self._buffer.append(msg)
            self._credit = max(0, self._credit - 1)
            self.answered_at = self._clock()
        self._arrived.set()

    def reconnected(self) -> None:
        """The connection came back: the requests still owed went with the old one (a
        restarted server forgot them). A waiting `fetch` returns empty now and the next asks
        again, instead of waiting for their expiry; a surplus if the server kept them only
        fills the buffer sooner."""
        self._credit = 0
        self._arrived.set()

    def buffered(self) -> list[Msg]:
        """Messages already delivered for the next batch (their ack wait is running)."""
        return list(self._buffer)

    def wake(self) -> None:
        """A waiting `fetch` returns now with what is there (the consumer is stopping)."""
        self._arrived.set()

    async def last_of(self, bound_s: float) -> list[Msg]:
        """Asking no more: the messages delivered and not taken yet, with those the requests
        still open bring until they are answered or expire (`bound_s` at most). Once they are
        in, nothing more comes to this subscription."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + bound_s
        while self._credit > 0 and (left := deadline - loop.time()) > 0:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=left)
        taken, self._buffer = self._buffer, []
        return taken

    async def fetch(
        self, n: int, expires_s: float, stop: asyncio.Event | None = None
    ) -> list[Msg]:
        """The messages there (at most `n`), as soon as there are any; [] when a request
        ended with none, or at once when `stop` is set (its setter calls `wake`).
        The next request goes out before the batch is returned.
        ConsumerGone when the server said the durable does not exist: asking again would
        only be answered so again, at once (what was delivered before comes back from the
        durable made again)."""
        self._check_there()
        if self._credit <= n // 2:
            await self._request(n, expires_s)
        if not self._buffer:
            self._arrived.clear()
            if stop is not None and stop.is_set():
                # Set while the request went out: its wake was cleared above.
                return []
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=expires_s + 1.0)
            except TimeoutError:
                # Not even the expiry's status came: the requests were lost with the
                # connection. Ask again next time.
                self._credit = 0
        self._check_there()
        batch, self._buffer = self._buffer[:n], self._buffer[n:]
        if batch and self._credit <= n // 2:
            await self._request(n, expires_s)
        return batch

    def _check_there(self) -> None:
        if self._gone:
            raise ConsumerGone(f"consumer {self._durable} does not exist")

    async def _request(self, n: int, expires_s: float) -> None:
        self._credit += n
        request = {"batch": n, "expires": int(expires_s * 1_000_000_000)}
        await self._client.publish(self._subject, orjson.dumps(request), reply=self._inbox)


# JetStream's own delivery limit: none. A limit would let an event leave the pending set
# after its last delivery whether or not its effect or its dead letter was committed (the
# server just stops redelivering), and every delivery counts toward it, those that met an
# outage included. The runner counts an event's failures on working infrastructure itself
# and dead-letters it after `poison_attempts` of them.
UNLIMITED_DELIVERIES = -1
_FAILURES_KEPT = 10_000
_FIRST_PAUSE_S = 0.25
# A consumer held at an event of a newer schema version looks this often whether a replica
# that knows the version (upgraded first) has applied it meanwhile.
HELD_LOOK_S = 5.0
_REPORTED_KEPT = 1_000


class _ClampsReported:
    """The events this process has reported applied as recorded at their publication
    (`event_recorded_after_published`), each once per consuming service: a redelivery finds
    the event applied and says nothing, but a rebuild applies it again into its new tables,
    under another durable, and the warning and `danvan_consumer_recorded_clamped_total`
    counted one skewed clock's event again each time. Kept by the process, not by a runner,
    since a rebuild's runners are new ones; by service too, as the tests run several in one
    process; the latest `kept` (a forgotten one is only reported again). A lock: the runners
    apply in worker threads."""

    def __init__(self, kept: int = 10_000) -> None:
        self._seen: dict[tuple[str, str], None] = {}
        self._kept = kept
        self._lock = threading.Lock()

    def first(self, service: str, event_id: str) -> bool:
        """True the first time `service` asks of `event_id` in this process (then kept)."""
        key = (service, event_id)
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            if len(self._seen) > self._kept:
                del self._seen[next(iter(self._seen))]
            return True


_CLAMPS_REPORTED = _ClampsReported()


def _stream_sequence(msg: Msg) -> int:
    try:
        return int(msg.metadata.sequence.stream)
    except Exception:  # no JetStream reply subject: kept where it was
        return 0


_T = TypeVar("_T")


async def _wake_on(stop: asyncio.Event, puller: PullRequests) -> None:
    await stop.wait()
    puller.wake()


class _Stopping(Exception):
    """The consumer stopped while it held messages through an outage: nothing is settled."""


class ConsumerRunner:
    #: How long a pull request waits on the server for messages before it expires empty.
    fetch_expires_s = 1.0

    def __init__(
        self,
        engine: Engine,
        link: NatsLink,
        projection: Projection,
        *,
        service: str,
        subject_root: str,
        batch_size: int = 256,
        poison_attempts: int = 5,
        ack_wait_s: float = 5.0,
        metrics: ServiceMetrics | None = None,
        on_appended: Callable[[list[EventEnvelope]], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        # What `fetch_age` counts by (tests give their own).
        self._clock = clock
        self._service = service
        self._on_appended = on_appended
        self._link = link
        self.projection = projection
        self.durable = f"{service}-{projection.name}"
        self.stream = stream_name_for(subject_root, projection.source_service)
        self._subjects = event_filters(subject_root, projection.source_service,
                                       projection.event_types)
        # What the source service publishes, to check each envelope against before applying
        # it (None for a stream no contract is published for: a test's).
        self._contract = EventContract.of(projection.source_service)
        self._batch_size = batch_size
        self._poison_attempts = max(poison_attempts, 1)
        self._ack_wait_s = ack_wait_s
        # The backoff between attempts of a failing event: the runner NAKs it with these
        # delays. JetStream's own BackOff list is left unset on purpose: nats-server applies
        # it in place of ack_wait to the first delivery too and lets it override NAK delays
        # (both seen in tests), which would stall or rush retries.
        self._retry_delays = [min(0.5 * 2**i, 30.0) for i in range(self._poison_attempts)]
        # Failures of an event on working infrastructure, by event id, in this process. A
        # restart or another replica starts again from zero: more attempts, never fewer.
        self._failures: dict[str, int] = {}
        self._metrics = metrics
        self.applied = 0
        self.paused = False
        # Where the consumer stopped at an event of a newer schema version, until it is
        # applied (`_hold`); the messages it holds meanwhile, to let go in order; the events
        # already reported in the log, each once (not at every meeting).
        self.held: SchemaHold | None = None
        self._holding: list[Msg] = []
        self._reported: dict[str, None] = {}
        # The envelopes of the batch decoded last that are applied as recorded at their
        # publication, by event id: reported once applied (`_report_clamped`).
        self._clamped: dict[str, tuple[Msg, EventEnvelope, datetime]] = {}
        self._paused_since: float | None = None
        # The waits between a pause's tries of the database (`_wait_for_database`).
        self._pause_backoff = Backoff(_FIRST_PAUSE_S, RECONNECT_MAX_S)
        self._unavailable = False
        self._acks: asyncio.Future[None] | None = None
        self._stop = asyncio.Event()
        self._puller: PullRequests | None = None
        # This process saw its durable on the server: one it has to make again was lost.
        self._durable_seen = False
        # While it runs, when it last made progress: JetStream answered one of its fetches,
        # or it was done with a batch (its start, before either): `fetch_age`. None while it
        # does not run. `_in_hand` while it holds a batch (`process`).
        self._progress_at: float | None = None
        self._in_hand = False
        # JetStream's count of the stream's messages still to deliver to the durable after
        # the last one it delivered (that message's metadata: no request of its own); None
        # before the first delivery.
        self.pending: int | None = None
        link.when_up(self._link_up)

    def fetch_age(self) -> float:
        """Seconds since the consumer last made progress: JetStream answered one of its
        fetches, with messages or without (an idle consumer's request expires empty every
        `fetch_expires_s`), or it was done with a batch. 0 while it holds a batch (applying
        it, or paused with it through a database outage: `paused` says so) and while it does
        not run. It grows while the consumer cannot read its stream (JetStream without
        quorum, stream or durable gone) even though the NATS link is up, and while it is
        held at a newer schema version (`held` says so). Counted from the last fetch only,
        it grew through a long batch, and /readyz named a busy consumer stalled after
        CONSUMER_STALLED_AFTER_S (S3 follow-up)."""
        at = self._progress_at
        if at is None or self._in_hand:
            return 0.0
        return max(0.0, self._clock() - at)

    def _progressed(self) -> None:
        if self._progress_at is not None:  # not after the runner stopped
            self._progress_at = self._clock()

    def _heard(self, puller: PullRequests, messages: list[Msg]) -> None:
        """After a fetch: when JetStream answered last, and its pending count."""
        answered = puller.answered_at
        if answered is not None and self._progress_at is not None:
            self._progress_at = max(self._progress_at, answered)
        if messages:
            with contextlib.suppress(Exception):  # not a JetStream message: left as it was
                self.pending = int(messages[-1].metadata.num_pending)

    def _link_up(self) -> None:
        """NATS is (back) up: the pull requests still owed went with the old connection."""
        if self._puller is not None:
            self._puller.reconnected()

    def consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self._ack_wait_s,
            max_deliver=UNLIMITED_DELIVERIES,
            filter_subjects=self._subjects,
            max_ack_pending=max(self._batch_size * 4, 1000),
        )

    async def ensure_consumer(self, js: JetStreamContext) -> bool:
        """Make the durable, or bring it to the wanted configuration; True when it was not
        there and was made (delivering from the start of the stream)."""
        wanted = self.consumer_config()
        try:
            info = await js.consumer_info(self.stream, self.durable)
        except NotFoundError:
            await js.add_consumer(self.stream, wanted)
            return True
        current = info.config
        if (
            sorted(current.filter_subjects or [current.filter_subject or ""])
            != sorted(self._subjects)
            or (current.max_deliver or UNLIMITED_DELIVERIES) != UNLIMITED_DELIVERIES
        ):
            # Redelivering from the start is harmless: processed events are skipped. A durable
            # made with a delivery limit is replaced too, and its replay applies any event
            # that limit let go without effect or dead letter.
            await js.delete_consumer(self.stream, self.durable)
            await js.add_consumer(self.stream, wanted)
        elif (
            current.max_ack_pending != wanted.max_ack_pending
            or current.ack_wait != wanted.ack_wait
        ):
            # Updated in place, the consumer keeps its position.
            await js.add_consumer(self.stream, wanted)
        return False

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        backoff = Backoff(RECONNECT_FIRST_S, RECONNECT_MAX_S)
        # A consumer that never reads its stream from its start is as stuck as one that
        # stopped reading: counted from here.
        self._progress_at = self._clock()
        try:
            while not stop.is_set():
                try:
                    await self._consume(stop)
                except asyncio.CancelledError:
                    raise
                except ConsumerGone:
                    # Made again at the next round (consumer_recreated), once its stream is
                    # there again: until then, the backoff below.
                    backoff.reset()
                except Exception as exc:
                    if not self._unavailable:  # one line when the trouble starts
                        log.warning("consumer_retry", consumer=self.durable,
                                    error=str(exc)[:500])
                        self._unavailable = True
                        backoff.reset()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=backoff.next())
        finally:
            self._progress_at = None  # not running: no wait to show (`fetch_age`)
            self._stopped()

    def _stopped(self) -> None:
        """The runner stopped (or was cancelled): its alert gauges go with it (review RV-P9).
        A rebuild's runners stop when it is given up or switched while the process goes on:
        held at a newer schema version (or paused by an outage), they left
        `danvan_consumer_schema_too_new` and `danvan_consumer_paused` at 1 for a durable
        nothing runs any more, an alert firing until the process restarted. Their labels are
        removed. `held` stays: where it stopped, for whoever asks; started again, the runner
        meets the event again and says so again."""
        if self._paused_since is not None:
            self._paused_since = None
            self._pause_backoff.reset()
        self.paused = False
        if self._metrics is None:
            return
        with contextlib.suppress(KeyError):
            self._metrics.consumer_paused.remove(self.durable)
        if self.held is not None:
            with contextlib.suppress(KeyError):
                self._metrics.schema_too_new.remove(
                    self.durable, self.stream, self.held.event_type, str(self.held.version))

    async def _consume(self, stop: asyncio.Event) -> None:
        await self._link.ready.wait()
        js = self._link.js
        if js is None:
            raise RuntimeError("NATS not connected")
        if not await stream_exists(js, self.stream):
            raise RuntimeError(f"stream {self.stream} does not exist yet")
        if await self.ensure_consumer(js) and self._durable_seen:
            # NATS lost its store (or the durable was deleted) while this process ran: the
            # durable made again re-reads the stream from its start; what was applied
            # already is skipped as processed (processed_events), the rest applied.
            log.warning("consumer_recreated", consumer=self.durable, stream=self.stream)
            if self._metrics:
                self._metrics.consumers_recreated.labels(self.durable).inc()
        self._durable_seen = True
        if self._unavailable:  # and one when it ends
            log.info("consumer_reconnected", consumer=self.durable)
            self._unavailable = False
        client = self._link.client
        assert client is not None
        puller = PullRequests(client, self.stream, self.durable, self._clock)
        await puller.open()
        self._puller = puller
        # A stop ends the wait for messages at once: waiting out the pull request's expiry
        # held every service's shutdown up to a second per consumer.
        waker = asyncio.create_task(_wake_on(stop, puller))
        try:
            while not stop.is_set():
                messages = await puller.fetch(
                    self._batch_size, expires_s=self.fetch_expires_s, stop=stop)
                self._heard(puller, messages)
                if messages:
                    await self.process(messages)
                if self._holding:
                    await self._let_go(puller)
                    break
        finally:
            waker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waker
            self._puller = None
            await self._acks_sent()
            await puller.close()
        if self.held is not None:
            await self._held_until_applied(stop)

    async def process(self, messages: list[Msg]) -> None:
        """Apply a batch fetched (its events, dead letters, or a hold at a newer schema
        version). Holding it is progress, not a stall (`fetch_age`), however long it takes;
        done with it, the consumer made progress then."""
        self._in_hand = True
        try:
            await self._process_batch(messages)
        finally:
            self._in_hand = False
            self._progressed()

    async def _process_batch(self, messages: list[Msg]) -> None:
        try:
            # Decoding happens in the worker thread with the database work.
            found = await self._through_outages(
                messages, lambda: self._decode_and_apply(messages))
        except _Stopping:
            return  # nothing acked, JetStream redelivers after ack_wait
        except Exception:
            await self._one_by_one(messages)
            return
        self._infrastructure_works()
        for msg, envelope, exc in found.refused:
            await self._dead_letter(msg, envelope, exc)
        # The batch is committed: its acks go out while the next batch is applied, instead
        # of the worker waiting for a thousand acks after every batch (a rebuild gained
        # 2-3 %). The previous batch's acks have had this whole batch to go.
        await self._acks_sent()
        self._acks = asyncio.create_task(  # noqa: RUF006 (kept in self._acks until awaited)
            self._ack([msg for msg, _ in found.applicable]))
        self._hold(found)

    async def _one_by_one(self, messages: list[Msg]) -> None:
        """A batch failed on working infrastructure: find the event(s) at fault."""
        found = await asyncio.to_thread(self._decoded, messages)
        decoded = found.applicable
        for msg, envelope, exc in found.refused:
            await self._dead_letter(msg, envelope, exc)
        # Those waiting their turn are kept alive too: one event paused by an outage would
        # otherwise leave the rest of the batch without a signal as long, and redelivered.
        # In the order they are tried: each leaves the front as its turn comes, in constant
        # time (removed by value from a list, a batch of 2,048 cost a quadratic shuffle).
        waiting = deque(msg for msg, _ in decoded)
        async with self._kept_alive(waiting):
            for msg, envelope in decoded:
                waiting.popleft()  # kept alive by its own attempt from here, then settled
                if self._stop.is_set():
                    return  # the rest is redelivered after ack_wait and applied then
                await self._process_one(msg, envelope)
        self._hold(found)

    def _hold(self, found: _Decoded) -> None:
        """An event of a newer schema version stopped the batch: the consumer holds it and
        every message after it (`_let_go` gives them back to JetStream in order) and is
        paused, loudly, until it is upgraded (or a replica that is applies the event)."""
        if found.too_new is None:
            return
        msg, envelope, exc = found.too_new
        self._holding = list(found.held)
        hold = SchemaHold(
            consumer=self.durable, stream=self.stream, event_id=envelope.event_key,
            event_type=envelope.event_type, version=exc.version, known=exc.known,
            subject=msg.subject, stream_sequence=_stream_sequence(msg) or None,
            reason=exc.message)
        self.held = hold
        self._set_paused(True)
        if self._metrics:
            self._metrics.schema_too_new.labels(
                self.durable, self.stream, hold.event_type, str(hold.version)).set(1)
        if hold.event_id in self._reported:
            return
        self._reported[hold.event_id] = None
        if len(self._reported) > _REPORTED_KEPT:
            del self._reported[next(iter(self._reported))]
        log.error(
            "consumer_schema_too_new",
            consumer=self.durable,
            stream=self.stream,
            event_id=hold.event_id,
            event_type=hold.event_type,
            schema_version=hold.version,
            known_schema_version=hold.known,
            subject=hold.subject,
            stream_sequence=hold.stream_sequence,
            correlation_id=(msg.headers or {}).get(CORRELATION_HEADER),
            reason=hold.reason,
        )

    async def _let_go(self, puller: PullRequests) -> None:
        """Give the held messages back to JetStream in stream order: NAKed without a delay,
        they are redelivered before any new message, in the order they were NAKed, to
        whoever asks next (this consumer upgraded, a replica that knows the version): the
        held event first and the rest after it. First the requests still open are let run
        out, their messages held too: NAKed while one is open, a message would come straight
        back to it."""
        held = self._holding
        async with self._kept_alive(held):
            held.extend(await puller.last_of(self.fetch_expires_s + 1.0))
        self._holding = []
        for msg in sorted(held, key=_stream_sequence):
            await self._settle(msg.nak)

    async def _held_until_applied(self, stop: asyncio.Event) -> None:
        """Paused at a held event, asking nothing: until the consumer stops (to be started
        upgraded), or a replica that knows the event's version has applied it (then this one
        goes on from there: the event is skipped as processed)."""
        hold = self.held
        assert hold is not None
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=HELD_LOOK_S)
            if stop.is_set():
                return
            if await asyncio.to_thread(self._was_applied, hold.event_id):
                break
        self.held = None
        self._set_paused(False)
        if self._metrics:
            with contextlib.suppress(KeyError):
                self._metrics.schema_too_new.remove(
                    self.durable, self.stream, hold.event_type, str(hold.version))
        log.info("consumer_resumed", consumer=self.durable, reason="applied_elsewhere",
                 event_id=hold.event_id)

    def _was_applied(self, event_id: str) -> bool:
        """Whether this consumer's event was applied (by any replica). False when the database
        does not say: held, never skipped, on a doubt. A read: on SQLite it takes no
        writers' turn (`read_connection`), which a plain connection's BEGIN IMMEDIATE would,
        every few seconds while held."""
        try:
            with read_connection(self._engine) as conn:
                found = conn.execute(
                    select(processed_events_table.c.event_id).where(
                        processed_events_table.c.consumer == self.durable,
                        processed_events_table.c.event_id == event_id)).first()
        except Exception:
            return False
        return found is not None

    def _decoded(self, messages: list[Msg]) -> _Decoded:
        found = _decode(messages, self.projection.source_service, self._contract,
                        lambda envelope: self._was_applied(envelope.event_key))
        # Reported when applied (`_report_clamped`), not here: a redelivery of an event
        # applied already, every ack wait while a batch is retried, is decoded again.
        self._clamped = {envelope.event_key: (msg, envelope, published)
                         for msg, envelope, published in found.clamped}
        return found

    def _report_clamped(self, applied: Sequence[str]) -> None:
        """The operator's sign of a clock skew between a publisher and NATS (or a forgery):
        a warning and `danvan_consumer_recorded_clamped_total`, for each event of `applied`
        (just committed, for the first time by this consumer) that was applied as recorded
        at its publication, once per process (`_ClampsReported`). Not when it is found
        applied already (a redelivery, a replica's), which the warning and the count would
        otherwise repeat for one event, nor in every rebuild of the same process."""
        for event_id in applied:
            clamped = self._clamped.pop(event_id, None)
            if clamped is None or not _CLAMPS_REPORTED.first(self._service, event_id):
                continue
            msg, envelope, published = clamped
            log.warning(
                "event_recorded_after_published",
                consumer=self.durable,
                stream=self.stream,
                event_id=event_id,
                event_type=envelope.event_type,
                recorded_at=envelope.recorded_at.isoformat(),
                published_at=published.isoformat(),
                skew_s=round((in_utc(envelope.recorded_at) - published).total_seconds(), 3),
                stream_sequence=_stream_sequence(msg) or None,
            )
            if self._metrics:
                self._metrics.recorded_clamped.labels(self.durable).inc()

    async def _through_outages(self, messages: list[Msg], work: Callable[[], _T]) -> _T:
        """`work` (in a thread) until it is done, tried again after each outage's pause:
        its result. Raises what it raised on working infrastructure, and _Stopping when the
        consumer stops during a pause.

        `messages` are kept alive the whole time, the attempts, the outage checks and the
        pauses alike: one signal every third of the ack wait, never a gap. Kept alive by each
        attempt and each pause on its own, the count started afresh each time and nothing
        covered the check between them: up to two thirds of the ack wait plus the check
        (a slow connection attempt) passed unsignalled, and on a loaded machine a batch held
        through a database outage could be redelivered."""
        async with self._kept_alive(messages):
            while True:
                try:
                    return await asyncio.to_thread(work)
                except Exception as failure:
                    if not await self._outage(failure):
                        raise
                    if not await self._wait_for_database(failure):
                        raise _Stopping from failure

    @contextlib.asynccontextmanager
    async def _kept_alive(self, messages: Sequence[Msg]) -> AsyncIterator[None]:
        """While a batch is applied, tell JetStream the work goes on (`in_progress`), for the
        batch and for the next one already delivered, so a short ack_wait (a crashed
        consumer's messages come back within seconds) never redelivers live work."""
        beat = asyncio.create_task(self._heartbeat(messages))
        try:
            yield
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _heartbeat(self, messages: Sequence[Msg]) -> None:
        while True:
            await asyncio.sleep(self._ack_wait_s / 3)
            held = [*messages, *(self._puller.buffered() if self._puller else [])]
            try:
                for msg in held:
                    await msg.in_progress()
            except Exception:  # NATS away: the messages come back after ack_wait, harmless
                continue

    async def _outage(self, exc: BaseException) -> bool:
        """Whether a failure is the infrastructure's: by its kind, or because the database
        does not answer right after it."""
        if is_infrastructure_failure(exc):
            return True
        return not await asyncio.to_thread(self._database_answers)

    def _database_answers(self) -> bool:
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def _wait_for_database(self, exc: BaseException) -> bool:
        """Pause until the database answers, holding the messages (none of their attempts is
        spent; kept alive by the caller, `_through_outages`). False when the consumer is
        stopping meanwhile.

        The pause lasts until work is applied again (`_infrastructure_works`), not just until the
        database answers a ping: a database that answers and still fails the work (a lock held
        elsewhere, a failover in progress) keeps the consumer paused, the wait between tries
        growing to 5 s, with one log line when the pause begins and one when it ends."""
        loop = asyncio.get_running_loop()
        if self._paused_since is None:
            self._paused_since = loop.time()
            self._set_paused(True)
            log.warning("consumer_paused", consumer=self.durable, reason="infrastructure",
                        error=str(exc)[:500])
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._pause_backoff.next())
            if await asyncio.to_thread(self._database_answers):
                return True
        return False

    def _infrastructure_works(self) -> None:
        """Work was committed, or failed on its own account with the database answering: a
        pause, if any, is over."""
        if self._paused_since is None:
            return
        paused_s = asyncio.get_running_loop().time() - self._paused_since
        self._paused_since = None
        self._pause_backoff.reset()
        self._set_paused(False)
        log.info("consumer_resumed", consumer=self.durable, paused_s=round(paused_s, 1))

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        if self._metrics:
            self._metrics.consumer_paused.labels(self.durable).set(1 if paused else 0)

    @staticmethod
    async def _ack(messages: list[Msg]) -> None:
        for msg in messages:
            await msg.ack()

    async def _acks_sent(self) -> None:
        """Wait for the acks of the last applied batch. One that fails leaves its events to
        be redelivered after the ack wait, and skipped as processed."""
        acks, self._acks = self._acks, None
        if acks is None:
            return
        try:
            await acks
        except Exception as exc:
            log.warning("consumer_ack_failed", consumer=self.durable, error=str(exc))

    def _decode_and_apply(self, messages: list[Msg]) -> _Decoded:
        found = self._decoded(messages)
        if found.applicable:
            self._apply([envelope for _, envelope in found.applicable])
        return found

    async def _process_one(self, msg: Msg, envelope: EventEnvelope) -> None:
        event_id = str(envelope.event_id)
        try:
            await self._through_outages([msg], lambda: self._apply([envelope]))
        except _Stopping:
            return
        except Exception as exc:
            await self._failed_on_working_infrastructure(msg, envelope, exc)
            return
        self._infrastructure_works()
        self._failures.pop(event_id, None)
        await self._settle(msg.ack)

    async def _failed_on_working_infrastructure(
        self, msg: Msg, envelope: EventEnvelope, exc: Exception
    ) -> None:
        self._infrastructure_works()
        event_id = str(envelope.event_id)
        failures = self._failures.pop(event_id, 0) + 1
        self._failures[event_id] = failures  # last in the dict: the most recent failure
        if len(self._failures) > _FAILURES_KEPT:
            # An event that failed here and was applied by another replica leaves its count
            # behind; the oldest counts go first (a forgotten count only means more attempts).
            del self._failures[next(iter(self._failures))]
        if failures >= self._poison_attempts:
            await self._dead_letter(msg, envelope, exc, failures)
            return
        log.warning(
            "consumer_handler_failed",
            consumer=self.durable,
            event_id=event_id,
            failures=failures,
            error=str(exc),
        )
        delay = self._retry_delays[min(failures - 1, len(self._retry_delays) - 1)]
        await self._settle(msg.nak, delay=delay)

    async def _settle(self, action: Callable[..., Awaitable[None]], **kwargs: float) -> None:
        """An ack or NAK that cannot reach NATS is not an error: the message comes back
        after ack_wait and is skipped as processed, or tried again."""
        try:
            await action(**kwargs)
        except Exception as exc:
            log.warning("consumer_ack_failed", consumer=self.durable, error=str(exc))

    def _apply(self, envelopes: list[EventEnvelope]) -> None:
        ids = [e.event_key for e in envelopes]
        # What a projection appends is stamped in this transaction: a watermark waits for it
        # as for a command's (shared/inflight.py).
        with in_flight_of(self._engine).transaction(), self._engine.begin() as conn:
            processed = _ProcessedSql.for_dialect(conn.dialect)
            cursor = driver_of(conn).cursor()
            try:
                seen: set[str] = set()
                for some in in_lists(ids):
                    cursor.execute(processed.select(len(some)), [self.durable, *some])
                    seen.update(row[0] for row in cursor.fetchall())
                new_events: list[EventEnvelope] = []
                fresh: list[str] = []
                for envelope, event_id in zip(envelopes, ids, strict=True):
                    if event_id in seen:
                        continue
                    seen.add(event_id)
                    new_events.append(envelope)
                    fresh.append(event_id)
                appended = self.projection.apply(conn, new_events)
                if fresh:
                    now = processed.time(utcnow())
                    processed.insert.run(
                        cursor, [(self.durable, event_id, now) for event_id in fresh])
            finally:
                cursor.close()
        self.applied += len(fresh)
        if self._metrics and fresh:
            self._metrics.events_projected.labels(self.durable).inc(len(fresh))
        if self._clamped and fresh:
            self._report_clamped(fresh)
        if appended and self._on_appended is not None:
            self._on_appended(appended)

    async def _dead_letter(
        self,
        msg: Msg,
        envelope: EventEnvelope | None,
        exc: BaseException,
        failures: int = 1,
    ) -> None:
        """Record the event as dead and terminate it; terminated only once the record is
        committed. If the record cannot be written the message is left to JetStream (it
        comes back after a delay and meets the same decision)."""
        row = {
            "consumer": self.durable,
            "event_id": str(envelope.event_id) if envelope else None,
            "event_type": envelope.event_type if envelope else None,
            "subject": msg.subject,
            "stream_sequence": msg.metadata.sequence.stream if msg.metadata.sequence else None,
            "deliveries": failures,
            "error": "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000],
            # Kept readable and storable: PostgreSQL text cannot hold NUL bytes.
            "data": msg.data.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00"),
            "recorded_at": utcnow(),
        }
        try:
            await asyncio.to_thread(self._store_dead_letter, row)
        except Exception as store_failure:
            log.warning(
                "consumer_dead_letter_not_written",
                consumer=self.durable,
                event_id=row["event_id"],
                error=str(store_failure)[:500],
            )
            await self._settle(msg.nak, delay=self._retry_delays[-1])
            return
        if envelope is not None:
            self._failures.pop(str(envelope.event_id), None)
        log.error(
            "event_dead_lettered",
            consumer=self.durable,
            event_id=row["event_id"],
            subject=msg.subject,
            deliveries=failures,
            error=row["error"],
            correlation_id=(msg.headers or {}).get(CORRELATION_HEADER),
        )
        if self._metrics:
            self._metrics.dead_letters.labels(self.durable).inc()
        await self._settle(msg.term)

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
        self._durable_seen = False  # made again on purpose, not recovered
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(self.stream, self.durable)


async def consumers_behind(link: NatsLink, runners: Sequence[ConsumerRunner]) -> list[str]:
    """The durables of `runners` whose stream holds messages they have not applied yet: still
    to deliver (`num_pending`) or delivered and not acked (`num_ack_pending`). A runner acks
    only after the batch's effects are committed, and terminates a poison message only after
    its dead letter is, so both at 0 means every message published so far is in the read
    model or among the dead letters. NATS away (or a durable missing): every runner asked is
    counted as behind, nothing shows that it is not."""
    js = link.js
    if js is None or not link.connected:
        return [runner.durable for runner in runners]
    behind: list[str] = []
    for runner in runners:
        try:
            info = await js.consumer_info(runner.stream, runner.durable)
        except Exception:  # NATS away, timed out, the durable gone: not shown caught up
            behind.append(runner.durable)
            continue
        if info.num_pending or info.num_ack_pending:
            behind.append(runner.durable)
    return behind


async def wait_caught_up(
    link: NatsLink, runners: Sequence[ConsumerRunner], bound_s: float, poll_s: float = 0.05,
) -> list[str]:
    """Wait up to `bound_s` for `runners` to apply everything published to their streams so
    far; returns those still behind at the end (empty: all caught up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound_s
    while True:
        remaining = deadline - loop.time()
        try:
            behind = await asyncio.wait_for(consumers_behind(link, runners),
                                            timeout=max(remaining, poll_s))
        except TimeoutError:
            return [runner.durable for runner in runners]
        if not behind or loop.time() + poll_s > deadline:
            return behind
        await asyncio.sleep(poll_s)
