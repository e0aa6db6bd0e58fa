"""The register's unit filter and the Tiên Lãng pilot follow the catalogue's successions, as
reporting's rows do (finding M6): a commune's successor listed 0 sites where reporting
counted them, and the pilot mixed three eras in one table (11788 «Xã Bạch Đằng» of 2024,
11755 named «Xã Tiên Lãng» of today, the district «Huyện Tiên Lãng» that ceased on
01/07/2025).

Hand-counted: GV-01 in 11347 Phường Gia Viên (Huyện Ngô Quyền 304), which the catalogue
carries to 11341 from 01/01/2025; BD-01, BD-02 in 11788 Xã Bạch Đằng (Tiên Lãng 315), merged
on 01/01/2025 with no successor in the catalogue's data (until an official records 11791 Xã
Tân Minh, the last test); TL-01 in 11755 Thị trấn Tiên Lãng.
A list of 11341 on a day of 2025 or later shows GV-01, as reporting's row of 11341 counts it;
on a day of 2024, not (11341 was Phường Lạc Viên, another ward). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.religion.conftest import TIEN_LANG_TOWN, site_body
from tests.religion.test_backdated_move import _feed
from tests.religion.test_moved_site_old_store import _envelopes, reporting_factory
from tests.successions import TIEN_CUONG, correct, feed_successions, indicators, record

__all__ = ["indicators", "reporting_factory"]

GIA_VIEN, GIA_VIEN_2025, BACH_DANG, TIEN_LANG = "11347", "11341", "11788", "315"
TAN_MINH = "11791"  # Xã Tân Minh from 01/01/2025: the successor recorded for Bạch Đằng


def _sites(religion: TestClient) -> None:
    for code, commune in (("GV-01", GIA_VIEN), ("BD-01", BACH_DANG), ("BD-02", BACH_DANG),
                          ("TL-01", TIEN_LANG_TOWN)):
        assert religion.post("/api/v1/sites", json=site_body(
            code, commune, registered_on="2023-01-05")).status_code == 201


def _listed(religion: TestClient, unit: str, **params: str) -> list[str]:
    response = religion.get("/api/v1/sites", params={"unit": unit, **params})
    assert response.status_code == 200, response.text
    assert response.json()["total"] == len(response.json()["items"])
    return sorted(s["code"] for s in response.json()["items"])


def _rows(reporting: TestClient, period: str) -> dict[str, Any]:
    response = reporting.get(f"/api/v1/reports/{period}/units")
    assert response.status_code == 200, response.text
    return {row["code"]: row["figures"]["sites"] for row in response.json()["units"]}


def test_a_successors_list_shows_the_sites_reporting_counts_at_it(
    religion: TestClient, reporting_factory: Callable[[str], TestClient],
) -> None:
    _sites(religion)
    reporting = reporting_factory("reporting")
    _feed(reporting, _envelopes(religion))
    for period, cutoff, listed in (("2024-12m", "2024-12-14", []),
                                   ("2025-6m", "2025-06-14", ["GV-01"]),
                                   ("2026-6m", "2026-06-14", ["GV-01"])):
        assert _listed(religion, GIA_VIEN_2025, as_of=cutoff) == listed, period
        assert _rows(reporting, period)[GIA_VIEN_2025] == len(listed), period
    # Today (the default day): the ward of today holds Gia Viên's site.
    assert _listed(religion, GIA_VIEN_2025) == ["GV-01"]
    # The merged ward itself, read on its last day: its own site.
    assert _listed(religion, GIA_VIEN, as_of="2025-06-14") == ["GV-01"]
    assert _listed(religion, GIA_VIEN, as_of="2024-06-14") == ["GV-01"]


def test_the_pilot_names_each_commune_once_as_of_its_day(
    religion: TestClient, reporting_factory: Callable[[str], TestClient],
) -> None:
    """The pilot of a day after the district ceased is read on the district's last day: its
    communes and the district named as then, a merged commune with no successor known on the
    district's line, as reporting's 2025-6m rows have them."""
    _sites(religion)
    reporting = reporting_factory("reporting")
    _feed(reporting, _envelopes(religion))
    rows = _rows(reporting, "2025-6m")
    unattributed = reporting.get("/api/v1/reports/2025-6m/units").json()["unattributed"]
    assert [(u["parent"], u["figures"]["sites"]) for u in unattributed] == [(TIEN_LANG, 2)]
    for params in ({}, {"as_of": "2025-06-14"}, {"as_of": "2025-08-01"}):
        response = religion.get("/api/v1/reports/tien-lang-pilot", params=params)
        assert response.status_code == 200, response.text
        pilot = response.json()
        assert pilot["district"] == {"code": TIEN_LANG, "name": "Huyện Tiên Lãng"}
        assert [(c["commune_code"], c["commune_name"], c["sites"])
                for c in pilot["by_commune"]] == [
            (TIEN_LANG_TOWN, "Thị trấn Tiên Lãng", 1),
            (None, "Chưa gắn với đơn vị hành chính hiện hành", 2)], params
        assert {c["commune_code"]: c["sites"] for c in pilot["by_commune"]
                if c["commune_code"]} == {TIEN_LANG_TOWN: rows[TIEN_LANG_TOWN]}
        assert {(s["code"], s["commune"]["name"], s["counted_at"]) for s in pilot["sites"]} == {
            ("TL-01", "Thị trấn Tiên Lãng", TIEN_LANG_TOWN),
            ("BD-01", "Xã Bạch Đằng", None), ("BD-02", "Xã Bạch Đằng", None)}, params


def test_a_recorded_successors_list_and_pilot_agree_with_reporting(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    """The examiner's scenario: BD-01, BD-02 in 11788 Xã Bạch Đằng, whose successor 11791
    Xã Tân Minh a city official records (`UnitSuccessionRecorded`): religion keeps it as
    reporting does (consumer `religion-successions`), so its list of 11791 and the pilot's
    row of 11791 show the sites reporting's 2025-3m row of 11791 counts."""
    _sites(religion)
    reporting = reporting_factory("reporting")
    _feed(reporting, _envelopes(religion))
    assert _listed(religion, TAN_MINH, as_of="2025-03-14") == []
    succession = record(indicators)
    for client in (reporting, religion):
        feed_successions(client, [succession])
    assert _rows(reporting, "2025-3m")[TAN_MINH] == 2
    for as_of in ("2025-03-14", None):
        params = {"as_of": as_of} if as_of else {}
        assert _listed(religion, TAN_MINH, **params) == ["BD-01", "BD-02"], as_of
    # On a day of 2024 Bạch Đằng is its own commune.
    assert _listed(religion, TAN_MINH, as_of="2024-06-14") == []
    assert _listed(religion, BACH_DANG, as_of="2024-06-14") == ["BD-01", "BD-02"]
    pilot = religion.get("/api/v1/reports/tien-lang-pilot").json()
    assert [(c["commune_code"], c["commune_name"], c["sites"])
            for c in pilot["by_commune"]] == [
        (TIEN_LANG_TOWN, "Thị trấn Tiên Lãng", 1), (TAN_MINH, "Xã Tân Minh", 2)]
    assert _rows(reporting, "2025-6m")[TAN_MINH] == 2
    # The successor corrected to 11761 Xã Tiên Cường (`UnitSuccessionCorrected`): the list
    # and the pilot follow the correction, as reporting's rows do.
    correction = correct(indicators)
    for client in (reporting, religion):
        feed_successions(client, [correction])
    assert _listed(religion, TAN_MINH, as_of="2025-03-14") == []
    assert _listed(religion, TIEN_CUONG, as_of="2025-03-14") == ["BD-01", "BD-02"]
    assert (_rows(reporting, "2025-3m")[TAN_MINH], _rows(reporting, "2025-3m")[TIEN_CUONG]) == (
        0, 2)
    pilot = religion.get("/api/v1/reports/tien-lang-pilot").json()
    assert [(c["commune_code"], c["sites"]) for c in pilot["by_commune"]] == [
        (TIEN_LANG_TOWN, 1), (TIEN_CUONG, 2)]
