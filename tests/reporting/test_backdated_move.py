"""A site's move recorded after facts dated on or after it (finding H2): a desk enters on 20/07
that the site of Xã Đại Thắng (Huyện Tiên Lãng) moved to Phường Quán Toan (Quận Hồng Bàng)
on 01/04, after its dossier was lodged (02/05) and accepted (10/05) and its certificate issued
(20/05) were recorded in Đại Thắng. From the move's recording on, those facts count in Quán
Toan and Hồng Bàng (the rows re-placed: superseded and restated, as a correction's are); a
report as of before it, and a report signed before it, still count them in Tiên Lãng; the
chunk figures, the facts and a rebuild agree, whether the move comes after its facts (live)
or with them (a replay); a correction of the re-placed certificate replaces its restatement."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.domain.periods import period_id
from shared.envelope import EventEnvelope
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import (
    DAI_THANG,
    HONG_BANG,
    QUAN_TOAN,
    TIEN_LANG,
    Events,
    recorded_after,
)
from tests.reporting.test_chunk_figures import _chunk_rows, _same_both_ways

MOVED_AT = recorded_after(date(2023, 7, 20))
FIGURES = ("dossiers_lodged", "certificates_issued", "sites", "sites_with_dossier",
           "sites_with_certificate")
UNITS = (TIEN_LANG, DAI_THANG, HONG_BANG, QUAN_TOAN)
# Per unit, the figures of FIGURES in the 6- and 9-month reports (flows from 15/12/2022).
IN_DAI_THANG = {TIEN_LANG: (1, 1, 1, 1, 1), DAI_THANG: (1, 1, 1, 1, 1),
                HONG_BANG: (0, 0, 0, 0, 0), QUAN_TOAN: (0, 0, 0, 0, 0)}
IN_QUAN_TOAN = {TIEN_LANG: (0, 0, 0, 0, 0), DAI_THANG: (0, 0, 0, 0, 0),
                HONG_BANG: (1, 1, 1, 1, 1), QUAN_TOAN: (1, 1, 1, 1, 1)}
PERIODS = [period_id(2023, 6), period_id(2023, 9)]


def _scenario() -> tuple[Events, EventEnvelope]:
    e = Events()
    d = date
    e.site("S1", DAI_THANG, d(2023, 1, 5))
    e.dossier("LandDossierLodged", "S1", DAI_THANG, d(2023, 5, 2), "lodged")
    e.dossier("DossierAccepted", "S1", DAI_THANG, d(2023, 5, 10), "accepted")
    e.certificate("S1", DAI_THANG, d(2023, 5, 20), "CS 777")
    moved = e.add("religion", "site", "S1", "SiteAmended", d(2023, 4, 1), {
        "code": "S1", "changes": {"commune_code": QUAN_TOAN}, "commune_code": QUAN_TOAN,
        "district_code": HONG_BANG, "amended_on": "2023-04-01"}, QUAN_TOAN, MOVED_AT)
    return e, moved


def _units(reporting: Reporting, pid: str, **params: str) -> dict[str, tuple[int, ...]]:
    response = reporting.client.get(f"/api/v1/reports/{pid}/units", params=params)
    assert response.status_code == 200, response.text
    units = {row["code"]: row["figures"] for row in response.json()["units"]}
    return {code: tuple(units[code][key] for key in FIGURES) for code in UNITS}


def _all(reporting: Reporting, **params: str) -> dict[str, dict[str, tuple[int, ...]]]:
    return {pid: _units(reporting, pid, **params) for pid in PERIODS}


@pytest.mark.parametrize("arrival", ["later", "with_the_facts"])
def test_facts_dated_after_a_move_recorded_later_count_where_the_site_moved(
    reporting: Reporting, arrival: str,
) -> None:
    scenario, moved = _scenario()
    if arrival == "later":
        reporting.publish([e for e in scenario.items if e is not moved])
        assert _all(reporting) == dict.fromkeys(PERIODS, IN_DAI_THANG)
        reporting.publish([moved])
    else:
        reporting.publish(scenario.items)
    assert _all(reporting) == dict.fromkeys(PERIODS, IN_QUAN_TOAN)
    # The lodging, the acceptance and the certificate restated (their rows kept, superseded).
    assert reporting.facts()["religion"] == len(scenario.items) + 3
    _same_both_ways(reporting, PERIODS, ("31",))
    before = recorded_after(date(2023, 7, 10)).isoformat()
    assert _all(reporting, as_of=before) == dict.fromkeys(PERIODS, IN_DAI_THANG)

    live = _chunk_rows(reporting)
    rebuild_and_wait(reporting.client)
    assert _chunk_rows(reporting) == live
    assert _all(reporting) == dict.fromkeys(PERIODS, IN_QUAN_TOAN)
    assert _all(reporting, as_of=before) == dict.fromkeys(PERIODS, IN_DAI_THANG)


def test_a_correction_of_a_re_placed_fact_replaces_its_restatement(
    reporting: Reporting,
) -> None:
    scenario, moved = _scenario()
    certificate = next(e for e in scenario.items if e.event_type == "CertificateIssued")
    # Re-dated 25/05 after the move: counted once, in Quán Toan (not also where it was).
    scenario.add("religion", "certificate", "S1", "CertificateIssuedCorrected", date(2023, 5, 25),
                 {**certificate.payload, "issued_on": "2023-05-25", "corrects":
                  str(certificate.event_id), "corrected_version": 1, "reason": "Gõ nhầm",
                  "void": False}, DAI_THANG, recorded_after(date(2023, 8, 1)))
    reporting.publish(scenario.items[:4])
    reporting.publish([moved])
    reporting.publish(scenario.items[5:])
    assert _all(reporting) == dict.fromkeys(PERIODS, IN_QUAN_TOAN)
    _same_both_ways(reporting, PERIODS, ("31",))
    live = _chunk_rows(reporting)
    rebuild_and_wait(reporting.client)
    assert _chunk_rows(reporting) == live
    assert _all(reporting) == dict.fromkeys(PERIODS, IN_QUAN_TOAN)


def test_a_report_signed_before_the_move_keeps_its_figures(reporting: Reporting) -> None:
    scenario, moved = _scenario()
    reporting.publish([e for e in scenario.items if e is not moved])
    signed = reporting.client.post("/api/v1/reports/2023-6m/finalise",
                                   json={"scope": "31"}, headers={"x-actor": "vp"})
    assert signed.status_code == 201, signed.text
    reporting.publish([moved])

    shown = reporting.client.get("/api/v1/reports/2023-6m").json()
    assert shown["content_hash"] == signed.json()["content_hash"]
    # The change shows beside it: the dossier and certificate left Tiên Lãng with the site.
    changed = {(d["unit_code"], d["figure"]) for d in shown["differences"]}
    assert {(unit, figure) for unit in (TIEN_LANG, HONG_BANG)
            for figure in ("dossiers_lodged", "certificates_issued")} <= changed


# Per unit, (cases_opened, cases_resolved, cases_referred, cases_pending) of the site's cases:
# C1 found 02/03 (before the move's day, pending), C2 found 03/05 (under review 15/05,
# resolved 01/08, recorded after the move), C3 found 06/06 (referred 10/06).
CASE_FIGURES = ("cases_opened", "cases_resolved", "cases_referred", "cases_pending")
CASES_BEFORE = {  # as known before the move was recorded (the resolution is not known)
    pid: {TIEN_LANG: (3, 0, 1, 2), DAI_THANG: (3, 0, 1, 2), HONG_BANG: (0, 0, 0, 0),
          QUAN_TOAN: (0, 0, 0, 0)} for pid in PERIODS}
CASES_AFTER = {
    period_id(2023, 6): {TIEN_LANG: (1, 0, 0, 1), DAI_THANG: (1, 0, 0, 1),
                         HONG_BANG: (2, 0, 1, 1), QUAN_TOAN: (2, 0, 1, 1)},
    period_id(2023, 9): {TIEN_LANG: (1, 0, 0, 1), DAI_THANG: (1, 0, 0, 1),
                         HONG_BANG: (2, 1, 1, 0), QUAN_TOAN: (2, 1, 1, 0)},
}


def _cases_scenario() -> tuple[Events, EventEnvelope]:
    """The site, its three cases recorded in Đại Thắng, the move (01/04, recorded 20/07) and
    C2's resolution recorded after it, in the order of their recording."""
    e = Events()
    d = date
    e.site("S1", DAI_THANG, d(2023, 1, 5))

    def opened(case: str, on: date) -> None:
        e.add("religion", "compliance", case, "ComplianceCaseOpened", on, {
            "case_id": case, "site_code": "S1", "commune_code": DAI_THANG,
            "district_code": TIEN_LANG, "violation_type": "build_without_permit",
            "description": "Xây dựng không phép", "state": "open",
            "detected_on": on.isoformat(), "reference": ""}, DAI_THANG)

    def step(case: str, kind: str, state: str, on: date) -> None:
        e.add("religion", "compliance", case, kind, on, {
            "case_id": case, "state": state, "acted_on": on.isoformat(), "note": "Xong",
            "referred_to": "UBND huyện"}, DAI_THANG)

    opened("C1", d(2023, 3, 2))
    opened("C2", d(2023, 5, 3))
    step("C2", "ComplianceCaseReviewStarted", "under_review", d(2023, 5, 15))
    opened("C3", d(2023, 6, 6))
    step("C3", "ComplianceCaseReferred", "referred", d(2023, 6, 10))
    moved = e.add("religion", "site", "S1", "SiteAmended", d(2023, 4, 1), {
        "code": "S1", "changes": {"commune_code": QUAN_TOAN}, "commune_code": QUAN_TOAN,
        "district_code": HONG_BANG, "amended_on": "2023-04-01"}, QUAN_TOAN, MOVED_AT)
    # Recorded after the move, the Commission's desk still naming Đại Thắng.
    step("C2", "ComplianceCaseResolved", "resolved", d(2023, 8, 1))
    return e, moved


