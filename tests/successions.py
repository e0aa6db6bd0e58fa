"""The one scenario of a merged commune's successor that the services' agreement tests share
(J15, M2, M6): a site of a commune that ceased with no successor in the catalogue's data, an
official's recording (then correction) of its successor on the indicators service, and the
checks that the indicators' figures, reporting's reports (live and replayed) and the lists of
religion and dialogue place it alike, as known at each moment.

Written once here so that every service's test reads the same scenario: the recorded,
corrected and reform agreements (tests/religion), the successor lists (tests/religion,
tests/dialogue) and the catalogue's own mergers (test_merged_commune_agreement).

Hand-counted rows are `Row`s: I3 numerator, denominator, I4 numerator, denominator."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from services.indicators.app import create_app as indicators_app
from services.reporting.application.figures import compute_fresh, compute_from_chunks
from services.reporting.application.report_figures import Figures
from services.reporting.application.reports import load_period
from services.reporting.application.state import state_of
from shared.envelope import EventEnvelope
from shared.settings import Settings
from tests.integration.helpers import runtime_of
from tests.religion.conftest import act, issue, site_body
from tests.religion.test_backdated_move import _feed
from tests.religion.test_moved_site_old_store import _envelopes

# 11788 Xã Bạch Đằng (Huyện Tiên Lãng 315) ceased on 01/01/2025 with no successor in the data;
# 11791 is Xã Tân Minh from then (Xã Tiên Minh from 01/07/2025); 11761 Xã Tiên Cường (of
# Tiên Lãng until 01/07/2025, then of the city, its code kept).
BACH_DANG, TAN_MINH, TIEN_CUONG, TIEN_LANG, CITY = "11788", "11791", "11761", "315", "31"
BACH_DANG_BASIS = "Nghị quyết 1232/NQ-UBTVQH15"

Row = tuple[int, int, int, int]  # I3 numerator, denominator, I4 numerator, denominator
ONE: Row = (1, 1, 1, 1)
TWO: Row = (2, 2, 2, 2)
NONE: Row = (0, 0, 0, 0)
#: A period of a recording's scenario: (period, cut-off, hand-counted rows before the
#: recording, after it).
Case = tuple[str, str, dict[str, Row], dict[str, Row]]


@pytest.fixture
def indicators(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    """The indicators service (no lifespan) with I3 and I4 defined for 2024 to 2026."""
    client = TestClient(indicators_app(settings_factory("indicators")),
                        headers={"X-Actor": "can-bo-ban-dan-van"})
    runtime_of(client).create_schema()
    for year in (2024, 2025, 2026):
        for indicator, method, target in (("I3", "sites_with_dossier", 40),
                                          ("I4", "sites_with_certificate", 10)):
            defined = client.post("/api/v1/indicators", json={
                "indicator_id": indicator, "year": year, "name": f"{indicator} năm {year}",
                "method": method, "target": target})
            assert defined.status_code in (200, 201), defined.text
    yield client
    runtime_of(client).engine.dispose()


def site_with_papers(religion: TestClient, code: str, commune: str, year: int) -> None:
    """A site of `commune` registered on 05/01 of `year`, its dossier lodged and accepted in
    May and a certificate issued on 20/05: one in I3's and I4's rows alike (`ONE`)."""
    assert religion.post("/api/v1/sites", json=site_body(
        code, commune, registered_on=f"{year}-01-05")).status_code == 201
    for action, on in (("lodge", f"{year}-05-02"), ("accept", f"{year}-05-10")):
        assert act(religion, code, action, on).status_code in (200, 201)
    assert issue(religion, code, f"CS {code}", f"{year}-05-20").status_code == 201


def record(indicators: TestClient, predecessor: str = BACH_DANG, successor: str = TAN_MINH,
           legal_basis: str = BACH_DANG_BASIS) -> EventEnvelope:
    """The city records `successor` for `predecessor`: its `UnitSuccessionRecorded`."""
    recorded = indicators.post("/api/v1/units/successions", json={
        "predecessor_code": predecessor, "successor_code": successor,
        "legal_basis": legal_basis})
    assert recorded.status_code == 201, recorded.text
    [envelope] = [e for e in _envelopes(indicators)
                  if e.event_type == "UnitSuccessionRecorded"]
    return envelope


def correct(indicators: TestClient, predecessor: str = BACH_DANG,
            successor: str = TIEN_CUONG) -> EventEnvelope:
    """The city corrects the recorded successor: its `UnitSuccessionCorrected`."""
    url = f"/api/v1/units/successions/{predecessor}"
    etag = indicators.get(url).headers["etag"]
    corrected = indicators.post(f"{url}/corrections", headers={"If-Match": etag}, json={
        "successor_code": successor, "reason": "Ghi nhầm xã kế thừa"})
    assert corrected.status_code == 200, corrected.text
    [envelope] = [e for e in _envelopes(indicators)
                  if e.event_type == "UnitSuccessionCorrected"]
    return envelope


def feed_successions(client: TestClient, envelopes: list[EventEnvelope]) -> None:
    """The recordings into a service's successions consumer, as NATS would deliver them."""
    consumer = next(c for c in runtime_of(client).consumers
                    if c.durable.endswith("successions"))
    consumer._apply(envelopes)


def moment_before(envelope: EventEnvelope) -> str:
    """The last moment before `envelope` was recorded, as an `as_of` parameter."""
    return (envelope.recorded_at - timedelta(microseconds=1)).astimezone(UTC).isoformat()


