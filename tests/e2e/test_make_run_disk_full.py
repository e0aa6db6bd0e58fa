"""`make run` on a disk that fills up and is freed again (examiner-outage): real processes, the
data directory on a small tmpfs of its own (mounting one needs root: skipped otherwise)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.devserver import SERVICES
from tests.e2e.test_make_run import ROOT, _child_pid, _devserver_env, _get, _post, _wait_for_banner
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.waits  # the relays' retries and NATS's errors, on the wall clock

DISK_MB = 160


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the data directory needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs",
                              str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"no tmpfs here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield disk
    finally:
        if (disk / "var" / "nats.log").exists():  # kept for whoever reads a failure
            shutil.copy(disk / "var" / "nats.log", tmp_path / "nats.log")
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(path: Path) -> None:
    """Write zeros until the file system says it is full."""
    chunk = b"\0" * (1 << 20)
    with open(path, "wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError:
            pass
        small = b"\0" * 4096
        try:
            while True:
                out.write(small)
        except OSError:
            pass


class _Stack:
    """`make run` with its data on the small disk, and a client registering sites."""

    def __init__(self, process: subprocess.Popen[bytes], ports: dict[str, int], disk: Path,
                 log: Path) -> None:
        self.process, self.disk, self.log = process, disk, log
        self.religion = f"http://127.0.0.1:{ports['religion']}/api/v1"
        self.summary = f"http://127.0.0.1:{ports['reporting']}/api/v1/religion/sites-summary"
        self.nats_log = disk / "var" / "nats.log"
        self.taken: list[str] = []

    def site(self) -> int:
        code = f"DISK-{uuid.uuid4().hex[:6]}"
        status = _post(f"{self.religion}/sites", {
            "code": code, "name": "Chùa Hàng", "religion": "Phật giáo",
            "commune_code": "11755", "registered_on": "2023-01-05"})[0]
        if status == 201:
            self.taken.append(code)
        return status

    def all_in_reporting(self) -> bool:
        return bool(_get(self.summary)[1].get("sites") == len(self.taken))

    def nats(self) -> int | None:
        return _child_pid(self.process.pid, b"nats-server")


@pytest.fixture
def stack(small_disk: Path, tmp_path: Path) -> Iterator[_Stack]:
    ports, env = _devserver_env(tmp_path)
    env["DATA_DIR"] = str(small_disk / "var")
    log = tmp_path / "stderr.log"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "shared.devserver"], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=stderr, start_new_session=True,
        )
    try:
        _wait_for_banner(process, log)
        for service in SERVICES:
            ready_url = f"http://127.0.0.1:{ports[service]}/readyz"
            wait_until(lambda url=ready_url: _get(url)[0] == 200, timeout=60)  # type: ignore[misc]
        yield _Stack(process, ports, small_disk, log)
        assert process.poll() is None, "the devserver stopped"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_events_flow_again_once_a_full_disk_has_room_without_restarting_nats_by_hand(
    stack: _Stack,
) -> None:
    """nats-server kept failing every write of its JetStream store («no space left on
    device») after the disk that filled had room again, until it was restarted: under `make
    run` commands were taken (201) and no event reached reporting or indicators for as long
    as nobody restarted NATS by hand (4 minutes seen, then stopped looking). The devserver
    that owns that NATS now notices it (the error logged while the disk has room) and starts
    it again with its store: the events held in the outboxes reach reporting, once each."""
    # Enough commands that religion's SQLite write-ahead log keeps room for more once the
    # disk is full (its pages are reused): religion takes them, NATS cannot store them.
    for _ in range(300):
        assert stack.site() == 201
    wait_until(stack.all_in_reporting, timeout=60)
    nats_before = stack.nats()
    filler = stack.disk / "filler"
    _fill(filler)

    def nats_refused() -> bool:
        stack.site()  # SQLite's WAL may still have room: religion takes some, NATS none
        return any("DANVAN_RELIGION" in line and "no space left on device" in line
                   for line in stack.nats_log.read_text(errors="replace").splitlines())

    wait_until(nats_refused, timeout=60)
    filler.unlink()  # room again
    for _ in range(3):
        assert stack.site() == 201
    wait_until(stack.all_in_reporting, timeout=90)
    said = stack.log.read_text(errors="replace")
    assert "NATS không ghi được kho JetStream dù ổ đĩa đã có chỗ" in said
    assert stack.nats() not in (None, nats_before)


def test_a_nats_started_again_on_a_full_disk_stores_events_once_the_disk_has_room(
    stack: _Stack,
) -> None:
    """nats-server sizes its JetStream store, unless told, at 75 % of the disk's free space
    when it starts: the devserver's NATS started again while the disk was full (it died, or
    was stopped for the full disk) had «Max Storage: 0 B» and refused every event
    («insufficient resources») for as long as it ran, the disk freed meanwhile. The
    devserver's NATS is told a store of its own size (1 TB): the disk is its limit."""
    assert stack.site() == 201
    wait_until(stack.all_in_reporting, timeout=60)
    filler = stack.disk / "filler"
    _fill(filler)
    killed = stack.nats()
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    # Started again on the full disk (its port answers; its log, on that disk, may say nothing).
    wait_until(lambda: "Đã khởi động lại NATS" in stack.log.read_text(errors="replace"),
               timeout=30)
    filler.unlink()  # room again
    for _ in range(3):
        assert stack.site() == 201
    wait_until(stack.all_in_reporting, timeout=90)
