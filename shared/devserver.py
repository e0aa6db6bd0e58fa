"""`make run`: nats-server with JetStream and the four services on SQLite, on this machine.

Stops everything on Ctrl-C or SIGTERM, the services first and NATS last, so a service's
shutdown (its consumers' last acks, its NATS connection closed) finds NATS still there; if
one service dies, the others are stopped too.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from shared.natsserver import NatsServer
from shared.settings import DEFAULT_PORTS

SERVICES = ("indicators", "religion", "dialogue", "reporting")

# Ctrl-C and SIGTERM to the end of a stop: services get most of it, NATS the rest.
STOP_SERVICES_S = 3.5
STOP_NATS_S = 1.0


def _port(service: str) -> int:
    return int(os.environ.get(f"{service.upper()}_PORT", DEFAULT_PORTS[service]))


def uvicorn_command(factory: str, host: str, port: int) -> list[str]:
    """How a service process is started (the HTTP benchmark starts its apps the same way)."""
    return [
        sys.executable, "-m", "uvicorn", factory, "--factory", "--host", host,
        "--port", str(port), "--no-access-log",
    ]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return bool(response.status == 200)
    # Not answering, or something else holds the port (another program's protocol is not
    # HTTP: BadStatusLine): not our service, not healthy.
    except (OSError, http.client.HTTPException):
        return False


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _: FrameType | None) -> None:
    raise _Stop(signum)


def _as_our_child() -> None:
    """Runs in each child before it starts. A process group of its own: a terminal's Ctrl-C
    goes to its whole foreground group at once, and would stop NATS while the services still
    use it; here only this process hears it and stops them in order. On Linux the child is
    also told to stop (SIGTERM) if this process dies without cleaning up (SIGKILL)."""
    os.setpgid(0, 0)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _stop_services(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_SERVICES_S
    for child in children.values():
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main() -> int:
    parent = os.getppid()
    data_dir = Path(os.environ.get("DATA_DIR", "var")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    nats: NatsServer | None = None
    children: dict[str, subprocess.Popen[bytes]] = {}
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        nats_url = os.environ.get("NATS_URL")
        if not nats_url:
            nats_port = int(os.environ.get("NATS_PORT", "14222"))
            nats = NatsServer(
                nats_port,
                data_dir / "nats",
                name="danvan-dev",
                log_file=data_dir / "nats.log",
                popen_options={"preexec_fn": _as_our_child},
            ).start()
            nats_url = nats.url
        env = {**os.environ, "NATS_URL": nats_url, "DATA_DIR": str(data_dir)}
        for service in SERVICES:
            children[service] = subprocess.Popen(
                uvicorn_command(
                    f"services.{service}.app:create_app",
                    os.environ.get("HOST", "127.0.0.1"),
                    _port(service),
                ),
                env=env,
                # preexec_fn is safe here: this process runs no threads.
                preexec_fn=_as_our_child,
            )
        # A give-up time, not a target: four services start in seconds, slower on a busy machine.
        deadline = time.monotonic() + 120
        waiting = set(SERVICES)
        while waiting and time.monotonic() < deadline:
            if os.getppid() != parent:
                return 0
            for service in list(waiting):
                if children[service].poll() is not None:
                    print(f"Dịch vụ {service} đã dừng khi khởi động", file=sys.stderr)
                    return 1
                if healthy(_port(service)):
                    waiting.discard(service)
            time.sleep(0.2)
        if waiting:
            print(f"Không khởi động được: {', '.join(sorted(waiting))}", file=sys.stderr)
            return 1
        print("\ndanvan đang chạy (Ctrl-C để dừng):")
        print(f"  NATS JetStream   {nats_url}")
        for service in SERVICES:
            print(f"  {service:<16} http://127.0.0.1:{_port(service)}/docs")
        print(f"  Bảng điều khiển  http://127.0.0.1:{_port('reporting')}/\n", flush=True)
        while True:
            if os.getppid() != parent:
                # Whoever started us (make, a shell) is gone: SIGTERM to `make` is not passed
                # on to its recipe, so notice it here rather than leave orphans behind.
                print("Tiến trình cha đã dừng; dừng các dịch vụ", file=sys.stderr)
                return 0
            for service, child in children.items():
                if child.poll() is not None:
                    print(f"Dịch vụ {service} đã dừng (mã {child.returncode})", file=sys.stderr)
                    return 1
            time.sleep(0.5)
    except _Stop:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop_services(children)
        if nats is not None:
            nats.stop(timeout=STOP_NATS_S)


if __name__ == "__main__":
    sys.exit(main())
