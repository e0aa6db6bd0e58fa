"""The service sets its start-up heap aside from the garbage collector, once per process."""

from __future__ import annotations

import gc
from collections.abc import Callable

import pytest

from services.reporting.app import create_runtime
from services.reporting.application.warmup import warm_up_now
from shared import heap
from shared.heap import settle_heap
from shared.settings import Settings

pytestmark = pytest.mark.unit


def test_the_catalogue_is_loaded_and_the_heap_frozen_once() -> None:
    settle_heap()
    frozen = gc.get_freeze_count()
    assert frozen > 0  # the catalogue and everything else alive at start
    settle_heap()  # a second runtime in the same process changes nothing
    assert gc.get_freeze_count() == frozen


def test_the_warm_up_collects_the_young_generation_less_often(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reporting process applies consumed batches (a rebuild's million events): at
    Python's 700 a rebuild spent ~15 us an event in the collector (issue 20)."""
    thresholds: list[tuple[int, ...]] = []
    # Recorded instead of done: the real ones would change this test process's heap for good.
    monkeypatch.setattr(heap, "settle_heap", lambda: None)
    monkeypatch.setattr(gc, "set_threshold", lambda *threshold: thresholds.append(threshold))
    runtime = create_runtime(settings_factory("reporting"))
    try:
        warm_up_now(runtime)
    finally:
        runtime.engine.dispose()
    assert thresholds == [(heap.BATCH_YOUNG_THRESHOLD,)]
