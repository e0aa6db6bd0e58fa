"""A site's move dated before facts already recorded (finding H2), across the services: the
site of Xã Đại Thắng (Huyện Tiên Lãng) has its dossier lodged (02/05), accepted (10/05) and
its certificate issued (20/05) there, and compliance cases found on 02/03 and 03/05; the
desk then records that it moved to Phường Quán Toan (Quận Hồng Bàng) on 01/04. The move is
accepted, and from then on every service counts the May facts in Quán Toan / Hồng Bàng:
religion's register (of sites, and of cases: the case found on 03/05, with its steps), the
indicators service's I3 and I4 and reporting's figures (dossiers, certificates, cases, I3,
I4) agree per commune and district, on days before and after the move; a report as of
before the move was recorded, and a replay of reporting's facts, count as they should.
Events are never edited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.indicators.app import create_app as indicators_app
from shared.envelope import EventEnvelope
from shared.settings import Settings
from tests.integration.helpers import event_count, runtime_of
from tests.religion.conftest import DAI_THANG, QUAN_TOAN, act, error_of, issue, site_body
from tests.religion.test_moved_site_old_store import _envelopes, reporting_factory

__all__ = ["reporting_factory"]

TIEN_LANG, HONG_BANG = "315", "303"
UNITS = (TIEN_LANG, DAI_THANG, HONG_BANG, QUAN_TOAN)
# (I3 numerator, I3 denominator, I4 numerator, I4 denominator) per unit.
Row = tuple[int, int, int, int]
NONE: Row = (0, 0, 0, 0)
WITH_BOTH: Row = (1, 1, 1, 1)
# Recorded long after the facts: the move, then a reading "as of" between the two.
MOVE_RECORDED = datetime(2023, 7, 20, 2, tzinfo=UTC)


def _recorded(envelopes: list[EventEnvelope]) -> list[EventEnvelope]:
    """The store's events as recorded on their business day, the move on 20/07 and those
    written after it an hour apart after it: a reading "as of" 10/07 knows the facts before
    the move and not the move."""
    moved = next(i for i, e in enumerate(envelopes) if e.event_type == "SiteAmended")
    return [replace(e, recorded_at=e.occurred_at + timedelta(hours=10) if i < moved
                    else MOVE_RECORDED + timedelta(hours=i - moved))
            for i, e in enumerate(envelopes)]


@pytest.fixture
def indicators(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    client = TestClient(indicators_app(settings_factory("indicators")),
                        headers={"X-Actor": "can-bo-ban-dan-van"})
    runtime_of(client).create_schema()
    for indicator, method, target in (("I3", "sites_with_dossier", 40),
                                      ("I4", "sites_with_certificate", 10)):
        defined = client.post("/api/v1/indicators", json={
            "indicator_id": indicator, "year": 2023, "name": f"{indicator} năm 2023",
            "method": method, "target": target})
        assert defined.status_code in (200, 201), defined.text
    yield client
    runtime_of(client).engine.dispose()


def _feed(client: TestClient, envelopes: list[EventEnvelope]) -> None:
    consumer = next(c for c in runtime_of(client).consumers
                    if c.durable.endswith(("religion", "religion-facts")))
    consumer._apply(envelopes)


def _site_with_facts(religion: TestClient) -> None:
    assert religion.post("/api/v1/sites", json=site_body(
        "CS-H2", DAI_THANG, registered_on="2023-01-05")).status_code == 201
    for action, on in (("lodge", "2023-05-02"), ("accept", "2023-05-10")):
        assert act(religion, "CS-H2", action, on).status_code in (200, 201)
    assert issue(religion, "CS-H2", "CS 777", "2023-05-20").status_code == 201


def _case(religion: TestClient, detected_on: str) -> str:
    opened = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "build_without_permit", "description": "Xây dựng không phép",
        "detected_on": detected_on, "site_code": "CS-H2"})
    assert opened.status_code == 201, opened.text
    case_id: str = opened.json()["aggregate_id"]
    return case_id


def _listed(religion: TestClient) -> dict[str, list[str]]:
    """The case register's cases per unit (the list by commune and by district)."""
    found: dict[str, list[str]] = {}
    for unit in UNITS:
        params = {"district": unit} if unit in (TIEN_LANG, HONG_BANG) else {"commune": unit}
        listed = religion.get("/api/v1/compliance-cases", params=params)
        assert listed.status_code == 200, listed.text
        found[unit] = sorted(c["case_id"] for c in listed.json()["items"])
    return found


