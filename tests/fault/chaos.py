"""The outside examiner's outage round, scripted: `make run` (shared/devserver.py, its NATS on
free ports) under a steady load of commands to three services, faults at random moments, then
an independent count.

    PYTHONPATH=$PWD .venv/bin/python -m tests.fault.chaos --minutes 6 --seed 7 --dir /tmp/chaos

Faults (each at a random moment of the load): kill -9 of NATS (the devserver starts it again),
the same with its JetStream store removed or a message block cut short, kill -9 of a service
(in the middle of whatever it does: a command, a relay round, a projection batch), of a
service during a rebuild of its read models, and of every service at once in reverse order.
Afterwards, with nobody acting, until everything agrees or `--settle` seconds pass:

- every command answered 2xx has exactly one event in its service's store; a command answered
  5xx or not at all has none or one, and then a whole one (its outbox row, its read model);
- every stored event is once in its stream and applied once by every durable consumer that
  takes its type (processed events reconciled by event id, nothing extra, no dead letter);
- reporting's sites summary counts the registered sites, its fact tables hold every event of
  the types they keep, and indicators holds every model.

Not a pytest test: minutes of wall clock, run by hand or by an examiner. Prints one line per
fault and the verdict; exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
from sqlalchemy import create_engine, text

from shared.db import normalise_url
from shared.envelope import EventEnvelope
from shared.settings import stream_name_for
from tests.fault.postgres import ThrowawayPostgres, postgres_bin_dir
from tests.integration.helpers import read_stream

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("indicators", "religion", "dialogue", "reporting")
# Communes of 2023 that are still communes (a head took office in 2023 and is in office).
COMMUNES = ("11311", "11341", "11359", "11383", "11407", "11411", "11413", "11443")
# The command of each kind, the event it records and the aggregate its answer names.
KINDS = {"site": ("religion", "SiteRegistered"), "session": ("dialogue", "SessionPlanned"),
         "model": ("indicators", "ModelRegistered")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


class Stack:
    """`make run` in a process group of its own, on free ports, data in `data_dir`."""

    def __init__(self, data_dir: Path, postgres: ThrowawayPostgres | None = None) -> None:
        self.data_dir = data_dir
        self.ports = {service: free_port() for service in SERVICES}
        self.nats_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.postgres = postgres
        self.urls = {s: f"sqlite:///{data_dir / f'{s}.db'}" for s in SERVICES}
        if postgres is not None:
            self.urls = {s: postgres.create_database(s) for s in SERVICES}

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items()
               if not k.endswith("DATABASE_URL") and k != "NATS_URL"}
        env.update({"DATA_DIR": str(self.data_dir), "NATS_PORT": str(self.nats_port),
                    **{f"{s.upper()}_PORT": str(p) for s, p in self.ports.items()}})
        if self.postgres is not None:
            env.update({f"{s.upper()}_DATABASE_URL": url for s, url in self.urls.items()})
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (open(self.data_dir / "devserver.out", "ab") as out,
              open(self.data_dir / "devserver.err", "ab") as err):
            self.process = subprocess.Popen(
                [sys.executable, "-m", "shared.devserver"], cwd=ROOT, env=env,
                stdout=out, stderr=err, start_new_session=True)
        deadline = time.monotonic() + 180
        while not all(self.healthy(s) for s in SERVICES):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("make run did not come up; see devserver.err")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def healthy(self, service: str) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url(service)}/healthz", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def pid_of(self, marker: str) -> int | None:
        """The devserver's child whose command line holds `marker` (a port, the NATS config)."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if stat[0] != "Z" and int(stat[1]) == getattr(self.process, "pid", -1) \
                    and marker in cmdline:
                return int(entry.name)
        return None

    def service_pid(self, service: str) -> int | None:
        return self.pid_of(f"--port {self.ports[service]}")

    def nats_pid(self) -> int | None:
        return self.pid_of("nats.conf")

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "nats"


