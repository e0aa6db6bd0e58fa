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

from fastapi.testclient import TestClient

from tests.religion.test_moved_site_old_store import reporting_factory
from tests.successions import (
    BACH_DANG,
    CITY,
    NONE,
    ONE,
    TAN_MINH,
    TIEN_LANG,
    Case,
    assert_recording_followed,
    assert_replayed_alike,
    computed_alike,
    indicators,
    site_with_papers,
)

__all__ = ["indicators", "reporting_factory"]

#: (period, cut-off, hand-counted rows before the recording, after it).
CASES: tuple[Case, ...] = (
    ("2024-6m", "2024-06-14", {BACH_DANG: ONE, TAN_MINH: NONE, TIEN_LANG: ONE, CITY: ONE},
     {BACH_DANG: ONE, TAN_MINH: NONE, TIEN_LANG: ONE, CITY: ONE}),
    ("2025-6m", "2025-06-14", {TAN_MINH: NONE, TIEN_LANG: ONE, CITY: ONE},
     {TAN_MINH: ONE, TIEN_LANG: ONE, CITY: ONE}),
    ("2025-9m", "2025-09-14", {TAN_MINH: NONE, CITY: ONE}, {TAN_MINH: ONE, CITY: ONE}),
    ("2026-6m", "2026-06-14", {TAN_MINH: NONE, CITY: ONE}, {TAN_MINH: ONE, CITY: ONE}),
)
#: Where the site is on the line «Chưa gắn…» before the recording; after it, nowhere.
LINE_BEFORE = {"2024-6m": [], "2025-6m": [TIEN_LANG], "2025-9m": [CITY], "2026-6m": [CITY]}


def test_a_recorded_successor_moves_the_figures_in_both_services_as_known_at_it(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    site_with_papers(religion, "CS-BD", BACH_DANG, 2023)
    live, replayed, earlier = assert_recording_followed(
        religion, indicators, reporting_factory, CASES, LINE_BEFORE)
    # Replayed: the same document, as of now and as of before the recording.
    periods = [period for period, _, _, _ in CASES]
    assert_replayed_alike(live, replayed, periods, (None, earlier))
    # Both of reporting's compute paths give the same content, after the recording.
    for period_id, figures in computed_alike(live, periods).items():
        assert figures.indicators[TAN_MINH]["I3"].numerator == (
            0 if period_id == "2024-6m" else 1), period_id
