"""The consumer runner: exactly-once effect, dead letters, rebuild by replay."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import nats
import psycopg
import pytest
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from shared.consumer import (
    Projection,
    consumers_behind,
    dead_letters_table,
    processed_events_table,
)
from shared.envelope import EventEnvelope, EventRegistry
from shared.natsserver import NatsServer
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.streams import durable_drained, ensure_stream, stream_config
from tests.integration.helpers import eventually, upgraded_contracts
from tests.integration.rebuilds import counts_unmade

metadata = MetaData()
tally = Table(
    "tally",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("aggregate_id", String(50), nullable=False),
    Column("value", Integer, nullable=False),
)


def _count_up(conn: Connection, event: EventEnvelope) -> None:
    conn.execute(
        insert(tally), {"aggregate_id": event.aggregate_id, "value": event.payload["value"]}
    )


def _explode(conn: Connection, event: EventEnvelope) -> None:
    _count_up(conn, event)  # written, then rolled back with the failure
    raise RuntimeError("this handler cannot take this event")


# An outage as the driver reports it: the server went away under a statement.
_lost_connections = {"left": 0}


def _lost_connection(conn: Connection, event: EventEnvelope) -> None:
    if _lost_connections["left"] > 0:
        _lost_connections["left"] -= 1
        raise OperationalError(
            "INSERT INTO tally", {}, psycopg.OperationalError("server closed the connection")
        )
    _count_up(conn, event)


# The ack wait of the slow batch's test, and each of its events' work (longer). Not shorter:
# the runner's in_progress beat (a third of the ack wait) must come in time on a loaded CI
# machine, where a 1 s wait left a stalled loop a third of a second to spare.
SLOW_ACK_WAIT_S = 2.0


def _slow(conn: Connection, event: EventEnvelope) -> None:
    time.sleep(SLOW_ACK_WAIT_S * 1.2)
    _count_up(conn, event)


def _projection() -> Projection:
    return Projection(
        name="tally",
        source_service="religion",
        handlers={"Counted": _count_up, "Broken": _explode, "Flaky": _lost_connection,
                  "Slow": _slow,
                  # Of religion's contract: checked against it (schema versions).
                  "SiteRegistered": _count_up},
        tables=[tally],
    )


#: The payload of this file's events, as a contract states it (`upgraded_contracts`).
_TALLIED = {"type": "object", "properties": {"value": {"type": "integer"}},
            "required": ["value"], "additionalProperties": False}


def _envelope(event_type: str, aggregate_id: str, version: int, value: int) -> EventEnvelope:
    now = datetime.now(UTC)
    return EventEnvelope(
        event_id=uuid4(), event_type=event_type, schema_version=1, service="religion",
        aggregate_type="thing", aggregate_id=aggregate_id, aggregate_version=version,
        occurred_at=now, recorded_at=now, actor="tester", payload={"value": value},
    )


class Publisher:
    def __init__(self, url: str, root: str) -> None:
        self.url, self.root = url, root

    async def publish(self, envelope: EventEnvelope, msg_id: str | None = None) -> None:
        client = await nats.connect(self.url)
        js = client.jetstream()
        await ensure_stream(js, stream_config(self.root, "religion"))
        await js.publish(
            envelope.subject(self.root),
            envelope.to_json(),
            headers={"Nats-Msg-Id": msg_id or str(envelope.event_id)},
        )
        await client.close()

    async def publish_raw(self, subject: str, data: bytes) -> None:
        client = await nats.connect(self.url)
        js = client.jetstream()
        await ensure_stream(js, stream_config(self.root, "religion"))
        await js.publish(f"{self.root}.{subject}", data)
        await client.close()


@pytest.fixture
def publisher(nats_server: NatsServer, subject_root: str) -> Publisher:
    return Publisher(nats_server.url, subject_root)


@pytest.fixture
def runtime(settings_factory: Callable[..., Settings]) -> Iterator[ServiceRuntime]:
    settings = settings_factory("reporting", consumer_poison_attempts=3)
    yield ServiceRuntime(
        settings, EventRegistry("reporting"), metadata=[metadata], projections=[_projection()]
    )


def _rows(runtime: ServiceRuntime, table: Table) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _tally(runtime: ServiceRuntime) -> list[tuple[str, int]]:
    with runtime.engine.connect() as conn:
        return [
            (r.aggregate_id, r.value)
            for r in conn.execute(select(tally).order_by(tally.c.aggregate_id, tally.c.value))
        ]


async def test_a_redelivered_event_is_applied_once(
    runtime: ServiceRuntime, publisher: Publisher
) -> None:
    event = _envelope("Counted", "a", 1, 7)
    await publisher.publish(event)
    # The same event again under another message id: JetStream delivers it a second time.
    await publisher.publish(event, msg_id=f"{event.event_id}-again")
    await publisher.publish(_envelope("Counted", "a", 2, 8))
    await runtime.start()
    try:
        await eventually(lambda: _rows(runtime, processed_events_table) == 2)
        await eventually(lambda: runtime.consumers[0].applied == 2)
    finally:
        await runtime.stop()
    assert _tally(runtime) == [("a", 7), ("a", 8)]


async def test_applied_events_are_acknowledged(
    runtime: ServiceRuntime, publisher: Publisher
) -> None:
    for version in (1, 2, 3):
        await publisher.publish(_envelope("Counted", "a", version, version))
    consumer = runtime.consumers[0]
    await runtime.start()
    try:
        await eventually(lambda: consumer.applied == 3)
        js = runtime.link.js
        assert js is not None
        # The acks of the last batch go out in the background: with no batch after it.
        await eventually(lambda: durable_drained(js, consumer.stream, consumer.durable))
    finally:
        await runtime.stop()


async def test_drained_asks_the_stream_when_the_counts_say_nothing_is_left(
    runtime: ServiceRuntime, publisher: Publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # nats-server lists a consumer it is making before it has counted what the consumer has
    # to deliver: an info answered then says 0 pending, 0 awaiting ack. Here every info does.
    for version in (1, 2, 3):
        await publisher.publish(_envelope("Counted", "a", version, version))
    await publisher.publish_raw("religion.thing.Unwatched", b"{}")  # under none of its filters
    counts_unmade(monkeypatch, suffix=runtime.consumers[0].durable)
    consumer = runtime.consumers[0]
    client = await nats.connect(publisher.url)
    try:
        js = client.jetstream()
        await consumer.ensure_consumer(js)  # made, nothing delivered yet
        assert await durable_drained(js, consumer.stream, consumer.durable) is False
        await runtime.start()
        try:
            await eventually(lambda: consumer.applied == 3)
            # Its acks cover the stream up to its last message under its filters; the one
            # after that is not its own.
            await eventually(lambda: durable_drained(js, consumer.stream, consumer.durable))
        finally:
            await runtime.stop()
    finally:
        await client.close()


async def test_a_consumer_made_for_another_batch_size_is_updated_in_place(
    runtime: ServiceRuntime, publisher: Publisher
) -> None:
    await publisher.publish(_envelope("Counted", "a", 1, 1))
    consumer = runtime.consumers[0]
    wanted = consumer.consumer_config()
    client = await nats.connect(publisher.url)
    try:
        js = client.jetstream()
        # As an older version made it, for smaller batches.
        await js.add_consumer(consumer.stream, wanted.evolve(max_ack_pending=10))
        before = await js.consumer_info(consumer.stream, consumer.durable)
        assert before.config.max_ack_pending == 10
        await consumer.ensure_consumer(js)
        after = await js.consumer_info(consumer.stream, consumer.durable)
    finally:
        await client.close()
    assert after.config.max_ack_pending == wanted.max_ack_pending
    assert after.created == before.created  # the same consumer: its position is kept


async def test_a_poison_event_lands_in_dead_letters_and_the_rest_goes_on(
    runtime: ServiceRuntime, publisher: Publisher
) -> None:
    await publisher.publish(_envelope("Counted", "a", 1, 1))
    await publisher.publish(_envelope("Broken", "b", 1, 99))
    await publisher.publish_raw("religion.thing.Counted", b"\x00 not json")
    await publisher.publish(_envelope("Counted", "a", 2, 2))
    await runtime.start()
    try:
        await eventually(lambda: _rows(runtime, dead_letters_table) == 2, timeout=30)
        await eventually(lambda: len(_tally(runtime)) == 2)
    finally:
        await runtime.stop()
    assert _tally(runtime) == [("a", 1), ("a", 2)], "the broken handler wrote nothing"
    with runtime.engine.connect() as conn:
        letters = conn.execute(select(dead_letters_table).order_by(dead_letters_table.c.id)).all()
    by_type = {letter.event_type: letter for letter in letters}
    assert by_type["Broken"].deliveries == 3
    assert "cannot take this event" in by_type["Broken"].error
    assert by_type[None].deliveries == 1, "undecodable bytes are not retried"


async def test_projection_rebuilt_by_replay_equals_the_live_one(
    runtime: ServiceRuntime, publisher: Publisher
) -> None:
    for n in range(40):
        await publisher.publish(_envelope("Counted", f"agg-{n % 5}", n // 5 + 1, n))
    await runtime.start()
    try:
        await eventually(lambda: len(_tally(runtime)) == 40)
        live = _tally(runtime)
        await runtime.rebuild_projections()
        await eventually(lambda: len(_tally(runtime)) == 40)
        rebuilt = _tally(runtime)
        await eventually(lambda: _rows(runtime, processed_events_table) == 40)
    finally:
        await runtime.stop()
    assert rebuilt == live


async def test_an_outage_spends_none_of_an_events_attempts(
    runtime: ServiceRuntime, publisher: Publisher
) -> None:
    # Three attempts make a dead letter (the fixture); the database "fails" six times.
    _lost_connections["left"] = 6
    await publisher.publish(_envelope("Flaky", "f", 1, 5))
    await publisher.publish(_envelope("Counted", "f", 2, 6))
    try:
        with capture_logs() as logs:
            await runtime.start()
            await eventually(lambda: len(_tally(runtime)) == 2, timeout=30)
            # The pause ends once the loop hears of the commit (just after the rows appear).
            await eventually(lambda: not runtime.consumers[0].paused)
    finally:
        await runtime.stop()
        _lost_connections["left"] = 0
    assert _tally(runtime) == [("f", 5), ("f", 6)]
    assert _rows(runtime, dead_letters_table) == 0
    events = [entry["event"] for entry in logs]
    # One pause: the database answered each ping but failed the work six times running.
    assert events.count("consumer_paused") == 1
    assert events.count("consumer_resumed") == 1
    assert "consumer_handler_failed" not in events


async def test_a_dead_letter_that_cannot_be_written_leaves_the_event_pending(
    runtime: ServiceRuntime, publisher: Publisher
) -> None:
    broken = _envelope("Broken", "b", 1, 1)
    consumer = runtime.consumers[0]
    await runtime.start()
    try:
        await publisher.publish(_envelope("Counted", "a", 1, 1))
        await eventually(lambda: consumer.applied == 1)
        # The table is away once the schema is made (the start creates missing tables).
        with runtime.engine.begin() as conn:
            conn.execute(text("ALTER TABLE dead_letters RENAME TO dead_letters_away"))
        await publisher.publish(broken)
        js = runtime.link.js

        async def failed_past_its_attempts() -> bool:
            return consumer._failures.get(str(broken.event_id), 0) >= 4

        await eventually(failed_past_its_attempts, timeout=30)
        assert js is not None
        info = await js.consumer_info(consumer.stream, consumer.durable)
        assert info.num_pending + info.num_ack_pending == 1, "not terminated, not acked"
        with runtime.engine.begin() as conn:
            conn.execute(text("ALTER TABLE dead_letters_away RENAME TO dead_letters"))
        await eventually(lambda: _rows(runtime, dead_letters_table) == 1, timeout=30)
        await eventually(lambda: durable_drained(js, consumer.stream, consumer.durable))
    finally:
        await runtime.stop()
    with runtime.engine.connect() as conn:
        letter = conn.execute(select(dead_letters_table)).one()
    assert letter.event_id == str(broken.event_id)
    assert letter.deliveries >= 4


async def test_a_slow_batch_keeps_its_messages_with_in_progress_signals(
    settings_factory: Callable[..., Settings], publisher: Publisher
) -> None:
    # Two events a batch, 1.2 ack waits each: a batch takes 2.4 ack waits, and the next
    # batch waits as long, already delivered.
    settings = settings_factory("reporting", consumer_ack_wait_s=SLOW_ACK_WAIT_S,
                                consumer_batch_size=2)
    runtime = ServiceRuntime(
        settings, EventRegistry("reporting"), metadata=[metadata], projections=[_projection()]
    )
    for version in range(1, 5):
        await publisher.publish(_envelope("Slow", "s", version, version))
    consumer = runtime.consumers[0]
    await runtime.start()
    try:
        await eventually(lambda: consumer.applied == 4, timeout=60)
        js = runtime.link.js
        assert js is not None
        info = await js.consumer_info(consumer.stream, consumer.durable)
    finally:
        await runtime.stop()
    assert info.config.ack_wait == SLOW_ACK_WAIT_S
    assert info.num_redelivered == 0, "no message was redelivered while it was worked on"
    assert _tally(runtime) == [("s", 1), ("s", 2), ("s", 3), ("s", 4)]


class _HeldMessage:
    """A delivered message as the runner handles it: its data, its signals to JetStream."""

    def __init__(self, envelope: EventEnvelope) -> None:
        self.data = envelope.to_json()
        # Published as it was recorded (shared.contract.recorded_as_published).
        self.metadata = SimpleNamespace(timestamp=envelope.recorded_at, sequence=None)
        self.signals: list[str] = []

    async def in_progress(self) -> None:
        self.signals.append("in_progress")

    async def ack(self) -> None:
        self.signals.append("ack")

    async def nak(self, delay: float | None = None) -> None:
        self.signals.append("nak")


async def test_a_batch_held_through_an_outage_is_kept_alive_without_a_gap(
    runtime: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One keeping-alive (a signal every third of the ack wait) spans the attempt that met
    the outage, the check, the pause and the attempt after it. Each attempt and each pause
    kept the batch alive on its own, the count starting afresh each time and the check left
    out: up to two thirds of the ack wait plus the check went unsignalled, and on a loaded
    machine a batch held through a database outage could be redelivered (the fault test's
    'consumers' database stopped for 20 s', redelivered == 0). No clock is read here: what
    is counted is how many keepings-alive the batch went through."""
    consumer = runtime.consumers[0]
    message = _HeldMessage(_envelope("Counted", "h", 1, 1))
    attempts: list[int] = []

    def apply(envelopes: list[EventEnvelope]) -> None:
        attempts.append(len(envelopes))
        if len(attempts) == 1:
            raise OperationalError(
                "INSERT INTO tally", {}, psycopg.OperationalError("server closed the connection"))

    kept: list[list[Any]] = []
    kept_alive = consumer._kept_alive

    def counted(messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        kept.append(list(messages))
        return kept_alive(messages, *args, **kwargs)

    monkeypatch.setattr(consumer, "_apply", apply)
    monkeypatch.setattr(consumer, "_database_answers", lambda: True)
    monkeypatch.setattr(consumer, "_kept_alive", counted)
    with capture_logs() as logs:
        await consumer.process([message])  # type: ignore[list-item]
        await consumer._acks_sent()
    assert attempts == [1, 1], "tried again after the pause"
    assert [e["event"] for e in logs].count("consumer_paused") == 1
    assert kept == [[message]], "one keeping-alive from the first attempt to the last"
    assert message.signals[-1] == "ack"


async def test_a_failed_batch_tried_one_by_one_keeps_the_rest_alive_and_settles_each(
    runtime: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that fails on working infrastructure is tried event by event: while one is
    tried, those after it are kept alive, in their order, and each is settled once, acked
    or NAKed (the broken ones). No clock is read: what is counted is what each keeping-alive
    held at each turn."""
    consumer = runtime.consumers[0]
    kinds = ["Counted", "Broken", "Counted", "Counted", "Broken", "Counted"]
    messages = [_HeldMessage(_envelope(kind, f"k{n}", 1, n)) for n, kind in enumerate(kinds)]

    def apply(envelopes: list[EventEnvelope]) -> None:
        if any(e.event_type == "Broken" for e in envelopes):
            raise RuntimeError("this handler cannot take this event")

    kept: list[Any] = []
    kept_alive = consumer._kept_alive

    def counted(held: Any) -> Any:
        kept.append(held)
        return kept_alive(held)

    waiting_at_turn: list[list[Any]] = []
    process_one = consumer._process_one

    async def turn(msg: Any, envelope: EventEnvelope) -> None:
        # kept[0]: the whole batch's attempt; kept[1]: those waiting their turn, live.
        waiting_at_turn.append(list(kept[1]))
        await process_one(msg, envelope)

    monkeypatch.setattr(consumer, "_apply", apply)
    monkeypatch.setattr(consumer, "_database_answers", lambda: True)
    monkeypatch.setattr(consumer, "_kept_alive", counted)
    monkeypatch.setattr(consumer, "_process_one", turn)
    await consumer.process(messages)  # type: ignore[arg-type]
    await consumer._acks_sent()
    assert list(kept[0]) == messages, "the batch's attempt kept the whole batch alive"
    assert waiting_at_turn == [messages[n + 1:] for n in range(len(messages))]
    # Then each kept alive by its own attempt, in order.
    assert [list(held) for held in kept[2:]] == [[msg] for msg in messages]
    assert [msg.signals for msg in messages] == [
        ["nak"] if kind == "Broken" else ["ack"] for kind in kinds]


async def test_a_stopping_consumer_does_not_wait_out_its_pull_request(
    runtime: ServiceRuntime, publisher: Publisher
) -> None:
    # Every service's shutdown (and so every test's) waited for each idle consumer's open
    # pull request to expire. With an expiry far beyond the stop's own bound (10 s, then the
    # task is cancelled), a stop that looks at its event only between requests ends with the
    # consumer cancelled instead of finished.
    consumer = runtime.consumers[0]
    consumer.fetch_expires_s = 120.0
    await publisher.publish(_envelope("Counted", "a", 1, 1))
    await runtime.start()
    tasks = list(runtime._consumer_tasks)
    try:
        await eventually(lambda: consumer.applied == 1)
        await asyncio.sleep(0.5)  # back to waiting on its next pull request
    finally:
        await runtime.stop()
    assert [task.cancelled() for task in tasks] == [False]


async def _a_newer_event_between_two(
    settings_factory: Callable[..., Settings], publisher: Publisher,
) -> tuple[Callable[[], ServiceRuntime], EventEnvelope]:
    """A tallied event, one of schema version 2 the contract does not know, another tallied
    one, published; and how to make a consumer's runtime of them (each call a new replica)."""
    settings = settings_factory("reporting", consumer_poison_attempts=3)

    def started() -> ServiceRuntime:
        return ServiceRuntime(settings, EventRegistry("reporting"), metadata=[metadata],
                              projections=[_projection()])

    newer = replace(_envelope("SiteRegistered", "n", 1, 2), schema_version=2)
    for event in (_envelope("Counted", "a", 1, 1), newer, _envelope("Counted", "a", 2, 3)):
        await publisher.publish(event)
    return started, newer


def _applied_in_order(runtime: ServiceRuntime) -> list[int]:
    """The tally's values in the order they were written."""
    with runtime.engine.connect() as conn:
        return list(conn.execute(select(tally.c.value).order_by(tally.c.id)).scalars())


async def test_an_event_of_a_newer_schema_version_holds_the_consumer_until_it_is_upgraded(
    settings_factory: Callable[..., Settings], publisher: Publisher,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """Review RV6: a publisher upgraded before its consumers sends a schema version the
    consumer does not know. Not a dead letter: the consumer stops at it, applies nothing after
    it, says so once, and once started with a contract that knows the version applies it and
    the rest, in stream order, each once."""
    started, newer = await _a_newer_event_between_two(settings_factory, publisher)
    old = started()
    consumer = old.consumers[0]
    with capture_logs() as logs:
        await old.start()
        try:
            await eventually(lambda: consumer.held is not None, timeout=30)
            await publisher.publish(_envelope("Counted", "a", 3, 4))
            # Given back to JetStream, the consumer asks for nothing more: what came after
            # the held event, in its batch or later, is not applied.
            await eventually(lambda: not consumer._holding)
            assert _applied_in_order(old) == [1]
            assert consumer.paused
            metrics = old.metrics.render().decode()
            assert "danvan_consumer_schema_too_new{" in metrics
            assert 'event_type="SiteRegistered",schema_version="2"' in metrics
            assert f'danvan_consumer_paused{{consumer="{consumer.durable}"}} 1.0' in metrics
            # Behind, for whoever asks (a finalisation refuses figures that stop there).
            assert await consumers_behind(old.link, old.consumers) == [consumer.durable]
        finally:
            await old.stop()
    assert consumer.held is not None and consumer.held.event_id == str(newer.event_id)
    assert "phiên bản lược đồ 2" in consumer.held.message()
    assert _rows(old, dead_letters_table) == 0, "not a dead letter"
    reported = [e for e in logs if e["event"] == "consumer_schema_too_new"]
    assert len(reported) == 1 and reported[0]["log_level"] == "error"

    upgraded_contracts(monkeypatch, tmp_path / "contracts", "religion", "SiteRegistered", 2,
                       _TALLIED)
    new = started()
    await new.start()
    try:
        await eventually(lambda: len(_applied_in_order(new)) == 4, timeout=30)
        assert new.consumers[0].held is None
    finally:
        await new.stop()
    assert _applied_in_order(new) == [1, 2, 3, 4], "the held event first, then the rest"
    assert _rows(new, processed_events_table) == 4
    assert _rows(new, dead_letters_table) == 0


async def test_a_held_replica_goes_on_once_an_upgraded_replica_applied_the_event(
    settings_factory: Callable[..., Settings], publisher: Publisher,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """A rolling upgrade of the consumer's replicas: the old one holds the event, the
    upgraded one (sharing its durable and database) is delivered it first and applies it and
    the rest; the old one sees it applied and goes on, doubling nothing."""
    started, _ = await _a_newer_event_between_two(settings_factory, publisher)
    old = started()
    await old.start()
    try:
        held = old.consumers[0]
        await eventually(lambda: held.held is not None and not held._holding, timeout=30)
        upgraded_contracts(monkeypatch, tmp_path / "contracts", "religion", "SiteRegistered", 2,
                       _TALLIED)
        new = started()
        await new.start()
        try:
            await eventually(lambda: len(_applied_in_order(new)) == 3, timeout=30)
            await eventually(lambda: held.held is None, timeout=30)
            assert not held.paused
            assert "danvan_consumer_schema_too_new{" not in old.metrics.render().decode()
            await publisher.publish(_envelope("Counted", "a", 3, 4))
            await eventually(lambda: len(_applied_in_order(new)) == 4, timeout=30)
        finally:
            await new.stop()
    finally:
        await old.stop()
    assert _applied_in_order(new) == [1, 2, 3, 4]
    assert _rows(new, processed_events_table) == 4


async def test_a_held_consumer_that_stops_takes_its_alert_gauges_down(
    settings_factory: Callable[..., Settings], publisher: Publisher,
) -> None:
    """Review RV-P9: a rebuild's runners stop when it is given up or switched, the process
    going on. One stopped while held at a newer schema version left
    danvan_consumer_schema_too_new and danvan_consumer_paused at 1 (an alert firing for a
    durable nothing runs) until the process restarted. Stopped, its labels are gone; it
    still says where it stopped."""
    started, newer = await _a_newer_event_between_two(settings_factory, publisher)
    runtime = started()
    consumer = runtime.consumers[0]
    await runtime.start()
    try:
        await eventually(lambda: consumer.held is not None and not consumer._holding,
                         timeout=30)
        metrics = runtime.metrics.render().decode()
        assert [line.rsplit(" ", 1)[1] for line in metrics.splitlines()
                if line.startswith("danvan_consumer_schema_too_new{")] == ["1.0"]
        assert f'danvan_consumer_paused{{consumer="{consumer.durable}"}} 1.0' in metrics
    finally:
        await runtime.stop()
    metrics = runtime.metrics.render().decode()
    assert "danvan_consumer_schema_too_new{" not in metrics
    assert f'danvan_consumer_paused{{consumer="{consumer.durable}"}}' not in metrics
    assert not consumer.paused
    assert consumer.held is not None and consumer.held.event_id == str(newer.event_id)


def _clamped_count(runtime: ServiceRuntime) -> float:
    return sum(float(line.rsplit(" ", 1)[1])
               for line in runtime.metrics.render().decode().splitlines()
               if line.startswith("danvan_consumer_recorded_clamped_total{"))


async def test_an_event_recorded_after_its_publication_is_reported_once(
    runtime: ServiceRuntime, publisher: Publisher
) -> None:
    """An event recorded an hour after its publication (a publisher's clock ahead) is applied
    as recorded at its publication, with a warning and a count: once, not again when it is
    delivered again and found applied, nor when the process replays it into a rebuild."""
    ahead = replace(_envelope("Counted", "a", 1, 7),
                    recorded_at=datetime.now(UTC) + timedelta(hours=1))
    await publisher.publish(ahead)
    # The same event again under another message id: JetStream delivers it a second time.
    await publisher.publish(ahead, msg_id=f"{ahead.event_id}-again")
    await publisher.publish(_envelope("Counted", "a", 2, 8))
    consumer = runtime.consumers[0]
    with capture_logs() as logs:
        await runtime.start()
        try:
            await eventually(lambda: _rows(runtime, processed_events_table) == 2)
            await eventually(lambda: consumer.applied == 2)
            await publisher.publish(ahead, msg_id=f"{ahead.event_id}-later")
            await publisher.publish(_envelope("Counted", "a", 3, 9))
            await eventually(lambda: consumer.applied == 3)
            await runtime.rebuild_projections()
            await eventually(lambda: _rows(runtime, processed_events_table) == 3)
            assert _tally(runtime) == [("a", 7), ("a", 8), ("a", 9)]
        finally:
            await runtime.stop()
    warned = [e for e in logs if e["event"] == "event_recorded_after_published"]
    assert [e["event_id"] for e in warned] == [str(ahead.event_id)]
    assert _clamped_count(runtime) == 1.0
