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
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from services.reporting.application.figures import compute_fresh, compute_from_chunks
from services.reporting.application.reports import load_period
from services.reporting.application.state import state_of
from shared.envelope import EventEnvelope
from tests.indicators.conftest import status_events_in
from tests.integration.helpers import runtime_of
from tests.religion.test_backdated_move import _feed
from tests.religion.test_merged_commune_agreement import (
    NONE,
    ONE,
    Row,
    _indicators,
    _reporting,
    indicators,
)
from tests.religion.test_moved_site_old_store import _envelopes, reporting_factory
from tests.religion.test_recorded_succession_agreement import (
    _feed_successions,
    _indicators_as_of,
    _line,
    _record,
    _reporting_as_of,
    _site,
)

__all__ = ["indicators", "reporting_factory"]

BACH_DANG, TAN_MINH, TIEN_CUONG, TIEN_LANG, CITY = "11788", "11791", "11761", "315", "31"

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


def _correct(indicators: TestClient) -> EventEnvelope:
    url = f"/api/v1/units/successions/{BACH_DANG}"
    etag = indicators.get(url).headers["etag"]
    corrected = indicators.post(f"{url}/corrections", headers={"If-Match": etag}, json={
        "successor_code": TIEN_CUONG, "reason": "Ghi nhầm xã kế thừa"})
    assert corrected.status_code == 200, corrected.text
    [envelope] = [e for e in _envelopes(indicators)
                  if e.event_type == "UnitSuccessionCorrected"]
    return envelope


def _moment_before(envelope: EventEnvelope) -> str:
    return (envelope.recorded_at - timedelta(microseconds=1)).astimezone(UTC).isoformat()


def test_a_corrected_successor_moves_the_figures_in_both_services_as_known_at_it(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    _site(religion)
    facts = _envelopes(religion)
    _feed(indicators, facts)
    live = reporting_factory("reporting-live")
    _feed(live, facts)
    for period, cutoff, before, _, _ in CASES:
        assert _indicators(indicators, cutoff, list(before)) == before, period
        assert _reporting(live, period, list(before)) == before, period

    recording = _record(indicators)
    _feed_successions(live, [recording])
    for period, cutoff, _, recorded, _ in CASES:
        assert _indicators(indicators, cutoff, list(recorded)) == recorded, period
        assert _reporting(live, period, list(recorded)) == recorded, period

    correction = _correct(indicators)
    _feed_successions(live, [correction])
    replayed = reporting_factory("reporting-replay")
    _feed(replayed, facts)
    _feed_successions(replayed, [recording, correction])
    before_recording, before_correction = _moment_before(recording), _moment_before(correction)

    for period, cutoff, before, recorded, corrected in CASES:
        assert _indicators(indicators, cutoff, list(corrected)) == corrected, period
        assert _indicators_as_of(indicators, cutoff, list(recorded),
                                 before_correction) == recorded, period
        assert _indicators_as_of(indicators, cutoff, list(before),
                                 before_recording) == before, period
        for reporting in (live, replayed):
            assert _reporting(reporting, period, list(corrected)) == corrected, period
            assert _line(reporting, period) == [], period
            assert _reporting_as_of(reporting, period, list(recorded),
                                    before_correction) == recorded, period
            assert _line(reporting, period, before_correction) == [], period
            assert _reporting_as_of(reporting, period, list(before),
                                    before_recording) == before, period
            assert _line(reporting, period, before_recording) == LINE_BEFORE[period], period
    # Replayed: the same document, as of now, before the correction, before the recording.
    for period, _, _, _, _ in CASES:
        for params in ({}, {"as_of": before_correction}, {"as_of": before_recording}):
            docs = [r.get(f"/api/v1/reports/{period}/units", params=params).json()
                    for r in (live, replayed)]
            assert docs[0]["units"] == docs[1]["units"], (period, params)
            assert docs[0]["unattributed"] == docs[1]["unattributed"], (period, params)
    # Both of reporting's compute paths give the same content, after the correction.
    runtime = runtime_of(live)
    as_of = datetime.now(UTC)
    with runtime.engine.connect() as conn:
        for period_id, _, _, _, _ in CASES:
            loaded = load_period(conn, runtime.store, period_id, as_of)
            fast = compute_from_chunks(state_of(runtime), conn, loaded, CITY, as_of)
            slow = compute_fresh(conn, loaded, CITY, as_of)
            assert fast.content() == slow.content(), period_id
            assert slow.indicators[TIEN_CUONG]["I3"].numerator == (
                0 if period_id == "2024-6m" else 1), period_id
            assert slow.indicators[TAN_MINH]["I3"].numerator == 0, period_id


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
    _site(religion)
    _feed(indicators, _envelopes(religion))
    assert _announced(indicators, TAN_MINH) == _announced(indicators, TIEN_CUONG) == {}
    moved = {f"{indicator}-{year}@{{unit}}" for indicator in ("I3", "I4")
             for year in (2025, 2026)}

    _record(indicators)
    assert _announced(indicators, TAN_MINH) == {
        key.format(unit=TAN_MINH): "UnitSuccessionRecorded" for key in moved}
    _correct(indicators)
    assert _announced(indicators, TIEN_CUONG) == {
        key.format(unit=TIEN_CUONG): "UnitSuccessionCorrected" for key in moved}
