"""Soak over real HTTP: the religion service as `make run` starts it (uvicorn, SQLite, NATS).

64 clients at once, a share of invalid commands, clients that hang up mid-request, and idle
gaps longer than the life of an idle worker thread (anyio lets one go after 10 s), several
rounds. Afterwards no connection is out of the pool beyond the few kept open on purpose, and a
normal command answers in under a second. Before the fix, 24 clients wedged the service for good.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.natsserver import NatsServer, free_port
from tests.deploy.processes import ServiceProcess
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.soak

CLIENTS = 64
ROUNDS = 3
COMMANDS_PER_CLIENT = 4
IDLE_GAP_S = 11.0  # anyio's worker threads exit after 10 s idle
TIEN_LANG_TOWN = "11755"  # Thị trấn Tiên Lãng, huyện Tiên Lãng


@pytest.fixture
def religion(tmp_path: Path, nats_server: NatsServer) -> Iterator[ServiceProcess]:
    env = {
        "DATA_DIR": str(tmp_path / "var"),
        "NATS_URL": nats_server.url,
        "SUBJECT_ROOT": f"t{uuid.uuid4().hex[:10]}",
        "ENVIRONMENT": "development",
        "RELIGION_DATABASE_URL": "",
        "DATABASE_URL": "",
    }
    service = ServiceProcess("religion", free_port(), env, tmp_path / "religion.log").start()
    try:
        service.wait_healthy()
        yield service
    finally:
        service.stop()


def _site(code: str, commune: str = TIEN_LANG_TOWN) -> bytes:
    return json.dumps(
        {"code": code, "name": f"Chùa {code}", "religion": "Phật giáo",
         "commune_code": commune, "registered_on": "2023-02-01"}
    ).encode()


def _post(port: int, path: str, body: bytes, timeout: float = 60) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _hang_up(port: int, body: bytes, send_all: bool) -> None:
    """A client that goes away: half its body sent, or all of it and no wait for the answer."""
    head = (
        f"POST /api/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + (body if send_all else body[: len(body) // 2]))


def _gauge(service: ServiceProcess, name: str) -> float:
    text = service.get("/metrics").decode()
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not in /metrics"
    return float(match.group(1))


def _threads(service: ServiceProcess) -> int:
    assert service.process is not None
    return len(list(Path(f"/proc/{service.process.pid}/task").iterdir()))


def _round(port: int, round_no: int, statuses: Counter[tuple[str, int]]) -> None:
    lock = threading.Lock()
    failures: list[BaseException] = []

    def client(n: int) -> None:
        try:
            for k in range(COMMANDS_PER_CLIENT):
                code = f"OK-{round_no}-{n}-{k}"
                kind = (n + k) % 8
                if kind == 0:  # an unknown commune: refused, nothing written
                    bad = _site(f"BAD-{round_no}-{n}-{k}", "99999")
                    outcome = ("invalid", _post(port, "/api/v1/sites", bad))
                elif kind == 1:  # a code already taken
                    outcome = ("taken", _post(port, "/api/v1/sites", _site(f"OK-{round_no}-{n}-0")))
                elif kind == 2:
                    _hang_up(port, _site(f"DC-{round_no}-{n}-{k}"), send_all=k % 2 == 0)
                    continue
                else:
                    outcome = ("valid", _post(port, "/api/v1/sites", _site(code)))
                with lock:
                    statuses[outcome] += 1
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a client is still waiting"
    assert failures == []


def _registered(data_dir: Path, prefix: str) -> int:
    """Sites registered in the service's event store whose code starts with `prefix`."""
    with sqlite3.connect(data_dir / "religion.db") as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM events WHERE event_type = 'SiteRegistered'"
            " AND aggregate_id LIKE ?",
            (prefix + "%",),
        ).fetchone()
    return int(count)


def test_many_clients_with_idle_gaps_leave_no_connection_out_and_the_service_answering(
    religion: ServiceProcess, tmp_path: Path
) -> None:
    statuses: Counter[tuple[str, int]] = Counter()
    busiest = 0
    for round_no in range(ROUNDS):
        _round(religion.port, round_no, statuses)
        busiest = max(busiest, _threads(religion))
        if round_no < ROUNDS - 1:
            time.sleep(IDLE_GAP_S)
            # anyio lets its idle worker threads go at the next call that needs one: the
            # threads of the burst are gone and the next round meets new ones.
            religion.get("/healthz")

            def fewer(than: int = busiest) -> bool:
                return _threads(religion) < than

            wait_until(fewer, timeout=30)  # the threads' exit, not how fast it is
    # Every valid command was accepted, every invalid one refused with its 4xx; no 5xx.
    assert {status for (kind, status) in statuses if kind == "valid"} == {201}
    assert {status for (kind, status) in statuses if kind == "invalid"} == {422}
    assert {status for (kind, status) in statuses if kind == "taken"} <= {201, 409}
    accepted = statuses[("valid", 201)]
    assert accepted >= ROUNDS * CLIENTS * COMMANDS_PER_CLIENT // 2

    def idle() -> bool:
        out = _gauge(religion, "danvan_db_connections_checked_out")
        kept = _gauge(religion, "danvan_db_connections_kept_idle")
        return out == kept <= 4

    wait_until(idle, timeout=10)
    started = time.monotonic()
    assert _post(religion.port, "/api/v1/sites", _site("AFTER-1"), timeout=5) == 201
    assert time.monotonic() - started < 1
    # The event store holds exactly the sites the clients were told were registered ("taken"
    # ones answered 201 only when the client itself had not registered the code yet).
    assert _registered(tmp_path / "var", "OK-") == accepted + statuses[("taken", 201)]
    assert _registered(tmp_path / "var", "BAD-") == 0
