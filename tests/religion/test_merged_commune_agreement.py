"""A commune merged into another (the catalogue's successions) counts for its successor from
the merger's day in both services (the brief «merged communes»): the indicators service
carried its facts to the successor while reporting put them on the unit above («Chưa gắn với
đơn vị hành chính hiện hành»), so I3 and I4 of every 2025/2026 figure differed per commune.

Hand-counted: a site of Xã Lê Lợi (11611, Huyện An Dương 312), merged on 01/01/2025 into
Thị trấn An Dương (11581: Phường Lê Lợi, then Phường An Dương), and one of Xã Nghĩa Lộ
(11920, Huyện Cát Hải 317), merged on 01/07/2025 into Đặc khu Cát Hải (11914, Thị trấn Cát Bà
before), each with a dossier lodged and a certificate issued in 2023 (I3 = sites with a
dossier / sites, I4 = sites with a certificate / sites). Before a merger each counts as its
old commune; from it, as its successor; the same in the indicators service and in reporting
(live and replayed), by both of reporting's compute paths. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from services.indicators.app import create_app as indicators_app
from services.reporting.application.figures import compute_fresh, compute_from_chunks
from services.reporting.application.reports import load_period
from services.reporting.application.state import state_of
from shared.settings import Settings
from tests.integration.helpers import runtime_of
from tests.religion.conftest import act, issue, site_body
from tests.religion.test_backdated_move import _feed
from tests.religion.test_moved_site_old_store import _envelopes, reporting_factory

__all__ = ["reporting_factory"]

LE_LOI, AN_DUONG_2025, AN_DUONG_DISTRICT = "11611", "11581", "312"
NGHIA_LO, CAT_HAI_2025, CAT_HAI_DISTRICT = "11920", "11914", "317"
CITY = "31"
Row = tuple[int, int, int, int]  # I3 numerator, denominator, I4 numerator, denominator
ONE: Row = (1, 1, 1, 1)
TWO: Row = (2, 2, 2, 2)
NONE: Row = (0, 0, 0, 0)

#: (reporting's period, its cut-off, the units compared and their hand-counted rows).
CASES: tuple[tuple[str, str, dict[str, Row]], ...] = (
    # 2024: both old communes, under their districts.
    ("2024-6m", "2024-06-14", {LE_LOI: ONE, AN_DUONG_2025: NONE, AN_DUONG_DISTRICT: ONE,
                               NGHIA_LO: ONE, CAT_HAI_2025: NONE, CAT_HAI_DISTRICT: ONE,
                               CITY: TWO}),
    # From 01/01/2025 Lê Lợi is Phường Lê Lợi's (11581, still under its district); Nghĩa Lộ
    # as it was.
    ("2025-6m", "2025-06-14", {AN_DUONG_2025: ONE, AN_DUONG_DISTRICT: ONE, NGHIA_LO: ONE,
                               CAT_HAI_2025: NONE, CAT_HAI_DISTRICT: ONE, CITY: TWO}),
    # From 01/07/2025 (no districts): Nghĩa Lộ is Đặc khu Cát Hải's.
    ("2025-9m", "2025-09-14", {AN_DUONG_2025: ONE, CAT_HAI_2025: ONE, CITY: TWO}),
    ("2026-6m", "2026-06-14", {AN_DUONG_2025: ONE, CAT_HAI_2025: ONE, CITY: TWO}),
)


@pytest.fixture
def indicators(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
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


def _sites(religion: TestClient) -> None:
    for code, commune in (("CS-LL", LE_LOI), ("CS-NL", NGHIA_LO)):
        assert religion.post("/api/v1/sites", json=site_body(
            code, commune, registered_on="2023-01-05")).status_code == 201
        for action, on in (("lodge", "2023-05-02"), ("accept", "2023-05-10")):
            assert act(religion, code, action, on).status_code in (200, 201)
        assert issue(religion, code, f"CS {code}", "2023-05-20").status_code == 201


def _indicators(client: TestClient, on: str, units: list[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for unit in units:
        parts: list[int] = []
        for indicator in ("I3", "I4"):
            shown = client.get(f"/api/v1/indicators/{on[:4]}/{indicator}",
                               params={"unit": unit, "on": on})
            assert shown.status_code == 200, shown.text
            parts += [shown.json()["unit"]["numerator"], shown.json()["unit"]["denominator"]]
        found[unit] = (parts[0], parts[1], parts[2], parts[3])
    return found


def _reporting(client: TestClient, period: str, units: list[str]) -> dict[str, Row]:
    response = client.get(f"/api/v1/reports/{period}/units")
    assert response.status_code == 200, response.text
    shown = {row["code"]: row["figures"] for row in response.json()["units"]}
    return {unit: (shown[unit]["sites_with_dossier"], shown[unit]["sites"],
                   shown[unit]["sites_with_certificate"], shown[unit]["sites"])
            for unit in units}


def test_a_merged_commune_counts_for_its_successor_in_both_services(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    _sites(religion)
    envelopes = _envelopes(religion)
    _feed(indicators, envelopes)
    live, replayed = reporting_factory("reporting-live"), reporting_factory("reporting-replay")
    for envelope in envelopes:
        _feed(live, [envelope])
    _feed(replayed, envelopes)

    for period, cutoff, expected in CASES:
        units = list(expected)
        assert _indicators(indicators, cutoff, units) == expected, period
        for reporting in (live, replayed):
            assert _reporting(reporting, period, units) == expected, period
            units_doc = reporting.get(f"/api/v1/reports/{period}/units").json()
            assert units_doc["unattributed"] == [], period  # nothing left above the communes
    # Both of reporting's compute paths (chunk figures and facts) give the same content.
    runtime = runtime_of(live)
    as_of = datetime.now(UTC)
    with runtime.engine.connect() as conn:
        for period_id, _, _ in CASES:
            loaded = load_period(conn, runtime.store, period_id, as_of)
            fast = compute_from_chunks(state_of(runtime), conn, loaded, CITY, as_of)
            slow = compute_fresh(conn, loaded, CITY, as_of)
            assert fast.content() == slow.content(), period_id
