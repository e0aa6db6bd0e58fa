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

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.religion.test_backdated_move import _feed
from tests.religion.test_moved_site_old_store import _envelopes, reporting_factory
from tests.successions import (
    CITY,
    NONE,
    ONE,
    TWO,
    Row,
    computed_alike,
    indicator_rows,
    indicators,
    report_rows,
    site_with_papers,
)

__all__ = ["indicators", "reporting_factory"]

LE_LOI, AN_DUONG_2025, AN_DUONG_DISTRICT = "11611", "11581", "312"
NGHIA_LO, CAT_HAI_2025, CAT_HAI_DISTRICT = "11920", "11914", "317"

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


def test_a_merged_commune_counts_for_its_successor_in_both_services(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    for code, commune in (("CS-LL", LE_LOI), ("CS-NL", NGHIA_LO)):
        site_with_papers(religion, code, commune, 2023)
    envelopes = _envelopes(religion)
    _feed(indicators, envelopes)
    live, replayed = reporting_factory("reporting-live"), reporting_factory("reporting-replay")
    for envelope in envelopes:
        _feed(live, [envelope])
    _feed(replayed, envelopes)

    for period, cutoff, expected in CASES:
        units = list(expected)
        assert indicator_rows(indicators, cutoff, units) == expected, period
        for reporting in (live, replayed):
            assert report_rows(reporting, period, units) == expected, period
            units_doc = reporting.get(f"/api/v1/reports/{period}/units").json()
            assert units_doc["unattributed"] == [], period  # nothing left above the communes
    # Both of reporting's compute paths (chunk figures and facts) give the same content.
    computed_alike(live, [period_id for period_id, _, _ in CASES])