def indicator_rows(client: TestClient, on: str, units: Iterable[str],
                   as_of: str | None = None) -> dict[str, Row]:
    """I3's and I4's figures of each unit on `on` (as known at `as_of`; None: now)."""
    found: dict[str, Row] = {}
    for unit in units:
        parts: list[int] = []
        for indicator in ("I3", "I4"):
            params = {"unit": unit, "on": on, **({"as_of": as_of} if as_of else {})}
            shown = client.get(f"/api/v1/indicators/{on[:4]}/{indicator}", params=params)
            assert shown.status_code == 200, shown.text
            parts += [shown.json()["unit"]["numerator"], shown.json()["unit"]["denominator"]]
        found[unit] = (parts[0], parts[1], parts[2], parts[3])
    return found


def report_rows(client: TestClient, period: str, units: Iterable[str],
                as_of: str | None = None) -> dict[str, Row]:
    """The same of reporting's units document of `period` (sites with a dossier, with a
    certificate, over sites)."""
    response = client.get(f"/api/v1/reports/{period}/units",
                          params={"as_of": as_of} if as_of else {})
    assert response.status_code == 200, response.text
    shown = {row["code"]: row["figures"] for row in response.json()["units"]}
    return {unit: (shown[unit]["sites_with_dossier"], shown[unit]["sites"],
                   shown[unit]["sites_with_certificate"], shown[unit]["sites"])
            for unit in units}


def unattributed(client: TestClient, period: str, as_of: str | None = None) -> list[str]:
    """The units whose line «Chưa gắn với đơn vị hành chính hiện hành» holds something."""
    units = client.get(f"/api/v1/reports/{period}/units",
                       params={"as_of": as_of} if as_of else {})
    assert units.status_code == 200, units.text
    return sorted(row["parent"] for row in units.json()["unattributed"])


def assert_placed(indicators: TestClient, reportings: Sequence[TestClient], period: str,
                  cutoff: str, rows: dict[str, Row], line: list[str],
                  as_of: str | None = None) -> None:
    """Both services count the hand-counted `rows` in `period` (the indicators' figures on its
    `cutoff`), and reporting's line «Chưa gắn…» is held at `line`, as known at `as_of`."""
    assert indicator_rows(indicators, cutoff, rows, as_of) == rows, (period, as_of)
    for reporting in reportings:
        assert report_rows(reporting, period, rows, as_of) == rows, (period, as_of)
        assert unattributed(reporting, period, as_of) == line, (period, as_of)


def assert_replayed_alike(live: TestClient, replayed: TestClient, periods: Iterable[str],
                          as_ofs: Sequence[str | None] = (None,)) -> None:
    """A reporting replayed from the events gives the live one's units documents."""
    for period in periods:
        for as_of in as_ofs:
            params = {"as_of": as_of} if as_of else {}
            docs = [r.get(f"/api/v1/reports/{period}/units", params=params).json()
                    for r in (live, replayed)]
            assert docs[0]["units"] == docs[1]["units"], (period, as_of)
            assert docs[0]["unattributed"] == docs[1]["unattributed"], (period, as_of)


def computed_alike(reporting: TestClient, periods: Iterable[str]) -> dict[str, Figures]:
    """Both of reporting's compute paths (chunk figures and facts) give the same content for
    the city, as of now: the figures of each period, for a test's own checks."""
    runtime = runtime_of(reporting)
    as_of = datetime.now(UTC)
    found: dict[str, Figures] = {}
    with runtime.engine.connect() as conn:
        for period_id in periods:
            loaded = load_period(conn, runtime.store, period_id, as_of)
            fast = compute_from_chunks(state_of(runtime), conn, loaded, CITY, as_of)
            slow = compute_fresh(conn, loaded, CITY, as_of)
            assert fast.content() == slow.content(), period_id
            found[period_id] = slow
    return found


def feed_facts(religion: TestClient, indicators: TestClient,
               reporting_factory: Callable[[str], TestClient]
               ) -> tuple[list[EventEnvelope], TestClient]:
    """Religion's events so far into the indicators service and a live reporting: the events
    (for a replay) and that reporting."""
    facts = _envelopes(religion)
    _feed(indicators, facts)
    live = reporting_factory("reporting-live")
    _feed(live, facts)
    return facts, live


def replay(reporting_factory: Callable[[str], TestClient], facts: list[EventEnvelope],
           successions: list[EventEnvelope]) -> TestClient:
    """A reporting filled from the events alone, as a rebuild would."""
    replayed = reporting_factory("reporting-replay")
    _feed(replayed, facts)
    feed_successions(replayed, successions)
    return replayed


def assert_recording_followed(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient], cases: Sequence[Case],
    line_before: dict[str, list[str]], predecessor: str = BACH_DANG,
    successor: str = TAN_MINH, legal_basis: str = BACH_DANG_BASIS,
) -> tuple[TestClient, TestClient, str]:
    """The recording's scenario over the sites religion holds: before the recording, both
    services count each case's `before` rows, reporting's line «Chưa gắn…» at `line_before`;
    after it, the `after` rows and nothing on the line, in a live reporting and in one
    replayed; as of a moment before it, asked after, the `before` rows and line again.
    Returns the live and the replayed reporting and that moment."""
    facts, live = feed_facts(religion, indicators, reporting_factory)
    for period, cutoff, before, _ in cases:
        assert_placed(indicators, [live], period, cutoff, before, line_before[period])

    succession = record(indicators, predecessor, successor, legal_basis)
    feed_successions(live, [succession])
    replayed = replay(reporting_factory, facts, [succession])
    earlier = moment_before(succession)
    for period, cutoff, before, after in cases:
        assert_placed(indicators, [live, replayed], period, cutoff, after, [])
        assert_placed(indicators, [live, replayed], period, cutoff, before, line_before[period],
                      as_of=earlier)
    return live, replayed, earlier
