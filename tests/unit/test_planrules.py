"""The plan's indicator rulebook (shared/planrules.py), checked against hand counts."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction

from shared.conferencedates import year_data_window
from shared.planrules import (
    BASIS_BASE,
    BASIS_FIELDS,
    BASIS_METHOD,
    BASIS_PERIOD,
    BASIS_SCOPE,
    CHUA_DAT,
    CHUA_DEN_HAN,
    CO_NGUY_CO,
    DAT,
    I1_FIELDS,
    NUMERATOR_ABOVE_BASE,
    PLAN_RELIGIOUS_SITES,
    PLAN_TARGETS,
    PLAN_YEAR,
    REGISTER_DIFFERS_FROM_BASE,
    STATUS_LABELS,
    STATUSES,
    RateBasis,
    RateDefinition,
    ReportedFigure,
    SummedFrom,
    base_note,
    base_warnings,
    commitment_standing,
    comparator_of,
    count_status,
    defined_period,
    dossier_switch,
    elapsed_share,
    entry_counts_in,
    entry_days,
    entry_in_contest_year,
    figure_day,
    head_meets_rule,
    i1_fields,
    i2_window,
    model_counts_i1,
    model_running_on,
    office_in_window,
    owed_sessions,
    pace,
    percent,
    percent_of,
    plan_base,
    plan_targets_apply,
    plan_year,
    rate_basis_changes,
    ratio,
    reported_coverage,
    reported_roll_up,
    site_counts_i3,
    site_counts_i4,
    status_of,
    term_last_day,
    two_decimals,
    warning_text,
    year_days,
)

START, END = plan_year(2023)
D = date


def _status(numerator: int, denominator: int, target_percent: int, on: date,
            comparator: str = "ge", due: bool = True) -> str | None:
    found = comparator_of(comparator)
    assert found is not None
    return status_of(ratio(numerator, denominator), Fraction(target_percent, 100), found,
                     START, END, on, due=due)


def test_the_plan_year_and_the_share_elapsed_count_the_day_itself() -> None:
    assert (D(2023, 1, 1), D(2023, 12, 31)) == (START, END)
    assert elapsed_share(START, END, START) == Fraction(1, 365)
    assert elapsed_share(START, END, D(2023, 3, 14)) == Fraction(73, 365)  # 31+28+14
    assert elapsed_share(START, END, D(2023, 6, 14)) == Fraction(165, 365)  # +31+30+31+14
    assert elapsed_share(START, END, D(2023, 9, 14)) == Fraction(257, 365)  # +30+31+31+14
    assert elapsed_share(START, END, D(2023, 12, 14)) == Fraction(348, 365)  # +30+31+30+14
    assert elapsed_share(START, END, END) == 1
    assert elapsed_share(START, END, D(2022, 12, 1)) == 0
    assert elapsed_share(START, END, D(2024, 2, 1)) == 1
    leap_start, leap_end = plan_year(2024)
    assert elapsed_share(leap_start, leap_end, D(2024, 3, 14)) == Fraction(74, 366)


def test_the_pace_of_the_issue_example() -> None:
    # I3 (≥ 40 %) on 14/09/2023: 40 % × 257/365 = 28.16 %.
    assert percent(pace(Fraction(2, 5), START, END, D(2023, 9, 14))) == 28.16
    # I1 (≥ 100 %) on 14/06/2023: 165/365 = 45.21 %.
    assert percent(pace(Fraction(1), START, END, D(2023, 6, 14))) == 45.21


def test_statuses_of_the_issue_example_are_those_of_domain_md() -> None:
    # I3 at 76/239 = 31.80 % on 14/09, pace 28.16 %: not met, on pace → chưa đạt.
    assert _status(76, 239, 40, D(2023, 9, 14)) == CHUA_DAT
    # 67/239 = 28.03 % is behind that pace → at risk.
    assert _status(67, 239, 40, D(2023, 9, 14)) == CO_NGUY_CO
    # I1 at 2.40 % against a pace of 45.2 % on 14/06 → at risk, not "chưa đạt".
    assert _status(5, 208, 100, D(2023, 6, 14)) == CO_NGUY_CO
    # Met is met whatever the date.
    assert _status(96, 239, 40, D(2023, 3, 14)) == DAT  # 40.17 %
    assert _status(24, 239, 10, D(2023, 12, 31)) == DAT  # 10.04 %


def test_exactly_on_the_pace_is_on_pace_and_a_hair_behind_is_at_risk() -> None:
    day_73 = D(2023, 3, 14)  # pace of a 100 % target: exactly 20 %
    one = Fraction(1)
    assert status_of(Fraction(1, 5), one, "ge", START, END, day_73) == CHUA_DAT
    assert status_of(Fraction(1, 5) - Fraction(1, 10**12), one, "ge", START, END,
                     day_73) == CO_NGUY_CO
    # 20.00 % rounded is not what decides: 19.996 % shows as 20.0 and is at risk.
    just_under = Fraction(19996, 100000)
    assert percent(just_under) == 20.0
    assert status_of(just_under, one, "ge", START, END, day_73) == CO_NGUY_CO


def test_a_count_is_judged_as_its_exact_ratio_is() -> None:
    """count_status compares the counts cross-multiplied: the same status as the Fractions
    give, at the boundaries too (exactly on the target, exactly on the pace), for unreduced
    counts, either comparator, before, during and after the year."""
    def by_fractions(numerator: int, denominator: int, target: Fraction, comparator: str,
                     on: date) -> str | None:
        if denominator <= 0:
            return None
        value = Fraction(numerator, denominator)
        if comparator == "le":
            return DAT if value <= target else CHUA_DAT
        if value >= target:
            return DAT
        share = Fraction(min(max((on - START).days + 1, 0), 365), 365)
        return CO_NGUY_CO if on < END and value < target * share else CHUA_DAT

    rng = random.Random(20)
    day_73 = D(2023, 3, 14)  # the pace of a 100 % target is exactly 1/5 there
    cases = [(1, 5, Fraction(1), "ge", day_73), (2, 10, Fraction(1), "ge", day_73),
             (40, 100, Fraction(2, 5), "ge", END), (80, 200, Fraction(2, 5), "le", END),
             (0, 0, Fraction(2, 5), "ge", END)]
    for _ in range(20_000):
        cases.append((rng.randrange(0, 60), rng.randrange(0, 60),
                      Fraction(rng.randrange(0, 101), 100), rng.choice(["ge", "le"]),
                      START + timedelta(days=rng.randrange(-5, 375))))
    for numerator, denominator, target, comparator, on in cases:
        found = comparator_of(comparator)
        assert found is not None
        assert count_status(numerator, denominator, target, found, START, END, on) == (
            by_fractions(numerator, denominator, target, comparator, on)), (
            numerator, denominator, target, comparator, on)
    assert count_status(3, 0, Fraction(1), "ge", START, END, END, due=False) is None
    assert count_status(3, 4, Fraction(1), "ge", START, END, END, due=False) == CHUA_DEN_HAN


def test_a_missed_target_after_the_year_is_chua_dat_and_before_its_end_can_be_at_risk() -> None:
    assert _status(0, 239, 40, END) == CHUA_DAT
    assert _status(95, 239, 40, END) == CHUA_DAT  # 39.75 %
    assert _status(0, 239, 40, D(2023, 12, 30)) == CO_NGUY_CO
    # The year report's cut-off (14/12) is inside the year: behind 40 % × 348/365 = 38.14 %.
    assert _status(91, 239, 40, D(2023, 12, 14)) == CO_NGUY_CO  # 38.08 %
    assert _status(92, 239, 40, D(2023, 12, 14)) == CHUA_DAT  # 38.49 %
    # Nothing is behind a pace of zero before the year starts.
    assert _status(0, 239, 40, D(2022, 12, 31)) == CHUA_DAT


def test_a_ceiling_has_no_pace_and_no_denominator_has_no_status() -> None:
    assert _status(1, 10, 10, D(2023, 3, 14), "le") == DAT
    assert _status(2, 10, 10, D(2023, 3, 14), "≤") == CHUA_DAT
    assert _status(0, 0, 40, D(2023, 3, 14)) is None
    assert _status(0, 0, 100, D(2023, 3, 14), due=False) is None


def test_nothing_owed_yet_is_chua_den_han_whatever_the_value() -> None:
    assert _status(5, 5, 100, D(2023, 3, 14), due=False) == CHUA_DEN_HAN
    assert _status(0, 5, 100, D(2023, 3, 14), due=False) == CHUA_DEN_HAN
    assert STATUS_LABELS[CHUA_DEN_HAN] == "Chưa đến hạn"
    assert set(STATUS_LABELS) == set(STATUSES)


def test_one_rounding_two_decimals_half_up_from_the_exact_fraction() -> None:
    assert percent_of(76, 239) == 31.8  # 31.7991...
    assert percent_of(1, 3) == 33.33
    assert percent_of(2, 3) == 66.67
    assert percent_of(6359, 20000) == 31.8  # 31.795 exactly: half up, not to even
    assert percent_of(12345, 1000000) == 1.23  # 1.2345 → 1.23
    assert percent_of(1, 8) == 12.5
    assert percent_of(4000, 239) == 1673.64
    assert percent_of(0, 239) == 0.0
    assert percent_of(1, 0) is None


def test_a_value_other_than_a_percentage_takes_the_same_rounding() -> None:
    # dialogue's rule view shows the sessions a head owes this way (required_exact)
    assert two_decimals(Fraction(1, 8)) == 0.13  # round(0.125, 2) gives 0.12
    assert two_decimals(Fraction(2 * 200, 365)) == 1.1


def test_comparators_have_one_vocabulary() -> None:
    for spelling in ("ge", ">=", "≥", "GTE", " at_least "):
        assert comparator_of(spelling) == "ge"
    for spelling in ("le", "<=", "≤", "lte", "at_most"):
        assert comparator_of(spelling) == "le"
    assert comparator_of("about") is None


def test_the_plan_targets_and_base() -> None:
    assert PLAN_RELIGIOUS_SITES == 239
    assert [(t.indicator_id, t.comparator, t.target, t.base) for t in PLAN_TARGETS.values()] == [
        ("I1", "ge", 1, None), ("I2", "ge", 1, None),
        ("I3", "ge", Fraction(2, 5), 239), ("I4", "ge", Fraction(1, 10), 239)]


def test_the_plan_targets_apply_to_the_plan_year_alone() -> None:
    # A later year has the targets the Commission records for it, or none (G11).
    assert PLAN_YEAR == 2023
    assert plan_targets_apply(2023)
    assert not any(map(plan_targets_apply, (2022, 2024, 2025, 2026)))


def test_a_figure_against_the_base_warns_when_the_register_disagrees() -> None:
    assert base_warnings(76, 239, 239) == ()
    assert base_warnings(76, 239, 241) == (REGISTER_DIFFERS_FROM_BASE,)
    assert base_warnings(4000, 239, 4100) == (NUMERATOR_ABOVE_BASE, REGISTER_DIFFERS_FROM_BASE)
    assert base_warnings(240, 239, 239) == (NUMERATOR_ABOVE_BASE,)
    # Counts in a signed document are written as Vietnamese write them: 4.000, 10.011.
    assert warning_text(NUMERATOR_ABOVE_BASE, 4000, 239, 4100).startswith("Tử số (4.000) vượt")
    assert warning_text(REGISTER_DIFFERS_FROM_BASE, 76, 239, 10011).startswith(
        "Sổ theo dõi có 10.011 cơ sở")


def test_a_fixed_base_is_explained_as_the_plans_or_as_declared() -> None:
    plan = base_note("I4", 239, 7)
    assert plan.startswith("Mẫu số 239 là tổng số cơ sở tôn giáo đang sử dụng đất mà Kế hoạch")
    assert "mục II.1.3" in plan and plan.endswith("sổ theo dõi hiện có 7 cơ sở đang sử dụng đất")
    declared = base_note("I3", 4, 7)
    assert declared.startswith("Mẫu số 4 của chỉ tiêu I3 là số cơ sở được khai báo")
    assert "tổng số 239 cơ sở" in declared and "hiện có 7 cơ sở" in declared
    assert base_note("I3", 1200, 10011).startswith("Mẫu số 1.200 của chỉ tiêu I3")
    assert base_note("I4", 239, 10011).endswith("hiện có 10.011 cơ sở đang sử dụng đất")


def test_i1_models_count_by_field_start_and_closure() -> None:
    on = D(2023, 6, 14)
    assert model_counts_i1("new_rural", D(2023, 2, 1), None, on)
    assert model_counts_i1("exemplary_rural", D(2023, 6, 14), None, on)  # started that day
    assert model_counts_i1("urban", D(2023, 2, 1), D(2023, 6, 15), on)  # closed the day after
    assert not model_counts_i1("urban", D(2023, 2, 1), D(2023, 6, 14), on)  # closed by d
    assert not model_counts_i1("urban", D(2023, 6, 15), None, on)  # not started
    assert not model_counts_i1("digital_transformation", D(2023, 2, 1), None, on)
    assert not model_counts_i1("other", D(2023, 2, 1), None, on)


def test_a_model_runs_from_its_start_to_the_day_before_its_closing() -> None:
    """K12, K13: one rule of a model's life, the one I1 counts by."""
    on = D(2023, 6, 14)
    assert model_running_on(D(2023, 6, 14), None, on)
    assert model_running_on(D(2023, 2, 1), D(2023, 6, 15), on)
    assert not model_running_on(D(2023, 6, 15), None, on)
    assert not model_running_on(D(2023, 2, 1), D(2023, 6, 14), on)
    assert not model_running_on(None, None, on)


