"""I2 in a report: a head meets the direct-dialogue rule by shared/dialoguerule.py over I2's
window (1 January to the cut-off, shared/planrules.py), counted by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from services.reporting.domain.heads import (
    RuleVersion,
    head_figures,
    rule_versions,
    terms_in_window,
)
from shared.adminunits import default_catalogue

pytestmark = pytest.mark.unit

D = date
TIEN_LANG = "315"  # Huyện Tiên Lãng
TIEN_LANG_TOWN = "11755"  # Thị trấn Tiên Lãng
# I2's window at the 6-month report of 2023: 01/01/2023 .. 14/06/2023 (165 days).
START, END = D(2023, 1, 1), D(2023, 6, 14)
# What the services pass: a term cannot outlast its unit (all units here lived through 2023).
LAST_DAY = default_catalogue().last_day_of


@dataclass(frozen=True)
class Fact:
    subject: str
    effect: int | None
    business_on: date
    unit_code: str | None = None
    amount: float | None = None


def took(head: str, on: date, unit: str = TIEN_LANG_TOWN) -> Fact:
    return Fact(head, 1, on, unit)


def left(head: str, on: date, unit: str = TIEN_LANG_TOWN) -> Fact:
    return Fact(head, 0, on, unit)


def judged(heads: dict[str, list[Fact]], rules: list[Fact], held: dict[str, list[date]]
           ) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row, figure in head_figures(heads, rule_versions(rules), held, START, END, LAST_DAY):
        found.setdefault(row.subject, []).append(figure)
    return found


ONCE_2015 = [Fact(level, None, D(2015, 1, 27), amount=1)
             for level in ("province", "district", "commune")]


def test_terms_are_the_days_in_office_inside_the_window() -> None:
    assert terms_in_window([took("H", D(2020, 1, 1))], START, END, LAST_DAY) == [(START, END)]
    # Left on 31/01 (last day in office), back on 01/04: two terms.
    facts = [took("H", D(2020, 1, 1)), left("H", D(2023, 1, 31)), took("H", D(2023, 4, 1))]
    assert terms_in_window(facts, START, END, LAST_DAY) == [
        (START, D(2023, 1, 31)), (D(2023, 4, 1), END)]
    assert terms_in_window([took("H", D(2023, 7, 1))], START, END, LAST_DAY) == []
    assert terms_in_window([took("H", D(2021, 1, 1)), left("H", D(2022, 6, 30))], START,
                           END, LAST_DAY) == []


def test_a_head_owes_what_the_rule_owes_over_their_part_of_the_window() -> None:
    heads = {
        # All of the window at once a year: 165/365 (31+28+31+30+31+14 days to 14/06) = 0.45
        # -> 0: nothing owed, counts with no session, owes nothing yet.
        "A": [took("A", D(2020, 1, 1))],
        # A district at twice a year: 2 x 165/365 = 330/365 = 0.90 -> 1; held none.
        "B": [took("B", D(2020, 1, 1), TIEN_LANG)],
        # The same, held one.
        "C": [took("C", D(2020, 1, 1), TIEN_LANG)],
        # Left on 31/03, before the cut-off: in office in the window, so counted (DOMAIN.md:
        # "heads in office at some time in the window"); 90/365 = 0.25 -> 0 owed.
        "D": [took("D", D(2020, 1, 1)), left("D", D(2023, 3, 31))],
        # Left on 31/12/2022: never in office in the window, not counted at all.
        "G": [took("G", D(2020, 1, 1)), left("G", D(2022, 12, 31))],
    }
    rules = [*ONCE_2015, Fact("district", None, D(2015, 1, 27), amount=2)]  # corrects 1 -> 2
    assert judged(heads, rules, {"C": [D(2023, 5, 1)]}) == {
        "A": ["heads_in_office", "heads_meeting_rule"],
        "B": ["heads_in_office", "heads_owing"],
        "C": ["heads_in_office", "heads_meeting_rule", "heads_owing"],
        "D": ["heads_in_office", "heads_meeting_rule"],
    }


def test_only_the_sessions_held_on_days_in_office_count() -> None:
    """A session of the head held after their (late recorded) leaving or between two terms
    counts for nobody: shared/dialoguerule.held_in_windows, as dialogue and indicators."""
    rules = [*ONCE_2015, Fact("district", None, D(2015, 1, 27), amount=2)]
    # A district head who left on 01/05: 2 x 121/365 = 0.66 -> 1 owed; held on 10/06.
    facts = [took("L", D(2020, 1, 1), TIEN_LANG), left("L", D(2023, 5, 1), TIEN_LANG)]
    assert judged({"L": facts}, rules, {"L": [D(2023, 6, 10)]}) == {
        "L": ["heads_in_office", "heads_owing"]}
    assert judged({"L": facts}, rules, {"L": [D(2023, 5, 1)]}) == {
        "L": ["heads_in_office", "heads_meeting_rule", "heads_owing"]}
    # Out between 31/01 and 01/04: a session of 15/02 does not count, one of 01/04 does.
    back = [took("E", D(2019, 1, 1), TIEN_LANG), left("E", D(2023, 1, 31), TIEN_LANG),
            took("E", D(2023, 4, 1), TIEN_LANG)]
    assert "heads_meeting_rule" not in judged({"E": back}, rules, {"E": [D(2023, 2, 15)]})["E"]
    assert "heads_meeting_rule" in judged({"E": back}, rules, {"E": [D(2023, 4, 1)]})["E"]


def test_two_terms_and_a_rule_raised_in_the_window() -> None:
    # Communes twice a year from 01/03/2023. E was in office until 31/01/2023 and again from
    # 01/03: 01/01-31/01/2023 = 31 days at 1, 01/03-14/06/2023 = 31+30+31+14 = 106 days at 2:
    # (31 + 212)/365 = 243/365 = 0.67 -> 1.
    facts = [took("E", D(2019, 1, 1)), left("E", D(2023, 1, 31)), took("E", D(2023, 3, 1))]
    rules = [*ONCE_2015, Fact("commune", None, D(2023, 3, 1), amount=2)]
    assert judged({"E": facts}, rules, {}) == {"E": ["heads_in_office", "heads_owing"]}
    assert judged({"E": facts}, rules, {"E": [D(2023, 4, 1)]}) == {"E": ["heads_in_office",
                                                           "heads_meeting_rule", "heads_owing"]}


def test_no_version_in_force_owes_nothing() -> None:
    heads = {"F": [took("F", D(2020, 1, 1), TIEN_LANG)]}
    assert judged(heads, [], {}) == {"F": ["heads_in_office", "heads_meeting_rule"]}
    assert rule_versions([Fact("commune", None, D(2023, 1, 1), amount=None)]) == {}
    assert rule_versions(ONCE_2015[:1]) == {"province": [RuleVersion(D(2015, 1, 27), 1)]}


def test_a_term_ends_with_its_unit() -> None:
    # Huyện Tiên Lãng (315) and Xã Đại Thắng (11758) ceased on 01/07/2025 (two levels): their
    # heads, who never left, are no longer in office after 30/06/2025, as the dialogue
    # service counts them. Thị trấn Tiên Lãng's code lives on in the new Xã Tiên Lãng, which
    # the catalogue records as merged that day (code_persisted): a new unit, its head's term
    # ends on 30/06/2025 too, and the new Xã Tiên Lãng's head from 01/07/2025 is in office.
    from shared.adminunits import default_catalogue

    last_day = default_catalogue().last_day_of
    assert last_day(TIEN_LANG, D(2023, 1, 1)) == D(2025, 6, 30)
    assert last_day(TIEN_LANG_TOWN, D(2023, 1, 1)) == D(2025, 6, 30)
    assert last_day(TIEN_LANG_TOWN, D(2025, 7, 1)) is None
    heads = {"B": [took("B", D(2023, 1, 1), TIEN_LANG)],
             "T": [took("T", D(2023, 1, 1), TIEN_LANG_TOWN)],
             "N": [took("N", D(2025, 7, 1), TIEN_LANG_TOWN)],
             "X": [took("X", D(2023, 1, 1), "11758")]}
    assert terms_in_window(heads["B"], D(2025, 1, 1), D(2025, 9, 14), last_day) == [
        (D(2025, 1, 1), D(2025, 6, 30))]
    assert terms_in_window(heads["T"], D(2025, 1, 1), D(2025, 9, 14), last_day) == [
        (D(2025, 1, 1), D(2025, 6, 30))]
    twice = [Fact(level, None, D(2015, 1, 27), amount=2) for level in ("district", "commune")]
    held = {"X": [D(2025, 3, 1)]}
    # 2025's 9-month window: B and X in office 181 days, 2 x 181/365 = 0.99 -> 1 owed (X held
    # it); counted as if in office to the cut-off, 2 x 257/365 = 1.41 -> 1 as well. N, in
    # office from 01/07: 2 x 76/365 = 0.42 -> none owed yet.
    in_2025 = {row.subject for row, figure in head_figures(
        heads, rule_versions(twice), held, D(2025, 1, 1), D(2025, 9, 14), last_day)
        if figure == "heads_meeting_rule"}
    assert in_2025 == {"X", "N"}
    # The 12-month window: 2 x 348/365 = 1.91 -> 2 owed when never cut; cut, still 1.
    year = [(row.subject, figure) for row, figure in head_figures(
        heads, rule_versions(twice), held, D(2025, 1, 1), D(2025, 12, 14), last_day)]
    assert ("X", "heads_meeting_rule") in year
    # 2026: only the head of the new Xã Tiên Lãng is in office, not the old town's.
    in_2026 = [(row.subject, figure) for row, figure in head_figures(
        heads, rule_versions(twice), {}, D(2026, 1, 1), D(2026, 6, 14), last_day)]
    assert {subject for subject, figure in in_2026 if figure == "heads_in_office"} == {"N"}
