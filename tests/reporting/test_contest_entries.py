"""A contest entry counts in a period of its own contest's year (finding K12, the kernel's
`shared.planrules.entry_in_contest_year`): an entry of the 2025 contest stored dated 2023
(before the indicators service refused it) counts in no 2023 report, from the chunk figures
and the facts alike, live and after a rebuild; the 2023 contest's entry counts."""

from __future__ import annotations

from datetime import date

from services.reporting.application.figures import compute_fresh, compute_from_chunks
from services.reporting.application.reports import load_period
from shared.envelope import utcnow
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import TIEN_LANG_TOWN, two_quarter_scenario


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