def test_a_contests_entries_are_of_its_years_data_window() -> None:
    """K12, O15: the contest of 2023 («năm 2023») counts the entries of 2023's data window,
    15/12/2022 to 14/12/2023 by default: one of 20/12/2023 came after the year report's
    cut-off and is no 2024 entry either; moving that cut-off to 25/12 brings it in."""
    assert entry_in_contest_year(2023, D(2022, 12, 15))
    assert entry_in_contest_year(2023, D(2023, 12, 10))
    assert entry_in_contest_year(2023, D(2023, 12, 14))
    assert not entry_in_contest_year(2023, D(2023, 12, 15))
    assert not entry_in_contest_year(2023, D(2023, 12, 20))
    assert not entry_in_contest_year(2024, D(2023, 12, 14))
    assert entry_in_contest_year(2024, D(2023, 12, 20))
    assert not entry_in_contest_year(2025, D(2023, 7, 1))
    assert not entry_in_contest_year(2023, D(2024, 1, 1))
    moved = {"2023-12m": D(2023, 12, 25)}
    assert entry_in_contest_year(2023, D(2023, 12, 20), moved)
    assert not entry_in_contest_year(2024, D(2023, 12, 20), moved)
    assert entry_in_contest_year(2024, D(2023, 12, 26), moved)
    # The days an entry may be recorded on: from the year's data start as it stands to
    # 31 December, the latest day the year report's cut-off may be moved to.
    assert entry_days(2023) == (D(2022, 12, 15), D(2023, 12, 31))
    assert entry_days(2024) == (D(2023, 12, 15), D(2024, 12, 31))
    assert entry_days(2024, moved) == (D(2023, 12, 26), D(2024, 12, 31))


