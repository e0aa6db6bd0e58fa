"""The service sets its start-up heap aside from the garbage collector, once per process."""

from __future__ import annotations

import gc

import pytest

from shared.heap import settle_heap

pytestmark = pytest.mark.unit


def test_the_catalogue_is_loaded_and_the_heap_frozen_once() -> None:
    settle_heap()
    frozen = gc.get_freeze_count()
    assert frozen > 0  # the catalogue and everything else alive at start
    settle_heap()  # a second runtime in the same process changes nothing
    assert gc.get_freeze_count() == frozen