def _move(religion: TestClient, on: str) -> Any:
    return religion.patch("/api/v1/sites/CS-H2", headers={"If-Match": '"1"'},
                          json={"commune_code": QUAN_TOAN, "amended_on": on})


def _indicators(client: TestClient, on: str, **params: str) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for unit in UNITS:
        parts: list[int] = []
        for indicator in ("I3", "I4"):
            shown = client.get(f"/api/v1/indicators/2023/{indicator}",
                               params={"unit": unit, "on": on, **params})
            assert shown.status_code == 200, shown.text
            parts += [shown.json()["unit"]["numerator"], shown.json()["unit"]["denominator"]]
        found[unit] = (parts[0], parts[1], parts[2], parts[3])
    return found


def _reporting(client: TestClient, **params: str) -> tuple[dict[str, Row], dict[str, Row]]:
    """The 6-month report's I3 and I4 per unit, and its dossiers lodged, certificates issued,
    sites, sites with a dossier and with a certificate (shaped like the indicators' rows:
    (dossiers, sites with a dossier, certificates, sites with a certificate))."""
    indicators, flows, _ = _reported(client, **params)
    return indicators, flows


def _reported(client: TestClient, **params: str
              ) -> tuple[dict[str, Row], dict[str, Row], dict[str, Row]]:
    """`_reporting`, and per unit its cases opened, resolved and pending (and a 0)."""
    response = client.get("/api/v1/reports/2023-6m/units", params=params)
    assert response.status_code == 200, response.text
    units = {row["code"]: row for row in response.json()["units"]}
    indicators: dict[str, Row] = {}
    flows: dict[str, Row] = {}
    cases: dict[str, Row] = {}
    for unit in UNITS:
        shown = units[unit]["indicators"]
        indicators[unit] = (shown["I3"]["numerator"], shown["I3"]["denominator"],
                            shown["I4"]["numerator"], shown["I4"]["denominator"])
        figures = units[unit]["figures"]
        flows[unit] = (figures["dossiers_lodged"], figures["sites_with_dossier"],
                       figures["certificates_issued"], figures["sites_with_certificate"])
        cases[unit] = (figures["cases_opened"], figures["cases_resolved"],
                       figures["cases_pending"], 0)
    return indicators, flows, cases