def test_an_entry_counts_in_the_reports_of_its_contests_year_whatever_the_moves() -> None:
    """O15: asked of a report of year Y whose window holds the day (`entry_counts_in`, what
    reporting asks), the rule says what `entry_in_contest_year` says of the day with the
    cut-offs in force: the years' data windows tile the time line. Every day of 2022-06 to
    2025-01, contests 2022-2025, by default and with 12-month cut-offs moved either way."""
    for moved in ({}, {"2023-12m": D(2023, 12, 25)}, {"2023-12m": D(2023, 12, 10)},
                  {"2022-12m": D(2022, 12, 31), "2023-12m": D(2023, 12, 1),
                   "2024-12m": D(2024, 12, 20)}):
        windows = {year: year_data_window(year, moved) for year in range(2021, 2027)}
        day = D(2022, 6, 1)
        while day < D(2025, 1, 1):
            holding = [y for y, (first, last) in windows.items() if first <= day <= last]
            assert len(holding) == 1, (day, moved)
            for contest in range(2022, 2026):
                assert entry_counts_in(contest, holding[0]) == entry_in_contest_year(
                    contest, day, moved), (contest, day, moved)
                first, last = entry_days(contest, moved)
                if entry_in_contest_year(contest, day, moved):
                    assert first <= day <= last, (contest, day, moved)
            day += timedelta(days=1)


