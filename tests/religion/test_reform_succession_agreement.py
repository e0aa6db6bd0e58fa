"""A successor recorded for a commune the 2025 reform merged moves its figures in both
services alike (finding M2). 11758 Xã Đại Thắng (Huyện Tiên Lãng 315) ceased on 01/07/2025;
the data shows no successor, and until now it was on no worklist and its recording was
refused, so its facts stayed on the city's line «Chưa gắn với đơn vị hành chính hiện hành»
in every report from 2025-9m on.

Hand-counted: a site of Đại Thắng with a dossier lodged and a certificate issued in 2024
(I3 = sites with a dossier / sites, I4 = sites with a certificate / sites). The city records
11761 (Xã Tiên Cường until 30/06/2025, Xã Quyết Thắng from 01/07/2025, Nghị quyết
1669/NQ-UBTVQH15) as its successor. 2025-6m counts Đại Thắng itself either way; from 2025-9m
on the site is on the city's line before the recording and at Quyết Thắng after it, in the
indicators service and in reporting (live, and replayed from the events). SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta

from fastapi.testclient import TestClient

from shared.envelope import EventEnvelope
from tests.religion.conftest import act, issue, site_body
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
    _reporting_as_of,
)

__all__ = ["indicators", "reporting_factory"]

DAI_THANG, QUYET_THANG, TIEN_LANG, CITY = "11758", "11761", "315", "31"

#: (period, cut-off, hand-counted rows before the recording, after it).
CASES: tuple[tuple[str, str, dict[str, Row], dict[str, Row]], ...] = (
    ("2025-6m", "2025-06-14", {DAI_THANG: ONE, QUYET_THANG: NONE, TIEN_LANG: ONE, CITY: ONE},
     {DAI_THANG: ONE, QUYET_THANG: NONE, TIEN_LANG: ONE, CITY: ONE}),
    ("2025-9m", "2025-09-14", {QUYET_THANG: NONE, CITY: ONE}, {QUYET_THANG: ONE, CITY: ONE}),
    ("2025-12m", "2025-12-14", {QUYET_THANG: NONE, CITY: ONE}, {QUYET_THANG: ONE, CITY: ONE}),
    ("2026-6m", "2026-06-14", {QUYET_THANG: NONE, CITY: ONE}, {QUYET_THANG: ONE, CITY: ONE}),
)
#: Where the site is on the line «Chưa gắn…» before the recording; after it, nowhere.
LINE_BEFORE = {"2025-6m": [], "2025-9m": [CITY], "2025-12m": [CITY], "2026-6m": [CITY]}


def _site(religion: TestClient) -> None:
    assert religion.post("/api/v1/sites", json=site_body(
        "CS-DT", DAI_THANG, registered_on="2024-01-05")).status_code == 201
    for action, on in (("lodge", "2024-05-02"), ("accept", "2024-05-10")):
        assert act(religion, "CS-DT", action, on).status_code in (200, 201)
    assert issue(religion, "CS-DT", "CS DT-1", "2024-05-20").status_code == 201


def _record(indicators: TestClient) -> EventEnvelope:
    recorded = indicators.post("/api/v1/units/successions", json={
        "predecessor_code": DAI_THANG, "successor_code": QUYET_THANG,
        "legal_basis": "Nghị quyết 1669/NQ-UBTVQH15"})
    assert recorded.status_code == 201, recorded.text
    [envelope] = [e for e in _envelopes(indicators)
                  if e.event_type == "UnitSuccessionRecorded"]
    return envelope


def test_a_successor_recorded_for_a_commune_the_reform_merged_moves_its_figures(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    _site(religion)
    facts = _envelopes(religion)
    _feed(indicators, facts)
    live = reporting_factory("reporting-live")
    _feed(live, facts)

    for period, cutoff, before, _ in CASES:
        assert _indicators(indicators, cutoff, list(before)) == before, period
        assert _reporting(live, period, list(before)) == before, period
        assert _line(live, period) == LINE_BEFORE[period], period

    succession = _record(indicators)
    _feed_successions(live, [succession])
    replayed = reporting_factory("reporting-replay")
    _feed(replayed, facts)
    _feed_successions(replayed, [succession])
    earlier = (succession.recorded_at - timedelta(microseconds=1)).astimezone(UTC).isoformat()

    for period, cutoff, before, after in CASES:
        assert _indicators(indicators, cutoff, list(after)) == after, period
        assert _indicators_as_of(indicators, cutoff, list(before), earlier) == before, period
        for reporting in (live, replayed):
            assert _reporting(reporting, period, list(after)) == after, period
            assert _line(reporting, period) == [], period
            assert _reporting_as_of(reporting, period, list(before), earlier) == before, period
            assert _line(reporting, period, earlier) == LINE_BEFORE[period], period
    for period, _, _, _ in CASES:
        docs = [r.get(f"/api/v1/reports/{period}/units").json() for r in (live, replayed)]
        assert docs[0]["units"] == docs[1]["units"], period
        assert docs[0]["unattributed"] == docs[1]["unattributed"], period
