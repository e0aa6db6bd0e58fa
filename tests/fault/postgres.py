"""A throwaway PostgreSQL cluster of the fault suite's own, to stop and start at will.

Made with initdb/pg_ctl from the machine's PostgreSQL binaries on a free port in a temporary
directory: the shared test server is never stopped. As root, the binaries run as the
`postgres` user (initdb refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from shared.natsserver import free_port


def postgres_bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


class ThrowawayPostgres:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="danvan-fault-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:
            self._as_postgres = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres", "postgres")
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self._as_postgres, *command], check=True, capture_output=True, timeout=120
        )

    def init(self) -> ThrowawayPostgres:
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
            "-A", "trust", "-E", "UTF8", "--no-sync",
        )
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", "60", "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session at once, as an operator's restart or a failover does."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def create_database(self, name: str) -> str:
        self._run(
            str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
            "-U", "postgres", name,
        )
        return self.database_url(name)

    def postmaster_pid(self) -> int:
        """The server's first process (postmaster.pid's first line), for SIGSTOP and SIGCONT."""
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def backend_pids(self, database: str, where: str = "true") -> list[int]:
        """The server processes serving connections to `database` (but this ask's own), those
        `where` (a condition on pg_stat_activity) holds of."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s"
                f" AND pid <> pg_backend_pid() AND ({where})", (database,)).fetchall()
        return [row[0] for row in rows]

    def destroy(self) -> None:
        if self.running:
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
