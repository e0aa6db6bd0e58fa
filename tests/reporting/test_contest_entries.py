"""A contest entry counts in a period of its own contest's year (finding K12, the kernel's
`shared.planrules.entry_in_contest_year`): an entry of the 2025 contest stored dated 2023
(before the indicators service refused it) counts in no 2023 report, from the chunk figures
and the facts alike, live and after a rebuild; the 2023 contest's entry counts."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from services.reporting.application.fact_reads import read_marks
from services.reporting.application.figures import (
    compute_fresh,
    compute_from_chunks,
    from_chunks_possible,
)
from services.reporting.application.reports import load_period
from services.reporting.messages import METRIC_LABELS
from shared.envelope import utcnow
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import (
    DAI_THANG,
    HONG_BANG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    Events,
    two_quarter_scenario,
)

ENTRIES_LABEL = METRIC_LABELS["contest_entries"]


def test_an_entry_counts_only_in_its_contests_year(reporting: Reporting) -> None:
    scenario = two_quarter_scenario()
    for entry_id, year, on in (("E-2023", 2023, date(2023, 4, 1)),
                               ("E-2025", 2025, date(2023, 5, 1))):
        scenario.add("indicators", "contest", entry_id, "ContestEntrySubmitted", on, {
            "entry_id": entry_id, "model_id": "M1", "contest_year": year,
            "title": "Bài dự thi", "unit_code": TIEN_LANG_TOWN,
            "submitted_on": on.isoformat(), "author": ""}, TIEN_LANG_TOWN)
    reporting.feed(scenario)

    def entries(period: str) -> int:
        response = reporting.client.get(f"/api/v1/reports/{period}")
        assert response.status_code == 200, response.text
        return figure_values(response.json()).get("contest_entries", 0)

    for _ in range(2):  # live, then rebuilt
        assert (entries("2023-6m"), entries("2023-12m")) == (1, 1)
        with reporting.runtime.engine.connect() as conn:
            at = utcnow()
            period = load_period(conn, reporting.runtime.store, "2023-6m", at)
            assert compute_from_chunks(reporting.state, conn, period, "31", at).content() == (
                compute_fresh(conn, period, "31", at).content())
        rebuild_and_wait(reporting.client)


# -- finding O15: an entry counts in its contest's year's data window in force --------------

#: Three models, one entry each (the indicators service takes one entry per model a year).
#: A: the 2023 contest on 10/12/2023, within 2023's data window (15/12/2022-14/12/2023).
#: B: the 2023 contest on 20/12/2023, after 2023's year-report cut-off: by default in 2024's
#:    data window, whose contest it is not, so counted in no period.
#: C: the 2024 contest on 20/12/2023, in 2024's data window by default.
O15_ENTRIES = (("E-A", "M-A", TIEN_LANG_TOWN, 2023, date(2023, 12, 10)),
               ("E-B", "M-B", DAI_THANG, 2023, date(2023, 12, 20)),
               ("E-C", "M-C", QUAN_TOAN, 2024, date(2023, 12, 20)))
#: The units a report is asked for: the city, Tiên Lãng and its two communes, Hồng Bàng.
O15_UNITS = ("31", TIEN_LANG, TIEN_LANG_TOWN, DAI_THANG, HONG_BANG)
Counts = dict[str, tuple[int, ...]]
#: Hand counts of `contest_entries` per unit of O15_UNITS. By default: 2023-12m counts A
#: (Tiên Lãng town); 2024-3m counts C (Quán Toan, Hồng Bàng); B nowhere.
DEFAULT: Counts = {"2023-9m": (0, 0, 0, 0, 0), "2023-12m": (1, 1, 1, 0, 0),
           "2024-3m": (1, 0, 0, 0, 1), "2024-6m": (1, 0, 0, 0, 1)}
#: 2023-12m's cut-off moved to 25/12: 2023's window runs to 25/12, holding A and B (both of
#: the 2023 contest; C's 20/12 is in it too, but C is the 2024 contest's); 2024's windows
#: open on 26/12, holding none of them.
MOVED: Counts = {"2023-9m": (0, 0, 0, 0, 0), "2023-12m": (2, 2, 1, 1, 0),
         "2024-3m": (0, 0, 0, 0, 0), "2024-6m": (0, 0, 0, 0, 0)}


def _o15_models() -> Events:
    events = Events()
    for _, model, unit, _, _ in O15_ENTRIES:
        events.model(model, unit, "new_rural", date(2023, 1, 10))
    return events


def _o15_entries(recorded: datetime | None = None) -> Events:
    events = Events()
    for entry_id, model, unit, year, on in O15_ENTRIES:
        events.add("indicators", "contest", entry_id, "ContestEntrySubmitted", on, {
            "entry_id": entry_id, "model_id": model, "contest_year": year,
            "title": "Bài dự thi", "unit_code": unit, "submitted_on": on.isoformat(),
            "author": ""}, unit, recorded)
    return events


def _move_year_cutoff(reporting: Reporting, cutoff: str) -> None:
    read = reporting.client.get("/api/v1/periods/2023-12m")
    moved = reporting.client.put(
        "/api/v1/periods/2023-12m", headers={"if-match": read.headers["ETag"]},
        json={"data_from": "2022-12-15", "cutoff_on": cutoff,
              "reason": "Hội nghị tổng kết lùi lịch"})
    assert moved.status_code == 200, moved.text


def _counted(reporting: Reporting, period: str, **params: str) -> tuple[int, ...]:
    """`contest_entries` of each unit of O15_UNITS, from the report JSON."""
    found = []
    for unit in O15_UNITS:
        response = reporting.client.get(f"/api/v1/reports/{period}",
                                        params={"unit": unit, **params})
        assert response.status_code == 200, response.text
        found.append(figure_values(response.json()).get("contest_entries", 0))
    return tuple(found)


def _in_tables(reporting: Reporting, period: str, unit: str) -> int:
    """The entries' row of the Excel tables of `unit` (its first number), as the Word and PDF
    documents and the dashboard render the same figures."""
    response = reporting.client.get(f"/api/v1/reports/{period}/tables.xlsx",
                                    params={"unit": unit})
    assert response.status_code == 200, response.text
    book = load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            if ENTRIES_LABEL in row:
                after = row[row.index(ENTRIES_LABEL) + 1:]
                return next(int(cell) for cell in after if isinstance(cell, int | float))
    raise AssertionError(f"no «{ENTRIES_LABEL}» row in {period}'s tables")


def _check(reporting: Reporting, expected: Counts) -> None:
    for period_id, counts in expected.items():
        assert _counted(reporting, period_id) == counts, period_id
    assert _in_tables(reporting, "2023-12m", "31") == expected["2023-12m"][0]
    assert _in_tables(reporting, "2024-3m", HONG_BANG) == expected["2024-3m"][4]
    with reporting.runtime.engine.connect() as conn:
        at = utcnow()
        for period_id in expected:
            period = load_period(conn, reporting.runtime.store, period_id, at)
            fresh = compute_fresh(conn, period, "31", at)
            assert fresh.values["31"].get("contest_entries", 0) == expected[period_id][0]
            if from_chunks_possible(read_marks(conn), period, at):
                assert compute_from_chunks(reporting.state, conn, period, "31", at).content(
                    ) == fresh.content(), period_id
        # 2024-3m counted up to each day of 15/12-31/12/2023, as while it ran: the chunk of
        # 15-21/12 less or plus the days between from the facts (`chunk_tail`), which count
        # C, the 2024 contest's, from 20/12 and never B (by default; with 2023's cut-off on
        # 25/12, 2024 opens on 26/12 and is counted from the facts).
        running = load_period(conn, reporting.runtime.store, "2024-3m", at)
        for day in range(15, 32):
            counted_on = replace(running, cutoff_on=date(2023, 12, day))
            if counted_on.data_from > counted_on.cutoff_on:
                continue
            fresh = compute_fresh(conn, counted_on, "31", at)
            hand = int(day >= 20 and expected["2024-3m"][0] == 1)
            assert fresh.values["31"].get("contest_entries", 0) == hand, day
            if from_chunks_possible(read_marks(conn), counted_on, at):
                assert compute_from_chunks(
                    reporting.state, conn, counted_on, "31", at).content() == (
                    fresh.content()), day


def test_an_entry_after_its_years_cutoff_counts_in_no_period(reporting: Reporting) -> None:
    """Finding O15: the 2023 contest's entry of 20/12/2023 was counted in 2024's reports.
    Now by default in none, the 10/12 one in 2023-12m, the 2024 contest's of 20/12/2023 in
    2024's; the same per unit, in the Excel tables, from the chunk figures and the facts,
    and after a rebuild."""
    reporting.feed(_o15_models())
    reporting.feed(_o15_entries())
    for _ in range(2):  # live, then rebuilt
        _check(reporting, DEFAULT)
        rebuild_and_wait(reporting.client)


@pytest.mark.parametrize("entries_first", [True, False])
def test_a_moved_year_cutoff_brings_the_entry_into_its_year(
    reporting: Reporting, entries_first: bool,
) -> None:
    """O15: with 2023-12m's cut-off moved to 25/12, the 20/12 entry of the 2023 contest
    counts in 2023-12m and in no 2024 report, whether the move was recorded after the
    entries arrived or before; a report as of before the move counts as by default; a
    rebuild gives the same."""
    reporting.feed(_o15_models())
    before = None
    if entries_first:
        reporting.feed(_o15_entries())
        before = utcnow().isoformat()
        _move_year_cutoff(reporting, "2023-12-25")
    else:
        _move_year_cutoff(reporting, "2023-12-25")
        reporting.feed(_o15_entries(recorded=utcnow()))
    for _ in range(2):  # live, then rebuilt
        _check(reporting, MOVED)
        if before is not None:
            for period, counts in DEFAULT.items():
                assert _counted(reporting, period, as_of=before) == counts, period
        rebuild_and_wait(reporting.client)
