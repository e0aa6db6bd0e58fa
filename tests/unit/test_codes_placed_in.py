"""A list's unit filter (`codes_placed_in`): the codes whose records count at a unit on a day,
by the kernel's placement (`placed_in`), so that a list filtering with IN shows what a report
of that day counts at the unit (finding M6)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.adminunits import (
    RecordedSuccession,
    catalogue_with,
    codes_placed_in,
    default_catalogue,
    known_at,
    placed_in,
)

GIA_VIEN, GIA_VIEN_2025 = "11347", "11341"  # the catalogue's 11347 -> 11341 from 01/01/2025
BACH_DANG, TAN_MINH, TOAN_THANG, TIEN_LANG = "11788", "11791", "11794", "315"


def test_a_successor_holds_its_predecessors_codes_from_the_merger() -> None:
    catalogue = default_catalogue()
    assert codes_placed_in(catalogue, GIA_VIEN_2025, date(2024, 12, 31)) == {GIA_VIEN_2025}
    for on in (date(2025, 1, 1), date(2025, 9, 14), date(2026, 6, 14)):
        assert codes_placed_in(catalogue, GIA_VIEN_2025, on) >= {GIA_VIEN_2025, GIA_VIEN}, on
    # A unit that ceased is read on its last day; one not yet created holds its own code.
    assert codes_placed_in(catalogue, GIA_VIEN, date(2026, 6, 14)) == {GIA_VIEN}
    assert codes_placed_in(catalogue, "11948", date(2023, 6, 1)) == {"11948"}


def test_a_district_read_after_it_ceased_holds_the_merged_communes_without_successor() -> None:
    catalogue = default_catalogue()
    own = codes_placed_in(catalogue, TIEN_LANG, date(2026, 6, 14))
    assert own == {TIEN_LANG, BACH_DANG, TOAN_THANG}
    below = codes_placed_in(catalogue, TIEN_LANG, date(2026, 6, 14), below=True)
    assert below > own and TAN_MINH in below


def test_a_recorded_successor_holds_the_merged_commune_and_agrees_with_placed_in() -> None:
    recorded = known_at([RecordedSuccession(BACH_DANG, TAN_MINH, date(2025, 1, 1),
                                            datetime(2026, 3, 2, tzinfo=UTC))],
                        datetime(2026, 3, 3, tzinfo=UTC))
    completed = catalogue_with(recorded)
    on = date(2025, 3, 14)
    assert codes_placed_in(completed, TAN_MINH, on) == {TAN_MINH, BACH_DANG}
    assert codes_placed_in(default_catalogue(), TAN_MINH, on) == {TAN_MINH}
    parents = {u.code: u.parent_code for u in completed.units(on) if u.province_code == "31"}
    for code in codes_placed_in(completed, TIEN_LANG, on, below=True):
        assert placed_in(completed, parents, on, code, on) in {
            TIEN_LANG, *(u.code for u in completed.descendants(TIEN_LANG, on))}, code
