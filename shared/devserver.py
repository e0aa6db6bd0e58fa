"""`make run`: nats-server with JetStream and the four services on SQLite, on this machine.

Stops everything on Ctrl-C or SIGTERM, the services first and NATS last, so a service's
shutdown (its consumers' last acks, its NATS connection closed) finds NATS still there. A
service that dies once the stack is up (a crash, a `kill -9`) is started again after a
back-off (1, 2, 4... seconds, at most 30), the others and NATS running on; after
`SLOW_AFTER` deaths within `CRASH_WINDOW_S` it is tried once a minute (`SLOW_RETRY_S`) until it
runs again, and the log says so (finding K2). The NATS server this process started is watched
the same way (finding M9): started again with its command line, so its port and JetStream
store. A service that dies while the stack starts stops everything: that is a configuration
to fix, not a crash to retry.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from shared.natsdisk import NO_SPACE, FullDiskWatch
from shared.natsserver import NatsServer
from shared.settings import DEFAULT_PORTS

SERVICES = ("indicators", "religion", "dialogue", "reporting")

# Ctrl-C and SIGTERM to the end of a stop: services get most of it, NATS the rest.
STOP_SERVICES_S = 3.5
STOP_NATS_S = 1.0
# NATS stopped to be started again after a full disk: time to write its state out first.
STOP_NATS_AFTER_FULL_DISK_S = 5.0
# The JetStream store size the devserver's NATS is told: more than any disk it runs on.
NATS_MAX_FILE_STORE = "1TB"

# A dead service's restarts: the first after BACKOFF_FIRST_S, each next one twice as late (at
# most BACKOFF_MAX_S); after SLOW_AFTER deaths within CRASH_WINDOW_S, once every SLOW_RETRY_S.
# Never given up: what kills a child here is mostly the machine's (a full disk, a port taken,
# memory), and it passes; a NATS left stopped kept every event in the outboxes and every
# report stale until someone read the log, long after the disk had room again. A minute
# between tries keeps a child that cannot start from costing the machine anything.
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0
SLOW_AFTER = 5
CRASH_WINDOW_S = 120.0
SLOW_RETRY_S = 60.0


class RestartPolicy:
    """When to start a dead service again, from the times (monotonic seconds) it died."""

    def __init__(self, slow_after: int = SLOW_AFTER, window_s: float = CRASH_WINDOW_S,
                 first_s: float = BACKOFF_FIRST_S, max_s: float = BACKOFF_MAX_S,
                 slow_s: float = SLOW_RETRY_S) -> None:
        self.slow_after, self.window_s = slow_after, window_s
        self.first_s, self.max_s, self.slow_s = first_s, max_s, slow_s
        self.deaths: deque[float] = deque()
        self._delay = 0.0
        #: It died `slow_after` times within `window_s`: started again only every `slow_s`,
        #: until a run of it lasts `window_s` (a minute apart, its deaths alone would soon
        #: leave the window, and it would be tried four times a minute again).
        self.slow = False

    def died(self, at: float) -> float:
        """The delay before the next start: doubling from `first_s` (at most `max_s`), or
        `slow_s` while `slow`."""
        if self.deaths and at - self.deaths[-1] - self._delay > self.window_s:
            self.slow = False  # its last run lasted a whole window
        self.deaths.append(at)
        while self.deaths and self.deaths[0] < at - self.window_s:
            self.deaths.popleft()
        self.slow = self.slow or len(self.deaths) >= self.slow_after
        delay = self.slow_s if self.slow else min(
            self.max_s, self.first_s * 2.0 ** (len(self.deaths) - 1))
        self._delay = delay
        return delay


def nats_config(data_dir: Path, port: int) -> Path:
    """The devserver's NATS configuration, written in `data_dir`: its port, its JetStream store
    and that store's size. Left unset, nats-server sizes the store at 75 % of the disk's free
    space when it starts, for as long as it runs: one started again while the disk was full
    (it died, or `NatsWatch` stopped it for the disk) had «Max Storage: 0 B» and refused every
    event («insufficient resources») once the disk had room (examiner-outage). Told more than
    any disk here, its limit is the disk itself, whose refusals NatsWatch deals with."""
    config = data_dir / "nats.conf"
    text = (f"# Written by shared/devserver.py at each start of make run.\n"
            f"server_name: danvan-dev\nhost: 127.0.0.1\nport: {port}\n"
            f"jetstream {{\n  store_dir: {json.dumps(str(data_dir / 'nats'))}\n"
            f"  max_file_store: {NATS_MAX_FILE_STORE}\n}}\n")
    # Written only when it changes, and whole or not at all: `make run` started again on a
    # full disk with the same ports needs no write (it started before there was a file).
    try:
        if config.exists() and config.read_text() == text:
            return config
        staged = config.with_suffix(".conf.tmp")
        staged.write_text(text)
        staged.replace(config)
    except OSError as exc:
        raise SystemExit(f"Không ghi được cấu hình NATS {config}: {exc}") from exc
    return config


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


def _start(service: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        uvicorn_command(
            f"services.{service}.app:create_app",
            os.environ.get("HOST", "127.0.0.1"),
            _port(service),
        ),
        env=env,
        # preexec_fn is safe here: this process runs no threads.
        preexec_fn=_as_our_child,
    )


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Watch(ABC):
    """One child of the devserver (a service, or its NATS) started again when it dies, after
    the back-off of its `RestartPolicy`, once a minute after it died too often, the log saying
    which (findings K2, M9): the one supervision loop of `make run`. A kind
    of child says how it is started, whether it has exited, and what the log tells of it."""

    def __init__(self, policy: RestartPolicy | None = None) -> None:
        self.policy = policy or RestartPolicy()
        self.restart_at: float | None = None

    @abstractmethod
    def exit_code(self) -> int | None:
        """The child's exit code once it has exited (reaping it), else None."""

    @abstractmethod
    def start(self) -> None:
        """Start the child again (an OSError or TimeoutError: it could not be)."""

    @abstractmethod
    def died_line(self, how: str, delay: float) -> str:
        """What the log says of a death (`how`) followed by a start after `delay`."""

    @abstractmethod
    def slow_line(self, how: str) -> str:
        """What the log says when it died too often lately: tried only once a minute now."""

    @abstractmethod
    def restarted_line(self) -> str:
        """What the log says once it is started again."""

    def check(self, now: float) -> None:
        """Notice a death (and reap the process) or start it again once its delay is over."""
        if self.restart_at is None:
            code = self.exit_code()
            if code is not None:
                self._died(now, f"mã {code}")
            return
        if now < self.restart_at:
            return
        self.restart_at = None
        try:
            self.start()
        except (OSError, TimeoutError) as exc:  # its port taken, its binary gone...
            self._died(time.monotonic(), f"không khởi động lại được: {exc}")
            return
        _say(self.restarted_line())

    def _died(self, now: float, how: str) -> None:
        was_slow = self.policy.slow
        delay = self.policy.died(now)
        self.restart_at = now + delay
        # Said once as it turns slow; each later try is a death line of its own, a minute apart.
        _say(self.slow_line(how) if self.policy.slow and not was_slow
             else self.died_line(how, delay))