def test_a_move_dated_before_recorded_facts_moves_them_in_every_service(
    religion: TestClient, indicators: TestClient,
    reporting_factory: Callable[[str], TestClient],
) -> None:
    _site_with_facts(religion)
    # Compliance cases at the site: found before the move's day (stays in Đại Thắng), and
    # after it (H2: follows the site to Quán Toan, with its steps).
    early, late = _case(religion, "2023-03-02"), _case(religion, "2023-05-03")
    started = religion.post(f"/api/v1/compliance-cases/{late}/start_review",
                            json={"acted_on": "2023-05-15", "note": "Đang xem xét"})
    assert started.status_code in (200, 201), started.text
    before = event_count(religion)
    moved = _move(religion, "2023-04-01")
    assert moved.status_code == 200, moved.text
    assert event_count(religion) == before + 1  # the move; nothing else is written
    # The register of cases, live and rebuilt: the late case where the site was when found.
    in_quan_toan = {TIEN_LANG: [early], DAI_THANG: [early], HONG_BANG: [late],
                    QUAN_TOAN: [late]}
    assert _listed(religion) == in_quan_toan
    # Its step after the move is Quán Toan's.
    resolved = religion.post(f"/api/v1/compliance-cases/{late}/resolve",
                             json={"acted_on": "2023-06-01", "note": "Đã tháo dỡ"})
    assert resolved.status_code in (200, 201), resolved.text
    assert _envelopes(religion)[-1].unit_code == QUAN_TOAN
    rebuilt = religion.post("/api/v1/admin/rebuild-read-models")
    assert rebuilt.status_code == 200, rebuilt.text
    assert _listed(religion) == in_quan_toan

    # Religion: the register places the site, and so its dossier and certificate, by day.
    site = religion.get("/api/v1/sites/CS-H2").json()
    assert site["commune"]["code"] == QUAN_TOAN
    for on, commune in (("2023-03-31", DAI_THANG), ("2023-05-20", QUAN_TOAN)):
        state = religion.get("/api/v1/sites/CS-H2/as-of", params={"date": on}).json()
        assert state["commune"]["code"] == commune, on

    envelopes = _recorded(_envelopes(religion))
    _feed(indicators, envelopes)
    live, replayed = reporting_factory("reporting-live"), reporting_factory("reporting-replay")
    for envelope in envelopes:  # one by one: the move re-places the stored facts
        _feed(live, [envelope])
    _feed(replayed, envelopes)  # in one batch, as a rebuild brings them

    moved_there = {TIEN_LANG: NONE, DAI_THANG: NONE, HONG_BANG: WITH_BOTH, QUAN_TOAN: WITH_BOTH}
    assert _indicators(indicators, "2023-06-14") == moved_there
    # Before the move, the site (no dossier yet) was Đại Thắng's.
    assert _indicators(indicators, "2023-03-31") == {
        TIEN_LANG: (0, 1, 0, 1), DAI_THANG: (0, 1, 0, 1), HONG_BANG: NONE, QUAN_TOAN: NONE}
    # Per unit (cases opened, resolved, pending, 0) by 14/06: as the register lists them.
    one_pending, one_resolved = (1, 0, 1, 0), (1, 1, 0, 0)
    for reporting in (live, replayed):
        reported, flows, cases = _reported(reporting)
        assert reported == moved_there
        assert flows == moved_there  # the dossier lodged and certificate issued moved too
        assert cases == {TIEN_LANG: one_pending, DAI_THANG: one_pending,
                         HONG_BANG: one_resolved, QUAN_TOAN: one_resolved}
        # As known on 10/07, before the move was recorded: all of it in Đại Thắng.
        reported, flows, cases = _reported(reporting, as_of="2023-07-10T00:00:00+00:00")
        was_there = {TIEN_LANG: WITH_BOTH, DAI_THANG: WITH_BOTH, HONG_BANG: NONE,
                     QUAN_TOAN: NONE}
        assert reported == was_there
        assert flows == was_there
        assert cases == {TIEN_LANG: (2, 0, 2, 0), DAI_THANG: (2, 0, 2, 0),
                         HONG_BANG: NONE, QUAN_TOAN: NONE}
    # The stored events are as they were written: the May facts still name Đại Thắng.
    assert {e.unit_code for e in _envelopes(religion)
            if e.event_type in ("LandDossierLodged", "CertificateIssued")} == {DAI_THANG}


def test_a_move_before_the_registration_is_still_refused(religion: TestClient) -> None:
    _site_with_facts(religion)
    refused = _move(religion, "2023-01-04")
    assert refused.status_code == 422, refused.text
    assert error_of(refused)["code"] == "DATE_BEFORE_PREVIOUS_STEP"


def test_a_registration_correction_does_not_move_the_site(religion: TestClient) -> None:
    """A registration is corrected in its date only (H2 remainder): the commune is the
    move's to change, so no correction re-places the site's facts behind a move's back.
    A correction naming a commune is refused and writes nothing."""
    _site_with_facts(religion)
    before = event_count(religion)
    refused = religion.post("/api/v1/sites/CS-H2/registration/corrections", json={
        "registered_on": "2023-01-04", "commune_code": QUAN_TOAN, "reason": "Nhập nhầm xã"},
        headers={"If-Match": '"1"'})
    assert refused.status_code == 422, refused.text
    assert event_count(religion) == before
    assert religion.get("/api/v1/sites/CS-H2").json()["commune"]["code"] == DAI_THANG
