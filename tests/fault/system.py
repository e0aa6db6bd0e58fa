"""The system under fault: real service processes, a nats-server, client load, reconciliation.

religion (the producer, on SQLite) is loaded over HTTP by a few clients; reporting and
indicators (its consumers) keep their databases on the suite's throwaway PostgreSQL. After the
fault, every event id committed to religion's event store is looked for in the stream (once)
and in each consumer's processed-events record (once), and the dead letters are counted.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from sqlalchemy import create_engine, func, select, text

from shared.adminunits import HAI_PHONG, default_catalogue
from shared.consumer import dead_letters_table, processed_events_table
from shared.db import normalise_url
from shared.envelope import EventEnvelope
from shared.natsserver import NatsServer, free_port
from shared.settings import stream_name_for
from tests.deploy.processes import ServiceProcess
from tests.fault.postgres import ThrowawayPostgres
from tests.integration.helpers import read_stream

ON = date(2023, 3, 1)  # communes of the three-level structure


def _communes() -> list[str]:
    return [unit.code for unit in default_catalogue().units(ON, "commune", HAI_PHONG)]


class Load:
    """Clients registering religious sites, one in ten with an invalid body (a 4xx that
    must write nothing), until stopped."""

    def __init__(self, religion: ServiceProcess, clients: int = 4, pause_s: float = 0.02) -> None:
        self._religion = religion
        self._clients = clients
        self._pause_s = pause_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.statuses: Counter[int] = Counter()  # 0: no answer (connection refused, reset)
        self.accepted: list[str] = []  # site codes answered 2xx
        self._communes = _communes()

    def start(self) -> Load:
        for n in range(self._clients):
            thread = threading.Thread(target=self._client, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _client(self, client: int) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            code = f"F{client}-{n:05d}-{uuid.uuid4().hex[:4]}"
            body: dict[str, Any] = {
                "code": code,
                "name": f"Chùa thử {code}",
                "religion": "Phật giáo",
                "commune_code": self._communes[(client * 7919 + n) % len(self._communes)],
                "address": "Thôn Đông",
                "land_area_m2": 800.0 + n,
                "registered_on": "2023-02-01",
            }
            if n % 10 == 0:
                body["land_area_m2"] = -1  # refused: negative area
            status = self._post("/api/v1/sites", body)
            with self._lock:
                self.statuses[status] += 1
                if 200 <= status < 300:
                    self.accepted.append(code)
            if status == 0:
                time.sleep(0.2)  # the service is restarting
            time.sleep(self._pause_s)

    def _post(self, path: str, body: dict[str, Any]) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self._religion.port}{path}",
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            return 0


@dataclass
class ConsumerTally:
    durable: str
    expected: int
    applied: int
    missing: int
    extra: int
    dead_letters: int
    redelivered: int  # events acked after more than one delivery (see AckWatcher)


@dataclass
class Reconciliation:
    case: str
    statuses: dict[int, int]
    committed: int
    in_stream: int
    duplicates_in_stream: int
    accepted_not_committed: int
    consumers: list[ConsumerTally] = field(default_factory=list)
    catch_up_s: float = 0.0

    @property
    def clean(self) -> bool:
        return (
            self.committed > 0
            and self.in_stream == self.committed
            and self.duplicates_in_stream == 0
            and self.accepted_not_committed == 0
            and all(
                c.missing == 0 and c.extra == 0 and c.dead_letters == 0 and c.applied > 0
                for c in self.consumers
            )
        )

    def rows(self) -> list[str]:
        codes = ", ".join(f"{k or 'no answer'}: {v}" for k, v in sorted(self.statuses.items()))
        head = (
            f"{self.case}: clients [{codes}]; committed {self.committed}, in stream"
            f" {self.in_stream} ({self.duplicates_in_stream} duplicate), 2xx not committed"
            f" {self.accepted_not_committed}; caught up {self.catch_up_s:.1f} s after the load"
        )
        return [head] + [
            f"    {c.durable}: expected {c.expected}, applied {c.applied}, missing {c.missing},"
            f" extra {c.extra}, dead letters {c.dead_letters}, redelivered {c.redelivered}"
            for c in self.consumers
        ]


class FaultSystem:
    """religion + its consumers as processes, on a nats-server of the test's own."""

    def __init__(
        self,
        tmp_path: Path,
        postgres: ThrowawayPostgres,
        consumers: tuple[str, ...] = ("reporting", "indicators"),
    ) -> None:
        self.consumers = consumers
        self.tmp_path = tmp_path
        self.postgres = postgres
        self.root = f"f{uuid.uuid4().hex[:8]}"
        self.nats = NatsServer(free_port(), tmp_path / "nats", log_file=tmp_path / "nats.log")
        self.religion_db = f"sqlite:///{tmp_path / 'religion.db'}"
        self.databases = {
            service: postgres.create_database(f"{service}_{self.root}")
            for service in ("reporting", "indicators")
        }
        self.processes: list[ServiceProcess] = []

    def env(self) -> dict[str, str]:
        return {
            "NATS_URL": self.nats.url,
            "SUBJECT_ROOT": self.root,
            "ENVIRONMENT": "test",
            "LOG_LEVEL": "INFO",
            "RELIGION_DATABASE_URL": self.religion_db,
            "REPORTING_DATABASE_URL": self.databases["reporting"],
            "INDICATORS_DATABASE_URL": self.databases["indicators"],
            "CONSUMER_BATCH_SIZE": "32",
            "RELAY_POLL_INTERVAL_S": "0.2",
        }

    def process(self, service: str, name: str | None = None) -> ServiceProcess:
        log_file = self.tmp_path / f"{name or service}.log"
        process = ServiceProcess(service, free_port(), self.env(), log_file)
        self.processes.append(process)
        return process

    def start(self, *processes: ServiceProcess) -> None:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_healthy()

    async def wait_consuming(self) -> None:
        """Until every durable of the religion stream has a pull request waiting."""
        stream = stream_name_for(self.root, "religion")
        deadline = time.monotonic() + 60
        client = await nats.connect(self.nats.url)
        try:
            js = client.jetstream()
            names: set[str] = set()
            while True:
                try:
                    infos = await js.consumers_info(stream)
                    names = {info.name for info in infos if (info.num_waiting or 0) > 0}
                    if {name.split("-")[0] for name in names} >= set(self.consumers):
                        return
                except Exception:  # the stream is made when religion first connects
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"not all consumers pull: {names}\n{self.logs()}")
                await asyncio.sleep(0.2)
        finally:
            await client.close()

    def close(self) -> None:
        for process in self.processes:
            process.stop()
        self.nats.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {p.log_file.name}\n{p.log()}" for p in self.processes)

    async def reconcile(
        self, case: str, load: Load, acks: AckWatcher | None = None
    ) -> Reconciliation:
        committed = _committed(self.religion_db)
        stream = stream_name_for(self.root, "religion")
        messages = await read_stream(self.nats.url, stream)
        ids = [EventEnvelope.from_json(m.data).event_id for m in messages]
        committed_codes = {aggregate for _, _, aggregate in committed}
        result = Reconciliation(
            case=case,
            statuses=dict(load.statuses),
            committed=len(committed),
            in_stream=len({str(i) for i in ids} & {e for e, _, _ in committed}),
            duplicates_in_stream=len(ids) - len(set(ids)),
            accepted_not_committed=len(set(load.accepted) - committed_codes),
        )
        client = await nats.connect(self.nats.url)
        try:
            js = client.jetstream()
            # Every durable consumer of the religion stream, named <service>-<projection>.
            for info in sorted(await js.consumers_info(stream), key=lambda i: i.name):
                if not info.config.durable_name:
                    continue  # an ordered reader, as read_stream's
                durable = info.name
                service = durable.split("-")[0]
                subjects = info.config.filter_subjects or [info.config.filter_subject or ""]
                types = {subject.rsplit(".", 1)[-1] for subject in subjects}
                expected = {event_id for event_id, kind, _ in committed if kind in types}
                applied, dead = _consumed(self.databases[service], durable)
                result.consumers.append(ConsumerTally(
                    durable=durable,
                    expected=len(expected),
                    applied=len(applied & expected),
                    missing=len(expected - applied),
                    extra=len(applied - expected),
                    dead_letters=dead,
                    redelivered=len(acks.redelivered.get(durable, {})) if acks else 0,
                ))
        finally:
            await client.close()
        return result


