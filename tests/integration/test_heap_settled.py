"""The command services set their start-up heap aside from the garbage collector once they
have started (shared.heap.settle_at_start): a full collection walking the catalogue and every
module among the commands was the p99 of a command over HTTP (bench/http.py); and collect
their young generation less often than Python's default."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.dialogue.app import create_app as dialogue_app
from services.religion.app import create_app as religion_app
from shared import heap
from shared.settings import Settings

# A give-up time for the background job on a loaded machine, not a target.
STARTED_WITHIN_S = 60


@pytest.mark.parametrize(
    ("service", "create_app"), [("religion", religion_app), ("dialogue", dialogue_app)]
)
def test_a_command_service_settles_its_heap_once_started(
    service: str,
    create_app: Callable[[Settings], FastAPI],
    settings_factory: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settled = threading.Event()
    thresholds: list[tuple[int, ...]] = []
    tuned = threading.Event()

    def set_threshold(*threshold: int) -> None:
        thresholds.append(threshold)
        tuned.set()

    # Recorded instead of done: the real ones would change this test process's heap for good.
    monkeypatch.setattr(heap, "settle_heap", settled.set)
    monkeypatch.setattr(gc, "set_threshold", set_threshold)
    with TestClient(create_app(settings_factory(service))):
        assert settled.wait(STARTED_WITHIN_S)
        assert tuned.wait(STARTED_WITHIN_S)
    assert thresholds == [(heap.COMMAND_YOUNG_THRESHOLD,)]
