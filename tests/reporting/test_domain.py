"""Pure rules of the reporting service: periods (Decree 09/2019), status, number format,
what a subject counts for at a cut-off."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.reporting.application.chunk_figures import FactRow
from services.reporting.application.views import format_number
from services.reporting.domain.counting import SubjectHistory, stock_figures
from services.reporting.domain.indicators import (
    PLAN_TARGETS,
    IndicatorTarget,
    comparator_of,
    judge,
)
from services.reporting.domain.periods import (
    InvalidPeriodId,
    default_period,
    following_year_ids,
    latest_closed_period,
    parse_period_id,
    previous_period_id,
    window_problem,
    year_opens,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("months", "cutoff", "ends"), [
    (3, date(2023, 3, 14), date(2023, 3, 31)),
    (6, date(2023, 6, 14), date(2023, 6, 30)),
    (9, date(2023, 9, 14), date(2023, 9, 30)),
    (12, date(2023, 12, 14), date(2023, 12, 31)),
])
def test_periods_follow_decree_09_2019(months: int, cutoff: date, ends: date) -> None:
    period = default_period(2023, months)
    # From the 15th of the month before the period (15/12 of the year before) ...
    assert period.data_from == date(2022, 12, 15)
    # ... to the 14th of the period's last month.
    assert period.cutoff_on == cutoff
    assert (period.starts_on, period.ends_on) == (date(2023, 1, 1), ends)
    assert period.id == f"2023-{months}m"


def test_previous_period_is_the_conference_before() -> None:
    assert previous_period_id("2023-3m") == "2022-12m"
    assert previous_period_id("2023-6m") == "2023-3m"
    assert previous_period_id("2023-12m") == "2023-9m"


@pytest.mark.parametrize("bad", ["2023-4m", "2023", "23-3m", "1999-3m", "2023-3mm", ""])
def test_malformed_period_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidPeriodId):
        parse_period_id(bad)


def test_window_edits_are_checked() -> None:
    q1 = default_period(2023, 3)
    opens = date(2022, 12, 15)
    assert window_problem(q1, date(2022, 12, 15), date(2023, 3, 31), opens) is None
    assert window_problem(q1, date(2023, 3, 1), date(2023, 2, 1), opens) == "WINDOW_REVERSED"
    # The year's data start is the day after last year's report cut-off: not a day off.
    for start in (date(2022, 12, 14), date(2022, 12, 16), date(2022, 6, 1)):
        assert window_problem(q1, start, date(2023, 3, 1), opens) == (
            "WINDOW_START_NOT_CONTIGUOUS")
    assert window_problem(q1, date(2023, 1, 1), date(2023, 3, 1), date(2023, 1, 1)) is None
    assert window_problem(q1, date(2022, 12, 15), date(2023, 4, 2), opens) == (
        "WINDOW_CUTOFF_OUT_OF_RANGE")
    # A cut-off keeps its place among the year's: not before the period before's (H5).
    h1 = default_period(2023, 6)
    assert window_problem(h1, opens, date(2023, 3, 13), opens, (date(2023, 3, 14), None)) == (
        "WINDOW_CUTOFF_OUT_OF_ORDER")
    assert window_problem(h1, opens, date(2023, 3, 14), opens, (date(2023, 3, 14), None)) is None
    assert window_problem(q1, opens, date(2023, 3, 20), opens, (None, date(2023, 3, 19))) == (
        "WINDOW_CUTOFF_OUT_OF_ORDER")


def test_a_year_opens_the_day_after_the_year_report_cut_off() -> None:
    assert year_opens(2023, None) == date(2022, 12, 15)
    year = default_period(2022, 12)
    assert year_opens(2023, year) == date(2022, 12, 15)
    assert year_opens(2023, year.with_window(year.data_from, date(2022, 12, 31), "x")) == (
        date(2023, 1, 1))
    assert following_year_ids("2023-12m") == ["2024-3m", "2024-6m", "2024-9m", "2024-12m"]
    assert following_year_ids("2023-9m") == []
    assert following_year_ids("2100-12m") == []


def test_the_dashboard_opens_on_the_latest_period_cut_off() -> None:
    assert latest_closed_period(date(2023, 3, 13)) == "2022-12m"
    assert latest_closed_period(date(2023, 3, 14)) == "2023-3m"
    assert latest_closed_period(date(2023, 11, 2)) == "2023-9m"
    assert latest_closed_period(date(2023, 12, 31)) == "2023-12m"


def test_status_at_a_cut_off_is_the_kernel_rule_against_the_plan_year() -> None:
    i3 = PLAN_TARGETS["I3"]  # at least 40 %, of the plan's 239 sites
    march, september = date(2023, 3, 14), date(2023, 9, 14)
    assert judge(96, 239, i3, 2023, march) == "dat"  # 40.17 %
    # Pace at 14/03: 40 % x 73/365 = 8 %; 20/239 = 8.37 % is on it, 19/239 = 7.95 % behind.
    assert judge(20, 239, i3, 2023, march) == "chua_dat"
    assert judge(19, 239, i3, 2023, march) == "co_nguy_co"
    # The case: 76/239 = 31.80 % on 14/09 against a pace of 28.16 %: on pace.
    assert judge(76, 239, i3, 2023, september) == "chua_dat"
    # The year report's cut-off (14/12) is still inside the plan year; 31/12 ends it.
    assert judge(91, 239, i3, 2023, date(2023, 12, 14)) == "co_nguy_co"
    assert judge(91, 239, i3, 2023, date(2023, 12, 31)) == "chua_dat"
    assert judge(0, 0, i3, 2023, march) is None  # no denominator, no status
    assert judge(3, 3, PLAN_TARGETS["I2"], 2023, march, due=False) == "chua_den_han"
    ceiling = IndicatorTarget("X", "le", 5.0)
    assert judge(4, 100, ceiling, 2023, march) == "dat"
    assert judge(6, 100, ceiling, 2023, march) == "chua_dat"  # a ceiling has no pace
    assert comparator_of(">=") == "ge" and comparator_of("≤") == "le"
    assert comparator_of("whatever") == "ge"


def test_numbers_are_written_the_vietnamese_way() -> None:
    assert format_number(1234.5) == "1.234,50"
    assert format_number(1234567) == "1.234.567"
    assert format_number(33.33) == "33,33"
    assert format_number(31.8) == "31,80"  # a percentage keeps its two decimals
    assert format_number(50.0) == "50"
    assert format_number(None) == "—"


def _fact(family: str, kind: str, effect: int | None, on: date, seq: int,
          state: str | None = None, due_on: date | None = None,
          unit: str | None = None) -> FactRow:
    return FactRow(f"e-{family}-{seq}", family, kind, "S", effect, state, None, due_on, on,
                   datetime(2024, 1, 1, tzinfo=UTC), seq, unit, None, None, None)


def _stock_at(group: str, rows: list[FactRow], cutoff: date) -> dict[str, str | None]:
    history: SubjectHistory | None = None
    for row in rows:
        if row.business_on <= cutoff:
            if history is None:
                history = SubjectHistory.start(row)
            else:
                history.add(row)
    if history is None:
        return {}
    return {figure: row.unit_code for row, figure in stock_figures(group, history, cutoff)}


def test_a_closed_site_takes_its_dossier_and_certificate_out_of_the_figures() -> None:
    rows = [
        _fact("site", "SiteRegistered", 1, date(2023, 1, 10), 1, unit="11755"),
        # The dossier's facts name another unit: the site's commune is where it counts.
        _fact("dossier", "LandDossierLodged", 1, date(2023, 2, 1), 1, "lodged", unit="11758"),
        _fact("certificate", "CertificateIssued", 1, date(2023, 4, 1), 1),
        _fact("site", "SiteClosed", 0, date(2023, 7, 1), 2),
    ]
    assert _stock_at("site", rows, date(2023, 3, 14)) == {
        "sites": "11755", "sites_with_dossier": "11755"}
    assert _stock_at("site", rows, date(2023, 6, 14)) == {
        "sites": "11755", "sites_with_dossier": "11755", "sites_with_certificate": "11755"}
    assert _stock_at("site", rows, date(2023, 9, 14)) == {}  # closed: in no figure at all
    # A dossier of a site the register does not know (yet) counts nowhere.
    assert _stock_at("site", rows[1:2], date(2023, 3, 14)) == {}


def test_a_commitment_is_overdue_at_a_cut_off_only_after_its_due_date() -> None:
    made = _fact("commitment", "CommitmentMade", None, date(2023, 4, 1), 1, "open",
                 due_on=date(2023, 6, 30), unit="11755")
    # Progress entered late, after the dialogue service had flagged it overdue (01/07), so
    # the progress event of 20/05 carries the status "overdue".
    progress = _fact("commitment", "CommitmentProgressUpdated", None, date(2023, 5, 20), 2,
                     "overdue")
    flagged = _fact("commitment", "CommitmentOverdue", None, date(2023, 7, 1), 3, "overdue")
    reopened = _fact("commitment", "CommitmentReopened", None, date(2023, 8, 1), 4, "open",
                     due_on=date(2023, 10, 31))
    rows = [made, progress, flagged, reopened]
    assert _stock_at("commitment", rows, date(2023, 6, 14)) == {
        "commitments_total": "11755", "commitments_in_progress": "11755"}
    assert _stock_at("commitment", rows[:3], date(2023, 9, 14)) == {
        "commitments_total": "11755", "commitments_overdue": "11755"}
    # Reopened with a new due date: on time again until 31/10.
    assert _stock_at("commitment", rows, date(2023, 9, 14)) == {
        "commitments_total": "11755", "commitments_in_progress": "11755"}
    assert _stock_at("commitment", rows, date(2023, 12, 14)) == {
        "commitments_total": "11755", "commitments_overdue": "11755"}
    done = _fact("commitment", "CommitmentCompleted", None, date(2023, 11, 5), 5, "done")
    assert _stock_at("commitment", [*rows, done], date(2023, 12, 14)) == {
        "commitments_total": "11755", "commitments_done": "11755"}
