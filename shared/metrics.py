"""Prometheus metrics of one service process (own registry, so tests can build many apps)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"service": service}
        self.http_requests = Counter(
            "danvan_http_requests_total",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "danvan_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
        )
        self.events_appended = Counter(
            "danvan_events_appended", "Events appended to the event store", registry=self.registry
        )
        self.events_published = Counter(
            "danvan_events_published", "Events published to JetStream", registry=self.registry
        )
        self.events_restored = Counter(
            "danvan_stream_events_restored",
            "Published events the service's stream had lost, marked to be published again",
            registry=self.registry,
        )
        self.foreign_messages = Counter(
            "danvan_stream_foreign_messages",
            "Messages in the service's stream that are none of its own events (published by"
            " someone else), skipped by the relay's check of the stream",
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "danvan_outbox_pending",
            "Events committed but not yet acknowledged by JetStream",
            registry=self.registry,
        )
        self.events_projected = Counter(
            "danvan_events_projected",
            "Events applied by consumers",
            ["consumer"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "danvan_dead_letters",
            "Events moved to the dead-letter table",
            ["consumer"],
            registry=self.registry,
        )
        self.consumers_recreated = Counter(
            "danvan_consumer_recreated",
            "Durable consumers found gone while their service ran (NATS lost its store) and"
            " made again, re-reading their stream from its start",
            ["consumer"],
            registry=self.registry,
        )
        self.recorded_clamped = Counter(
            "danvan_consumer_recorded_clamped",
            "Events whose recorded_at was later than their message's publication on the NATS"
            " server (beyond 5 s of skew), applied as recorded at their publication: a"
            " publishing host's clock ahead of the NATS server's, or a forged time. Each"
            " event once per process, when first applied (not at a redelivery or a rebuild)",
            ["consumer"],
            registry=self.registry,
        )
        self.consumer_paused = Gauge(
            "danvan_consumer_paused",
            "1 while a consumer holds its messages: waiting out an outage of its database, or"
            " stopped at an event of a newer schema version (danvan_consumer_schema_too_new);"
            " a consumer that stops (a rebuild's, given up or switched) has no value",
            ["consumer"],
            registry=self.registry,
        )
        self.schema_too_new = Gauge(
            "danvan_consumer_schema_too_new",
            "1 while a consumer is stopped at an event of a schema version newer than its"
            " contract knows (its publisher upgraded first): nothing after it is applied until"
            " the consumer is upgraded",
            ["consumer", "stream", "event_type", "schema_version"],
            registry=self.registry,
        )
        self.consumer_fetch_age = Gauge(
            "danvan_consumer_fetch_age_seconds",
            "Seconds since the consumer last made progress: JetStream answered its fetch,"
            " with events or without (an idle consumer is answered about every second), or it"
            " was done with a batch; 0 while it holds one (applying it, or paused with it:"
            " danvan_consumer_paused). Growing, the consumer cannot read its stream although"
            " NATS may be connected (JetStream without quorum, stream or durable gone), or it"
            " is held at a newer schema version. Live read models' consumers only",
            ["consumer"],
            registry=self.registry,
        )
        self.consumer_pending = Gauge(
            "danvan_consumer_pending",
            "Events of its stream JetStream had still to deliver to the consumer when it last"
            " delivered one (num_pending of that message): 0 once caught up; as old as that"
            " delivery, so read it with danvan_consumer_fetch_age_seconds",
            ["consumer"],
            registry=self.registry,
        )
        self._consumers_shown: set[str] = set()
        self._consumers_lock = threading.Lock()
        self.nats_connected = Gauge(
            "danvan_nats_connected", "1 when the NATS connection is up", registry=self.registry
        )
        self.db_checked_out = Gauge(
            "danvan_db_connections_checked_out",
            "Database connections out of the pool: in use, or kept open for the next unit of work",
            registry=self.registry,
        )
        self.db_kept_idle = Gauge(
            "danvan_db_connections_kept_idle",
            "Of the checked-out connections, those kept open for the next unit of work (SQLite)",
            registry=self.registry,
        )
        self.info = Gauge(
            "danvan_service_info", "Service identity", ["service"], registry=self.registry
        )
        self.info.labels(**labels).set(1)

    def consumers_seen(self, consumers: Iterable[tuple[str, float, int | None]]) -> None:
        """At a scrape, each live consumer's (durable, fetch age, pending): read then, so the
        age keeps growing while the consumer is stuck. A consumer no longer live (a rebuild's
        previous generation) leaves the gauges."""
        with self._consumers_lock:
            shown: set[str] = set()
            for durable, age, pending in consumers:
                shown.add(durable)
                self.consumer_fetch_age.labels(durable).set(age)
                if pending is not None:
                    self.consumer_pending.labels(durable).set(pending)
            for gone in self._consumers_shown - shown:
                for gauge in (self.consumer_fetch_age, self.consumer_pending):
                    with contextlib.suppress(KeyError):
                        gauge.remove(gone)
            self._consumers_shown = shown

    def render(self) -> bytes:
        return generate_latest(self.registry)
