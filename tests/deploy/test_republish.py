"""Restoring a service's stream from its own event store: `python -m shared.republish`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest

from shared.db import create_db_engine
from shared.envelope import EventEnvelope
from shared.migrations import upgrade
from shared.natsserver import NatsServer
from shared.republish import main
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.deploy.compose import ROOT
from tests.integration.helpers import eventually, read_stream, remake_stream
from tests.integration.notebook import registry, stored_event_ids, unpublished, write_spread


def _republish(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RELIGION_DATABASE_URL": settings.database_url,
        "NATS_URL": settings.nats_url,
        "SUBJECT_ROOT": settings.subject_root,
    }
    return subprocess.run(
        [sys.executable, "-m", "shared.republish", "--service", "religion", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def republish(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Outcome]:
    """The CLI in this process (no asyncio inside: --from-position only), for speed."""

    def run(settings: Settings, *args: str) -> Outcome:
        monkeypatch.setenv("RELIGION_DATABASE_URL", settings.database_url)
        monkeypatch.setenv("NATS_URL", settings.nats_url)
        monkeypatch.setenv("SUBJECT_ROOT", settings.subject_root)
        capsys.readouterr()
        code = main(["--service", "religion", *args])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


async def _ids_in_stream(url: str, stream: str) -> list[str]:
    return [m.headers["Nats-Msg-Id"] for m in await read_stream(url, stream) if m.headers]


async def _published(
    settings: Settings, write: Callable[[ServiceRuntime], None] | None = None
) -> list[str]:
    """Run the service until its relay has published every stored event (after `write`, when
    given): the stored events' ids, in store order."""
    runtime = ServiceRuntime(settings, registry)
    await runtime.start()
    try:
        if write is not None:
            write(runtime)
        await eventually(lambda: unpublished(runtime) == 0)
        return stored_event_ids(runtime)
    finally:
        await runtime.stop()


async def test_a_lost_stream_is_rebuilt_from_the_event_store(
    settings_factory: Callable[..., Settings],
    nats_server: NatsServer,
    republish: Callable[..., Outcome],
) -> None:
    settings = settings_factory("religion")
    expected = await _published(settings, lambda runtime: write_spread(runtime, range(9), books=3))
    client = await nats.connect(nats_server.url)
    await client.jetstream().delete_stream(settings.stream_name)  # the disaster
    await client.close()

    dry = republish(settings, "--from-position", "1", "--dry-run")
    assert dry.returncode == 0 and "sẽ đặt lại 9 sự kiện" in dry.stdout
    done = republish(settings, "--from-position", "1")
    assert done.returncode == 0, done.stderr
    assert "đã đặt lại 9 sự kiện (vị trí 1–9)" in done.stdout

    await _published(settings)  # recreates the stream; its relay publishes the marked rows
    assert await _ids_in_stream(nats_server.url, settings.stream_name) == expected


async def test_after_stream_republishes_only_what_a_restored_stream_lacks(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    settings = settings_factory("religion")
    expected = await _published(settings, lambda runtime: write_spread(runtime, range(10), books=3))
    original = await read_stream(nats_server.url, settings.stream_name)
    # Restore from an older backup: a fresh stream holding the first six events only, with
    # its duplicate window empty, as a restored stream's would be for the missing ones.
    await remake_stream(nats_server.url, settings.stream_name, original[:6])

    result = _republish(settings, "--after-stream")
    assert result.returncode == 0, result.stderr
    assert "giữ 6 sự kiện (vị trí 1–6); kho sự kiện đã gửi 10 (vị trí 1–10)" in result.stdout
    assert "thiếu 4 sự kiện đã gửi (vị trí 7–10)" in result.stdout
    assert "đã đặt lại 4 sự kiện (vị trí 7–10)" in result.stdout

    await _published(settings)
    stored = await read_stream(nats_server.url, settings.stream_name)
    assert [m.headers["Nats-Msg-Id"] for m in stored if m.headers] == expected
    assert [EventEnvelope.from_json(m.data).position for m in stored] == list(range(1, 11))


async def test_after_stream_republishes_the_lost_beginning_of_a_stream_that_got_a_new_event(
    settings_factory: Callable[..., Settings], nats_server: NatsServer
) -> None:
    """The stream made again and already holding the newest event: judged by its last
    position alone it looked complete; compared with the store, it lacks the rest."""
    settings = settings_factory("religion")
    expected = await _published(settings, lambda runtime: write_spread(runtime, range(10), books=3))
    original = await read_stream(nats_server.url, settings.stream_name)
    await remake_stream(nats_server.url, settings.stream_name, original[-1:])

    dry = _republish(settings, "--after-stream", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "giữ 1 sự kiện (vị trí 10–10); kho sự kiện đã gửi 10 (vị trí 1–10)" in dry.stdout
    assert "sẽ đặt lại 9 sự kiện (vị trí 1–9)" in dry.stdout
    result = _republish(settings, "--after-stream")
    assert result.returncode == 0, result.stderr
    assert "đã đặt lại 9 sự kiện (vị trí 1–9)" in result.stdout

    await _published(settings)
    stored = await read_stream(nats_server.url, settings.stream_name)
    assert sorted(m.headers["Nats-Msg-Id"] for m in stored if m.headers) == sorted(expected)
    assert [EventEnvelope.from_json(m.data).position for m in stored] == [10, *range(1, 10)]
    complete = _republish(settings, "--after-stream")
    assert complete.returncode == 0 and "giữ đủ mọi sự kiện đã gửi" in complete.stdout


def test_bad_positions_are_refused_and_nothing_changes(
    tmp_path: Path, republish: Callable[..., Outcome]
) -> None:
    settings = Settings.for_service(
        "religion", database_url=f"sqlite:///{tmp_path / 'religion.db'}", environment="test"
    )
    zero = republish(settings, "--from-position", "0")
    assert zero.returncode == 2 and "số nguyên dương" in zero.stderr
    backwards = republish(settings, "--from-position", "5", "--to-position", "3")
    assert backwards.returncode == 2 and "lớn hơn hoặc bằng" in backwards.stderr
    unmigrated = republish(settings, "--from-position", "1")
    assert unmigrated.returncode == 2 and "chưa có kho sự kiện" in unmigrated.stderr
    engine = create_db_engine(settings.database_url)
    upgrade(engine, "religion")
    engine.dispose()
    beyond = republish(settings, "--from-position", "1000")
    assert beyond.returncode == 0 and "không có sự kiện nào từ vị trí 1000" in beyond.stdout