class ServiceWatch(Watch):
    """A service of the stack: the others and NATS run on while it is down. Its process is
    `children[service]`, which `main` stops at the end."""

    def __init__(self, service: str, children: dict[str, subprocess.Popen[bytes]],
                 env: dict[str, str], policy: RestartPolicy | None = None,
                 spawn: Callable[[str, dict[str, str]], subprocess.Popen[bytes]] | None = None,
                 ) -> None:
        super().__init__(policy)
        self.service, self.children, self.env = service, children, env
        self.spawn = spawn or _start

    def exit_code(self) -> int | None:
        return self.children[self.service].poll()

    def start(self) -> None:
        self.children[self.service] = self.spawn(self.service, self.env)

    def died_line(self, how: str, delay: float) -> str:
        return (f"Dịch vụ {self.service} đã dừng ({how}); tự khởi động lại sau {delay:.0f} "
                "giây, các dịch vụ khác vẫn chạy")

    def slow_line(self, how: str) -> str:
        policy = self.policy
        return (f"Dịch vụ {self.service} đã dừng ({how}) {policy.slow_after} lần trong "
                f"{policy.window_s:.0f} giây: từ nay tự khởi động lại mỗi {policy.slow_s:.0f} "
                "giây đến khi chạy được; các dịch vụ khác và NATS vẫn chạy. Xem lỗi ở trên "
                "(ổ đĩa, cổng, cấu hình) và sửa, hoặc dừng và chạy lại make run")

    def restarted_line(self) -> str:
        return (f"Đã khởi động lại dịch vụ {self.service} "
                f"(http://127.0.0.1:{_port(self.service)}/healthz)")


