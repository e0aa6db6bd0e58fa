"""The peer side by side: the `eventsourcing` library and danvan's kernel, one run, one machine.

Each writes a site-shaped aggregate to an SQLite file of its own in the same temporary
directory, one transaction per command:

(a) a new aggregate + save (the peer: `Application.save`; the kernel: `UnitOfWork` load of
    the empty stream, decide, append with the outbox row, commit);
(b) load + command + save of an aggregate that has one event.

The peer runs twice, because what an SQLite commit promises depends on `synchronous`:

- **as shipped**: eventsourcing 9.5.6 (`eventsourcing/sqlite.py`) sets WAL and nothing else,
  so SQLite's default applies: synchronous=FULL, the WAL file is fsynced at every commit. A
  committed event survives a power cut or an operating system crash. The issue's target
  (≥ 3×) was stated against this peer.
- **with the kernel's pragmas**: WAL and synchronous=NORMAL, as `shared/db.py` sets them. The
  WAL is fsynced only at checkpoints: a crash of the process loses nothing, but a power cut or
  an operating system crash can roll back the last commits (the database stays consistent;
  the lost commits are simply not there). Same durability as the kernel: the fair comparison.

The ceiling is raw sqlite3 on the kernel's own schema (its tables and indexes, the kernel's
pragmas), doing the same loop shape with no Python around it: BEGIN IMMEDIATE, read the
aggregate's events, insert the event (RETURNING its position) and its outbox row, COMMIT.
Nothing written on this schema with these pragmas can go faster in one thread: the ceiling
checkpoints the WAL in its commits, as SQLite does by itself, where the kernel checkpoints in a
thread of its own (shared/db.py WalCheckpointer), so on a slow disk the kernel may pass it.

The four run in rounds, one after the other in each round, each round on new files: the
peer as shipped is bound by its fsyncs, the kernel and the ceiling by the processor, so a
moment of load on a shared machine (another process, the disk writing back an earlier
section's files) moves one side and not the other. Each line prints the median of its
rounds and each ratio the median of the rounds' ratios, with every round's ratio beside it:
no round is dropped, none is chosen.

Printed: each peer's rate, then the kernel's rate and its ratio to each peer (the target ≥ 3×
against the peer as shipped), then the ceiling and the kernel's share of it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any
from uuid import UUID, uuid4

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate as PeerAggregate
from eventsourcing.domain import event
from eventsourcing.sqlite import SQLiteConnectionPool

from bench.common import Timer, rate, temp_dir
from bench.sample import SITE, Site, SiteRegistered, raw_connection, registry
from shared.aggregate import CommandContext
from shared.logs import configure_logging
from shared.runtime import ServiceRuntime
from shared.settings import Settings

N = int(os.environ.get("BENCH_PEER_N", "5000"))
ROUNDS = int(os.environ.get("BENCH_PEER_ROUNDS", "3"))

# -- the peer --------------------------------------------------------------------------------


class PeerSite(PeerAggregate):
    @event("Registered")
    def __init__(self, code: str, name: str, religion: str, commune_code: str,
                 district_code: str | None, address: str, land_area_m2: float | None,
                 land_use_origin: str | None) -> None:
        self.code = code
        self.name = name
        self.religion = religion
        self.commune_code = commune_code
        self.district_code = district_code
        self.address = address
        self.land_area_m2 = land_area_m2
        self.land_use_origin = land_use_origin

    @event("Renamed")
    def rename(self, name: str) -> None:
        self.name = name


class PeerSites(Application[UUID]):
    pass


SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


@contextlib.contextmanager
def peer_connections(synchronous: str | None, seen: set[str]) -> Iterator[None]:
    """The peer's new connections, with `synchronous` set (None: left as the library leaves
    it); the setting each connection ends up with is added to `seen`."""
    create = SQLiteConnectionPool._create_connection

    def create_connection(self: SQLiteConnectionPool) -> Any:
        connection = create(self)
        if synchronous is not None:
            connection._sqlite_conn.execute(f"PRAGMA synchronous={synchronous}")
        level = connection._sqlite_conn.execute("PRAGMA synchronous").fetchone()[0]
        seen.add(SYNCHRONOUS.get(level, str(level)))
        return connection

    SQLiteConnectionPool._create_connection = create_connection  # type: ignore[method-assign]
    try:
        yield
    finally:
        SQLiteConnectionPool._create_connection = create  # type: ignore[method-assign]


def run_peer(path: Path, synchronous: str | None) -> tuple[tuple[float, float], str]:
    """The peer's two loops on a file of its own: ((new/s, command/s), the setting it ran
    at)."""
    seen: set[str] = set()
    with peer_connections(synchronous, seen):
        peer = PeerSites(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                              "SQLITE_DBNAME": str(path)})
        with Timer() as new:
            ids = []
            for n in range(N):
                new_site = PeerSite(code=f"P{n:06d}", **SITE)
                peer.save(new_site)
                ids.append(new_site.id)
        with Timer() as command:
            for n, site_id in enumerate(ids):
                loaded: PeerSite = peer.repository.get(site_id)
                loaded.rename(f"Chùa số {n}")
                peer.save(loaded)
        assert peer.repository.get(ids[-1]).name == f"Chùa số {N - 1}"
        peer.close()
    return (rate(N, new.seconds), rate(N, command.seconds)), "/".join(sorted(seen))


# -- the kernel ------------------------------------------------------------------------------

def kernel_runtime(path: Path) -> ServiceRuntime:
    settings = Settings.for_service(
        "religion", database_url=f"sqlite:///{path}", environment="test", log_level="WARNING"
    )
    runtime = ServiceRuntime(settings, registry)
    runtime.create_schema()
    return runtime


def run_kernel(path: Path) -> tuple[float, float]:
    runtime = kernel_runtime(path)
    context = CommandContext(actor="bench")
    with Timer() as new:
        for n in range(N):
            with runtime.uow(context) as uow:
                site = uow.load(Site, f"S{n:06d}")
                site.register(SiteRegistered(code=f"S{n:06d}", **SITE))
                uow.save(site)
                uow.commit()
    with Timer() as command:
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
    return rate(N, new.seconds), rate(N, command.seconds)


_LOAD = ("SELECT event_type, schema_version, payload FROM events"
         " WHERE aggregate_type = 'site' AND aggregate_id = ? ORDER BY aggregate_version")
_INSERT = ("INSERT INTO events (event_id, event_type, schema_version, aggregate_type,"
           " aggregate_id, aggregate_version, occurred_at, recorded_at, actor, payload,"
           " unit_code) VALUES (?, ?, 1, 'site', ?, ?, '2023-03-01 00:00:00.000000', ?,"
           " 'bench', ?, '11755') RETURNING position")
_OUTBOX = "INSERT INTO outbox (position, subject) VALUES (?, ?)"


def run_ceiling(path: Path) -> tuple[float, float]:
    """Raw sqlite3 on the kernel's schema and pragmas, the kernel's statements, the same two
    loops: the payloads are encoded once and read rows are not decoded."""
    conn = raw_connection(path, kernel_schema=True)
    registered = orjson.dumps({"code": "S000000", **SITE}).decode()
    renamed = orjson.dumps({"name": "Chùa"}).decode()

    def command(n: int, event_type: str, payload: str) -> None:
        conn.execute("BEGIN IMMEDIATE")
        aggregate_id = f"S{n:06d}"
        version = len(conn.execute(_LOAD, (aggregate_id,)).fetchall()) + 1
        position = conn.execute(_INSERT, (
            str(uuid4()), event_type, aggregate_id, version,
            datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), payload)).fetchone()[0]
        conn.execute(_OUTBOX, (position, f"danvan.religion.site.{event_type}"))
        conn.execute("COMMIT")

    with Timer() as new:
        for n in range(N):
            command(n, "SiteRegistered", registered)
    with Timer() as renamed_all:
        for n in range(N):
            command(n, "SiteRenamed", renamed)
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 2 * N
    conn.close()
    return rate(N, new.seconds), rate(N, renamed_all.seconds)


def _ratio_line(name: str, ratios: list[float], target: str = "") -> None:
    rounds = ", ".join(f"{r:.0%}" for r in ratios)
    line = f"  {'':<4}{name:<66} {median(ratios):7.1%}  (rounds: {rounds})"
    print(line + (f"  (target {target})" if target else ""), flush=True)


def _rate_line(name: str, rates: list[float]) -> None:
    print(f"  {name:<70} {median(rates):>8,.0f}/s", flush=True)


def main() -> None:
    configure_logging("WARNING")
    shipped: list[tuple[float, float]] = []
    normal: list[tuple[float, float]] = []
    kernel: list[tuple[float, float]] = []
    ceiling: list[tuple[float, float]] = []
    settings: set[tuple[str, str]] = set()
    with temp_dir() as tmp:
        for round_ in range(ROUNDS):
            peer_rates, shipped_setting = run_peer(tmp / f"peer-shipped-{round_}.db", None)
            shipped.append(peer_rates)
            peer_rates, normal_setting = run_peer(tmp / f"peer-normal-{round_}.db", "NORMAL")
            normal.append(peer_rates)
            settings.add((shipped_setting, normal_setting))
            kernel.append(run_kernel(tmp / f"kernel-{round_}.db"))
            ceiling.append(run_ceiling(tmp / f"ceiling-{round_}.db"))
        with sqlite3.connect(tmp / "peer-shipped-0.db") as conn:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    (shipped_setting, normal_setting), = settings
    print(f"  median of {ROUNDS} rounds of {N} commands each", flush=True)
    for index, loop in enumerate(("new aggregate + save", "load + command + save")):
        def rates(of: list[tuple[float, float]], index: int = index) -> list[float]:
            return [r[index] for r in of]

        def ratios(a: list[tuple[float, float]], b: list[tuple[float, float]],
                   index: int = index) -> list[float]:
            return [x[index] / y[index] for x, y in zip(a, b, strict=True)]

        print(f"  ({'ab'[index]}) {loop}, {N} commands", flush=True)
        _rate_line(f"eventsourcing 9.5.6 as shipped (synchronous={shipped_setting})",
                   rates(shipped))
        _rate_line(f"eventsourcing 9.5.6, kernel's pragmas (synchronous={normal_setting})",
                   rates(normal))
        _rate_line("kernel (synchronous=NORMAL), with its outbox row", rates(kernel))
        _rate_line("ceiling: raw sqlite3, kernel schema and pragmas, same loop", rates(ceiling))
        _ratio_line("kernel / peer as shipped", ratios(kernel, shipped), "≥ 300 %")
        _ratio_line("kernel / peer with the kernel's pragmas", ratios(kernel, normal))
        _ratio_line("ceiling / peer with the kernel's pragmas (the bound of the above)",
                    ratios(ceiling, normal))
        _ratio_line("kernel / ceiling", ratios(kernel, ceiling))
    print(f"  all on SQLite files in {tmp.parent}, journal_mode={mode}", flush=True)
