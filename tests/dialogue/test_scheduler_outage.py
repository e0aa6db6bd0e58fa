"""The scheduler through a database outage: a warning without traceback, a retry within
seconds rather than the scan interval, and no pass counted as done that did not run through."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

import pytest
from structlog.testing import capture_logs

from services.dialogue.application import scheduler
from services.dialogue.application.runtime import DialogueRuntime
from services.dialogue.application.scheduler import ScanResult, run_scheduler
from shared.natsserver import free_port
from shared.settings import Settings


def _run_until(runtime: DialogueRuntime, done: Callable[[], bool], timeout_s: float) -> None:
    """The scheduler's loop until `done()` or `timeout_s`, then stopped as the service stops it."""

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_scheduler(runtime, stop))
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not done() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(main())


def _counting_passes(monkeypatch: pytest.MonkeyPatch, scan: Callable[..., ScanResult],
                     ) -> list[int]:
    """Each pass's `scans_completed` as the pass begins, the pass itself being `scan`."""
    begun: list[int] = []

    def counted(runtime: DialogueRuntime, today: date) -> ScanResult:
        begun.append(runtime.scans_completed)
        return scan(runtime, today)

    monkeypatch.setattr(scheduler, "scan", counted)
    return begun


def test_an_outage_is_a_warning_and_the_pass_is_retried_within_seconds(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real outage: nothing listens where the database should be.
    settings = settings_factory(
        "dialogue", database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/dialogue"
    )
    runtime = DialogueRuntime(settings, scan_interval_s=3600)
    begun = _counting_passes(monkeypatch, scheduler.scan)
    try:
        with capture_logs() as logs:
            _run_until(runtime, lambda: len(begun) >= 2, timeout_s=10)
    finally:
        runtime.engine.dispose()

    assert len(begun) >= 2, "the failed pass is tried again in seconds, not after 3600 s"
    assert runtime.scans_completed == 0, "no pass ran through"
    assert begun[:2] == [0, 0]
    failures = [
        line for line in logs if line["event"].startswith("dialogue_scan")
    ]
    assert failures and all(line["log_level"] == "warning" for line in failures), failures
    assert not any(line.get("exc_info") for line in failures), "no traceback for an outage"
    assert failures[0]["event"] == "dialogue_scan_unavailable"
    assert failures[0]["error"].startswith("OperationalError: ")
    assert failures[0]["retry_in_s"] == 1.0


def test_a_fault_of_the_pass_itself_keeps_its_traceback_and_is_not_counted(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_factory(
        "dialogue", database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/dialogue"
    )
    runtime = DialogueRuntime(settings, scan_interval_s=3600)

    def broken(runtime: DialogueRuntime, today: date) -> ScanResult:
        raise KeyError("session_id")  # a bug, not an outage: retrying sooner changes nothing

    begun = _counting_passes(monkeypatch, broken)
    with capture_logs() as logs:
        # Longer than an outage's first retry (1 s): a fault is not retried before the interval.
        _run_until(runtime, lambda: False, timeout_s=2.5)
    runtime.engine.dispose()

    assert begun == [0], "one pass: a fault is not retried sooner, retrying changes nothing"
    assert runtime.scans_completed == 0, "a pass that raised is not a completed pass"
    failed = [line for line in logs if line["event"] == "dialogue_scan_failed"]
    assert len(failed) == 1 and failed[0]["log_level"] == "error", failed
    assert failed[0]["exc_info"], "a fault of the work keeps its traceback"
