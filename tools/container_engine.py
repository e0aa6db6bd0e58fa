"""A container engine for `make test-containers`: the one already reachable, else our own.

    python -m tools.container_engine start     # prints DOCKER_HOST=unix://...
    python -m tools.container_engine stop      # stops only the engine this module started

Order: DOCKER_HOST if it answers; the default socket if it answers; else a dockerd of our own
with its own data root, exec root, pidfile and socket under ENGINE_ROOT (default
/var/tmp/danvan-engine), so nothing else on the machine is touched and the images it built
stay cached for the next run on the same machine. When dockerd is missing and we are root
with apt-get, Debian's docker.io is installed first (a clean CI machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import docker
from docker.errors import DockerException

ENGINE_ROOT = Path(os.environ.get("DANVAN_ENGINE_ROOT", "/var/tmp/danvan-engine"))
DEFAULT_SOCKET = "unix:///var/run/docker.sock"
START_TIMEOUT_S = 60.0


class EngineUnavailable(RuntimeError):
    """No engine answers and none could be started here (the message says why)."""


def answers(host: str, timeout: float = 5.0) -> bool:
    try:
        client = docker.DockerClient(base_url=host, timeout=int(timeout))
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (DockerException, OSError):
        return False


def own_host(root: Path = ENGINE_ROOT) -> str:
    return f"unix://{root / 'docker.sock'}"


def _install_dockerd() -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise EngineUnavailable(
            "dockerd is not installed and cannot be installed here (needs root and apt-get):"
            " install Debian's docker.io or set DOCKER_HOST"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "docker.io"],
        check=True, env=env, stdout=subprocess.DEVNULL,
    )


def start_own(root: Path = ENGINE_ROOT) -> str:
    """Start (or reuse) our own dockerd under `root`; returns its DOCKER_HOST."""
    host = own_host(root)
    if answers(host):
        return host
    if os.geteuid() != 0:
        raise EngineUnavailable("starting a dockerd needs root; set DOCKER_HOST to an engine")
    if shutil.which("dockerd") is None:
        _install_dockerd()
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise EngineUnavailable("dockerd not found after installing docker.io")
    root.mkdir(parents=True, exist_ok=True)
    (root / "docker.sock").unlink(missing_ok=True)
    log = open(root / "dockerd.log", "ab")  # noqa: SIM115 - handed to the daemon
    subprocess.Popen(
        [
            dockerd,
            "--data-root", str(root / "data"),
            "--exec-root", str(root / "exec"),
            "--pidfile", str(root / "dockerd.pid"),
            "--host", host,
        ],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,  # outlives this command; `stop` ends it by its pidfile
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while not answers(host, timeout=2):
        if time.monotonic() > deadline:
            tail = (root / "dockerd.log").read_text(errors="replace")[-2000:]
            raise EngineUnavailable(f"dockerd did not answer in {START_TIMEOUT_S:.0f}s:\n{tail}")
        time.sleep(0.5)
    return host


def ensure_engine(root: Path = ENGINE_ROOT) -> tuple[str, bool]:
    """A DOCKER_HOST that answers, starting our own engine when none does; and whether this
    call started it (then the caller stops it when done: its images stay cached on disk)."""
    given = os.environ.get("DOCKER_HOST")
    if given and answers(given):
        return given, False
    if not given and answers(DEFAULT_SOCKET):
        return DEFAULT_SOCKET, False
    if answers(own_host(root)):
        return own_host(root), False
    return start_own(root), True


def stop_own(root: Path = ENGINE_ROOT, timeout: float = 30.0) -> bool:
    """Stop the dockerd started by `start_own` (by its pidfile); True if one was running."""
    pidfile = root / "dockerd.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.container_engine", description=__doc__)
    parser.add_argument("action", choices=("start", "stop", "status"))
    args = parser.parse_args(argv)
    if args.action == "stop":
        print("đã dừng" if stop_own() else "không có dockerd riêng nào đang chạy")
        return 0
    if args.action == "status":
        host = os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET
        for candidate in (host, own_host()):
            if answers(candidate):
                print(f"DOCKER_HOST={candidate}")
                return 0
        return 1
    try:
        print(f"DOCKER_HOST={ensure_engine()[0]}")
    except EngineUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
