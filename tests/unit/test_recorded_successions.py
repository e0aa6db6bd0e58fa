"""Successors recorded by officials complete the catalogue as known at a moment (J15): the
kernel's one rule (`shared.adminunits.recorded`) both services place facts by.

11788 Xã Bạch Đằng (Huyện Tiên Lãng 315) ceased on 01/01/2025 and the data does not say into
what; 11791 (Xã Quang Phục until then) became Xã Tân Minh that day, then Xã Tiên Minh on
01/07/2025. Recorded at `AT`, the successor carries Bạch Đằng's facts from the merger on,
and on through the reform; before `AT` nothing moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.adminunits import (
    RECORDED_BASIS,
    RecordedSuccession,
    catalogue_with,
    default_catalogue,
    known_at,
    placed_in,
    succession_refusal,
)

BACH_DANG, TAN_MINH, TOAN_THANG, TIEN_LANG = "11788", "11791", "11794", "315"
TIEN_CUONG = "11761"  # Xã Tiên Cường of Tiên Lãng, its code kept on 01/07/2025
MERGER = date(2025, 1, 1)
AT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
RECORDED = RecordedSuccession(BACH_DANG, TAN_MINH, MERGER, AT)


def _parents(on: date) -> dict[str, str | None]:
    cat = default_catalogue()
    parents: dict[str, str | None] = {"31": None}
    for unit in cat.children("31", on):
        parents[unit.code] = "31"
        for commune in cat.children(unit.code, on) if unit.level == "district" else ():
            parents[commune.code] = unit.code
    return parents


def test_a_recorded_successor_carries_the_merged_commune_as_known_at_its_recording() -> None:
    before, after = known_at([RECORDED], AT - timedelta(seconds=1)), known_at([RECORDED], AT)
    assert before == ()
    [succession] = after
    assert (succession.predecessor_code, succession.successor_code, succession.effective,
            succession.basis) == (BACH_DANG, TAN_MINH, MERGER, RECORDED_BASIS)
    assert catalogue_with(before) is default_catalogue()
    completed = catalogue_with(after)
    assert catalogue_with(after) is completed  # kept: trees keyed on it are shared
    # Restated: from nothing to the successor, in both eras after the merger.
    assert default_catalogue().restate(BACH_DANG, date(2025, 2, 1), on=date(2024, 6, 1)) == []
    assert completed.restate(BACH_DANG, date(2025, 2, 1), on=date(2024, 6, 1)) == [TAN_MINH]
    assert completed.restate(BACH_DANG, date(2025, 8, 1), on=date(2024, 6, 1)) == [TAN_MINH]
    # Placed: on the district's line before, at the successor commune once recorded; a 2024
    # tree holds Bạch Đằng itself either way.
    for on in (date(2025, 6, 14), date(2025, 9, 14)):
        parents = _parents(on)
        old = placed_in(default_catalogue(), parents, on, BACH_DANG, date(2024, 6, 1))
        assert old == (TIEN_LANG if on < date(2025, 7, 1) else "31")
        assert placed_in(completed, parents, on, BACH_DANG, date(2024, 6, 1)) == TAN_MINH
    assert placed_in(completed, _parents(date(2024, 6, 14)), date(2024, 6, 14), BACH_DANG,
                     date(2024, 6, 1)) == BACH_DANG
    # The worklist no longer holds it; the default catalogue is untouched.
    assert BACH_DANG not in {u.code for u in completed.successor_unknown("31")}
    assert BACH_DANG in {u.code for u in default_catalogue().successor_unknown("31")}
    assert default_catalogue().successors(BACH_DANG) == []


def test_only_successions_the_catalogue_can_take_are_followed_the_latest_one_each() -> None:
    later = AT + timedelta(days=1)
    wrong = [
        # A successor recorded after another one for the same predecessor but one the
        # catalogue cannot take (ceased on the day): the valid one before it stays.
        RecordedSuccession(BACH_DANG, BACH_DANG, MERGER, later),
        # A predecessor whose successor the data shows (11347 -> 11341).
        RecordedSuccession("11347", "11344", MERGER, AT),
        # A successor not valid on the day (Bạch Đằng ceased on it).
        RecordedSuccession(TOAN_THANG, BACH_DANG, MERGER, AT),
        # A district for a commune.
        RecordedSuccession(TOAN_THANG, TIEN_LANG, MERGER, AT),
        # Not the day the predecessor ceased.
        RecordedSuccession(TOAN_THANG, TAN_MINH, date(2025, 7, 1), AT),
    ]
    assert [(s.predecessor_code, s.successor_code)
            for s in known_at([*wrong, RECORDED], later)] == [(BACH_DANG, TAN_MINH)]


@pytest.mark.parametrize(("predecessor", "successor", "effective", "refusal"), [
    ("99999", TAN_MINH, None, "no_such_unit"),
    (TIEN_CUONG, TAN_MINH, None, "current"),
    ("11347", "11344", MERGER, "successor_known"),  # the data shows 11347 -> 11341
    (TIEN_LANG, TAN_MINH, None, "level_abolished"),  # a district of the 2025 reform
    (TOAN_THANG, TAN_MINH, date(2025, 7, 1), "other_day"),
    (TOAN_THANG, BACH_DANG, MERGER, "no_such_successor"),  # Bạch Đằng ceased on the day
    (TOAN_THANG, TIEN_LANG, MERGER, "level_mismatch"),
    (BACH_DANG, TAN_MINH, MERGER, None),
    (BACH_DANG, TAN_MINH, None, None),  # a command names no day: the one it ceased
])
def test_one_rule_says_why_a_succession_is_not_taken(
    predecessor: str, successor: str, effective: date | None, refusal: str | None,
) -> None:
    """The indicators service's command refuses by `succession_refusal` and `known_at` follows
    only what it accepts: one rule, so a stream never holds what the catalogue cannot take."""
    assert succession_refusal(predecessor, successor, effective) == refusal
    if effective is not None:
        stream = [RecordedSuccession(predecessor, successor, effective, AT)]
        assert bool(known_at(stream, AT)) == (refusal is None)


def test_a_corrected_successor_wins_from_its_correction_on() -> None:
    """A successor recorded wrongly (11791) is corrected to 11761 Xã Tiên Cường at `FIXED`
    (`UnitSuccessionCorrected`): as of before the recording, nothing; between the recording and
    the correction, the first successor; from the correction on, the corrected one, placed at
    Tiên Cường in both eras after the merger. A second correction wins from its own moment."""
    fixed = AT + timedelta(days=3)
    corrected = RecordedSuccession(BACH_DANG, TIEN_CUONG, MERGER, fixed)
    back = RecordedSuccession(BACH_DANG, TAN_MINH, MERGER, fixed + timedelta(days=1))
    stream = [corrected, RECORDED, back]  # read in any order: the recording time decides

    def successor(as_of: datetime) -> list[str]:
        return [s.successor_code for s in known_at(stream, as_of)]

    assert successor(AT - timedelta(seconds=1)) == []
    assert successor(AT) == successor(fixed - timedelta(microseconds=1)) == [TAN_MINH]
    assert successor(fixed) == [TIEN_CUONG]
    assert successor(fixed + timedelta(days=1)) == [TAN_MINH]
    completed = catalogue_with(known_at(stream, fixed))
    for on in (date(2025, 6, 14), date(2025, 9, 14)):
        assert placed_in(completed, _parents(on), on, BACH_DANG, date(2024, 6, 1)) == TIEN_CUONG


def test_the_units_awaiting_a_successor_are_listed_once_per_catalogue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Since the communes gone on 01/07/2025 await one too (M2), the list holds 7,222 units,
    # about 3 ms to walk, and every report, figure and list asks known_at: one walk per
    # catalogue (which never changes), not one per ask.
    catalogue = default_catalogue()
    walks: list[int] = []
    listed = type(catalogue).successor_unknown

    def counted(self: Any, province_code: str | None = None) -> Any:
        walks.append(1)
        return listed(self, province_code)

    monkeypatch.setattr(type(catalogue), "successor_unknown", counted)
    first = known_at([RECORDED], AT, catalogue)
    assert known_at([RECORDED], AT, catalogue) == first
    assert [s.successor_code for s in first] == [TAN_MINH]
    assert len(walks) <= 1, walks