def request(method: str, url: str, body: Any = None, timeout: float = 20) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            return int(answer.status), json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        try:
            return int(error.code), json.loads(error.read() or b"null")
        except ValueError:
            return int(error.code), None
    except (OSError, ValueError):
        return 0, None  # refused, reset, timed out: fate unknown


@dataclass
class Sent:
    kind: str
    aggregate_id: str
    status: int


@dataclass
class Load:
    stack: Stack
    heads: dict[str, str]
    pause_s: float
    sent: list[Sent] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, kind: str, seed: int) -> None:
        rng = random.Random(seed)
        n = 0
        while not self.stop.is_set():
            n += 1
            commune = rng.choice(COMMUNES)
            aggregate_id, (service, _) = "", KINDS[kind]
            if kind == "site":
                aggregate_id = f"C{seed}-{n:05d}-{uuid.uuid4().hex[:4]}"
                body: dict[str, Any] = {
                    "code": aggregate_id, "name": f"Chùa {aggregate_id}", "religion": "Phật giáo",
                    "commune_code": commune, "address": "Thôn Đông",
                    "land_area_m2": -1 if n % 10 == 0 else 800.0 + n,
                    "registered_on": "2023-02-01"}
                path = "/api/v1/sites"
            elif kind == "session":
                aggregate_id = str(uuid.uuid4())
                body = {"session_id": aggregate_id, "unit_code": commune,
                        "head_ids": [self.heads[commune]], "planned_on": "2023-03-01",
                        "topic": "Đối thoại" if n % 10 else ""}
                path = "/api/v1/sessions"
            else:
                aggregate_id = f"M{seed}-{n:05d}-{uuid.uuid4().hex[:4]}"
                body = {"model_id": aggregate_id, "unit_code": commune, "field": "urban",
                        "title": f"Mô hình {n}" if n % 10 else "", "started_on": "2023-02-01"}
                path = "/api/v1/models"
            status, _ = request("POST", self.stack.url(service) + path, body)
            with self.lock:
                self.sent.append(Sent(kind, aggregate_id, status))
            time.sleep(self.pause_s if status else 0.5)


def kill(pid: int | None) -> bool:
    if pid is None:
        say("  !! no such process to kill")
        return False
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


