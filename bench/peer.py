"""The peer side by side: the `eventsourcing` library and danvan's kernel, one run, one machine.

Both write a site-shaped aggregate to an SQLite file of their own in the same temporary
directory, with the same pragmas (WAL, synchronous=NORMAL: the kernel's; the peer's
connections get them too, so neither pays an fsync per commit the other does not), one
transaction per command:

(a) a new aggregate + save (the peer: `Application.save`; the kernel: `UnitOfWork` load of
    the empty stream, decide, append with the outbox row, commit);
(b) load + command + save of an aggregate that has one event.

Printed as the kernel's rate and the ratio to the peer's. Target ≥ 3× on both lines.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate as PeerAggregate
from eventsourcing.domain import event
from eventsourcing.sqlite import SQLiteConnectionPool

from bench.common import Timer, report, temp_dir
from shared.aggregate import Aggregate, CommandContext
from shared.envelope import DomainEvent, EventRegistry
from shared.logs import configure_logging
from shared.runtime import ServiceRuntime
from shared.settings import Settings

N = int(os.environ.get("BENCH_PEER_N", "5000"))
ON = date(2023, 3, 1)
SAMPLE: dict[str, Any] = {
    "name": "Chùa Dư Hàng", "religion": "Phật giáo", "commune_code": "11755",
    "address": "Số 121 Dư Hàng, phường Dư Hàng Kênh", "land_area_m2": 1250.5,
}

# -- the peer --------------------------------------------------------------------------------


class PeerSite(PeerAggregate):
    @event("Registered")
    def __init__(self, code: str, name: str, religion: str, commune_code: str, address: str,
                 land_area_m2: float) -> None:
        self.code = code
        self.name = name
        self.religion = religion
        self.commune_code = commune_code
        self.address = address
        self.land_area_m2 = land_area_m2

    @event("Renamed")
    def rename(self, name: str) -> None:
        self.name = name


class PeerSites(Application[UUID]):
    pass


def _with_kernel_pragmas() -> None:
    """The peer's connections with the kernel's synchronous=NORMAL (it sets WAL itself)."""
    create = SQLiteConnectionPool._create_connection

    def create_connection(self: SQLiteConnectionPool) -> Any:
        connection = create(self)
        connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
        return connection

    SQLiteConnectionPool._create_connection = create_connection  # type: ignore[method-assign]


# -- the kernel ------------------------------------------------------------------------------

registry = EventRegistry("religion")


@registry.register
class SiteRegistered(DomainEvent):
    event_type = "SiteRegistered"
    code: str
    name: str
    religion: str
    commune_code: str
    address: str
    land_area_m2: float


@registry.register
class SiteRenamed(DomainEvent):
    event_type = "SiteRenamed"
    name: str


class Site(Aggregate):
    aggregate_type = "site"
    name = ""

    def register(self, event: SiteRegistered) -> None:
        if self.exists:
            raise ValueError("already registered")
        self.record(event, ON, unit_code=event.commune_code)

    def rename(self, name: str) -> None:
        if not self.exists:
            raise ValueError("unknown site")
        self.record(SiteRenamed(name=name), ON)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, SiteRegistered | SiteRenamed):
            self.name = event.name


def kernel_runtime(path: Path) -> ServiceRuntime:
    settings = Settings.for_service(
        "religion", database_url=f"sqlite:///{path}", environment="test", log_level="WARNING"
    )
    runtime = ServiceRuntime(settings, registry)
    runtime.create_schema()
    return runtime


def main() -> None:
    configure_logging("WARNING")
    _with_kernel_pragmas()
    with temp_dir() as tmp:
        peer = PeerSites(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                              "SQLITE_DBNAME": str(tmp / "peer.db")})
        with Timer() as peer_new:
            ids = []
            for n in range(N):
                new_site = PeerSite(code=f"P{n:06d}", **SAMPLE)
                peer.save(new_site)
                ids.append(new_site.id)
        with Timer() as peer_command:
            for n, site_id in enumerate(ids):
                loaded: PeerSite = peer.repository.get(site_id)
                loaded.rename(f"Chùa số {n}")
                peer.save(loaded)
        assert peer.repository.get(ids[-1]).name == f"Chùa số {N - 1}"

        runtime = kernel_runtime(tmp / "kernel.db")
        context = CommandContext(actor="bench")
        with Timer() as ours_new:
            for n in range(N):
                with runtime.uow(context) as uow:
                    site = uow.load(Site, f"S{n:06d}")
                    site.register(SiteRegistered(code=f"S{n:06d}", **SAMPLE))
                    uow.save(site)
                    uow.commit()
        with Timer() as ours_command:
            for n in range(N):
                with runtime.uow(context) as uow:
                    site = uow.load(Site, f"S{n:06d}")
                    site.rename(f"Chùa số {n}")
                    uow.save(site)
                    uow.commit()
        with runtime.uow(context) as uow:
            assert uow.load(Site, f"S{N - 1:06d}").name == f"Chùa số {N - 1}"
        runtime.connections.close_all()
        runtime.engine.dispose()

        peer_rate = report("eventsourcing 9.5.6: new aggregate + save", N, peer_new.seconds)
        report("kernel: new aggregate + save (with its outbox row)", N, ours_new.seconds,
               peer_rate, "≥ 300 %")
        peer_rate = report("eventsourcing 9.5.6: load + command + save", N,
                           peer_command.seconds)
        report("kernel: load + command + save", N, ours_command.seconds, peer_rate, "≥ 300 %")
        with sqlite3.connect(tmp / "peer.db") as conn:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        print(f"  both on SQLite files in {tmp.parent}, journal_mode={mode}, "
              "synchronous=NORMAL", flush=True)