class NatsWatch(Watch):
    """The devserver's own NATS (finding M9: killed, it stayed defunct, nothing was said, and
    the outboxes filled until someone started it by hand).

    It is started with the same command line, so the same port and JetStream store: the
    streams, and every consumer's position in them, are kept, and the services, which
    reconnect by themselves, send what their outboxes kept meanwhile."""

    def __init__(self, server: NatsServer, policy: RestartPolicy | None = None,
                 disk: FullDiskWatch | None = None) -> None:
        super().__init__(policy)
        self.server = server
        if disk is None and server.log_file is not None:
            disk = FullDiskWatch(server.log_file, server.store_dir)
        self.disk = disk

    def check(self, now: float) -> None:
        """As every child's, and one more death: a NATS that goes on refusing writes for a
        full disk once the disk has room again (shared/natsdisk.py) is stopped here, then
        started again with its store like a NATS that died."""
        if (self.disk is not None and self.restart_at is None
                and self.exit_code() is None and self.disk.stuck(now)):
            _say(f"NATS không ghi được kho JetStream dù ổ đĩa đã có chỗ (lỗi «{NO_SPACE}» "
                 f"trong {self.server.log_file}); dừng NATS để khởi động lại với cùng dữ liệu")
            self.server.stop(timeout=STOP_NATS_AFTER_FULL_DISK_S)
            self.disk.skip_to_end()  # the stopped server's last refusals are not looked at
            self._died(now, "kho JetStream kẹt sau khi đầy đĩa")
            return
        super().check(now)

    def exit_code(self) -> int | None:
        process = self.server.process
        return None if process is None else process.poll()

    def start(self) -> None:
        self.server.start()

    def died_line(self, how: str, delay: float) -> str:
        return (f"NATS đã dừng ({how}); tự khởi động lại sau {delay:.0f} giây, cùng cổng và "
                f"dữ liệu JetStream ({self.server.store_dir}); các dịch vụ vẫn chạy, sự kiện "
                "chờ trong hộp thư đi đến khi NATS chạy lại")

    def slow_line(self, how: str) -> str:
        policy = self.policy
        return (f"NATS đã dừng ({how}) {policy.slow_after} lần trong {policy.window_s:.0f} "
                f"giây: từ nay tự khởi động lại mỗi {policy.slow_s:.0f} giây đến khi chạy "
                "được, cùng cổng và dữ liệu JetStream; các dịch vụ vẫn nhận lệnh, sự kiện chờ "
                "trong hộp thư đi, báo cáo chưa cập nhật. Xem lỗi trong "
                f"{self.server.log_file} (ổ đĩa, cổng) và sửa, hoặc dừng và chạy lại make run")

    def restarted_line(self) -> str:
        return (f"Đã khởi động lại NATS ({self.server.url}); các dịch vụ tự kết nối lại và "
                "gửi các sự kiện còn chờ")


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
                config_file=nats_config(data_dir, nats_port),
                log_file=data_dir / "nats.log",
                popen_options={"preexec_fn": _as_our_child},
            ).start()
            nats_url = nats.url
        env = {**os.environ, "NATS_URL": nats_url, "DATA_DIR": str(data_dir)}
        for service in SERVICES:
            children[service] = _start(service, env)
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
        # NATS first: a service started again finds it (the order the stack started in).
        watches: list[Watch] = [NatsWatch(nats)] if nats is not None else []
        watches += [ServiceWatch(service, children, env) for service in SERVICES]
        while True:
            if os.getppid() != parent:
                # Whoever started us (make, a shell) is gone: SIGTERM to `make` is not passed
                # on to its recipe, so notice it here rather than leave orphans behind.
                print("Tiến trình cha đã dừng; dừng các dịch vụ", file=sys.stderr)
                return 0
            now = time.monotonic()
            for watch in watches:
                watch.check(now)
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
