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

from fastapi.testclient import TestClient

from tests.religion.test_moved_site_old_store import reporting_factory
from tests.successions import (
    CITY,
    NONE,
    ONE,
    TIEN_LANG,
    Case,
    assert_recording_followed,
    assert_replayed_alike,
    indicators,
    site_with_papers,
)

__all__ = ["indicators", "reporting_factory"]

DAI_THANG, QUYET_THANG = "11758", "11761"

#: (period, cut-off, hand-counted rows before the recording, after it).
CASES: tuple[Case, ...] = (
    ("2025-6m", "2025-06-14", {DAI_THANG: ONE, QUYET_THANG: NONE, TIEN_LANG: ONE, CITY: ONE},
     {DAI_THANG: ONE, QUYET_THANG: NONE, TIEN_LANG: ONE, CITY: ONE}),
    ("2025-9m", "2025-09-14", {QUYET_THANG: NONE, CITY: ONE}, {QUYET_THANG: ONE, CITY: ONE}),
    ("2025-12m", "2025-12-14", {QUYET_THANG: NONE, CITY: ONE}, {QUYET_THANG: ONE, CITY: ONE}),
    ("2026-6m", "2026-06-14", {QUYET_THANG: NONE, CITY: ONE}, {QUYET_THANG: ONE, CITY: ONE}),
)
#: Where the site is on the line «Chưa gắn…» before the recording; after it, nowhere.
LINE_BEFORE = {"2025-6m": [], "2025-9m": [CITY], "2025-12m": [CITY], "2026-6m": [CITY]}


def test_a_successor_recorded_for_a_commune_the_reform_merged_moves_its_figures(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    site_with_papers(religion, "CS-DT", DAI_THANG, 2024)
    live, replayed, _ = assert_recording_followed(
        religion, indicators, reporting_factory, CASES, LINE_BEFORE, DAI_THANG, QUYET_THANG,
        "Nghị quyết 1669/NQ-UBTVQH15")
    assert_replayed_alike(live, replayed, [period for period, _, _, _ in CASES])
