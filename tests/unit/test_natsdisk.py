"""The devserver's rule for a NATS stuck after a full disk (examiner-outage, shared/natsdisk.py):
a «no space left on device» logged while the store's disk has room. The room and the times
are given, nothing waits; tests/e2e/test_make_run_disk_full.py fills a real disk."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shared.devserver import NatsWatch, RestartPolicy, nats_config
from shared.natsdisk import ROOM_BYTES, SETTLE_S, FullDiskWatch
from shared.natsserver import NatsServer

REFUSED = ("[1] 2026/12/07 17:37:18 [ERR] JetStream failed to store a msg on stream "
           "'$G > DANVAN_RELIGION': write .../msgs/1.blk: no space left on device\n")


class _Disk:
    def __init__(self) -> None:
        self.free = 0

    def __call__(self, _: Path) -> int:
        return self.free


def _log(path: Path, line: str) -> None:
    with open(path, "a") as log:
        log.write(line)


def test_a_refusal_logged_while_the_disk_has_room_is_a_stuck_nats(tmp_path: Path) -> None:
    log, disk = tmp_path / "nats.log", _Disk()
    _log(log, REFUSED)  # before the watch: not looked at
    watch = FullDiskWatch(log, tmp_path, free=disk)
    assert not watch.stuck(0.0)
    _log(log, REFUSED)
    assert not watch.stuck(0.5)  # the disk is full: NATS is right to refuse
    disk.free = ROOM_BYTES
    _log(log, REFUSED)  # read with room, but maybe written before it
    assert not watch.stuck(1.0)
    _log(log, REFUSED)
    assert not watch.stuck(1.0 + SETTLE_S / 2)  # too soon after the room was seen
    _log(log, "[1] [INF] Server is ready\n")
    assert not watch.stuck(1.0 + SETTLE_S)  # room and nothing refused: it writes again
    _log(log, REFUSED)
    assert watch.stuck(1.5 + SETTLE_S)
    disk.free = ROOM_BYTES - 1
    _log(log, REFUSED)
    assert not watch.stuck(10.0)  # full again: the room is counted anew
    disk.free = ROOM_BYTES
    assert not watch.stuck(11.0)
    _log(log, REFUSED)
    assert watch.stuck(11.0 + SETTLE_S)


def test_a_log_made_anew_is_read_from_its_start(tmp_path: Path) -> None:
    log, disk = tmp_path / "nats.log", _Disk()
    disk.free = ROOM_BYTES
    _log(log, "[1] [INF] a long first life of the server\n" * 50)
    watch = FullDiskWatch(log, tmp_path, free=disk)
    assert not watch.stuck(0.0)
    log.write_text(REFUSED)  # shorter than what was read: another file
    assert watch.stuck(SETTLE_S)


class _RunningNats(NatsServer):
    """A NATS process that runs until stopped, its port never listened on."""

    def start(self, timeout: float = 15.0) -> NatsServer:
        self.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        return self


def test_the_devserver_starts_a_stuck_nats_again_with_its_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log, disk = tmp_path / "nats.log", _Disk()
    disk.free = ROOM_BYTES
    server = _RunningNats(14998, tmp_path / "nats", log_file=log).start()
    first = server.process
    assert first is not None
    watch = NatsWatch(server, RestartPolicy(), FullDiskWatch(log, tmp_path, free=disk))
    try:
        watch.check(0.0)
        _log(log, REFUSED)
        watch.check(SETTLE_S)
        said = capsys.readouterr().err
        assert "NATS không ghi được kho JetStream dù ổ đĩa đã có chỗ" in said
        assert "NATS đã dừng (kho JetStream kẹt sau khi đầy đĩa); tự khởi động lại sau 1 giây" \
            in said
        assert first.poll() is not None and server.process is None
        assert watch.restart_at == SETTLE_S + 1.0
        watch.check(SETTLE_S + 1.0)
        assert "Đã khởi động lại NATS" in capsys.readouterr().err
        assert server.process is not None and server.process.poll() is None
        watch.check(SETTLE_S + 1.5)  # the stopped server's refusals are not read again
        assert capsys.readouterr().err == ""
    finally:
        server.stop(timeout=5)


def test_the_nats_configuration_is_written_once_and_a_full_disk_at_start_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """make run tells its NATS the size of its store in DATA_DIR/nats.conf; started again on a
    full disk with the same ports it writes nothing, and a file it cannot write is one
    Vietnamese line and exit status 1, not a traceback."""
    config = nats_config(tmp_path, 14997)
    text = config.read_text()
    assert "port: 14997" in text and "max_file_store: 1TB" in text
    assert f'store_dir: "{tmp_path / "nats"}"' in text

    def disk_full(self: Path, *_: Any, **__: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    assert nats_config(tmp_path, 14997) == config  # unchanged: nothing to write
    with pytest.raises(SystemExit) as stopped:
        nats_config(tmp_path, 14996)
    assert "Không ghi được cấu hình NATS" in str(stopped.value.code)
    assert config.read_text() == text  # the old file is left whole
