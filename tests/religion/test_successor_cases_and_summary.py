"""Religion's list of compliance cases for a commune (finding N11) and reporting's summary of
the sites "today, by commune" (finding N10) count a merged commune's records where today's
report counts them: by the kernel's placement with the successors officials recorded, as the
register's list of sites does. The case list filtered on the case's own commune (the list of
11755 showed 1 case where the report's row counted 3), and the summary kept a row per recorded
commune, a commune that ceased in 2025 under its old name (11830 «Xã Giang Biên»).

Hand-counted: GB-01 in 11830 Xã Giang Biên (Huyện Vĩnh Bảo 316), merged on 01/07/2025 with no
successor in the catalogue's data, until a city official records 11755 Xã Tiên Lãng; TL-01 in
11755. Three pending cases: GB-01's (2026), one of the commune 11830 itself (2024), TL-01's.
Before the recording, today's report counts GB-01 and the two cases of 11830 on the city's line
«Chưa gắn với đơn vị hành chính hiện hành»; after it, at 11755 (2 sites, 3 cases).
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from services.reporting.application.opening import current_period
from shared.adminunits import NOT_CURRENT_UNIT
from shared.clock import today_vn
from tests.religion.conftest import TIEN_LANG_TOWN, site_body
from tests.religion.test_backdated_move import _feed
from tests.religion.test_moved_site_old_store import _envelopes, reporting_factory
from tests.successions import feed_successions, indicators, record

__all__ = ["indicators", "reporting_factory"]

GIANG_BIEN, CITY = "11830", "31"
GIANG_BIEN_BASIS = "Nghị quyết 1669/NQ-UBTVQH15"

#: A summary row or a report row: (sites, sites with a dossier); the line «Chưa gắn…» is None.
Counted = dict[str | None, tuple[int, int]]


def _records(religion: TestClient) -> None:
    for code, commune in (("GB-01", GIANG_BIEN), ("TL-01", TIEN_LANG_TOWN)):
        assert religion.post("/api/v1/sites", json=site_body(
            code, commune, registered_on="2023-01-05")).status_code == 201
    assert religion.post("/api/v1/sites/GB-01/dossier/lodge",
                         json={"acted_on": "2023-02-01"}).status_code in (200, 201)
    for where, detected_on in (({"site_code": "GB-01"}, "2026-03-02"),
                               ({"commune_code": GIANG_BIEN}, "2024-05-01"),
                               ({"site_code": "TL-01"}, "2026-03-03")):
        opened = religion.post("/api/v1/compliance-cases", json={
            "violation_type": "land_encroachment", "description": "Lấn chiếm đất",
            "detected_on": detected_on, **where})
        assert opened.status_code == 201, opened.text


def _cases(religion: TestClient, unit: str) -> list[str]:
    response = religion.get("/api/v1/compliance-cases", params={"unit": unit})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["total"] == len(body["items"])
    return sorted(f"{c['commune_code']}:{c['detected_on']}" for c in body["items"])


def _report(reporting: TestClient) -> dict[str, Any]:
    """Today's report of the city: every unit's figures and the lines «Chưa gắn…»."""
    period = current_period(today_vn()).id
    response = reporting.get(f"/api/v1/reports/{period}/units")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _report_sites(report: dict[str, Any]) -> Counted:
    """The report's communes holding a site, and the city's line, as the summary shows them."""
    found: Counted = {
        row["code"]: (row["figures"]["sites"], row["figures"]["sites_with_dossier"])
        for row in report["units"] if row["level"] == "commune" and row["figures"]["sites"]}
    for line in report["unattributed"]:
        assert line["parent"] == CITY
        found[None] = (line["figures"]["sites"], line["figures"]["sites_with_dossier"])
    return found


def _summary(reporting: TestClient) -> tuple[Counted, dict[str | None, str]]:
    response = reporting.get("/api/v1/religion/sites-summary")
    assert response.status_code == 200, response.text
    rows = response.json()["by_commune"]
    assert response.json()["sites"] == sum(r["sites"] for r in rows)
    return ({r["commune_code"]: (r["sites"], r["sites_with_dossier"]) for r in rows},
            {r["commune_code"]: r["commune_name"] for r in rows})


def _pending(report: dict[str, Any], code: str) -> int:
    [row] = [r for r in report["units"] if r["code"] == code]
    pending: int = row["figures"]["cases_pending"]
    return pending


def _recording(indicators: TestClient, *clients: TestClient) -> None:
    """A city official records 11755 as 11830's successor; the services keep it."""
    succession = record(indicators, GIANG_BIEN, TIEN_LANG_TOWN, GIANG_BIEN_BASIS)
    for client in clients:
        feed_successions(client, [succession])


def test_the_summary_has_the_rows_of_todays_report(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    """N10: the summary's rows are today's report's, named as today."""
    _records(religion)
    reporting = reporting_factory("reporting")
    _feed(reporting, _envelopes(religion))

    # No successor known: today's report counts 11830's site on the city's line.
    report = _report(reporting)
    assert _report_sites(report) == {TIEN_LANG_TOWN: (1, 0), None: (1, 1)}
    summary, names = _summary(reporting)
    assert summary == _report_sites(report)
    assert names == {TIEN_LANG_TOWN: "Xã Tiên Lãng", None: NOT_CURRENT_UNIT}

    _recording(indicators, reporting)
    # Recorded: 11755's row counts it, and so does the summary's.
    report = _report(reporting)
    assert _report_sites(report) == {TIEN_LANG_TOWN: (2, 1)}
    summary, names = _summary(reporting)
    assert summary == _report_sites(report)
    assert names == {TIEN_LANG_TOWN: "Xã Tiên Lãng"}


def test_the_case_list_of_a_commune_has_the_cases_its_row_counts(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    """N11: the list of 11755 holds the cases today's report counts pending at 11755."""
    _records(religion)
    reporting = reporting_factory("reporting")
    _feed(reporting, _envelopes(religion))
    assert _pending(_report(reporting), TIEN_LANG_TOWN) == 1
    assert _cases(religion, TIEN_LANG_TOWN) == [f"{TIEN_LANG_TOWN}:2026-03-03"]

    _recording(indicators, reporting, religion)
    assert _pending(_report(reporting), TIEN_LANG_TOWN) == 3
    assert _cases(religion, TIEN_LANG_TOWN) == [
        f"{TIEN_LANG_TOWN}:2026-03-03", f"{GIANG_BIEN}:2024-05-01", f"{GIANG_BIEN}:2026-03-02"]
    # The merged commune itself, read on its last day: its own cases only.
    assert _cases(religion, GIANG_BIEN) == [f"{GIANG_BIEN}:2024-05-01",
                                            f"{GIANG_BIEN}:2026-03-02"]
