"""The one rule of where a site was on a day (shared/placements.py), counted by hand."""

from __future__ import annotations

from datetime import date

import pytest

from shared.placements import placed_on

MOVES = [(date(2023, 1, 5), "11758"), (date(2023, 7, 1), "11296"), (date(2024, 3, 1), "11755")]


@pytest.mark.parametrize(("on", "where"), [
    (date(2022, 12, 31), "11758"),  # before the registration: where it was registered
    (date(2023, 1, 5), "11758"),
    (date(2023, 6, 30), "11758"),
    (date(2023, 7, 1), "11296"),  # the day of a move is the new commune's
    (date(2024, 2, 29), "11296"),
    (date(2026, 1, 1), "11755"),
])
def test_a_day_is_placed_by_the_last_move_dated_by_it(on: date, where: str) -> None:
    assert placed_on(MOVES, on) == where


def test_nothing_placed_is_no_place() -> None:
    assert placed_on([], date(2023, 1, 1)) is None