def test_i2_a_head_is_owed_for_the_days_in_office_in_the_window() -> None:
    @dataclass(frozen=True)
    class Rule:
        effective_from: date
        min_sessions_per_year: int

    twice = [Rule(D(2015, 1, 27), 2)]
    # All year to 14/03: 2 × 73/365 = 0.4 → 0: nothing owed yet (chưa đến hạn).
    window = office_in_window([(D(2020, 5, 1), None)], START, D(2023, 3, 14))
    assert window == [(START, D(2023, 3, 14))]
    assert owed_sessions(window, twice) == 0
    # To 14/06: 2 × 165/365 = 0.90 → 1; to 14/09: 2 × 257/365 = 1.41 → 1; 14/12: 1.91 → 2.
    assert owed_sessions(office_in_window([(D(2020, 5, 1), None)], START, D(2023, 6, 14)),
                         twice) == 1
    assert owed_sessions(office_in_window([(D(2020, 5, 1), None)], START, D(2023, 9, 14)),
                         twice) == 1
    assert owed_sessions(office_in_window([(D(2020, 5, 1), None)], START, D(2023, 12, 14)),
                         twice) == 2
    # A head who left on 31/05 (151 days): 2 × 151/365 = 0.83 → 1, still in the denominator.
    left = office_in_window([(D(2021, 1, 1), D(2023, 5, 31))], START, D(2023, 9, 14))
    assert left == [(START, D(2023, 5, 31))]
    assert owed_sessions(left, twice) == 1
    # A term ended before the year, and one starting after d, are not in the window.
    assert office_in_window([(D(2019, 1, 1), D(2022, 12, 31)), (D(2023, 10, 1), None)],
                            START, D(2023, 9, 14)) == []
    assert head_meets_rule(1, 1) and head_meets_rule(0, 0) and not head_meets_rule(0, 1)


