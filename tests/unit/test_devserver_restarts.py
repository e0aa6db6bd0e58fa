"""`make run`'s rule for a dead service (finding K2) and its NATS (M9), one watcher for
both: started again after 1, 2, 4... seconds (at most 30), once a minute after 5 deaths within
120 seconds, never given up; deaths older than that are forgotten. The times are given,
nothing waits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shared.devserver import NatsWatch, RestartPolicy, ServiceWatch
from shared.natsserver import NatsServer


def test_back_off_doubles_then_slows_to_once_a_minute_never_giving_up() -> None:
    policy = RestartPolicy()
    assert [policy.died(t) for t in (0.0, 2.0, 5.0, 10.0)] == [1.0, 2.0, 4.0, 8.0]
    assert not policy.slow
    # The fifth death within two minutes: once a minute from now on, for as long as it dies.
    assert [policy.died(t) for t in (20.0, 80.0, 140.0, 200.0)] == [60.0] * 4
    assert policy.slow


def test_a_child_that_ran_two_minutes_is_quick_to_restart_again() -> None:
    """Out of the slow pace once it stayed up: its deaths have left the window."""
    policy = RestartPolicy()
    for t in (0.0, 1.0, 3.0, 7.0, 15.0):
        policy.died(t)
    assert policy.slow
    assert policy.died(400.0) == 1.0 and not policy.slow


def test_deaths_long_ago_are_forgotten_and_the_delay_is_capped() -> None:
    policy = RestartPolicy(slow_after=10)
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


def test_a_dead_nats_is_started_again_then_once_a_minute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding M9: the devserver's NATS is watched as a service is: its death said, started
    again after the back-off, then once a minute after repeated deaths, the log saying so and
    where to look; never left stopped (a NATS given up on a full disk kept the events in the
    outboxes after the disk had room again, until someone read the log)."""
    server = _DyingNats(14999, tmp_path / "nats", log_file=tmp_path / "nats.log").start()
    watch = NatsWatch(server, RestartPolicy(slow_after=2))
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
    assert watch.restart_at == 62.0
    assert ("NATS đã dừng (mã 3) 2 lần trong 120 giây: từ nay tự khởi động lại mỗi 60 giây "
            "đến khi chạy được") in said
    assert str(tmp_path / "nats.log") in said
    watch.check(61.0)  # not yet
    assert capsys.readouterr().err == ""
    watch.check(62.0)
    assert "Đã khởi động lại NATS" in capsys.readouterr().err
    watch.check(63.0)  # it died again: a minute later again, said as a death
    assert watch.restart_at == 123.0
    assert "NATS đã dừng (mã 3); tự khởi động lại sau 60 giây" in capsys.readouterr().err


def _dying(service: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A service process that exits at once (code 3)."""
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    return process


def test_a_dead_service_is_watched_as_nats_is(capsys: pytest.CaptureFixture[str]) -> None:
    """The devserver's one watcher: a service's death said, started again after the back-off
    with the others running on, then once a minute after repeated deaths."""
    env = {"NATS_URL": "nats://127.0.0.1:14999", "DATA_DIR": "/tmp/danvan"}
    children = {"religion": _dying("religion", env)}
    watch = ServiceWatch("religion", children, env, RestartPolicy(slow_after=2),
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
    assert ("Dịch vụ religion đã dừng (mã 3) 2 lần trong 120 giây: từ nay tự khởi động lại "
            "mỗi 60 giây đến khi chạy được; các dịch vụ khác và NATS vẫn chạy") in said
    second = children["religion"]
    watch.check(61.0)  # not yet
    assert children["religion"] is second
    watch.check(62.0)
    assert children["religion"] is not second
