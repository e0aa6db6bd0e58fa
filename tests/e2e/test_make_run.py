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


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process of the group remains. Orphans are re-parented to
    PID 1, which on some machines never reaps them, so a signal test would see zombies."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            return True
    return False


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
    ports, env = _devserver_env(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "shared.devserver"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    yield process, ports
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_all_four_services_come_up_the_slice_works_and_sigterm_stops_everything(
    devserver: Any,
) -> None:
    process, ports = devserver
    started = time.monotonic()
    assert process.stdout is not None
    banner = ""
    while "Bảng điều khiển" not in banner:
        line = process.stdout.readline().decode()
        assert line or process.poll() is None, f"devserver exited early: {banner}"
        banner += line
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

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    wait_until(lambda: not _group_alive(process.pid), timeout=20)


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
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        wait_until(lambda: not _group_alive(parent.pid), timeout=30)
    finally:
        if _group_alive(parent.pid):
            os.killpg(parent.pid, signal.SIGKILL)