def test_a_definition_sets_i1s_fields_and_i2s_window_else_the_plans() -> None:
    """One reading of a definition for both services: its fields for I1 (none given: the
    plan's), its period for I2's window and the pace (a bound not given: the plan year's)."""
    assert i1_fields(()) == I1_FIELDS
    assert i1_fields(["digital_transformation"]) == {"digital_transformation"}
    assert model_counts_i1("digital_transformation", D(2023, 2, 1), None, D(2023, 6, 14),
                           i1_fields(["digital_transformation"]))
    assert defined_period(2023, None, None) == (START, END)
    april, end = defined_period(2023, D(2023, 4, 1), None)
    assert (april, end) == (D(2023, 4, 1), END)
    data = year_data_window(2023)
    assert i2_window(START, END, D(2023, 6, 14), data) == (D(2022, 12, 15), D(2023, 6, 14))
    assert i2_window(april, end, D(2023, 9, 14), data) == (april, D(2023, 9, 14))
    # Never past the period's last day; a cut-off before its first day: a window of no day,
    # in which nobody was in office.
    assert i2_window(START, D(2023, 6, 30), D(2023, 9, 14), data) == (
        D(2022, 12, 15), D(2023, 6, 30))
    empty = i2_window(april, end, D(2023, 3, 14), data)
    assert office_in_window([(D(2020, 5, 1), None)], *empty) == []
    # The pace over April..December: 40 % × 167/275 on 14/09.
    assert pace(Fraction(2, 5), april, end, D(2023, 9, 14)) == Fraction(2, 5) * Fraction(
        167, 275)


