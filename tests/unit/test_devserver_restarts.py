"""`make run`'s rule for a dead service (finding K2) and its NATS (M9), one watcher for
both: started again after 1, 2, 4... seconds (at most 30), given up after 5 deaths within 120
seconds; deaths older than that are forgotten. The times are given, nothing waits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shared.devserver import NatsWatch, RestartPolicy, ServiceWatch
from shared.natsserver import NatsServer


def test_back_off_doubles_then_gives_up_after_repeated_deaths() -> None:
    policy = RestartPolicy()
    assert [policy.died(t) for t in (0.0, 2.0, 5.0, 10.0)] == [1.0, 2.0, 4.0, 8.0]
    assert policy.died(20.0) is None


def test_deaths_long_ago_are_forgotten_and_the_delay_is_capped() -> None:
    policy = RestartPolicy(give_up_after=10)
    delays = [policy.died(t) for t in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)]
    assert delays[-1] == 30.0  # 64 s capped
    # Two hours later: the earlier deaths are outside the window, a fresh start.
    assert policy.died(7200.0) == 1.0


class _DyingNats(NatsServer):
    """A NATS that dies as soon as it starts (exit code 3), its port never listened on."""

    def start(self, timeout: float = 15.0) -> NatsServer:
        self.process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
        self.process.wait()
        return self


def test_a_dead_nats_is_started_again_then_given_up_with_its_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding M9: the devserver's NATS is watched as a service is: its death said, started
    again after the back-off, left stopped after repeated deaths with the line to start it by
    hand (its port and JetStream store)."""
    server = _DyingNats(14999, tmp_path / "nats", log_file=tmp_path / "nats.log").start()
    watch = NatsWatch(server, RestartPolicy(give_up_after=2))
    watch.check(0.0)
    assert watch.restart_at == 1.0
    said = capsys.readouterr().err
    assert "NATS đã dừng (mã 3); tự khởi động lại sau 1 giây" in said
    assert str(tmp_path / "nats") in said
    watch.check(0.5)  # not yet
    assert watch.restart_at == 1.0
    watch.check(1.0)
    assert "Đã khởi động lại NATS (nats://127.0.0.1:14999)" in capsys.readouterr().err
    watch.check(2.0)
    said = capsys.readouterr().err
    assert watch.given_up and "không tự khởi động lại nữa" in said
    assert "--store_dir " + str(tmp_path / "nats") in said and "--port 14999" in said
    watch.check(3.0)
    assert capsys.readouterr().err == ""


def _dying(service: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A service process that exits at once (code 3)."""
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    return process


def test_a_dead_service_is_watched_as_nats_is(capsys: pytest.CaptureFixture[str]) -> None:
    """The devserver's one watcher: a service's death said, started again after the back-off
    with the others running on, left stopped after repeated deaths with the line to start it
    by hand."""
    env = {"NATS_URL": "nats://127.0.0.1:14999", "DATA_DIR": "/tmp/danvan"}
    children = {"religion": _dying("religion", env)}
    watch = ServiceWatch("religion", children, env, RestartPolicy(give_up_after=2),
                         spawn=_dying)
    first = children["religion"]
    watch.check(0.0)
    assert watch.restart_at == 1.0
    assert ("Dịch vụ religion đã dừng (mã 3); tự khởi động lại sau 1 giây, các dịch vụ khác "
            "vẫn chạy") in capsys.readouterr().err
    watch.check(0.5)  # not yet
    assert children["religion"] is first
    watch.check(1.0)
    assert children["religion"] is not first  # the new process, which main() stops at the end
    assert "Đã khởi động lại dịch vụ religion (http://127.0.0.1:" in capsys.readouterr().err
    watch.check(2.0)
    said = capsys.readouterr().err
    assert watch.given_up and "không tự khởi động lại nữa; các dịch vụ khác và NATS" in said
    assert "NATS_URL=nats://127.0.0.1:14999 DATA_DIR=/tmp/danvan" in said
    assert "services.religion.app:create_app" in said
    watch.check(3.0)
    assert capsys.readouterr().err == ""
