"""A corrected successor moves the figures in both services alike, as known at the correction
(J15's remainder). The city records 11791 Xã Tân Minh as the successor of 11788 Xã Bạch Đằng
(merged on 01/01/2025, no successor in the catalogue's data), then corrects it to 11761 Xã
Tiên Cường (of Tiên Lãng until 01/07/2025, then of the city, its code kept).

Hand-counted, a site of Bạch Đằng with a dossier and a certificate of 2023 (I3, I4 rows as in
test_recorded_succession_agreement): 2024 counts Bạch Đằng itself whatever is recorded; from
2025 the site counts at Tân Minh as of a time between the recording and the correction, and
at Tiên Cường from the correction on; as of before the recording, on the district's (then the
city's) line. The same in the indicators service and in reporting, live and replayed from the
events, by both of reporting's compute paths. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.indicators.conftest import status_events_in
from tests.integration.helpers import runtime_of
from tests.religion.test_backdated_move import _feed
from tests.religion.test_moved_site_old_store import _envelopes, reporting_factory
from tests.successions import (
    BACH_DANG,
    CITY,
    NONE,
    ONE,
    TAN_MINH,
    TIEN_CUONG,
    TIEN_LANG,
    Row,
    assert_placed,
    assert_replayed_alike,
    computed_alike,
    correct,
    feed_facts,
    feed_successions,
    indicators,
    moment_before,
    record,
    replay,
    site_with_papers,
)

__all__ = ["indicators", "reporting_factory"]

#: (period, cut-off, hand-counted rows before the recording, after it, after the correction).
CASES: tuple[tuple[str, str, dict[str, Row], dict[str, Row], dict[str, Row]], ...] = (
    ("2024-6m", "2024-06-14",
     {BACH_DANG: ONE, TAN_MINH: NONE, TIEN_CUONG: NONE, TIEN_LANG: ONE, CITY: ONE},
     {BACH_DANG: ONE, TAN_MINH: NONE, TIEN_CUONG: NONE, TIEN_LANG: ONE, CITY: ONE},
     {BACH_DANG: ONE, TAN_MINH: NONE, TIEN_CUONG: NONE, TIEN_LANG: ONE, CITY: ONE}),
    ("2025-6m", "2025-06-14",
     {TAN_MINH: NONE, TIEN_CUONG: NONE, TIEN_LANG: ONE, CITY: ONE},
     {TAN_MINH: ONE, TIEN_CUONG: NONE, TIEN_LANG: ONE, CITY: ONE},
     {TAN_MINH: NONE, TIEN_CUONG: ONE, TIEN_LANG: ONE, CITY: ONE}),
    ("2025-9m", "2025-09-14",
     {TAN_MINH: NONE, TIEN_CUONG: NONE, CITY: ONE},
     {TAN_MINH: ONE, TIEN_CUONG: NONE, CITY: ONE},
     {TAN_MINH: NONE, TIEN_CUONG: ONE, CITY: ONE}),
    ("2026-6m", "2026-06-14",
     {TAN_MINH: NONE, TIEN_CUONG: NONE, CITY: ONE},
     {TAN_MINH: ONE, TIEN_CUONG: NONE, CITY: ONE},
     {TAN_MINH: NONE, TIEN_CUONG: ONE, CITY: ONE}),
)
#: Where the site is on the line «Chưa gắn…» before the recording; after it, nowhere.
LINE_BEFORE = {"2024-6m": [], "2025-6m": [TIEN_LANG], "2025-9m": [CITY], "2026-6m": [CITY]}


def test_a_corrected_successor_moves_the_figures_in_both_services_as_known_at_it(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    site_with_papers(religion, "CS-BD", BACH_DANG, 2023)
    facts, live = feed_facts(religion, indicators, reporting_factory)
    for period, cutoff, before, _, _ in CASES:
        assert_placed(indicators, [live], period, cutoff, before, LINE_BEFORE[period])

    recording = record(indicators)
    feed_successions(live, [recording])
    for period, cutoff, _, recorded, _ in CASES:
        assert_placed(indicators, [live], period, cutoff, recorded, [])

    correction = correct(indicators)
    feed_successions(live, [correction])
    replayed = replay(reporting_factory, facts, [recording, correction])
    before_recording, before_correction = moment_before(recording), moment_before(correction)

    for period, cutoff, before, recorded, corrected in CASES:
        both = [live, replayed]
        assert_placed(indicators, both, period, cutoff, corrected, [])
        assert_placed(indicators, both, period, cutoff, recorded, [], as_of=before_correction)
        assert_placed(indicators, both, period, cutoff, before, LINE_BEFORE[period],
                      as_of=before_recording)
    # Replayed: the same document, as of now, before the correction, before the recording.
    periods = [period for period, _, _, _, _ in CASES]
    assert_replayed_alike(live, replayed, periods, (None, before_correction, before_recording))
    # Both of reporting's compute paths give the same content, after the correction.
    for period_id, figures in computed_alike(live, periods).items():
        assert figures.indicators[TIEN_CUONG]["I3"].numerator == (
            0 if period_id == "2024-6m" else 1), period_id
        assert figures.indicators[TAN_MINH]["I3"].numerator == 0, period_id


def _announced(indicators: TestClient, unit: str) -> dict[str, str]:
    """The causes of the status announcements of `unit`, by status key (I3-2025@11791)."""
    return {event["key"]: event["cause"] for event in status_events_in(runtime_of(indicators))
            if event["unit_code"] == unit}


def test_the_statuses_the_recording_and_the_correction_move_are_announced_at_once(
    religion: TestClient, indicators: TestClient,
) -> None:
    """The indicators service announced no status of the successor when a successor was
    recorded: its figures moved, its status was announced only at the next hourly sweep, and
    never for an ended period (2025). Now the recording, then the correction, announce the
    statuses they move: I3 and I4 of 2025 and 2026 at 11791 Tân Minh, then at 11761 Tiên
    Cường; 2024 counts Bạch Đằng itself and moves nowhere."""
    site_with_papers(religion, "CS-BD", BACH_DANG, 2023)
    _feed(indicators, _envelopes(religion))
    assert _announced(indicators, TAN_MINH) == _announced(indicators, TIEN_CUONG) == {}
    moved = {f"{indicator}-{year}@{{unit}}" for indicator in ("I3", "I4")
             for year in (2025, 2026)}

    record(indicators)
    assert _announced(indicators, TAN_MINH) == {
        key.format(unit=TAN_MINH): "UnitSuccessionRecorded" for key in moved}
    correct(indicators)
    assert _announced(indicators, TIEN_CUONG) == {
        key.format(unit=TIEN_CUONG): "UnitSuccessionCorrected" for key in moved}