def test_i2s_window_is_the_years_data_window_so_each_held_session_counts_in_one_year() -> None:
    """Finding O14: I2 of a year judges the sessions its conference reports count as held,
    from the day after the previous year's 12-month cut-off in force to the year's own (by
    default 15/12 of the year before to 14/12). A session of 20/12/2022 is 2023's, one of
    15/12/2023 is 2024's; a moved 12-month cut-off moves both years' windows."""
    assert year_data_window(2023) == (D(2022, 12, 15), D(2023, 12, 14))
    window_2023 = i2_window(START, END, D(2023, 12, 31), year_data_window(2023))
    assert window_2023 == (D(2022, 12, 15), D(2023, 12, 14))
    window_2022 = i2_window(D(2022, 1, 1), D(2022, 12, 31), D(2022, 12, 31),
                            year_data_window(2022))
    window_2024 = i2_window(D(2024, 1, 1), D(2024, 12, 31), D(2024, 3, 14),
                            year_data_window(2024))
    for day, owner in ((D(2022, 12, 20), window_2023), (D(2023, 12, 14), window_2023),
                       (D(2023, 12, 15), window_2024), (D(2022, 12, 14), window_2022)):
        years = [w for w in (window_2022, window_2023, window_2024) if w[0] <= day <= w[1]]
        assert years == [owner], day
    # Early in the year the window is the days since 15/12 of the year before.
    assert i2_window(START, END, D(2023, 1, 5), year_data_window(2023)) == (
        D(2022, 12, 15), D(2023, 1, 5))
    # So it is before the plan year begins: a 2023 report counted on 30/12/2022, as reporting
    # gives its window (the data start to the day counted), judges those 16 days (it judged
    # none: the window opened on 1 January, after the day).
    assert i2_window(START, END, D(2022, 12, 30), (D(2022, 12, 15), D(2022, 12, 30))) == (
        D(2022, 12, 15), D(2022, 12, 30))
    # The Commission moved 2022's year report to 20/12 and 2023's to 10/12.
    moved = {"2022-12m": D(2022, 12, 20), "2023-12m": D(2023, 12, 10)}
    assert i2_window(START, END, D(2023, 12, 31), year_data_window(2023, moved)) == (
        D(2022, 12, 21), D(2023, 12, 10))
    assert i2_window(D(2022, 1, 1), D(2022, 12, 31), D(2022, 12, 31),
                     year_data_window(2022, moved)) == (D(2021, 12, 15), D(2022, 12, 20))


def test_a_reported_indicator_is_a_units_latest_report_else_the_sum_under_it() -> None:
    """City 31 > districts 303 (own report 5/10), 315 (none) > communes: 303's is its own,
    not its communes' 3/4; 315's the sum of its communes; 316 and its commune have none."""
    children = {"31": ["303", "315", "316"], "303": ["a"], "315": ["b", "c"], "316": ["d"]}
    order = ["a", "303", "b", "c", "315", "d", "316", "31"]
    reported = {"a": (3, 4), "303": (5, 10), "b": (2, 4), "c": (1, 2)}
    figures = reported_roll_up(order, lambda code: children.get(code, []), reported)
    assert figures == {"a": (3, 4), "303": (5, 10), "b": (2, 4), "c": (1, 2),
                       "315": (3, 6), "31": (8, 16)}


