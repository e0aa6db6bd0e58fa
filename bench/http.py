"""HTTP benchmark: commands as users and partner systems send them, over real HTTP.

The services run as `make run` runs them (uvicorn processes started by the command of
shared/devserver.py, SQLite files in a temporary directory, a private nats-server), and a
bare FastAPI app (bench/bareapp.py: the same pydantic body, one SQLite insert per request)
is started the same way beside them. An httpx client drives both with 1 and with 16
concurrent clients:

(a) religion `POST /api/v1/sites` beside the bare app: commands/s, p50, p99, and the ratios.
    Targets: danvan ≥ 60 % of the bare app's commands/s, p99 ≤ 2× the bare app's;
(b) the same command refused (the site code already registered, 409): a refusal must cost no
    more than a success;
(c) dialogue: heads taking office, and sessions planned then held (two commands each).

Danvan and the bare app take turns (ROUNDS stretches each, alternating which goes first), and
each side's figures are of all its stretches together: this machine's speed drifts by half
within minutes, and a side measured in one stretch after the other's took the drift as its own.

`BENCH_QUICK=1` sends fewer requests (a check that it all runs, not figures to quote).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import os
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import private_nats, temp_dir
from shared.adminunits import HAI_PHONG, default_catalogue
from shared.devserver import healthy, uvicorn_command
from shared.natsserver import free_port

QUICK = os.environ.get("BENCH_QUICK") == "1"
REQUESTS = {1: 300 if QUICK else 3000, 16: 600 if QUICK else 3000}
ROUNDS = 2 if QUICK else 6
WARM_UP = 50 if QUICK else 200
ON = date(2023, 3, 15)
# A give-up time for a process to answer /healthz on a loaded machine, not a target.
START_TIMEOUT_S = 120.0

# One scenario: the commands sent for index n, in order, each timed (`Client.post`).
Scenario = Callable[["Client", int], Awaitable[None]]


@dataclass
class Run:
    """One measured stretch: how many requests, how long, each one's latency."""

    requests: int
    seconds: float
    latencies: list[float]
    # CPU seconds the server process spent meanwhile: steadier than rates on a shared machine.
    server_cpu_s: float = 0.0
    # The driver's own collections meanwhile, each one's seconds: every request in flight
    # during one is timed that much slower although the server did nothing (DriverPauses).
    driver_pauses: tuple[float, ...] = ()

    @classmethod
    def joined(cls, runs: list[Run]) -> Run:
        """Stretches of one side as one run: their requests over their summed time."""
        return cls(sum(r.requests for r in runs), sum(r.seconds for r in runs),
                   [t for r in runs for t in r.latencies], sum(r.server_cpu_s for r in runs),
                   tuple(p for r in runs for p in r.driver_pauses))

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


class Processes:
    """Uvicorn processes of this benchmark, stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._children: list[subprocess.Popen[bytes]] = []

    def start(
        self, name: str, factory: str, env: dict[str, str], cwd: Path | None = None
    ) -> Server:
        port = free_port()
        log = (self._log_dir / f"{name}.log").open("wb")
        child = subprocess.Popen(
            uvicorn_command(factory, "127.0.0.1", port),
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )
        self._children.append(child)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not healthy(port):
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: see {self._log_dir / name}.log")
            time.sleep(0.1)
        return Server(f"http://127.0.0.1:{port}", child.pid)

    def stop(self) -> None:
        for child in self._children:
            if child.poll() is None:
                child.terminate()
        for child in self._children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


@contextlib.contextmanager
def processes(log_dir: Path) -> Iterator[Processes]:
    running = Processes(log_dir)
    try:
        yield running
    finally:
        running.stop()


class Client:
    """One client on its own kept-alive connection, timing each command it sends."""

    def __init__(self, http: httpx.AsyncClient, latencies: list[float]) -> None:
        self._http = http
        self._latencies = latencies

    async def post(self, path: str, payload: dict[str, Any], expect: int) -> dict[str, Any]:
        started = time.perf_counter()
        response = await self._http.post(path, json=payload)
        self._latencies.append(time.perf_counter() - started)
        if response.status_code != expect:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body


class DriverPauses:
    """The driver's garbage collections of its older generations, timed while a run is measured.

    The clients share this process's event loop: while it collects, no response is read, and
    every request in flight is timed that much slower, though the server did nothing. The
    process holds the national catalogue and the imports of the whole project, and a full
    collection walked them all: 40-85 ms here, each one adding that to the 16 requests in
    flight, enough to be a 16-client run's p99 by itself (30 requests above it in 3,000)
    whichever server it fell on. `frozen` moves what set-up made out of the collector's sight
    (gc.freeze) and starts a run from an empty young generation; what still happens is
    recorded, and printed beside the run's figures."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 0:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    @contextlib.contextmanager
    def frozen(self) -> Iterator[DriverPauses]:
        gc.collect()
        gc.freeze()
        gc.callbacks.append(self._observe)
        try:
            yield self
        finally:
            gc.callbacks.remove(self._observe)
            gc.unfreeze()