class AckWatcher:
    """Listens to the acks the consumers send to JetStream. An ack's subject carries the
    delivery count of its message (`$JS.ACK.<stream>.<durable>.<delivered>.<stream seq>...`),
    so the events that were applied only after a redelivery (held by a worker that died, or
    kept too long) are counted, with the moment of their ack."""

    def __init__(self, url: str, stream: str) -> None:
        self._url = url
        self._stream = stream
        self._client: Client | None = None
        # durable -> stream sequence -> monotonic time of the ack after a redelivery
        self.redelivered: dict[str, dict[int, float]] = {}

    async def start(self) -> AckWatcher:
        self._client = await nats.connect(self._url)
        await self._client.subscribe(f"$JS.ACK.{self._stream}.>", cb=self._seen)
        return self

    async def _seen(self, msg: Msg) -> None:
        if msg.data not in (b"", b"+ACK"):
            return  # in_progress, NAK, term (an empty body is an ack, as nats-py sends it)
        tokens = msg.subject.split(".")
        durable, delivered, sequence = tokens[3], int(tokens[4]), int(tokens[5])
        if delivered > 1:
            self.redelivered.setdefault(durable, {})[sequence] = time.monotonic()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


def _committed(url: str) -> list[tuple[str, str, str]]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT event_id, event_type, aggregate_id FROM events"))
            return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]
    finally:
        engine.dispose()


def _consumed(url: str, durable: str) -> tuple[set[str], int]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            applied = {
                str(row[0])
                for row in conn.execute(
                    select(processed_events_table.c.event_id).where(
                        processed_events_table.c.consumer == durable
                    )
                )
            }
            dead = int(
                conn.execute(
                    select(func.count())
                    .select_from(dead_letters_table)
                    .where(dead_letters_table.c.consumer == durable)
                ).scalar_one()
            )
        return applied, dead
    finally:
        engine.dispose()
