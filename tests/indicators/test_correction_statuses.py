"""A correction that moves a fact out of its year announces the statuses of the year it
left (examiner-figures F2). The live evaluation re-evaluated the definitions whose period
ends on or after the event's business date, and a correction's is the fact's right day: a
lodging moved from 01/05/2023 to 01/02/2024, a session from 10/12/2023 to 10/01/2024, a head's
taking office from 2020 to 2024 left 2023's figures lower with no announcement (its status
history kept «đạt» while every read said «chưa đạt») until a rebuild found it, dated the
rebuild's. Every correction is now evaluated from the earlier of its fact's two days. SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.envelope import EventEnvelope
from shared.runtime import ServiceRuntime
from tests.indicators.conftest import apply, status_events_in
from tests.indicators.scenario import Events

TIEN_LANG_TOWN = "11755"
LATER = datetime(2024, 2, 20, 3, tzinfo=UTC)  # the corrections are typed in 2024


def _last(runtime: ServiceRuntime, key: str) -> tuple[str | None, str, str | None]:
    events = [e for e in status_events_in(runtime) if e["key"] == key]
    return events[-1]["previous_status"], events[-1]["status"], events[-1]["causation_id"]


def test_a_lodging_moved_into_the_next_year_announces_the_year_it_left(
    runtime: ServiceRuntime,
) -> None:
    ev = Events()
    lodged = ev.dossier("S1", "LandDossierLodged", date(2023, 5, 1))
    apply(runtime, [ev.site("S1", TIEN_LANG_TOWN, date(2023, 1, 5)), lodged])
    # 1 of the commune's 1 site by the end of 2023: «đạt» (≥ 40 %).
    assert _last(runtime, f"I3-2023@{TIEN_LANG_TOWN}")[1] == "dat"
    moved: EventEnvelope = ev.event("religion", "dossier", "S1", "DossierStepCorrected", {
        "site_code": "S1", "corrected_type": "LandDossierLodged", "state": "lodged",
        "acted_on": "2024-02-01", "note": "", "document_refs": [],
        "corrects": str(lodged.event_id), "corrected_version": lodged.aggregate_version,
        "reason": "Ghi nhầm năm", "void": False,
    }, date(2024, 2, 1), recorded_at=LATER)
    apply(runtime, [moved])
    assert _last(runtime, f"I3-2023@{TIEN_LANG_TOWN}") == ("dat", "chua_dat",
                                                          str(moved.event_id))


def test_a_session_moved_out_of_the_year_announces_the_year_it_left(
    runtime: ServiceRuntime,
) -> None:
    ev = Events()
    apply(runtime, [
        ev.rule("commune", 2, date(2015, 1, 27)),
        ev.head("H1", TIEN_LANG_TOWN, date(2020, 1, 1)),
        ev.session("S1", TIEN_LANG_TOWN, ["H1"], date(2023, 3, 1)),
        ev.session("S2", TIEN_LANG_TOWN, ["H1"], date(2023, 12, 10)),
    ])
    key = f"I2-2023@{TIEN_LANG_TOWN}"
    assert _last(runtime, key)[1] == "dat"  # 2 held of the 2 owed over 2023's window
    moved = ev.session_corrected("S2", TIEN_LANG_TOWN, (date(2023, 12, 10), ["H1"]),
                                 (date(2024, 1, 10), ["H1"]), recorded_at=LATER)
    apply(runtime, [moved])
    assert _last(runtime, key) == ("dat", "chua_dat", str(moved.event_id))

    # Back in 2023: announced as before (the day it comes back to is the earlier).
    back = ev.session_corrected("S2", TIEN_LANG_TOWN, (date(2024, 1, 10), ["H1"]),
                                (date(2023, 12, 10), ["H1"]), recorded_at=LATER)
    apply(runtime, [back])
    assert _last(runtime, key) == ("chua_dat", "dat", str(back.event_id))


def test_a_head_whose_term_is_corrected_into_the_next_year_leaves_its_count(
    runtime: ServiceRuntime,
) -> None:
    ev = Events()
    apply(runtime, [
        ev.rule("commune", 2, date(2015, 1, 27)),
        ev.head("H1", TIEN_LANG_TOWN, date(2020, 1, 1), role="people_committee_chair"),
        ev.head("H2", TIEN_LANG_TOWN, date(2020, 1, 1)),
        ev.session("S1", TIEN_LANG_TOWN, ["H1"], date(2023, 3, 1)),
        ev.session("S2", TIEN_LANG_TOWN, ["H1"], date(2023, 6, 1)),
    ])
    key = f"I2-2023@{TIEN_LANG_TOWN}"
    assert _last(runtime, key)[1] == "chua_dat"  # H2 held none: 1 of 2 heads
    corrected = ev.took_office_corrected("H2", TIEN_LANG_TOWN, date(2020, 1, 1),
                                         date(2024, 1, 15), recorded_at=LATER)
    apply(runtime, [corrected])
    # H2 took office in 2024: 2023 counts H1 alone, who held both sessions owed.
    assert _last(runtime, key) == ("chua_dat", "dat", str(corrected.event_id))
