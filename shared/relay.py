"""The outbox relay: publishes committed events to JetStream, in commit order, exactly once.

Each event is published with `Nats-Msg-Id` = event id, so a republish after a crash between
the ack and the mark is dropped by the stream's duplicate window. An outbox row is marked
only after its publish ack; while NATS is away the relay backs off and catches up later.

At its start and after every reconnection to NATS, before publishing anything, the relay
compares its stream with what its outbox says was published (`shared.republish.restore_stream`,
the rule `--after-stream` uses): a stream that lost events (NATS's store wiped, the stream
deleted and made again, restored from an older backup) is made again if gone, and the
published events it lacks are marked unpublished, so they go out again first, in position
order, with their ids. A warning `stream_behind_store` gives the counts.

The stream can also lose its events while the service stays connected (`nats stream rm`, or
rm and a restore from an older backup, OPERATIONS.md §6.2): nothing reconnects then. So the
relay compares again whenever its stream is not the one it last published to: a publish
answered "no stream" (503 no responders), or refused because the stream's last sequence is
not the one the relay's last acknowledgement gave (the first event of each round carries
`Nats-Expected-Last-Sequence`; a stream restored from an older backup ends before it). The
refused event is not stored, so what the stream lacks goes out first, in position order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import Header, PubAck, StreamConfig
from nats.js.errors import APIError, NoStreamResponseError, NotFoundError
from sqlalchemy import Connection, Dialect, Engine, func, select, text

from shared.aggregate import ConnectionSource
from shared.clock import in_utc
from shared.commandthreads import writer_thread
from shared.db import advisory_key, read_connection
from shared.driversql import IN_LIST_SIZE, bind_processor, driver_of, in_lists, placeholder
from shared.envelope import HEAD_FIELDS, STORED_FIELDS, fields_of_type, utcnow, wire_json
from shared.eventstore import outbox_table
from shared.inflight import in_flight_of
from shared.logs import get_logger
from shared.metrics import ServiceMetrics
from shared.natsconn import NatsLink
from shared.outage import RECONNECT_FIRST_S, RECONNECT_MAX_S, Backoff
from shared.republish import StoreOwnership, restore_stream
from shared.streams import ensure_stream, stream_exists
from shared.watermark import Watermark, WatermarkConfig, ask_subject, last_sequence, now_text
from shared.watermark import write as write_watermark

log = get_logger("danvan.relay")

CORRELATION_HEADER = "X-Correlation-Id"
_T = TypeVar("_T")
EVENT_TYPE_HEADER = "X-Event-Type"


class RelayPublishError(RuntimeError):
    pass


class StreamChanged(RelayPublishError):
    """The stream is gone, or not the one the relay last published to (its last sequence
    differs): it is compared with the outbox again before anything else is published."""


# JetStream's error code for a publish whose Nats-Expected-Last-Sequence is not the stream's.
WRONG_LAST_SEQUENCE = 10071


def _stream_changed(exc: BaseException | None) -> bool:
    if isinstance(exc, NoStreamResponseError):
        return True
    return isinstance(exc, APIError) and exc.err_code == WRONG_LAST_SEQUENCE


@dataclass(frozen=True)
class OutboxItem:
    position: int
    subject: str
    body: bytes
    headers: dict[str, str]


def headers_for(event_id: str, event_type: str, correlation_id: str | None) -> dict[str, str]:
    headers = {"Nats-Msg-Id": event_id, EVENT_TYPE_HEADER: event_type}
    if correlation_id:
        headers[CORRELATION_HEADER] = correlation_id
    return headers


# The stored fields of a pending event (`STORED_FIELDS`, the position first), its subject.
_PENDING_COLUMNS = ("position", *(name for name in STORED_FIELDS if name != "position"))
# The position and the limit are parameters, not text: one statement the driver prepares
# once per connection (sqlite3's statement cache; psycopg's prepared statements), where a
# text of each round's numbers was parsed and planned again every round.
_PENDING_SQL = (
    "SELECT " + ", ".join(f"e.{name}" for name in _PENDING_COLUMNS) + ", o.subject"
    " FROM outbox o JOIN events e ON e.position = o.position"
    " WHERE o.published_at IS NULL AND o.position > {mark}"
    " ORDER BY o.position LIMIT {mark}"
)


class _MarkSql:
    """The relay's statements on the driver's cursor, written once per dialect: the pending
    rows' read, and their mark as published with the value SQLAlchemy would store."""

    def __init__(self, dialect: Dialect) -> None:
        self.mark = placeholder(dialect)
        self.pending = _PENDING_SQL.format(mark=self.mark)
        self.published_at = bind_processor(outbox_table.c.published_at, dialect)
        self._updates: dict[int, str] = {}

    def update(self, count: int) -> str:
        """`UPDATE ... IN (...)` for `count` positions: counts are padded to a power of two
        (the last position repeated), so few texts reach the statement cache."""
        text = self._updates.get(count)
        if text is None:
            marks = ", ".join([self.mark] * count)
            text = self._updates[count] = (
                f"UPDATE {outbox_table.name} SET published_at = {self.mark}"
                f" WHERE position IN ({marks})")
        return text


