"""The one rule of where a site was on a day (shared/placements.py), counted by hand."""

from __future__ import annotations

from datetime import date

import pytest

from shared.placements import placed_on, re_placed, replacement_id

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


def test_a_move_recorded_later_re_places_the_facts_dated_from_it() -> None:
    """Finding H2: facts recorded in 11758 on 02/05 and 20/05 and one of 01/03; a move to
    11296 dated 01/04 recorded after them re-places the two May facts, not the March one,
    nor a fact already placed where it belongs."""
    moved = [(date(2023, 1, 5), "11758"), (date(2023, 4, 1), "11296")]
    facts = [(date(2023, 3, 1), "11758", "march"), (date(2023, 5, 2), "11758", "lodged"),
             (date(2023, 5, 20), "11758", "issued"), (date(2023, 6, 1), "11296", "placed")]
    assert re_placed(moved, facts, date(2023, 4, 1)) == [("lodged", "11296"),
                                                         ("issued", "11296")]
    # A later move of the same site leaves those before it alone.
    later = [*moved, (date(2023, 5, 10), "11755")]
    assert re_placed(later, facts, date(2023, 5, 10)) == [("issued", "11755"),
                                                          ("placed", "11755")]


def test_a_restatement_id_is_the_same_on_replay_and_its_own() -> None:
    assert replacement_id("move-1", "fact-1") == replacement_id("move-1", "fact-1")
    assert len({replacement_id("move-1", "fact-1"), replacement_id("move-2", "fact-1"),
                replacement_id("move-1", "fact-2")}) == 3
