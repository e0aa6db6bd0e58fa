"""Service processes as a container runs them: `uvicorn services.<name>.app:create_app`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from shared.natsserver import terminate
from tests.deploy.compose import ROOT


class ServiceProcess:
    """One replica of a service in its own process, configured by environment only."""

    def __init__(self, service: str, port: int, env: dict[str, str], log_file: Path) -> None:
        self.service = service
        self.port = port
        self.env = {**os.environ, **env, "PORT": str(port)}
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        command = [
            sys.executable, "-m", "uvicorn", f"services.{self.service}.app:create_app",
            "--factory", "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log",
        ]
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def get(self, path: str) -> bytes:
        url = f"http://127.0.0.1:{self.port}{path}"
        with urllib.request.urlopen(url, timeout=5) as response:
            body: bytes = response.read()
            return body

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process is None or self.process.poll() is not None:
                raise AssertionError(f"{self.service} exited:\n{self.log()}")
            try:
                self.get("/healthz")
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.service} not healthy:\n{self.log()}")
            time.sleep(0.1)

    def counter(self, name: str, **labels: str) -> float:
        """One Prometheus counter of this process (0 when it has no sample yet)."""
        text = self.get("/metrics").decode()
        wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
        pattern = re.escape(f"{name}_total") + (r"\{" + re.escape(wanted) + r"\}" if wanted else "")
        match = re.search(rf"^{pattern} (\S+)$", text, re.MULTILINE)
        return float(match.group(1)) if match else 0.0

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")[-4000:]

    def stop(self, timeout: float = 20.0) -> int | None:
        if self.process is None:
            return None
        terminate(self.process, timeout)
        code = self.process.returncode
        self.process = None
        return code