def _padded(positions: Sequence[int]) -> list[int]:
    size = 1
    while size < len(positions):
        size *= 2
    size = min(size, IN_LIST_SIZE)
    return [*positions, *[positions[-1]] * (size - len(positions))]
_TIMES = fields_of_type("datetime")


def _iso(value: Any) -> str:
    # SQLite hands back SQLAlchemy's stored text (naive UTC), PostgreSQL an aware datetime in
    # its session's zone: published in UTC either way, as the store holds it.
    if isinstance(value, str):
        return value.replace(" ", "T") + "+00:00"
    return str(in_utc(value).isoformat())


def _item(row: tuple[Any, ...], service: str) -> OutboxItem:
    # The same head as EventEnvelope.head(), built from the row without parsing the payload.
    *stored, subject = row
    values = dict(zip(_PENDING_COLUMNS, stored, strict=True), service=service)
    for name in _TIMES:
        values[name] = _iso(values[name])
    head = {name: values[name] for name in HEAD_FIELDS}
    position, event_id = values["position"], values["event_id"]
    return OutboxItem(
        position,
        subject,
        wire_json(head, values["payload"]),
        headers_for(event_id, head["event_type"], head["correlation_id"]),
    )


class PublishAcks:
    """Pipelined JetStream publishes whose acknowledgements come back into one subscription
    of a reply inbox of the relay's own, each as a future.

    nats-py's `publish_async` does the same with, per message, a task and a timer
    (`asyncio.wait_for` around its stall semaphore), two random bytes from the kernel, a
    done-callback and the stdlib JSON parser, about as much CPU on the loop as the rest of
    the relay's work per event. The relay never has more than one batch in flight and waits
    for it, so it needs no stall limit. The answers are read as nats-py reads them: no
    responders (503) is `NoStreamResponseError`, an `error` is `APIError` (its own class, as
    nats-py raises it), else a `PubAck`.
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        self._prefix = f"{client.new_inbox()}."
        self._cut = len(self._prefix)
        self._waiting: dict[str, asyncio.Future[Any]] = {}
        self._count = 0
        self._opened = False

    async def publish(
        self, subject: str, body: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        if not self._opened:
            # nats-py subscribes again by itself after a reconnection.
            await self.client.subscribe(f"{self._prefix}*", cb=self._answered)
            self._opened = True
        self._count += 1
        token = str(self._count)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[token] = future
        try:
            await self.client.publish(subject, body, reply=self._prefix + token, headers=headers)
        except BaseException:
            # Not sent (closed, its reconnect buffer full): the caller never holds the
            # future, so nothing would forget it; once per round of a long outage.
            del self._waiting[token]
            raise
        return future

    def forget_unanswered(self) -> None:
        """Drop the futures given up on (cancelled by the caller): an answer still to come
        finds none, as nats-py's finds its future done."""
        if self._waiting:
            self._waiting = {t: f for t, f in self._waiting.items() if not f.done()}

    async def _answered(self, msg: Msg) -> None:
        future = self._waiting.pop(msg.subject[self._cut :], None)
        if future is None or future.done():
            return
        if msg.headers and msg.headers.get(Header.STATUS) == "503":
            future.set_exception(NoStreamResponseError())
            return
        try:
            answer = orjson.loads(msg.data)
        except orjson.JSONDecodeError as exc:
            future.set_exception(exc)
            return
        if "error" not in answer:
            future.set_result(PubAck.from_response(answer))
            return
        try:
            # nats-py raises the error's own class from here (and so left its own
            # publish_async's future unanswered); the future gets it.
            APIError.from_error(answer["error"])
        except APIError as refused:
            future.set_exception(refused)


def _end_session(conn: Connection) -> None:
    """Close a lock's connection and its session with it (a session advisory lock lives as
    long as the session: back in the pool it would stay held). A stopped backend ends, and
    lets its lock go, once it goes on and finds its client gone."""
    with contextlib.suppress(Exception):
        conn.invalidate()
    with contextlib.suppress(Exception):
        conn.close()


