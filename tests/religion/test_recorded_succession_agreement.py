"""A successor an official records for a merged commune moves its figures in both services
alike, as known at the recording (J15). Until now `UnitSuccessionRecorded` was read by no
service: after 2025 the commune's facts stayed on its district's line «Chưa gắn với đơn vị
hành chính hiện hành» in the indicators' figures and in reporting's reports.

Hand-counted: a site of 11788 Xã Bạch Đằng (Huyện Tiên Lãng 315), merged on 01/01/2025 with
no successor in the catalogue's data, with a dossier lodged and a certificate issued in 2023
(I3 = sites with a dossier / sites, I4 = sites with a certificate / sites). The city records
11791 (Xã Tân Minh from 01/01/2025, Xã Tiên Minh from 01/07/2025) as its successor. Before
the recording (and as of a time before it, asked after) the site counts on the district's
line in 2025-6m and on the city's in 2025-9m; after it, at Tân Minh / Tiên Minh; 2024 counts
Bạch Đằng itself either way. The same in the indicators service and in reporting (live, and
replayed from the events), by both of reporting's compute paths. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from services.reporting.application.figures import compute_fresh, compute_from_chunks
from services.reporting.application.reports import load_period
from services.reporting.application.state import state_of
from shared.envelope import EventEnvelope
from tests.integration.helpers import runtime_of
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

__all__ = ["indicators", "reporting_factory"]

BACH_DANG, TAN_MINH, TIEN_LANG, CITY = "11788", "11791", "315", "31"

#: (period, cut-off, hand-counted rows before the recording, after it).
CASES: tuple[tuple[str, str, dict[str, Row], dict[str, Row]], ...] = (
    ("2024-6m", "2024-06-14", {BACH_DANG: ONE, TAN_MINH: NONE, TIEN_LANG: ONE, CITY: ONE},
     {BACH_DANG: ONE, TAN_MINH: NONE, TIEN_LANG: ONE, CITY: ONE}),
    ("2025-6m", "2025-06-14", {TAN_MINH: NONE, TIEN_LANG: ONE, CITY: ONE},
     {TAN_MINH: ONE, TIEN_LANG: ONE, CITY: ONE}),
    ("2025-9m", "2025-09-14", {TAN_MINH: NONE, CITY: ONE}, {TAN_MINH: ONE, CITY: ONE}),
    ("2026-6m", "2026-06-14", {TAN_MINH: NONE, CITY: ONE}, {TAN_MINH: ONE, CITY: ONE}),
)
#: Where the site is on the line «Chưa gắn…» before the recording; after it, nowhere.
LINE_BEFORE = {"2024-6m": [], "2025-6m": [TIEN_LANG], "2025-9m": [CITY], "2026-6m": [CITY]}


def _site(religion: TestClient) -> None:
    assert religion.post("/api/v1/sites", json=site_body(
        "CS-BD", BACH_DANG, registered_on="2023-01-05")).status_code == 201
    for action, on in (("lodge", "2023-05-02"), ("accept", "2023-05-10")):
        assert act(religion, "CS-BD", action, on).status_code in (200, 201)
    assert issue(religion, "CS-BD", "CS BD-1", "2023-05-20").status_code == 201


def _record(indicators: TestClient) -> EventEnvelope:
    recorded = indicators.post("/api/v1/units/successions", json={
        "predecessor_code": BACH_DANG, "successor_code": TAN_MINH,
        "legal_basis": "Nghị quyết 1232/NQ-UBTVQH15"})
    assert recorded.status_code == 201, recorded.text
    [envelope] = [e for e in _envelopes(indicators)
                  if e.event_type == "UnitSuccessionRecorded"]
    return envelope


def _feed_successions(reporting: TestClient, envelopes: list[EventEnvelope]) -> None:
    consumer = next(c for c in runtime_of(reporting).consumers
                    if c.durable.endswith("successions"))
    consumer._apply(envelopes)


def _line(reporting: TestClient, period: str, as_of: str | None = None) -> list[str]:
    params = {"as_of": as_of} if as_of else {}
    units = reporting.get(f"/api/v1/reports/{period}/units", params=params)
    assert units.status_code == 200, units.text
    return sorted(row["parent"] for row in units.json()["unattributed"])


def _reporting_as_of(client: TestClient, period: str, units: list[str],
                     as_of: str) -> dict[str, Row]:
    response = client.get(f"/api/v1/reports/{period}/units", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    shown = {row["code"]: row["figures"] for row in response.json()["units"]}
    return {unit: (shown[unit]["sites_with_dossier"], shown[unit]["sites"],
                   shown[unit]["sites_with_certificate"], shown[unit]["sites"])
            for unit in units}


def _indicators_as_of(client: TestClient, on: str, units: list[str],
                      as_of: str) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for unit in units:
        parts: list[int] = []
        for indicator in ("I3", "I4"):
            shown = client.get(f"/api/v1/indicators/{on[:4]}/{indicator}",
                               params={"unit": unit, "on": on, "as_of": as_of})
            assert shown.status_code == 200, shown.text
            parts += [shown.json()["unit"]["numerator"], shown.json()["unit"]["denominator"]]
        found[unit] = (parts[0], parts[1], parts[2], parts[3])
    return found


def test_a_recorded_successor_moves_the_figures_in_both_services_as_known_at_it(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    _site(religion)
    facts = _envelopes(religion)
    _feed(indicators, facts)
    live = reporting_factory("reporting-live")
    _feed(live, facts)

    # Before any recording: the district's (then the city's) line, in both services.
    for period, cutoff, before, _ in CASES:
        assert _indicators(indicators, cutoff, list(before)) == before, period
        assert _reporting(live, period, list(before)) == before, period
        assert _line(live, period) == LINE_BEFORE[period], period

    succession = _record(indicators)
    _feed_successions(live, [succession])
    replayed = reporting_factory("reporting-replay")
    _feed(replayed, facts)
    _feed_successions(replayed, [succession])
    just_before = (succession.recorded_at - timedelta(microseconds=1)).astimezone(UTC)
    earlier = just_before.isoformat()

    for period, cutoff, before, after in CASES:
        assert _indicators(indicators, cutoff, list(after)) == after, period
        assert _indicators_as_of(indicators, cutoff, list(before), earlier) == before, period
        for reporting in (live, replayed):
            assert _reporting(reporting, period, list(after)) == after, period
            assert _line(reporting, period) == [], period
            # As of a time before the recording: the placement then.
            assert _reporting_as_of(reporting, period, list(before), earlier) == before, period
            assert _line(reporting, period, earlier) == LINE_BEFORE[period], period
    # Replayed: the same document, as of now and as of before the recording.
    for period, _, _, _ in CASES:
        for params in ({}, {"as_of": earlier}):
            docs = [r.get(f"/api/v1/reports/{period}/units", params=params).json()
                    for r in (live, replayed)]
            assert docs[0]["units"] == docs[1]["units"], period
            assert docs[0]["unattributed"] == docs[1]["unattributed"], period
    # Both of reporting's compute paths give the same content, after the recording.
    runtime = runtime_of(live)
    as_of = datetime.now(UTC)
    with runtime.engine.connect() as conn:
        for period_id, _, _, _ in CASES:
            loaded = load_period(conn, runtime.store, period_id, as_of)
            fast = compute_from_chunks(state_of(runtime), conn, loaded, CITY, as_of)
            slow = compute_fresh(conn, loaded, CITY, as_of)
            assert fast.content() == slow.content(), period_id
            assert slow.indicators[TAN_MINH]["I3"].numerator == (
                0 if period_id == "2024-6m" else 1), period_id