def wait_healthy(stack: Stack, services: tuple[str, ...] = SERVICES, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while not all(stack.healthy(s) for s in services):
        if time.monotonic() > deadline:
            say(f"  !! not healthy after {limit:.0f} s: "
                f"{[s for s in services if not stack.healthy(s)]}")
            return
        time.sleep(0.5)


def fault_nats(stack: Stack, rng: random.Random) -> str:
    kill(stack.nats_pid())
    return "kill -9 NATS"


def fault_nats_store_removed(stack: Stack, rng: random.Random) -> str:
    pid = stack.nats_pid()
    # The store removed while NATS is down: stopped first so the devserver's restart finds none.
    os.kill(pid, signal.SIGSTOP) if pid else None
    shutil.rmtree(stack.store_dir / "jetstream", ignore_errors=True)
    kill(pid)
    return "kill -9 NATS, JetStream store removed"


def fault_nats_store_cut(stack: Stack, rng: random.Random) -> str:
    pid = stack.nats_pid()
    os.kill(pid, signal.SIGSTOP) if pid else None
    blocks = sorted((stack.store_dir / "jetstream").rglob("*.blk"))
    cut = []
    for block in rng.sample(blocks, min(2, len(blocks))):
        size = block.stat().st_size
        with open(block, "r+b") as handle:
            handle.truncate(size // 2)
        cut.append(f"{block.parent.parent.name}/{block.name} {size}->{size // 2}")
    kill(pid)
    return f"kill -9 NATS, message blocks cut short: {cut}"


def fault_service(stack: Stack, rng: random.Random) -> str:
    service = rng.choice(SERVICES)
    kill(stack.service_pid(service))
    return f"kill -9 {service}"


def fault_rebuild(stack: Stack, rng: random.Random) -> str:
    service = rng.choice(("reporting", "indicators", "religion", "dialogue"))
    # Reporting's and indicators' consumer projections rebuild by generations beside the live
    # tables; religion's and dialogue's inline read models by replay of their store.
    path = ("rebuild-projections" if service in ("reporting", "indicators")
            else "rebuild-read-models")
    status, _ = request("POST", f"{stack.url(service)}/api/v1/admin/{path}", {}, timeout=60)
    wait = rng.uniform(0.2, 6.0)
    time.sleep(wait)
    kill(stack.service_pid(service))
    return f"rebuild of {service} ({status}), kill -9 after {wait:.1f} s"


def fault_all_reverse(stack: Stack, rng: random.Random) -> str:
    order = list(SERVICES)
    rng.shuffle(order)
    for service in order:
        kill(stack.service_pid(service))
        time.sleep(rng.uniform(0.0, 1.5))
    kill(stack.nats_pid())
    return f"kill -9 of {order} then NATS"


def fault_disk_full(stack: Stack, rng: random.Random) -> str:
    """The data directory's file system (a tmpfs, --tmpfs-mb) filled for a while, then freed."""
    filler = stack.data_dir / "filler"
    # Unbuffered: nothing left to write when it is closed on the full disk.
    with open(filler, "wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * (1 << 20))
    full = rng.uniform(15, 40)
    time.sleep(full)
    filler.unlink()
    return f"disk full for {full:.0f} s"


def fault_postgres_stopped(stack: Stack, rng: random.Random) -> str:
    assert stack.postgres is not None, "--postgres"
    mode = rng.choice(("immediate", "fast"))
    stack.postgres.stop(mode)
    down = rng.uniform(10, 30)
    time.sleep(down)
    stack.postgres.start()
    return f"PostgreSQL stopped ({mode}) for {down:.0f} s"


def fault_postgres_frozen(stack: Stack, rng: random.Random) -> str:
    """The postmaster and every backend stopped (SIGSTOP): a host that hangs."""
    assert stack.postgres is not None, "--postgres"
    pids = [stack.postgres.postmaster_pid()]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pids[0]:
                pids.append(int(entry.name))
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    down = rng.uniform(10, 30)
    time.sleep(down)
    for pid in pids:
        os.kill(pid, signal.SIGCONT)
    return f"PostgreSQL frozen (SIGSTOP of {len(pids)} processes) for {down:.0f} s"


FAULTS: dict[str, Callable[[Stack, random.Random], str]] = {
    "nats": fault_nats, "nats-store-removed": fault_nats_store_removed,
    "nats-store-cut": fault_nats_store_cut, "service": fault_service,
    "rebuild": fault_rebuild, "all": fault_all_reverse,
    "disk-full": fault_disk_full,
    "pg-stop": fault_postgres_stopped, "pg-freeze": fault_postgres_frozen,
}


# --- the independent count ---------------------------------------------------------------------


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(query))]
    finally:
        engine.dispose()


async def _quiet(_: Exception) -> None:
    """NATS starting again while the count connects: the count is simply tried again."""


async def count(stack: Stack, load: Load) -> list[str]:
    """Every violation found now (none: converged)."""
    problems: list[str] = []
    db = stack.urls
    events = {s: rows(db[s], "SELECT event_id, event_type, aggregate_id, position FROM events")
              for s in SERVICES}
    # 1. Commands against their service's store.
    by_aggregate: dict[str, Counter[str]] = {}
    for service, stored in events.items():
        for _, kind, aggregate, _ in stored:
            by_aggregate.setdefault(service, Counter())[f"{kind}:{aggregate}"] += 1
    with load.lock:
        sent = list(load.sent)
    for s in sent:
        service, kind = KINDS[s.kind]
        found = by_aggregate.get(service, Counter())[f"{kind}:{s.aggregate_id}"]
        accepted = 200 <= s.status < 300
        if (accepted and found != 1) or (not accepted and found > 1):
            problems.append(f"{s.kind} {s.aggregate_id} answered {s.status}: {found} events")
        elif 400 <= s.status < 500 and found:
            problems.append(f"{s.kind} {s.aggregate_id} refused {s.status} yet stored")
    # Whole writes: an outbox row per event, the inline read model's row per registration.
    for service in SERVICES:
        outbox = {r[0] for r in rows(db[service], "SELECT position FROM outbox")}
        positions = {r[3] for r in events[service]}
        if outbox != positions:
            problems.append(f"{service}: {len(positions - outbox)} events without outbox row,"
                            f" {len(outbox - positions)} outbox rows without event")
    sites = {r[0] for r in rows(db["religion"], "SELECT code FROM rel_sites")}
    registered = {a for _, k, a, _ in events["religion"] if k == "SiteRegistered"}
    if sites != registered:
        problems.append(f"religion rel_sites {len(sites)} != registered {len(registered)}")
    sessions = {str(r[0]) for r in rows(db["dialogue"], "SELECT session_id FROM dlg_sessions")}
    planned = {a for _, k, a, _ in events["dialogue"] if k == "SessionPlanned"}
    if sessions != planned:
        problems.append(f"dialogue dlg_sessions {len(sessions)} != planned {len(planned)}")
    # 2. Streams and durables.
    client = await nats.connect(f"nats://127.0.0.1:{stack.nats_port}", connect_timeout=2,
                                max_reconnect_attempts=0, error_cb=_quiet)
    try:
        js = client.jetstream()
        for service in ("religion", "dialogue", "indicators"):
            stream = stream_name_for("danvan", service)
            in_store: set[str] = {str(r[0]) for r in events[service]}
            messages = await read_stream(f"nats://127.0.0.1:{stack.nats_port}", stream)
            ids = [str(EventEnvelope.from_json(m.data).event_id) for m in messages]
            dup = len(ids) - len(set(ids))
            missing = in_store - set(ids)
            if missing or dup:
                problems.append(f"stream {stream}: {len(missing)} of {len(in_store)} events"
                                f" missing, {dup} duplicates")
            for info in await js.consumers_info(stream):
                if not info.config.durable_name:
                    continue
                consumer_service = info.name.split("-")[0]
                subjects = info.config.filter_subjects or [info.config.filter_subject or ">"]
                types = {subject.rsplit(".", 1)[-1] for subject in subjects}
                expected = {e for e, k, _, _ in events[service] if ">" in types or k in types}
                applied = {r[0] for r in rows(
                    db[consumer_service],
                    f"SELECT event_id FROM processed_events WHERE consumer = '{info.name}'")}
                dead = rows(db[consumer_service],
                            f"SELECT count(*) FROM dead_letters WHERE consumer = '{info.name}'")
                if expected - applied or applied - expected or dead[0][0]:
                    problems.append(
                        f"durable {info.name}: expected {len(expected)}, missing"
                        f" {len(expected - applied)}, extra {len(applied - expected)},"
                        f" dead letters {dead[0][0]}")
    finally:
        await client.close()
    # 3. The consumers' read models, by their own reads.
    status, summary = request("GET", f"{stack.url('reporting')}/api/v1/religion/sites-summary")
    if status != 200 or summary["sites"] != len(registered):
        problems.append(f"reporting sites-summary {status} {summary and summary.get('sites')}"
                        f" != {len(registered)} registered")
    for service, table in (("religion", "rpt_religion_facts"), ("dialogue", "rpt_dialogue_facts"),
                           ("indicators", "rpt_indicators_facts")):
        facts = {r[0] for r in rows(db["reporting"], f"SELECT event_id FROM {table}")}
        kinds = {k for e, k, _, _ in events[service] if e in facts}
        expected = {e for e, k, _, _ in events[service] if k in kinds}
        if expected - facts:
            problems.append(f"reporting {table}: {len(expected - facts)} events of kept types"
                            f" missing")
    models = {a for _, k, a, _ in events["indicators"] if k == "ModelRegistered"}
    model_facts = {r[0] for r in rows(db["indicators"], "SELECT model_id FROM ind_model_facts")}
    if models - model_facts:
        problems.append(f"indicators ind_model_facts: {len(models - model_facts)} models missing")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, default=Path("/tmp/danvan-chaos"))
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", help="comma-separated names (default: all, the"
                        " PostgreSQL ones only with --postgres)")
    parser.add_argument("--every", type=float, default=25, help="mean seconds between faults")
    parser.add_argument("--pause", type=float, default=0.6,
                        help="seconds between a client's commands")
    parser.add_argument("--settle", type=float, default=180)
    parser.add_argument("--tmpfs-mb", type=int, default=0,
                        help="the data directory on a tmpfs of this size (disk-full needs it)")
    parser.add_argument("--postgres", action="store_true",
                        help="the services on a PostgreSQL cluster of the run's own (initdb)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    shutil.rmtree(args.dir, ignore_errors=True)
    if args.tmpfs_mb:
        args.dir.mkdir(parents=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.tmpfs_mb}m", "tmpfs",
                        str(args.dir)], check=True)
    postgres = None
    if args.postgres:
        bin_dir = postgres_bin_dir()
        assert bin_dir is not None, "PostgreSQL binaries (initdb, pg_ctl) not found"
        postgres = ThrowawayPostgres(bin_dir).init()
        postgres.start()
    stack = Stack(args.dir, postgres)
    say(f"make run in {args.dir}: {stack.ports}, NATS {stack.nats_port}")
    stack.start()
    try:
        heads = {}
        for commune in COMMUNES:
            status, answer = request("POST", stack.url("dialogue") + "/api/v1/heads", {
                "unit_code": commune, "role": "people_committee_chair",
                "full_name": "Nguyễn Văn An", "from_date": "2023-01-01"})
            assert status == 201, (status, answer)
            heads[commune] = answer["head_id"]
        load = Load(stack, heads, args.pause)
        threads = [threading.Thread(target=load.run, args=(kind, n), daemon=True)
                   for n, kind in enumerate(["site", "site", "session", "model"])]
        for thread in threads:
            thread.start()
        ends = time.monotonic() + args.minutes * 60
        names = (args.faults.split(",") if args.faults else
                 [n for n in FAULTS if (args.postgres or not n.startswith("pg-"))
                  and (args.tmpfs_mb or n != "disk-full")])
        while time.monotonic() < ends:
            time.sleep(rng.uniform(0.3, 2) * args.every)
            name = rng.choice(names)
            say(f"fault {name}: {FAULTS[name](stack, rng)}")
            wait_healthy(stack)
        load.stop.set()
        for thread in threads:
            thread.join(30)
        statuses = Counter(s.status for s in load.sent)
        say(f"load ended: {dict(sorted(statuses.items()))}")
        started = time.monotonic()
        problems: list[str] = []
        while time.monotonic() - started < args.settle:
            try:
                problems = asyncio.run(count(stack, load))
            except Exception as exc:  # NATS or a service still away: count again
                problems = [f"count failed: {exc!r}"]
            if not problems:
                break
            time.sleep(3)
        took = time.monotonic() - started
        if problems:
            say(f"NOT converged after {took:.0f} s:")
            for problem in problems:
                say(f"  {problem}")
            return 1
        say(f"converged {took:.0f} s after the load: {sum(len(v) for v in [load.sent])} commands")
        return 0
    finally:
        stack.stop()
        if postgres is not None:
            postgres.destroy()
        if args.tmpfs_mb:
            subprocess.run(["umount", str(args.dir)], check=False)


if __name__ == "__main__":
    sys.exit(main())