async def drive(server: Server, scenario: Scenario, clients: int, indexes: range) -> Run:
    """The scenarios of `indexes` shared among `clients` concurrent clients, each on a
    kept-alive connection opened before the clock starts (a partner system's client is made
    once: making one builds its TLS context, 10-30 ms of this loop's time while the clients
    made before it wait for their first answers)."""
    latencies: list[float] = []
    pending = iter(indexes)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with contextlib.AsyncExitStack() as stack:
        https = [await stack.enter_async_context(
            httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60))
            for _ in range(clients)]
        for http in https:
            (await http.get("/healthz")).raise_for_status()

        async def one_client(http: httpx.AsyncClient) -> None:
            client = Client(http, latencies)
            for n in pending:
                await scenario(client, n)

        with DriverPauses().frozen() as driver:
            cpu = cpu_seconds(server.pid)
            started = time.perf_counter()
            await asyncio.gather(*(one_client(http) for http in https))
            seconds = time.perf_counter() - started
            cpu = cpu_seconds(server.pid) - cpu
    return Run(len(latencies), seconds, latencies, cpu, tuple(driver.pauses))


def register_site(communes: list[str], prefix: str, expect: int = 201) -> Scenario:
    async def scenario(client: Client, n: int) -> None:
        await client.post("/api/v1/sites", {
            "code": f"{prefix}-{n:06d}",
            "name": f"Chùa số {n}",
            "religion": "Phật giáo",
            "commune_code": communes[n % len(communes)],
            "address": f"Thôn {n % 12 + 1}",
            "land_area_m2": 250.5 + n % 900,
            "registered_on": ON.isoformat(),
        }, expect)

    return scenario