def _cases(reporting: Reporting, **params: str) -> dict[str, dict[str, tuple[int, ...]]]:
    found: dict[str, dict[str, tuple[int, ...]]] = {}
    for pid in PERIODS:
        response = reporting.client.get(f"/api/v1/reports/{pid}/units", params=params)
        assert response.status_code == 200, response.text
        units = {row["code"]: row["figures"] for row in response.json()["units"]}
        found[pid] = {code: tuple(units[code][key] for key in CASE_FIGURES) for code in UNITS}
    return found


@pytest.mark.parametrize("arrival", ["later", "with_the_facts"])
def test_cases_found_after_a_move_recorded_later_count_where_the_site_moved(
    reporting: Reporting, arrival: str,
) -> None:
    """The site's compliance cases follow a back-dated move as its dossier does: C2 and C3,
    found after 01/04, count in Quán Toan / Hồng Bàng, with their steps (C3's referral, and
    C2's resolution recorded after the move naming Đại Thắng); C1, found before, stays."""
    scenario, moved = _cases_scenario()
    at = scenario.items.index(moved)
    if arrival == "later":
        reporting.publish(scenario.items[:at])
        assert _cases(reporting) == CASES_BEFORE
        reporting.publish(scenario.items[at:at + 1])
        reporting.publish(scenario.items[at + 1:])
    else:
        reporting.publish(scenario.items)
    assert _cases(reporting) == CASES_AFTER
    # C2's opening and review, C3's opening and referral restated (their rows kept).
    assert reporting.facts()["religion"] == len(scenario.items) + 4
    _same_both_ways(reporting, PERIODS, ("31",))
    before = recorded_after(date(2023, 7, 10)).isoformat()
    assert _cases(reporting, as_of=before) == CASES_BEFORE

    live = _chunk_rows(reporting)
    rebuild_and_wait(reporting.client)
    assert _chunk_rows(reporting) == live
    assert _cases(reporting) == CASES_AFTER
    assert _cases(reporting, as_of=before) == CASES_BEFORE
