"""A NATS started with a log file leaves no handle of it to the garbage collector nor open in
the process that started it (make run's watch and the fault tests start one again and again)."""

from __future__ import annotations

import gc
import os
import warnings
from pathlib import Path

from shared.natsserver import NatsServer, free_port


def _open_on(path: Path) -> int:
    """How many of this process's descriptors are open on `path`."""
    fds = Path("/proc/self/fd")
    count = 0
    for fd in os.listdir(fds):
        try:
            if os.readlink(fds / fd) == str(path):
                count += 1
        except OSError:  # the descriptor listdir itself used, closed since
            continue
    return count


def test_a_started_and_stopped_nats_leaves_its_log_file_closed(tmp_path: Path) -> None:
    log = tmp_path / "nats.log"
    server = NatsServer(free_port(), tmp_path / "nats", log_file=log)
    gc.collect()  # what earlier tests of this worker left to the collector warns before, not here
    with warnings.catch_warnings(record=True) as caught:
        # An unclosed file says so only as a ResourceWarning when it is collected.
        warnings.simplefilter("always", ResourceWarning)
        for _ in range(2):
            server.start()
            try:
                assert _open_on(log) == 0
            finally:
                server.stop()
        server.start()
        server.kill()
        gc.collect()
    assert _open_on(log) == 0
    # Only this log file's: another object the collector meets meanwhile (a database
    # connection a fixture left) is not the server's to answer for.
    assert [str(w.message) for w in caught
            if issubclass(w.category, ResourceWarning) and str(log) in str(w.message)] == []
    assert log.stat().st_size > 0  # the server did write its log there