def slices(indexes: range, count: int) -> list[range]:
    """`indexes` cut into `count` consecutive stretches of (nearly) equal length."""
    bounds = [indexes.start + len(indexes) * i // count for i in range(count + 1)]
    return [range(a, b) for a, b in itertools.pairwise(bounds)]


def line(name: str, run: Run) -> None:
    print(f"  {name:<44} {run.requests:>6} in {run.seconds:7.2f} s = {run.rate:>7,.0f}/s"
          f"  p50 {run.p50 * 1000:6.1f} ms  p99 {run.p99 * 1000:6.1f} ms"
          f"  server CPU {run.server_cpu_s / run.requests * 1000:5.2f} ms/cmd"
          f"  driver GC {len(run.driver_pauses)}×"
          f" ≤ {max(run.driver_pauses, default=0) * 1000:.0f} ms", flush=True)


async def religion_beside_bare(religion: Server, bare: Server, communes: list[str]) -> None:
    await drive(bare, register_site(communes, "W"), 4, range(WARM_UP))
    await drive(religion, register_site(communes, "W"), 4, range(WARM_UP))
    for clients in (1, 16):
        prefix = f"C{clients}"
        stretches: dict[str, list[Run]] = {"bare": [], "ours": [], "refused": []}
        for n, indexes in enumerate(slices(range(REQUESTS[clients]), ROUNDS)):
            turns = [("bare", bare, 201), ("ours", religion, 201)]
            # The same codes again after danvan's: each one refused (409 SITE_CODE_TAKEN),
            # nothing written.
            for side, server, expect in [*(turns if n % 2 == 0 else turns[::-1]),
                                         ("refused", religion, 409)]:
                stretches[side].append(await drive(
                    server, register_site(communes, prefix, expect), clients, indexes))
        base, ours, refused = (Run.joined(stretches[side]) for side in ("bare", "ours", "refused"))
        line(f"bare FastAPI + SQLite insert, {clients:>2} client(s)", base)
        line(f"religion POST /sites, {clients:>2} client(s)", ours)
        print(f"  {'':<44} {ours.rate / base.rate:6.1%} of bare's rate (target ≥ 60 %), "
              f"p99 {ours.p99 / base.p99:4.2f}× bare's (target ≤ 2×), "
              f"server CPU {ours.server_cpu_s / base.server_cpu_s:4.2f}× bare's", flush=True)
        line(f"… the same refused (409), {clients:>2} client(s)", refused)
        print(f"  {'':<44} refused/accepted: rate {refused.rate / ours.rate:4.2f}×, "
              f"p50 {refused.p50 / ours.p50:4.2f}×, p99 {refused.p99 / ours.p99:4.2f}×, "
              f"CPU {refused.server_cpu_s / ours.server_cpu_s:4.2f}× (target: rate ≥ 1×)",
              flush=True)


async def dialogue_commands(dialogue: Server, units: list[str]) -> None:
    posts = [(unit, role) for unit in units
             for role in ("party_secretary", "people_committee_chair")]
    heads: list[tuple[str, str]] = []

    async def take_office(client: Client, n: int) -> None:
        unit, role = posts[n]
        body = await client.post("/api/v1/heads", {
            "unit_code": unit, "role": role, "full_name": f"Người đứng đầu {unit}",
            "from_date": "2021-06-01"}, 201)
        heads.append((unit, str(body["head_id"])))

    async def plan_and_hold(client: Client, n: int) -> None:
        unit, head_id = heads[n % len(heads)]
        held_on = (date(2023, 2, 1) + timedelta(days=n % 300)).isoformat()
        body = await client.post("/api/v1/sessions", {
            "unit_code": unit, "head_ids": [head_id], "planned_on": held_on,
            "topic": "Đối thoại về đất đai, giải phóng mặt bằng"}, 201)
        await client.post(f"/api/v1/sessions/{body['session_id']}/hold",
                          {"held_on": held_on}, 200)

    # Each post takes one head (a post already held refuses another): split between the runs.
    split = len(posts) * 2 // 5
    for clients, indexes in ((1, range(split)), (16, range(split, len(posts)))):
        line(f"dialogue POST /heads, {clients:>2} client(s)",
             await drive(dialogue, take_office, clients, indexes))
    for clients in (1, 16):
        sessions = REQUESTS[clients] // 4
        line(f"dialogue sessions planned + held, {clients:>2} client(s)",
             await drive(dialogue, plan_and_hold, clients, range(sessions)))


def main() -> None:
    catalogue = default_catalogue()
    communes = [u.code for u in catalogue.units(ON, "commune", HAI_PHONG)]
    units = [HAI_PHONG, *(u.code for u in catalogue.units(ON, "district", HAI_PHONG)),
             *communes]
    with private_nats() as nats, temp_dir() as tmp, processes(tmp) as running:
        env = {"NATS_URL": nats.url, "DATA_DIR": str(tmp)}
        religion = running.start("religion", "services.religion.app:create_app", env)
        dialogue = running.start("dialogue", "services.dialogue.app:create_app", env)
        bare = running.start("bare", "bench.bareapp:create_app",
                             {"BARE_APP_DB": str(tmp / "bare.db")})
        asyncio.run(religion_beside_bare(religion, bare, communes))
        asyncio.run(dialogue_commands(dialogue, units))
