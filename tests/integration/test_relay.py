"""The outbox relay against a real nats-server: order, ack-then-mark, outages, duplicates."""

from __future__ import annotations

import asyncio
import errno
import sqlite3
import sys
import threading
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from shared.envelope import EventEnvelope
from shared.eventstore import outbox_table
from shared.logs import configure_logging
from shared.natsserver import NatsServer, free_port
from shared.relay import OutboxItem, OutboxRelay
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app
from tests.integration.helpers import eventually, read_stream, wait_until
from tests.integration.notebook import registry, unpublished, write


def _on_own_server(
    settings_factory: Callable[..., Settings], server: NatsServer, **overrides: object
) -> ServiceRuntime:
    """The notebook's service publishing to this test's own nats-server, which it kills."""
    return ServiceRuntime(
        settings_factory("religion", nats_url=server.url, **overrides), registry)


async def test_relay_publishes_in_commit_order_with_event_id_as_msg_id(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    runtime = ServiceRuntime(settings_factory("religion"), registry)
    await runtime.start()
    try:
        for round_ in range(3):
            for book in ("a", "b"):
                write(runtime, book, range(round_ * 2, round_ * 2 + 2))
        await eventually(lambda: unpublished(runtime) == 0)
        messages = await read_stream(nats_server.url, runtime.settings.stream_name)
    finally:
        await runtime.stop()
    envelopes = [EventEnvelope.from_json(m.data) for m in messages]
    assert len(envelopes) == 12
    for book in ("a", "b"):
        assert [e.aggregate_version for e in envelopes if e.aggregate_id == book] == list(
            range(1, 7)
        )
    for message, envelope in zip(messages, envelopes, strict=True):
        assert message.headers is not None
        assert message.headers["Nats-Msg-Id"] == str(envelope.event_id)
        assert message.subject == f"{runtime.settings.subject_root}.religion.notebook.Noted"


async def test_commands_accepted_while_nats_is_down_and_relay_catches_up_once(
    settings_factory: Callable[..., Settings], own_nats_server: NatsServer
) -> None:
    runtime = _on_own_server(settings_factory, own_nats_server, relay_publish_timeout_s=1.0)
    await runtime.start()
    try:
        write(runtime, "before", range(5))
        await eventually(lambda: unpublished(runtime) == 0)

        own_nats_server.kill()
        # The department keeps working: commands commit, the outbox holds them.
        for n in range(20):
            write(runtime, f"during-{n % 4}", range(n, n + 1))
        await asyncio.sleep(1.5)
        assert unpublished(runtime) == 20

        own_nats_server.start()
        await eventually(lambda: unpublished(runtime) == 0, timeout=40)
        messages = await read_stream(own_nats_server.url, runtime.settings.stream_name)
    finally:
        await runtime.stop()
    ids = [EventEnvelope.from_json(m.data).event_id for m in messages]
    assert len(ids) == 25, "nothing lost"
    assert len(set(ids)) == 25, "nothing published twice"
    for n in range(4):
        versions = [
            EventEnvelope.from_json(m.data).aggregate_version
            for m in messages
            if EventEnvelope.from_json(m.data).aggregate_id == f"during-{n}"
        ]
        assert versions == sorted(versions) == list(range(1, 6))


async def test_republished_events_are_dropped_by_the_duplicate_window(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    runtime = ServiceRuntime(settings_factory("religion"), registry)
    await runtime.start()
    try:
        write(runtime, "a", range(3))
        await eventually(lambda: unpublished(runtime) == 0)
        # As after a crash between the ack and the mark: the rows look unpublished again.
        with runtime.engine.begin() as conn:
            conn.execute(outbox_table.update().values(published_at=None))
        runtime.relay.notify()
        await eventually(lambda: unpublished(runtime) == 0)
        messages = await read_stream(nats_server.url, runtime.settings.stream_name)
    finally:
        await runtime.stop()
    assert len(messages) == 3


async def test_relay_backoff_grows_while_nats_is_away_whatever_the_commits(
    settings_factory: Callable[..., Settings], own_nats_server: NatsServer
) -> None:
    runtime = _on_own_server(settings_factory, own_nats_server, relay_publish_timeout_s=0.5)
    relay = runtime.relay
    backoffs: list[tuple[float, float]] = []  # (asked, slept) of each wait after a failure
    real_sleep = relay._sleep
    restarting = False

    async def timed_sleep(stop: asyncio.Event, seconds: float, wake_on_commit: bool = True) -> None:
        started = time.monotonic()
        await real_sleep(stop, seconds, wake_on_commit)
        # The wait NATS's return ends (on purpose: the relay resumes at once) is not counted.
        if not wake_on_commit and not restarting:
            backoffs.append((seconds, time.monotonic() - started))

    relay._sleep = timed_sleep  # type: ignore[method-assign]
    await runtime.start()
    try:
        write(runtime, "before", range(2))
        await eventually(lambda: unpublished(runtime) == 0)
        own_nats_server.kill()
        with capture_logs() as logs:
            # A department at work: a commit every 50 ms, each one notifying the relay, until
            # the relay has failed and waited three times (about 3 s on an idle machine). Not
            # for a fixed time: on a loaded one each failed attempt (its publish timeout, two
            # thread hops) takes longer, and 7 s once saw only two waits end before NATS came
            # back. The bound only stops a relay that never backs off.
            give_up = time.monotonic() + 120.0
            n = 0
            while len(backoffs) < 3:
                assert time.monotonic() < give_up, ("fewer than three waits", backoffs)
                write(runtime, f"during-{n % 3}", range(n, n + 1))
                n += 1
                await asyncio.sleep(0.05)
            restarting = True
            own_nats_server.start()
            await eventually(lambda: unpublished(runtime) == 0, timeout=40)
            # The relay says it recovered after marking the rows, so the line can come a moment
            # after the outbox reads empty: wait for it inside the capture (never logged: fails).
            await eventually(
                lambda: any(entry["event"] == "relay_recovered" for entry in logs), timeout=10
            )
    finally:
        await runtime.stop()
    asked = [seconds for seconds, _ in backoffs]
    events = [entry["event"] for entry in logs if entry["event"].startswith("relay_")]
    assert len(asked) >= 3, (backoffs, events)
    assert asked[:3] == [0.2, 0.4, 0.8], ("the wait doubles from one failure to the next",
                                          backoffs, events)
    assert all(slept >= 0.9 * seconds for seconds, slept in backoffs), (
        "no commit cut a wait short", backoffs)
    assert events.count("relay_unavailable") == 1, events
    assert events.count("relay_recovered") == 1, events


async def test_a_commit_made_while_a_batch_is_published_is_not_left_for_the_next_poll(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    # A poll far beyond the test's give-up time: only the commit's own wake-up can publish
    # the second event in time (issue 20: it used to be cleared and wait for the poll).
    runtime = ServiceRuntime(settings_factory("religion", relay_poll_interval_s=120), registry)
    relay = runtime.relay
    real_publish = relay.publish_pending
    committed_meanwhile: list[str] = []

    async def publish_then_commit(*, defer_marks: bool = False) -> int:
        published = await real_publish(defer_marks=defer_marks)
        if published and not committed_meanwhile:
            # The desk's next command lands while the relay is finishing this batch.
            await asyncio.to_thread(write, runtime, "meanwhile", range(1))
            committed_meanwhile.append("meanwhile")
        return published

    relay.publish_pending = publish_then_commit  # type: ignore[method-assign]
    await runtime.start()
    try:
        await eventually(lambda: runtime.link.js is not None)
        write(runtime, "first", range(1))
        await eventually(lambda: bool(committed_meanwhile))
        await eventually(lambda: unpublished(runtime) == 0, timeout=30)
        messages = await read_stream(nats_server.url, runtime.settings.stream_name)
    finally:
        await runtime.stop()
    assert [EventEnvelope.from_json(m.data).aggregate_id for m in messages] == [
        "first", "meanwhile"]


async def test_the_relay_publishes_as_soon_as_nats_reconnects(
    settings_factory: Callable[..., Settings], own_nats_server: NatsServer
) -> None:
    # A poll and a backoff far beyond the test's give-up time: only the reconnection's own
    # wake-up can publish what the outage held back in time. The publish timeout is the
    # default's: a shorter one, missed by an ack on a loaded machine before the outage or
    # after the reconnection, sent the relay into that backoff.
    runtime = _on_own_server(settings_factory, own_nats_server, relay_poll_interval_s=120)
    runtime.relay.backoff_s = (120.0, 120.0)
    await runtime.start()
    try:
        await eventually(lambda: runtime.link.js is not None)
        write(runtime, "before", range(1))
        await eventually(lambda: unpublished(runtime) == 0)
        own_nats_server.kill()
        with capture_logs() as logs:
            write(runtime, "outage", range(1))
            # The relay tried, failed and now waits out its (long) backoff.
            await eventually(
                lambda: any(entry["event"] == "relay_unavailable" for entry in logs)
            )
            own_nats_server.start()
            await eventually(lambda: unpublished(runtime) == 0, timeout=30)
        messages = await read_stream(own_nats_server.url, runtime.settings.stream_name)
    finally:
        await runtime.stop()
    ids = [EventEnvelope.from_json(m.data).aggregate_id for m in messages]
    assert ids == ["before", "outage"], "published once, after the reconnection"


async def test_the_relay_publishes_as_soon_as_nats_is_first_reached(
    settings_factory: Callable[..., Settings], own_nats_server: NatsServer
) -> None:
    # The service starts while NATS is away; its commands wait in the outbox. With a poll
    # beyond the give-up time, only the first connection's wake-up publishes them in time.
    own_nats_server.kill()
    runtime = _on_own_server(settings_factory, own_nats_server, relay_poll_interval_s=120)
    await runtime.start()
    try:
        write(runtime, "early", range(2))
        assert runtime.link.js is None
        own_nats_server.start()
        await eventually(lambda: unpublished(runtime) == 0, timeout=30)
        messages = await read_stream(own_nats_server.url, runtime.settings.stream_name)
    finally:
        await runtime.stop()
    assert [EventEnvelope.from_json(m.data).aggregate_version for m in messages] == [1, 2]


def test_a_service_started_with_its_cluster_down_counts_its_outbox_and_turns_unready_in_time(
    settings_factory: Callable[..., Settings], own_nats_server: NatsServer
) -> None:
    # S2: never connected since its start, the relay read no outbox (the gauge said 0) and
    # counted as not failing (/readyz said relay ok for ever). S1: the whole list of nodes
    # is tried, so the node that comes back first, not only the first named, is reached.
    own_nats_server.kill()
    cluster = f"nats://127.0.0.1:{free_port()},{own_nats_server.url}"  # the first stays down
    bound = 5.0
    runtime = ServiceRuntime(settings_factory("religion", nats_url=cluster,
                                              relay_unready_after_s=bound), registry)

    def gauge() -> float | None:
        return runtime.metrics.registry.get_sample_value("danvan_outbox_pending")

    with TestClient(build_app(runtime, [], title="notebooks")) as client:
        # Just started: not connected, but the relay's bound applies from its start.
        checks = client.get("/readyz").json()["checks"]
        assert checks["nats"] != "ok" and checks["relay"] == "ok", checks
        write(runtime, "early", range(3))
        wait_until(lambda: gauge() == 3, timeout=30)
        wait_until(lambda: client.get("/readyz").json()["checks"]["relay"] != "ok",
                   timeout=bound + 30)
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["checks"]["relay"].startswith("không gửi được sự kiện lên NATS đã ")
        assert runtime.link.js is None and unpublished(runtime) == 3

        own_nats_server.start()  # the second node of the list
        wait_until(lambda: unpublished(runtime) == 0, timeout=40)
        wait_until(lambda: client.get("/readyz").status_code == 200, timeout=30)
        wait_until(lambda: gauge() == 0, timeout=30)


def positions_sent(relay: OutboxRelay) -> list[int]:
    """The outbox positions `relay` reads as pending to publish, in order, as it reads them."""
    sent: list[int] = []
    real_fetch = relay._fetch_pending

    def fetch(after_position: int, skip: frozenset[int] = frozenset()) -> list[OutboxItem]:
        items = real_fetch(after_position, skip)
        sent.extend(item.position for item in items)
        return items

    relay._fetch_pending = fetch  # type: ignore[method-assign]
    return sent


async def test_acknowledged_events_are_marked_together_and_never_sent_twice(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    runtime = ServiceRuntime(settings_factory("religion"), registry)
    relay = runtime.relay
    relay.mark_delay_s = 0.5
    sent = positions_sent(relay)
    marks: list[list[int]] = []
    real_mark = relay._mark_published

    def mark(positions: list[int]) -> None:
        marks.append(positions)
        real_mark(positions)

    relay._mark_published = mark  # type: ignore[method-assign]
    await runtime.start()
    try:
        await eventually(lambda: runtime.link.js is not None)
        # A desk's pace: each command published on its own, before the next one commits.
        for n in range(12):
            write(runtime, f"book-{n % 3}", range(n, n + 1))
            await eventually(lambda count=n + 1: len(sent) == count)
        await eventually(lambda: unpublished(runtime) == 0)
        messages = await read_stream(nats_server.url, runtime.settings.stream_name)
    finally:
        await runtime.stop()
    assert len(messages) == 12
    assert len(sent) == len(set(sent)) == 12, "an acknowledged row is not sent again"
    assert sorted(p for batch in marks for p in batch) == sorted(sent)
    assert len(marks) < 12, ("marked together, not one write per publish", marks)


async def test_on_sqlite_the_marks_run_in_the_databases_writer_thread(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    """A mark is a write: on SQLite it runs in the thread the commands run in
    (shared.commandthreads.writer_thread), between two of them, not in a thread of its own
    taking the writers' turn from them; PostgreSQL's marks run off the loop in a thread of
    the loop's executor."""
    runtime = ServiceRuntime(settings_factory("religion"), registry)
    relay = runtime.relay
    relay.mark_delay_s = 0.0
    threads: list[str] = []
    real_mark = relay._mark_published

    def mark(positions: list[int]) -> None:
        threads.append(threading.current_thread().name)
        real_mark(positions)

    relay._mark_published = mark  # type: ignore[method-assign]
    await runtime.start()
    try:
        for n in range(3):
            write(runtime, "book", range(n, n + 1))
        await eventually(lambda: unpublished(runtime) == 0)
    finally:
        await runtime.stop()
    assert threads
    loop_thread = threading.current_thread().name
    if runtime.engine.dialect.name == "sqlite":
        assert set(threads) == {"command-writer"}, threads
    else:
        assert loop_thread not in threads and "command-writer" not in threads, threads


async def test_events_whose_mark_is_refused_are_not_sent_again_while_it_is(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    # SQLite's disk full, NATS storing (examiner-outage): the relay's marks are refused. The
    # acknowledged rows used to be read as pending and sent again at every retry, kept out
    # of the stream by its duplicate window only for its 2 minutes.
    runtime = ServiceRuntime(settings_factory("religion"), registry)
    relay = runtime.relay
    relay.mark_delay_s = 0.0
    sent = positions_sent(relay)
    refused: list[list[int]] = []
    full = threading.Event()
    full.set()
    real_mark = relay._mark_published

    def mark(positions: list[int]) -> None:
        if full.is_set():
            refused.append(positions)
            raise sqlite3.OperationalError("database or disk is full")
        real_mark(positions)

    relay._mark_published = mark  # type: ignore[method-assign]
    await runtime.start()
    try:
        await eventually(lambda: runtime.link.js is not None)
        write(runtime, "book", range(3))
        await eventually(lambda: len(refused) >= 3, timeout=30)
        assert sorted(sent) == sorted(set(sent)), "an acknowledged row is not sent again"
        assert unpublished(runtime) == 3
        full.clear()  # space is back: the next mark marks them
        await eventually(lambda: unpublished(runtime) == 0, timeout=30)
        messages = await read_stream(nats_server.url, runtime.settings.stream_name)
    finally:
        await runtime.stop()
    assert len(messages) == 3
    assert len(sent) == len(set(sent)) == 3


async def test_each_rounds_first_event_expects_the_last_sequence_through_the_relays_acks(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    """At a desk's pace every round is one event, the first of its round: it carries
    Nats-Expected-Last-Sequence (the stream the relay last published to) and goes out through
    the relay's own acknowledgements (PublishAcks) as the rest do, not as a JetStream request
    (js.publish: a future, wait_for's task and timer, the stdlib parser per event, a third of
    the relay's time on the loop, bench/http.py). The events land once each, in order."""
    runtime = ServiceRuntime(settings_factory("religion"), registry)
    relay = runtime.relay
    sent = positions_sent(relay)
    expecting: list[str] = []
    requests: list[str] = []
    await runtime.start()
    try:
        await eventually(lambda: runtime.link.js is not None)
        js = runtime.link.js
        assert js is not None
        real_request = js.publish
        root = runtime.settings.subject_root

        async def request(subject: str, *args: object, **kwargs: object) -> object:
            if subject.startswith(f"{root}.religion."):
                requests.append(subject)
            return await real_request(subject, *args, **kwargs)  # type: ignore[arg-type]

        js.publish = request  # type: ignore[method-assign,assignment]
        acks = relay._publish_acks()
        real_publish = acks.publish

        async def publish(
            subject: str, body: bytes, headers: dict[str, str]
        ) -> asyncio.Future[object]:
            if "Nats-Expected-Last-Sequence" in headers:
                expecting.append(headers["Nats-Expected-Last-Sequence"])
            return await real_publish(subject, body, headers)

        acks.publish = publish  # type: ignore[method-assign]
        for n in range(5):
            write(runtime, "book", range(n, n + 1))
            await eventually(lambda count=n + 1: len(sent) == count)
        await eventually(lambda: unpublished(runtime) == 0)
        messages = await read_stream(nats_server.url, runtime.settings.stream_name)
    finally:
        await runtime.stop()
    assert requests == [], "no event sent as a JetStream request"
    # Each round's first event expected the sequence the round before left (the first, to
    # an empty stream, none: a stream's sequences begin at 1).
    assert [int(s) for s in expecting] == [1, 2, 3, 4], expecting
    assert [EventEnvelope.from_json(m.data).payload["n"] for m in messages] == list(range(5))


class _FullDisk:
    """A standard error stream on a full disk: every line refused «No space left on device»."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


async def test_the_relay_outlives_a_log_line_that_cannot_be_written(
    settings_factory: Callable[..., Settings], own_nats_server: NatsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """NATS away while the service's standard error is a file on a full disk: the relay's
    «relay_unavailable» line cannot be written, and the relay goes on and publishes once NATS
    is back. Before: the write's OSError left its retry handler and ended the relay for the
    process's life (make run on a filled tmpfs: 500 events of dialogue and indicators never
    published, /readyz saying the relay was fine)."""
    configure_logging()  # as every service process does: lines to the standard error
    runtime = _on_own_server(settings_factory, own_nats_server, relay_publish_timeout_s=1.0)
    await runtime.start()
    try:
        write(runtime, "before", range(2))
        await eventually(lambda: unpublished(runtime) == 0)
        own_nats_server.kill()
        monkeypatch.setattr(sys, "stderr", _FullDisk())
        write(runtime, "during", range(3))
        await eventually(lambda: runtime.relay.failing_since is not None, timeout=20)
        await asyncio.sleep(1.0)  # its retry handler logged (and, before, raised)
        monkeypatch.undo()
        own_nats_server.start()
        await eventually(lambda: unpublished(runtime) == 0, timeout=40)
        messages = await read_stream(own_nats_server.url, runtime.settings.stream_name)
    finally:
        monkeypatch.undo()
        await runtime.stop()
    assert len(messages) == 5