def _landed(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _acknowledged(
    items: list[OutboxItem], futures: list[asyncio.Future[Any]]
) -> tuple[list[int], int, BaseException | None]:
    """Positions acknowledged before the first gap, the highest stream sequence among their
    acks (0: none), and what caused the gap."""
    acked: list[int] = []
    sequence = 0
    failure: BaseException | None = None
    for item, future in zip(items, futures, strict=False):
        if not future.done():
            failure = TimeoutError("no publish ack in time")
            break
        if future.cancelled() or future.exception() is not None:
            failure = None if future.cancelled() else future.exception()
            break
        acked.append(item.position)
        sequence = max(sequence, int(getattr(future.result(), "seq", 0) or 0))
    for future in futures[len(acked) :]:
        future.cancel()  # frees nats-py's pending-publish slots
    return acked, sequence, failure


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
        connections: ConnectionSource | None = None,
        stream: StreamConfig | None = None,
        watermarks: WatermarkConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        # The relay's timings' clock (monotonic seconds; tests give their own).
        self._clock = clock
        # Reads and marks through the units of work's kept connections (SQLite): a pool
        # checkout and its reset-on-return cost as much as the statement, twice per batch.
        self._connections = connections or ConnectionSource(engine)
        self._sql = _MarkSql(engine.dialect)
        self._link = link
        self._service = service
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._publish_timeout_s = publish_timeout_s
        self._metrics = metrics
        # Waits between attempts while NATS is away, (first, longest): doubled each failure.
        self.backoff_s = (RECONNECT_FIRST_S, RECONNECT_MAX_S)
        self._wake = asyncio.Event()
        # Set by the link coming (back) up and by the stop: ends a backoff wait, which
        # commits do not (see run).
        self._resume = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        # The leader's advisory locks, each held by a connection of its own (PostgreSQL): a
        # relay leads once it has both, and stays leader while either connection answers
        # (`_keep_leadership_if_alive`). `_retaken_at`: its last try to take a missing one.
        self._leader_keys = (advisory_key(f"danvan-relay-{service}"),
                             advisory_key(f"danvan-relay-{service}-second"))
        self._leader_conns: dict[int, Connection] = {}
        self._retaken_at = 0.0
        # Each lock connection's backend (its pid), and how often a leader asks the server
        # whether they still hold their locks (`_locks_still_held`), beside its rounds.
        self._leader_pids: dict[int, int] = {}
        self.lock_check_interval_s = 2.0
        self._locks_checked_at = 0.0
        # Events acknowledged by JetStream whose outbox rows are not marked yet (positions),
        # and when the first of them was. The running relay marks them together, once per
        # `mark_delay_s` or per batch: at a desk's pace every command is a batch of one, and a
        # write transaction per publish cost as much as the command's own. What a crash
        # leaves unmarked is published again and dropped by the stream's duplicate window,
        # as between an ack and its mark before.
        self.mark_delay_s = 0.1
        # SQLite: the first read of each round runs on the loop. A WAL reader waits for no
        # writer, and reading a few fresh rows costs less than the thread hop around it (at a
        # desk's pace, one per command). A server database is read in a thread.
        self.read_inline = engine.dialect.name == "sqlite"
        self._acked: list[int] = []
        self._acked_since = 0.0
        # A commit wakes the relay `gather_s` later, and the commits of that stretch wake it
        # once: they go out as one batch (one read, one write to NATS, one wake-up of the loop
        # from the writers' threads) instead of one each, and the relay's round no longer runs
        # on the loop between a command's commit and its answer. A round costs about what a
        # command's own work does, so at a desk's pace (a command every few ms) publishing each
        # commit by itself doubled the loop's time per command (in-process, one command every
        # 2 ms: 1.66 ms CPU per command; gathered over 5, 10, 20 ms: 1.22, 1.11, 1.04; NATS
        # away: 1.07). 10 ms keeps most of it for 10 ms more between a commit and its
        # publication, which the event-to-report latency (bench/latency.py) pays.
        self.gather_s = 0.01
        self._wake_due = False
        # The service's stream, compared with the outbox at the start and after each
        # reconnection (`check_stream`) while this is set; None: not compared.
        self._stream = stream
        self._check_due = stream is not None
        # Tells the stream's own events from foreign messages at each check, reporting each
        # foreign one once for the relay's life (made at the first check).
        self._ownership: StoreOwnership | None = None
        # The stream's last sequence as this relay left it (its check, then its acks): the
        # first event of each round must land right after it, or the stream changed under
        # the relay (see the module's docstring). None: not known, nothing expected.
        self._last_sequence: int | None = None
        # How often an idle relay looks at its stream (one stream info): deleted, or restored
        # from an older backup, while no command came, it is compared and filled then
        # rather than at the next publish, so the consumers and a rebuild find it whole.
        self.probe_interval_s = 30.0
        self._probed_at = self._clock()
        # Since when (`_clock`) publishing has failed without a success between:
        # /readyz says not ready once that lasts (`failing_for`). None: not failing.
        self.failing_since: float | None = None
        # Not leading: the oldest unpublished position last seen (`_watch_leader`).
        self._oldest_waiting: int | None = None
        # The relay's watermarks (shared/watermark.py; None: written by none): on a
        # finalisation's ask (`_asked`, set by the subscription on `_ask_client`) and every
        # `interval_s` when idle, after a round that began by reading the watermark stream.
        self._watermarks = watermarks
        self._asked = False
        self._answering_ask = False
        self._ask_client: Any = None
        self._watermark_at = 0.0
        self._from_sequence = 0
        self._published_position = 0
        self._watermark_failing = False
        # After a watermark's read or write failed, none is tried before `_watermark_retry_at`
        # (`_clock`), the wait doubling from OUTAGE_RETRY_FIRST_S to OUTAGE_RETRY_MAX_S; a
        # watermark written, or the link (back) up, ends it (see `_watermark_due`).
        self._watermark_retry_at = 0.0
        self._watermark_backoff = Backoff()
        # Publishes and their acknowledgements, on the link's client (made again for a new
        # client: the first connection, or a service that connected again from scratch).
        self._acks: PublishAcks | None = None

    def _publish_acks(self) -> PublishAcks:
        client = self._link.client
        assert client is not None
        if self._acks is None or self._acks.client is not client:
            self._acks = PublishAcks(client)
        return self._acks

    def notify(self) -> None:
        """Called from any thread after a commit: publish within `gather_s` rather than at the
        next poll. A commit that finds a wake-up already due leaves it be: that wake-up comes
        after this commit, so its read finds this commit's rows."""
        loop = self._loop
        if loop is None or self._wake_due:
            return
        self._wake_due = True
        loop.call_soon_threadsafe(self._wake_later)

    def _wake_later(self) -> None:
        asyncio.get_running_loop().call_later(self.gather_s, self._gathered)

    def _gathered(self) -> None:
        # Cleared before the wake-up is given: a commit from here on asks for another one.
        self._wake_due = False
        self._wake.set()

    def link_up(self) -> None:
        """Called on the loop when NATS is (back) up (NatsLink.when_up): publish what waited
        now, not after the backoff or the poll timer."""
        self._check_due = self._stream is not None
        self._last_sequence = None
        self._watermark_backoff_ended()
        self._resume.set()
        self._wake.set()

    def failing_for(self) -> float:
        """Seconds the relay has been failing to publish (0: it is not)."""
        since = self.failing_since
        return 0.0 if since is None else self._clock() - since

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake_due = False  # a wake-up asked of a previous run's loop is gone with it
        backoff = Backoff(*self.backoff_s)
        failing_since: float | None = None
        attempts = 0
        stopping = asyncio.create_task(self._wake_on(stop))
        try:
            while not stop.is_set():
                # Only a reconnection from this attempt on cuts the backoff after it short.
                self._resume.clear()
                if self._link.js is None:
                    # Never connected since the start (nats-py keeps the link's JetStream
                    # across reconnections, whose failures a round's publish reports). Not
                    # publishing counts as failing to publish: /readyz says so after
                    # RELAY_UNREADY_AFTER_S, the bound a just-started service gets too, its
                    # first connection usually coming within milliseconds. No round reads
                    # the outbox, so it is counted here for the gauge. Not logged: the link
                    # says why it cannot connect.
                    if self.failing_since is None:
                        self.failing_since = self._clock()
                    await self._count_outbox()
                    # A poll, not a backoff: nothing was tried. The first connection (link_up)
                    # or the stop ends it; a commit does not.
                    await self._wait(self._resume, self._poll_interval_s)
                    continue
                leading = False
                try:
                    leading = self._link.js is not None and await self._is_leader()
                    if leading:
                        since = await self._watermark_step(self._watermark_due())
                        # The transactions begun by the time the watermark stream was read
                        # (so after any ask it shows): see _settled.
                        begun = in_flight_of(self._engine).issued()
                        await self._publish_round()
                        if since is not None and await self._settled(begun):
                            await self._publish_round()  # what they committed meanwhile
                            await self._watermark_step(self._write_watermark(since, pending=0))
                        elif since is not None:  # tried: the next beat in its interval
                            self._watermark_at = self._clock()
                except Exception as exc:
                    attempts += 1
                    # What was acknowledged before the failure is marked (or, the database
                    # away, published again later and dropped as a duplicate).
                    with contextlib.suppress(Exception):
                        await self._mark_off_loop()
                    # A database that restarted took the advisory locks with the sessions:
                    # lead again only once they are ours again; a lock's connection that
                    # does not answer is given up, the other kept (_keep_leadership_if_alive).
                    await asyncio.to_thread(self._keep_leadership_if_alive)
                    # The round may have failed before its read of the outbox: the gauge
                    # and the watermark say what is left.
                    pending = await self._count_outbox()
                    # Reachable but not publishing: its watermark says what is left.
                    with contextlib.suppress(Exception):
                        await self._write_failing_watermark(pending)
                    if failing_since is None:  # one line when the trouble starts
                        failing_since = self._loop.time()
                        log.warning("relay_unavailable", error=str(exc)[:500])
                    if self.failing_since is None:  # else failing since it could not connect
                        self.failing_since = self._clock()
                    # Commits do not cut this wait short: while NATS is away every commit
                    # would otherwise start another attempt (a retry storm at full load),
                    # and the backoff would never grow.
                    await self._sleep(stop, backoff.next(), wake_on_commit=False)
                    continue
                if not leading:
                    await self._watch_leader()
                    await self._sleep(stop, self._poll_interval_s)
                    continue
                self._oldest_waiting = None
                if failing_since is not None:  # and one when it ends
                    log.info(
                        "relay_recovered",
                        attempts=attempts,
                        unavailable_s=round(self._loop.time() - failing_since, 1),
                    )
                    failing_since, attempts = None, 0
                    backoff.reset()
                self.failing_since = None
                # Acknowledged events still unmarked: back when their mark is due.
                await self._sleep(
                    stop, self.mark_delay_s if self._acked else self._poll_interval_s
                )
        finally:
            self.failing_since = None
            stopping.cancel()
            with contextlib.suppress(Exception):
                await self._mark_off_loop()
            await asyncio.to_thread(self._release_leadership)

    async def _watermark_step(self, step: Coroutine[Any, Any, _T]) -> _T | None:
        """A watermark's read or write: its trouble (the stream refused, a permission
        missing) never holds back the events, it only leaves the watermark unwritten (a
        finalisation then names the service). One warning per run of failures: the run ends
        with a watermark written (`_write_watermark`), not with a step that returns, which
        may have tried nothing (the beat not due) or only read (its write then failing)."""
        try:
            return await step
        except Exception as exc:
            if not self._watermark_failing:
                self._watermark_failing = True
                log.warning("relay_watermark_failed", error=str(exc)[:500])
            self._watermark_retry_at = self._clock() + self._watermark_backoff.next()
            return None

    def _watermark_backoff_ended(self) -> None:
        self._watermark_retry_at = 0.0
        self._watermark_backoff.reset()

    async def _watermark_due(self) -> int | None:
        """When a watermark is due (asked, or the idle beat), the watermark stream's last
        sequence, read before the round's outbox read; else None. Subscribes to the asks on
        each new connection (nats-py keeps a subscription across reconnections).

        After a failed read or write the beat waits out its backoff (`_watermark_step`): tried
        at every poll, twice a second, a JetStream outage cost a refused request each time.
        The first try after JetStream is back comes within the wait then running, at once
        after the link comes back up (`link_up`) or a finalisation asks (its bound is short,
        and its asks come every ASK_AGAIN_S at most)."""
        config, js, client = self._watermarks, self._link.js, self._link.client
        if config is None or js is None or not self._link.connected:
            return None
        if client is not None and client is not self._ask_client:
            await client.subscribe(ask_subject(config.subject_root), cb=self._on_ask)
            self._ask_client = client
        now = self._clock()
        if not self._asked and (now - self._watermark_at < config.interval_s
                                or now < self._watermark_retry_at):
            return None
        self._answering_ask, self._asked = self._asked, False  # a later ask: the next round
        try:
            self._from_sequence = await last_sequence(js, config.subject_root)
        except NotFoundError:
            await ensure_stream(js, config.stream)
            self._from_sequence = await last_sequence(js, config.subject_root)
        return self._from_sequence

    async def _settled(self, begun: int) -> bool:
        """Whether the write transactions begun (`begun`: their last ticket) by the time the
        watermark stream's sequence was read, and so before any ask it shows, have ended: then
        every event stamped before the ask is committed, and published by the round that
        follows (finding L6, shared/inflight.py). Answering an ask, waited for up to
        `publish_timeout_s` (the events already committed went out first); on the idle beat
        not waited for. Still open: no watermark this round, and a finalisation that asked
        names the service (503)."""
        bound = self._publish_timeout_s if self._answering_ask else 0.0
        return await in_flight_of(self._engine).settled(begun, bound)

    async def _on_ask(self, _message: Any) -> None:
        self._asked = True
        self._wake.set()

    async def _write_watermark(self, since: int, pending: int) -> None:
        config, js = self._watermarks, self._link.js
        if config is None or js is None:
            return
        watermark = Watermark(
            service=self._service, from_sequence=since, pending=pending,
            published_sequence=self._last_sequence or 0,
            published_position=self._published_position, written_at=now_text(),
        )
        await write_watermark(js, config.subject_root, watermark, self._publish_timeout_s)
        self._watermark_at = self._clock()
        self._watermark_failing = False
        self._watermark_backoff_ended()

    async def _write_failing_watermark(self, pending: int | None) -> None:
        """After a failed round, NATS still reachable (JetStream refusing or slow, the
        database away): a watermark with what the outbox still holds (`pending`), never 0.
        None when the database could not say: no watermark then."""
        if self._watermarks is None or not self._link.connected or pending is None:
            return
        await self._write_watermark(self._from_sequence, pending=max(pending, 1))

    async def _count_outbox(self) -> int | None:
        """The outbox's unpublished rows, shown by `danvan_outbox_pending` (a round sets it
        from its own read); None when the database cannot say (the gauge left as it was).
        One count on the outbox's partial index, once per poll or backoff."""
        try:
            pending = await asyncio.to_thread(self.pending_count)
        except Exception:
            return None
        if self._metrics:
            self._metrics.outbox_pending.set(pending)
        return pending

    async def _publish_round(self) -> None:
        """One round of the running relay: the stream compared first when due, then what is
        pending published. A stream found changed while publishing is compared at once and
        the round goes on; changed again, the round fails and the next one compares it."""
        if not self._check_due and self._clock() - self._probed_at >= self.probe_interval_s:
            self._probed_at = self._clock()
            self._check_due = await self._stream_moved()
        if self._check_due:
            await self.check_stream()
        try:
            await self.publish_pending(defer_marks=True)
        except StreamChanged as exc:
            self._check_due = self._stream is not None
            self._last_sequence = None
            if not self._check_due:
                raise
            log.warning("stream_changed", stream=self._stream_name, error=str(exc)[:500])
            await self.check_stream()
            await self.publish_pending(defer_marks=True)

    async def _stream_moved(self) -> bool:
        """Whether the stream is gone or its last sequence is not the relay's (known)."""
        js, name = self._link.js, self._stream_name
        if js is None or name is None or self._last_sequence is None:
            return False
        try:
            info = await js.stream_info(name)
        except NotFoundError:
            return True
        return (info.state.last_seq or 0) != self._last_sequence

    @property
    def _stream_name(self) -> str | None:
        return self._stream.name if self._stream is not None else None

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._resume.set()
        self._wake.set()

    async def _sleep(
        self, stop: asyncio.Event, seconds: float, wake_on_commit: bool = True
    ) -> None:
        if not wake_on_commit:
            # Only the link coming back (or the stop) ends a backoff early. A reconnection
            # during the attempt that failed counts: that attempt may have raced it.
            await self._wait(self._resume, seconds)
            return
        # The relay's idle wait between commits, once per published batch: a timer and the
        # one event a commit (or the stop, see run) sets. Waiting on `stop` too through
        # asyncio.wait cost two tasks made and cancelled each time (bench/http.py).
        # The event is cleared when the wait ends, not when it begins: a commit notified
        # while the last batch was being published is not forgotten (it used to wait for
        # the next poll, half a second later).
        await self._wait(self._wake, seconds)

    @staticmethod
    async def _wait(event: asyncio.Event, seconds: float) -> None:
        """Until `event` is set or `seconds` pass; the event cleared when the wait ends."""
        if not event.is_set():
            timer = asyncio.get_running_loop().call_later(seconds, event.set)
            try:
                await event.wait()
            finally:
                timer.cancel()
        event.clear()

    async def publish_pending(self, *, defer_marks: bool = False) -> int:
        """Publish pending outbox rows until none is left; return how many were acknowledged.

        The next batch is read while the current one waits for its acks, so the database and
        the network overlap. A batch is marked only up to its first unacknowledged event;
        with `defer_marks` (the running relay) marks wait until due (`mark_delay_s`).
        """
        js = self._link.js
        if js is None:
            return 0
        total = 0
        # Rows acknowledged but not marked yet are pending in the table: not sent again.
        # SQLite commits its writers one after another, positions in commit order, so every
        # row up to the last one acknowledged was read before: the read starts after it.
        # On a server database a lower position can commit later: those rows are skipped.
        after = 0
        skip: frozenset[int] = frozenset()
        if self._acked:
            if self._engine.dialect.name == "sqlite":
                after = max(self._acked)
            else:
                skip = frozenset(self._acked)
        if self.read_inline:
            items = self._fetch_pending(after, skip)
        else:
            items = await asyncio.to_thread(self._fetch_pending, after, skip)
        if self._metrics:
            self._metrics.outbox_pending.set(len(items))
        # The round's first event lands right after the relay's last one or not at all.
        expected = self._last_sequence
        acks = self._publish_acks()
        while items:
            futures: list[asyncio.Future[Any]] = []
            failure: BaseException | None = None
            waited_out = False
            try:
                for item in items:
                    if expected:
                        # Through the relay's own acknowledgements like the rest, which hand
                        # a refusal to its future (PublishAcks._answered): as a JetStream
                        # request (js.publish: a new future, wait_for's task and timer, the
                        # stdlib parser) it cost a third of the relay's time on the loop,
                        # and at a desk's pace every round is one event, its first.
                        first = await acks.publish(
                            item.subject, item.body,
                            {**item.headers, Header.EXPECTED_LAST_SEQUENCE: str(expected)})
                        futures.append(first)
                        expected = None
                        if len(items) > 1:
                            # Its answer first: refused, the rest must not land either.
                            await asyncio.wait((first,), timeout=self._publish_timeout_s)
                            if not _landed(first):
                                waited_out = not first.done()
                                break
                        continue
                    futures.append(await acks.publish(item.subject, item.body, item.headers))
            except Exception as exc:
                # Reported once by run() with the gap below, not once per attempt.
                failure = exc
            prefetch = None
            if len(items) == self._batch_size and len(futures) == len(items):
                prefetch = asyncio.ensure_future(
                    asyncio.to_thread(self._fetch_pending, items[-1].position, skip)
                )
            if futures and not waited_out:
                await asyncio.wait(futures, timeout=self._publish_timeout_s)
            acked, sequence, gap = _acknowledged(items, futures)
            acks.forget_unanswered()
            failure = failure or gap
            if sequence and self._last_sequence is not None:
                self._last_sequence = max(self._last_sequence, sequence)
            if acked:
                if not self._acked:
                    self._acked_since = self._clock()
                self._acked.extend(acked)
                self._published_position = max(self._published_position, *acked)
                if not defer_marks or self._marks_due():
                    await self._mark_off_loop()
                total += len(acked)
                if self._metrics:
                    self._metrics.events_published.inc(len(acked))
            if failure is not None or len(acked) < len(items):
                if prefetch is not None:
                    await asyncio.gather(prefetch, return_exceptions=True)
                # Stop at the first gap: later events wait, so per-aggregate order holds.
                error = StreamChanged if _stream_changed(failure) else RelayPublishError
                raise error(f"published {len(acked)} of {len(items)}: {failure!r}")
            items = await prefetch if prefetch is not None else []
        if self._acked and self._marks_due():
            await self._mark_off_loop()
        return total

    async def check_stream(self) -> int:
        """Compare the stream with the outbox and mark what it lacks for publishing again
        (`shared.republish.restore_stream`); how many events were marked. Made again first
        when it is gone (a NATS server that lost its store comes back without it)."""
        js, config = self._link.js, self._stream
        if js is None or config is None or config.name is None:
            return 0
        # What was acknowledged is marked first: it counts as published.
        await self._mark_off_loop()
        if not await stream_exists(js, config.name):
            await ensure_stream(js, config)
        if self._ownership is None:
            self._ownership = StoreOwnership(self._engine, self._service, config.name,
                                             self._metrics)
        found = await restore_stream(js, self._engine, config.name, self._ownership)
        self._check_due = False
        self._last_sequence = found.holding.last_sequence
        if found.missing:
            log.warning(
                "stream_behind_store",
                stream=config.name,
                stream_messages=found.holding.messages,
                stream_first_position=found.holding.first_position,
                stream_last_position=found.holding.last_position,
                published=found.published.count,
                republishing=len(found.missing),
                first=found.missing[0],
                last=found.missing[-1],
            )
            if self._metrics:
                self._metrics.events_restored.inc(len(found.missing))
        return len(found.missing)

    async def _mark_off_loop(self) -> None:
        """`_mark_acked` off the event loop. On SQLite it runs in the database's writer thread
        (shared.commandthreads.writer_thread), between two commands, as one more call in their
        queue: run in a thread of its own, the mark took the writers' turn from that thread, so
        a command arriving meanwhile waited for a thread that itself waited to be scheduled
        and for the interpreter's lock, the turn held all the while (a mark took 0.5 ms at
        the median, 40-58 ms at its p99 on a loaded machine, bench/http.py), and every mark
        woke a thread of the loop's default executor and then the loop. A mark not begun
        within the busy timeout is refused as a writer's wait would be: its positions stay
        acknowledged and are marked with the next one. PostgreSQL's marks keep their thread."""
        writer = writer_thread(self._engine)
        if writer is None:
            await asyncio.to_thread(self._mark_acked)
        else:
            await writer.run(self._mark_acked)

    def _marks_due(self) -> bool:
        return (
            len(self._acked) >= self._batch_size
            or self._clock() - self._acked_since >= self.mark_delay_s
        )

    def _mark_acked(self) -> None:
        """Mark the acknowledged rows. A mark refused (the database away, its disk full) leaves
        them acknowledged, marked with the next mark and not read as pending meanwhile: they
        used to be read again and published again at each retry, dropped by the stream's
        duplicate window only while it lasted (2 minutes); with SQLite's disk full and NATS
        storing, every retry past it would have stored each of them again (examiner-outage)."""
        positions, self._acked = self._acked, []
        if not positions:
            return
        try:
            self._mark_published(positions)
        except BaseException:
            self._acked = positions + self._acked
            raise

    def _fetch_pending(
        self, after_position: int, skip: frozenset[int] = frozenset()
    ) -> list[OutboxItem]:
        conn = self._connections.acquire()
        try:
            cursor = driver_of(conn).cursor()
            try:
                cursor.execute(self._sql.pending,
                               (int(after_position), int(self._batch_size + len(skip))))
                rows = [row for row in cursor.fetchall() if row[0] not in skip]
                return [_item(tuple(row), self._service) for row in rows[: self._batch_size]]
            finally:
                cursor.close()
        finally:
            self._connections.release(conn)

    def _mark_published(self, positions: list[int]) -> None:
        sql = self._sql
        published_at = sql.published_at(utcnow())
        with self._connections.transaction() as conn:
            cursor = driver_of(conn).cursor()
            try:
                for chunk in in_lists(positions):
                    padded = _padded(chunk)
                    cursor.execute(sql.update(len(padded)), (published_at, *padded))
            finally:
                cursor.close()

    async def _is_leader(self) -> bool:
        """On PostgreSQL several replicas share one outbox; advisory locks pick the relay
        (`_leader_keys`). A leader missing one of its locks tries to take it again first, at
        most once per poll."""
        if self._engine.dialect.name != "postgresql":
            return True
        if (self._leader_conns
                and self._clock() - self._locks_checked_at >= self.lock_check_interval_s):
            await asyncio.to_thread(self._locks_still_held)
        if self._leader_conns:
            if (len(self._leader_conns) < len(self._leader_keys)
                    and self._clock() - self._retaken_at >= self._poll_interval_s):
                await asyncio.to_thread(self._retake)
            return True
        return await asyncio.to_thread(self._try_lead)

    def _lock_on_new_connection(self, key: int) -> Connection | None:
        """A connection of its own holding the session advisory lock `key`; None: another
        session holds it."""
        conn = self._engine.connect()
        try:
            got, pid = conn.execute(
                text("SELECT pg_try_advisory_lock(:k), pg_backend_pid()"), {"k": key}).one()
            conn.commit()
        except BaseException:
            _end_session(conn)
            raise
        if got:
            self._leader_pids[key] = int(pid)
            return conn
        conn.close()  # holds nothing: back to the pool
        return None

    def _try_lead(self) -> bool:
        """Lead if both locks are had, each on a connection of its own; else hold none."""
        conns: dict[int, Connection] = {}
        try:
            for key in self._leader_keys:
                conn = self._lock_on_new_connection(key)
                if conn is None:
                    break
                conns[key] = conn
        finally:
            if len(conns) < len(self._leader_keys):
                for conn in conns.values():
                    _end_session(conn)
        if len(conns) < len(self._leader_keys):
            return False
        self._leader_conns = conns
        # Another replica led until now: its checks are not this one's.
        self._check_due = self._stream is not None
        log.info("relay_leader", service=self._service)
        return True

    def _retake(self) -> None:
        """Take again, each on a new connection, the locks whose connection was given up:
        one held by this relay's own stopped backend is free once that backend ends."""
        self._retaken_at = self._clock()
        for key in self._leader_keys:
            if key not in self._leader_conns:
                with contextlib.suppress(Exception):
                    conn = self._lock_on_new_connection(key)
                    if conn is not None:
                        self._leader_conns[key] = conn
                        log.info("relay_leader_lock_retaken", service=self._service)

    def _keep_leadership_if_alive(self) -> None:
        """After a failed round: each lock's connection asked (within DATABASE_WORK_WAIT_S).
        A database that restarted took the locks with the sessions: none answers, the relay
        leads again only once the locks are its own again. One that does not answer is given
        up, and the relay goes on leading while another answers: its backend, stopped
        (SIGSTOP), holds its lock until it ends, so no other relay can have both meanwhile,
        and the relay's own holds the other. Leading needed the one connection before, which
        a stopped backend kept locked for any relay: none led, for as long as it stayed
        stopped (examiner)."""
        if not self._leader_conns:
            return
        alive: dict[int, Connection] = {}
        for key, conn in self._leader_conns.items():
            try:
                conn.execute(text("SELECT 1"))
                conn.commit()
                alive[key] = conn
            except Exception:
                _end_session(conn)
        if not alive:
            self._leader_conns = {}
            log.info("relay_leadership_lost", service=self._service)
            return
        if len(alive) < len(self._leader_conns):
            log.warning("relay_leader_lock_unanswered", service=self._service,
                        held=len(alive), of=len(self._leader_keys))
        self._leader_conns = alive
        self._retake()

    def _locks_still_held(self) -> None:
        """Asks the server, on a connection of the pool, whether each lock's backend still
        holds its lock, and gives up the connections whose backend no longer does: a backend
        ended by the server (pg_terminate_backend, idle_session_timeout, a crash of that
        backend) let its lock go, while the relay's rounds, on other connections, went on
        succeeding, so it led on without it; with both gone a replica took both and two
        relays led, each believing it alone did, until a round of the first failed
        (examiner-outage). A backend stopped (SIGSTOP) still holds its lock and is kept, as
        `_keep_leadership_if_alive` keeps it. A server that does not answer leaves them as
        they are: the round's own failure deals with it."""
        self._locks_checked_at = self._clock()
        pids = {self._leader_pids.get(key, -1): key for key in self._leader_conns}
        try:
            with read_connection(self._engine) as conn:
                held = conn.execute(text(
                    "SELECT pid, (classid::bigint << 32) | objid::bigint FROM pg_locks"
                    " WHERE locktype = 'advisory' AND granted AND objsubid = 1"
                    " AND pid = ANY(:pids)"), {"pids": list(pids)}).all()
        except Exception:
            return
        still = {(int(pid), int(key)) for pid, key in held}
        lost = [key for pid, key in pids.items() if (pid, key) not in still]
        for key in lost:
            _end_session(self._leader_conns.pop(key))
            self._leader_pids.pop(key, None)
        if lost and not self._leader_conns:
            log.warning("relay_leadership_lost", service=self._service, reason="locks_gone")
        elif lost:
            log.warning("relay_leader_lock_gone", service=self._service,
                        held=len(self._leader_conns), of=len(self._leader_keys))

    def _release_leadership(self) -> None:
        conns, self._leader_conns = self._leader_conns, {}
        for conn in conns.values():
            _end_session(conn)

    async def _watch_leader(self) -> None:
        """Another relay leads, or none can (PostgreSQL): the outbox's oldest unpublished event
        that stays the same is no leader publishing, which /readyz says after
        RELAY_UNREADY_AFTER_S as for a relay failing to publish (`failing_since`). A leader's
        backend stopped (SIGSTOP) holds the advisory lock while its relay gave up leading:
        no relay could lead, commands were still taken and /readyz said the relay was fine
        (examiner). A database that cannot say leaves it as it was: its own check says why."""
        try:
            oldest = await asyncio.to_thread(self._oldest_pending)
        except Exception:
            return
        if oldest is None or (self._oldest_waiting is not None and oldest != self._oldest_waiting):
            self.failing_since = None  # published (or newly committed below it) meanwhile
        self._oldest_waiting = oldest
        if oldest is not None and self.failing_since is None:
            self.failing_since = self._clock()

    def _oldest_pending(self) -> int | None:
        with read_connection(self._engine) as conn:
            oldest = conn.execute(
                select(func.min(outbox_table.c.position))
                .where(outbox_table.c.published_at.is_(None))
            ).scalar_one()
        return None if oldest is None else int(oldest)

    def pending_count(self) -> int:
        with read_connection(self._engine) as conn:
            return int(
                conn.execute(
                    select(func.count()).where(outbox_table.c.published_at.is_(None))
                ).scalar_one()
            )
