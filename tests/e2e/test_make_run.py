"""`make run` as a newcomer uses it: real processes, real ports, clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from shared.devserver import SERVICES
from shared.natsserver import free_port
from tests.integration.helpers import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _processes() -> dict[int, tuple[str, int, int]]:
    """Every process: pid -> (state, parent pid, process group)."""
    found: dict[int, tuple[str, int, int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(stat.parent.name)] = (fields[0], int(fields[1]), int(fields[2]))
    return found


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process of the group remains. Orphans are re-parented to
    PID 1, which on some machines never reaps them, so a signal test would see zombies."""
    return any(group == pgid and state != "Z" for state, _, group in _processes().values())


def _descendants(pid: int) -> set[int]:
    """The processes started under `pid` (each service and NATS run in a process group of
    their own, so the caller's group does not show them)."""
    table = _processes()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, (_, parent, _) in table.items() if parent in frontier}
        found |= frontier
    return found


def _any_alive(pids: set[int]) -> bool:
    table = _processes()
    return any(pid in table and table[pid][0] != "Z" for pid in pids)


def _devserver_env(tmp_path: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Free ports for every service and NATS, data under tmp_path, SQLite (no database or
    NATS address from the outer environment)."""
    ports = {service: free_port() for service in SERVICES}
    env = {
        **{k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")},
        "DATA_DIR": str(tmp_path / "var"),
        "NATS_PORT": str(free_port()),
        **{f"{service.upper()}_PORT": str(port) for service, port in ports.items()},
    }
    env.pop("NATS_URL", None)
    return ports, env


@pytest.fixture
def devserver(tmp_path: Path) -> Any:
    """`make run` in a process group of its own, as a terminal's foreground job; what the
    services and the devserver print on stderr goes to tmp_path/stderr.log."""
    ports, env = _devserver_env(tmp_path)
    with open(tmp_path / "stderr.log", "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "shared.devserver"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,
        )
    yield process, ports
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for_banner(process: subprocess.Popen[bytes], stderr: Path) -> str:
    assert process.stdout is not None
    banner = ""
    while "Bảng điều khiển" not in banner:
        line = process.stdout.readline().decode()
        if not line and process.poll() is not None:
            printed = stderr.read_text(errors="replace")[-3000:]
            raise AssertionError(f"devserver exited early: {banner}\n{printed}")
        banner += line
    return banner


def test_all_four_services_come_up_the_slice_works_and_sigterm_stops_everything(
    devserver: Any, tmp_path: Path
) -> None:
    process, ports = devserver
    started = time.monotonic()
    banner = _wait_for_banner(process, tmp_path / "stderr.log")
    assert time.monotonic() - started < 60
    for service in SERVICES:
        assert f"http://127.0.0.1:{ports[service]}/docs" in banner
        assert _get(f"http://127.0.0.1:{ports[service]}/healthz")[1]["status"] == "ok"
        ready_url = f"http://127.0.0.1:{ports[service]}/readyz"
        wait_until(lambda url=ready_url: _get(url)[0] == 200)  # type: ignore[misc]

    religion = f"http://127.0.0.1:{ports['religion']}/api/v1"
    status, _ = _post(
        f"{religion}/sites",
        {"code": "DEMO-1", "name": "Chùa Dư Hàng", "religion": "Phật giáo",
         "commune_code": "11755", "registered_on": "2023-01-05"},
    )
    assert status == 201
    assert _post(f"{religion}/sites/DEMO-1/dossier/lodge", {"lodged_on": "2023-02-01"})[0] == 201
    summary_url = f"http://127.0.0.1:{ports['reporting']}/api/v1/religion/sites-summary"
    wait_until(lambda: _get(summary_url)[1].get("sites_with_dossier") == 1, timeout=30)
    assert _get(summary_url)[1]["sites"] == 1
    # The seed (the plan's I1-I4 of 2023) gives 2023 its four targets: judged, but I2, whose
    # heads nobody recorded yet (no denominator, no status: DOMAIN.md); a later year, whose
    # targets nobody recorded, shows its figures and says why there is no status and what
    # records one.
    reports = f"http://127.0.0.1:{ports['reporting']}/api/v1/reports"
    year_2023 = {i["id"]: i for i in _get(f"{reports}/2023-12m")[1]["indicators"]}
    assert {key: i["target"] for key, i in year_2023.items()} == {
        "I1": 100, "I2": 100, "I3": 40, "I4": 10}
    assert [key for key, i in year_2023.items() if i["status"]] == ["I1", "I3", "I4"]
    assert _get(f"{reports}/2023-12m")[1]["targets_note"] is None
    year_2025 = _get(f"{reports}/2025-12m")[1]
    assert [i["status"] for i in year_2025["indicators"]] == [None] * 4
    assert "POST /api/v1/indicators" in year_2025["targets_note"]

    started_under = _descendants(process.pid)
    assert len(started_under) >= len(SERVICES) + 1
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    wait_until(lambda: not _any_alive(started_under), timeout=20)


def test_ctrl_c_stops_the_services_then_nats_within_5_s_without_error_noise(
    devserver: Any, tmp_path: Path
) -> None:
    process, ports = devserver
    _wait_for_banner(process, tmp_path / "stderr.log")
    for service in SERVICES:
        ready_url = f"http://127.0.0.1:{ports[service]}/readyz"
        wait_until(lambda url=ready_url: _get(url)[0] == 200, timeout=30)  # type: ignore[misc]
    religion = f"http://127.0.0.1:{ports['religion']}/api/v1"
    site = {"code": "DEMO-2", "name": "Đình Hàng Kênh", "religion": "Phật giáo",
            "commune_code": "11755", "registered_on": "2023-01-05"}
    assert _post(f"{religion}/sites", site)[0] == 201
    # Ctrl-C in a terminal: SIGINT to every process of the foreground group at once.
    printed_before = (tmp_path / "stderr.log").stat().st_size
    started_under = _descendants(process.pid)
    stopping = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=30) == 0
    took = time.monotonic() - stopping
    wait_until(lambda: not _any_alive(started_under), timeout=10)
    assert took < 5, f"stopping took {took:.1f} s"
    printed = (tmp_path / "stderr.log").read_bytes()[printed_before:].decode(errors="replace")
    # Uvicorn's own lines are INFO; a warning or error of a service (a NATS connection
    # refused, a consumer failing) or a traceback is noise.
    noise = [
        line for line in printed.splitlines()
        if '"level": "warning"' in line or '"level": "error"' in line
        or line.startswith(("ERROR", "WARNING", "Traceback"))
    ]
    assert noise == [], printed[-3000:]


def test_services_stop_when_the_parent_that_started_them_dies(tmp_path: Path) -> None:
    # `make run` killed with SIGTERM does not pass the signal on to its recipe.
    ports, env = _devserver_env(tmp_path)
    parent = subprocess.Popen(
        ["sh", "-c", f"{sys.executable} -m shared.devserver; true"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        health = f"http://127.0.0.1:{ports['reporting']}/healthz"

        def up() -> bool:
            try:
                return _get(health)[0] == 200
            except OSError:
                return False

        wait_until(up, timeout=90)
        started_under = _descendants(parent.pid)
        assert len(started_under) >= len(SERVICES) + 2
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        wait_until(lambda: not _group_alive(parent.pid), timeout=30)
        wait_until(lambda: not _any_alive(started_under), timeout=30)
    finally:
        if _group_alive(parent.pid):
            os.killpg(parent.pid, signal.SIGKILL)


def _child_pid(devserver_pid: int, marker: bytes) -> int | None:
    """The live direct child of the devserver whose command line has `marker`."""
    for pid, (state, parent, _) in _processes().items():
        if parent != devserver_pid or state == "Z":
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker in command:
            return pid
    return None


def _service_pid(devserver_pid: int, service: str) -> int:
    """The uvicorn process of `service` started by the devserver (its direct child)."""
    pid = _child_pid(devserver_pid, f"services.{service}.app:create_app".encode())
    if pid is None:
        raise AssertionError(f"no process of {service} under {devserver_pid}")
    return pid


def test_a_service_killed_is_started_again_and_the_others_keep_running(
    devserver: Any, tmp_path: Path
) -> None:
    """Finding K2: `kill -9` of one service under `make run` stopped the whole stack, NATS
    included. Now the others and NATS keep answering, the log says so in Vietnamese, and the
    killed service comes back (after a back-off) and takes commands again."""
    process, ports = devserver
    _wait_for_banner(process, tmp_path / "stderr.log")
    for service in SERVICES:
        ready_url = f"http://127.0.0.1:{ports[service]}/readyz"
        wait_until(lambda url=ready_url: _get(url)[0] == 200, timeout=30)  # type: ignore[misc]
    killed = _service_pid(process.pid, "religion")
    os.kill(killed, signal.SIGKILL)
    wait_until(lambda: "Dịch vụ religion đã dừng (mã -9); tự khởi động lại" in
               (tmp_path / "stderr.log").read_text(errors="replace"), timeout=20)
    assert process.poll() is None, "the devserver stopped"
    for service in ("indicators", "dialogue", "reporting"):
        assert _get(f"http://127.0.0.1:{ports[service]}/readyz")[0] == 200, service

    def religion_back() -> bool:
        try:
            return _get(f"http://127.0.0.1:{ports['religion']}/readyz")[0] == 200
        except OSError:
            return False

    wait_until(religion_back, timeout=60)
    assert _service_pid(process.pid, "religion") != killed
    assert "Đã khởi động lại dịch vụ religion" in \
        (tmp_path / "stderr.log").read_text(errors="replace")
    religion = f"http://127.0.0.1:{ports['religion']}/api/v1"
    site = {"code": "DEMO-3", "name": "Chùa Hàng", "religion": "Phật giáo",
            "commune_code": "11755", "registered_on": "2023-01-05"}
    assert _post(f"{religion}/sites", site)[0] == 201
    # Still the same NATS: reporting hears the restarted service's events.
    summary_url = f"http://127.0.0.1:{ports['reporting']}/api/v1/religion/sites-summary"
    wait_until(lambda: _get(summary_url)[1].get("sites") == 1, timeout=30)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_nats_killed_is_started_again_with_its_store_and_events_flow(
    devserver: Any, tmp_path: Path
) -> None:
    """Finding M9: `kill -9` of the devserver's NATS left it defunct, nothing said, commands
    piling up in the outboxes. Now the log says so in Vietnamese, NATS comes back on its port
    with its JetStream store (a site recorded before counts once, not again), and a site
    recorded while it was down and one after reach reporting."""
    process, ports = devserver
    log = tmp_path / "stderr.log"
    _wait_for_banner(process, log)
    for service in SERVICES:
        ready_url = f"http://127.0.0.1:{ports[service]}/readyz"
        wait_until(lambda url=ready_url: _get(url)[0] == 200, timeout=30)  # type: ignore[misc]
    religion = f"http://127.0.0.1:{ports['religion']}/api/v1"
    summary_url = f"http://127.0.0.1:{ports['reporting']}/api/v1/religion/sites-summary"

    def site(code: str) -> None:
        body = {"code": code, "name": "Chùa Hàng", "religion": "Phật giáo",
                "commune_code": "11755", "registered_on": "2023-01-05"}
        assert _post(f"{religion}/sites", body)[0] == 201

    site("NATS-1")
    wait_until(lambda: _get(summary_url)[1].get("sites") == 1, timeout=30)
    killed = _child_pid(process.pid, b"nats-server")
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    site("NATS-2")  # taken by religion, kept in its outbox while NATS is down
    wait_until(lambda: "NATS đã dừng (mã -9); tự khởi động lại" in
               log.read_text(errors="replace"), timeout=20)
    wait_until(lambda: "Đã khởi động lại NATS" in log.read_text(errors="replace"), timeout=30)
    assert process.poll() is None, "the devserver stopped"
    again = _child_pid(process.pid, b"nats-server")
    assert again is not None and again != killed
    left = _processes().get(killed)
    assert left is None or left[1] != process.pid, "the killed NATS was not reaped"
    site("NATS-3")
    wait_until(lambda: _get(summary_url)[1].get("sites") == 3, timeout=60)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