def test_a_summed_reported_figure_says_how_many_units_under_it_have_one() -> None:
    """`reported_coverage`: a unit's own report is no sum (None, even with communes that
    report under it); a sum counts the units directly under it with a figure, a district
    summed from its communes as one, against every unit directly under it; a unit without
    any figure has none. City 31 > 303 (own 5/10, its commune a 3/4), 315 (from b and c of
    its three communes), 316 (nothing), 317 (from its only commune e)."""
    children = {"31": ["303", "315", "316", "317"], "303": ["a"], "315": ["b", "c", "x"],
                "316": ["d"], "317": ["e"]}
    order = ["a", "303", "b", "c", "x", "315", "d", "316", "e", "317", "31"]
    reported = {"a": (3, 4), "303": (5, 10), "b": (2, 4), "c": (1, 2), "e": (4, 4)}
    figures = reported_coverage(order, lambda code: children.get(code, []), reported)
    assert figures["303"] == ReportedFigure(5, 10, None)  # own report
    assert figures["a"] == ReportedFigure(3, 4, None)
    assert figures["315"] == ReportedFigure(3, 6, SummedFrom(2, 3))  # partial sum
    assert figures["317"] == ReportedFigure(4, 4, SummedFrom(1, 1))  # full sum
    # Nested: 315 and 317, sums themselves, count as units with a figure; 316 does not.
    assert figures["31"] == ReportedFigure(12, 20, SummedFrom(3, 4))
    assert "316" not in figures and "d" not in figures and "x" not in figures
    # The same walk as the figures alone.
    assert reported_roll_up(order, lambda code: children.get(code, []), reported) == {
        code: (figure.numerator, figure.denominator) for code, figure in figures.items()}
    # Every unit under the city reporting: a full sum of its four.
    everyone = {**reported, "316": (0, 3), "x": (0, 1)}
    assert reported_coverage(order, lambda code: children.get(code, []), everyone)[
        "31"].summed_from == SummedFrom(4, 4)


def test_i3_dossier_states_and_closed_sites() -> None:
    for state in ("lodged", "requisitioned", "resubmitted", "accepted", "certificate_issued"):
        assert dossier_switch(state) == 1
    assert dossier_switch("rejected") == 0
    assert dossier_switch("withdrawn") == 0
    assert dossier_switch("in_preparation") is None
    assert dossier_switch(None) is None
    assert site_counts_i3(True, True)
    assert not site_counts_i3(False, True)  # a closed site leaves numerator and register
    assert site_counts_i4(True, True)
    assert not site_counts_i4(False, True)
    assert not site_counts_i4(True, False)  # revoked


def test_a_commitment_is_overdue_only_from_the_day_after_its_due_date() -> None:
    due = D(2023, 6, 30)
    assert commitment_standing(False, due, D(2023, 6, 14)) == "in_progress"
    assert commitment_standing(False, due, due) == "in_progress"
    assert commitment_standing(False, due, D(2023, 7, 1)) == "overdue"
    assert commitment_standing(True, due, D(2023, 9, 14)) == "done"
    assert commitment_standing(False, None, D(2023, 9, 14)) == "in_progress"


def test_a_term_ends_when_the_head_leaves_or_the_unit_ceases_whichever_is_first() -> None:
    abolished = date(2025, 6, 30)
    assert term_last_day(None, None) is None  # in office, unit still there
    assert term_last_day(None, abolished) == abolished
    assert term_last_day(date(2025, 3, 1), abolished) == date(2025, 3, 1)
    assert term_last_day(date(2025, 9, 1), abolished) == abolished
    assert term_last_day(date(2024, 5, 2), None) == date(2024, 5, 2)


