"""The rings are given by folder (tests/conftest.py): `-m unit` selects tests/unit/, a module
that declares a ring of its own keeps it, and every test has exactly one ring."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RING_OF_FOLDER, RINGS, TESTS_ROOT


def _declared(item: pytest.Item) -> set[str]:
    """The rings the test's module declares itself (`pytestmark = pytest.mark.unit`)."""
    module = getattr(item, "module", None)
    marks = getattr(module, "pytestmark", [])
    marks = marks if isinstance(marks, list) else [marks]
    return {mark.name for mark in marks if mark.name in RINGS}


def test_this_test_has_its_folders_ring(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("unit") is not None
    assert request.node.get_closest_marker("integration") is None


def test_every_collected_test_has_one_ring_its_folders_unless_it_declares_one(
    request: pytest.FixtureRequest,
) -> None:
    # Over the tests this run collected: the whole suite under `make test`.
    for item in request.session.items:
        rings = {mark.name for mark in item.iter_markers() if mark.name in RINGS}
        folder = Path(item.path).resolve().relative_to(TESTS_ROOT).parts[0]
        expected = _declared(item) or {RING_OF_FOLDER[folder]}
        assert rings == expected, item.nodeid