def test_the_plans_base_is_the_plan_years_alone() -> None:
    """239 sites is a number of the 2023 plan (II.1.3): I3 and I4 of another year without a
    definition are measured against the register, as their targets are not the plan's (G11)."""
    assert plan_base("I3", 2023) == plan_base("I4", 2023) == 239
    assert plan_base("I3", 2025) is None and plan_base("I4", 2024) is None
    assert plan_base("I1", 2023) is None and plan_base("I5", 2023) is None


def test_a_stock_figure_is_never_taken_past_its_period() -> None:
    start, end = date(2023, 4, 1), date(2023, 6, 30)
    assert figure_day(start, end, date(2023, 6, 14)) == date(2023, 6, 14)
    assert figure_day(start, end, date(2023, 9, 14)) == end
    assert figure_day(start, end, date(2023, 3, 14)) is None  # not begun: no figure


def _plan_definition(year: int, fields: frozenset[str] = frozenset()) -> RateDefinition:
    return RateDefinition(fields, year_days(year, *defined_period(year, None, None)))


def test_a_previous_rate_is_the_same_measure_only_on_the_same_base_and_definition() -> None:
    """Finding J9: 2023's I3 on the plan's 239 sites beside 2024's on the register's count is
    no rise or fall; the plan year of 2023 and of 2024 (leap) is the same period; a new
    target alone changes no measure; a part unknown (a report signed before the previous
    period's definitions were frozen with it) is not compared."""
    y2023, y2024 = _plan_definition(2023), _plan_definition(2024)
    assert y2023 == y2024  # 1 January - 31 December, whatever the year's length
    assert rate_basis_changes(RateBasis(239, y2023), RateBasis(239, y2024)) == ()
    assert rate_basis_changes(RateBasis(None, y2023), RateBasis(None, y2024)) == ()
    assert rate_basis_changes(RateBasis(239, y2023), RateBasis(None, y2024)) == (BASIS_BASE,)
    assert rate_basis_changes(RateBasis(239, y2023), RateBasis(250, y2024)) == (BASIS_BASE,)
    wider = _plan_definition(2024, I1_FIELDS | {"digital_transformation"})
    assert rate_basis_changes(RateBasis(None, _plan_definition(2023, I1_FIELDS)),
                              RateBasis(None, wider)) == (BASIS_FIELDS,)
    spring = RateDefinition(frozenset(), year_days(2024, date(2024, 4, 1), date(2024, 12, 31)))
    reported = RateDefinition(frozenset(), y2024.period, "reported", ("315",))
    assert rate_basis_changes(RateBasis(None, y2023), RateBasis(None, spring)) == (
        BASIS_PERIOD,)
    assert rate_basis_changes(RateBasis(239, y2023), RateBasis(None, reported)) == (
        BASIS_BASE, BASIS_METHOD, BASIS_SCOPE)
    # Unknown definitions: only the bases are compared.
    assert rate_basis_changes(RateBasis(239), RateBasis(239, spring)) == ()
    assert rate_basis_changes(RateBasis(239, y2023), RateBasis(None)) == (BASIS_BASE,)


def test_the_plans_scope_is_the_city_whichever_way_it_is_written() -> None:
    """Finding P2: a year without a scope of its own (the plan's, the whole city) and one
    scoped to the city (["31"], as the indicators service writes a definition) measure the
    same units; a district, or the city and a district's order, is compared as units."""
    def scoped(*units: str) -> RateBasis:
        return RateBasis(None, replace(_plan_definition(2024), scope=units))

    plan = RateBasis(None, _plan_definition(2023))
    assert rate_basis_changes(plan, scoped("31")) == ()
    assert rate_basis_changes(scoped("31"), plan) == ()
    assert rate_basis_changes(scoped("315", "303"), scoped("303", "315", "303")) == ()
    assert rate_basis_changes(plan, scoped("315")) == (BASIS_SCOPE,)
    assert rate_basis_changes(scoped("31"), scoped("315")) == (BASIS_SCOPE,)
    assert rate_basis_changes(scoped("315"), scoped("303", "315")) == (BASIS_SCOPE,)
