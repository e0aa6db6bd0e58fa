"""The golden test of the plan's figures: the same 2023 events reach the indicators service and
the reporting service through real NATS, and both must give the same numerators, denominators,
percentages and statuses for I1-I4, city-wide and per district, at the four default cut-offs
(14/03, 14/06, 14/09, 14/12/2023) and at several "as of" times. The expected values are
counted by hand below (DOMAIN.md, "The four indicators"; the rulebook is shared/planrules.py).

Edge cases in the scenario: a closed site with a dossier (S5), a revoked certificate (S3), a
withdrawn dossier (S2), a dossier typed in late (S7), a model in a non-qualifying field (M2), a
model closed mid-year (M3), a head who leaves mid-year (H2), a session of 20/12/2022 that
2023's I2 counts (P7: in the year's data window, finding O14), a rule raised on 1 July, a
commitment due after a cut-off (K1), and a first quarter in which nobody owes a session yet
(I2 "chưa đến hạn").
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.indicators.app import create_app as create_indicators
from services.reporting.adapters.tables import indicators_facts
from services.reporting.app import create_app as create_reporting
from shared.envelope import EventEnvelope
from shared.eventstore import events_table
from shared.natsserver import NatsServer
from shared.settings import Settings
from tests.indicators.conftest import Upstream
from tests.indicators.scenario import (
    DAI_THANG,
    HAI_PHONG,
    HONG_BANG,
    HUNG_VUONG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    Events,
)
from tests.integration.helpers import ensure_streams, wait_until
from tests.reporting.conftest import figure_values

# I1's denominators: every commune of the scope valid on the date, 2023's catalogue (issue 14:
# Hai Phong had 217 communes in 2023, Tiên Lãng 21). Hồng Bàng's is compared across the two
# services, not typed.
COMMUNES_2023 = {HAI_PHONG: 217, TIEN_LANG: 21}

CUTOFFS = {"3m": date(2023, 3, 14), "6m": date(2023, 6, 14), "9m": date(2023, 9, 14),
           "12m": date(2023, 12, 14)}
S7_TYPED_IN = datetime(2024, 2, 1, 3, tzinfo=UTC)  # S7's lodging of 20/11/2023 typed in late

D = date
Row = tuple[int, int, float, str | None]  # numerator, denominator, value %, status

# -- the hand count -----------------------------------------------------------------------
#
# Paces (T x days from 1 January / 365): 14/03 73 days, 14/06 165, 14/09 257, 14/12 348.
#   100 % target: 20.00 %, 45.21 %, 70.41 %, 95.34 %;  40 %: 8.00, 18.08, 28.16, 38.14;
#   10 %: 2.00, 4.52, 7.04, 9.53.
#
# I3 (sites open at d with a dossier lodged and not withdrawn/rejected; base 239 at the city):
#   S1 TL town lodged 01/02. S2 TL town lodged 01/04, withdrawn 01/05. S3 Đại Thắng lodged
#   01/03. S4 Quán Toan lodged 01/02. S5 Hùng Vương lodged 10/02, site closed 01/07.
#   S6 Quán Toan, no dossier. S7 Đại Thắng lodged 20/11 (typed in 01/02/2024).
#   14/03: S1 S3 S4 S5 = 4; 14/06: 4 (S2 withdrawn); 14/09: S5 closed -> 3; 14/12: + S7 = 4
#   (3 as known before 01/02/2024). Register: 7 sites until S5 closed, then 6.
#   Tiên Lãng (S1 S2 S3 S7 registered): 2/4 at 14/03, 14/06, 14/09; 3/4 at 14/12.
#   Hồng Bàng (S4 S5 S6): 2/3, 2/3, then 1/2 (S5 closed) and 1/2.
# I4 (open sites holding a certificate not revoked): S3 GCN-03 01/05, revoked 01/08;
#   S4 GCN-04 01/06. 14/03: 0; 14/06: 2; 14/09: 1 (S4); 14/12: 1.
# I1 (communes with a model of a qualifying field, started and not closed by d):
#   M1 TL town exemplary rural 01/02; M2 Đại Thắng digital transformation (never counts);
#   M3 Quán Toan urban 01/03, closed 01/08; M4 Hùng Vương new rural 01/10.
#   City: 2 (TL town, Quán Toan), 2, 1, 2; Tiên Lãng 1 throughout; Hồng Bàng 1, 1, 0, 1.
# I2 (heads in office some time in the year's data window, 15/12/2022 to d (finding O14);
#   owed by shared/dialoguerule.py: 1 a year for communes until 30/06 then 2, districts 2,
#   the city 1):
#   H1 TL town, H2 Đại Thắng (left 31/05), H3 Tiên Lãng district, H4 Quán Toan, H6 city.
#   Sessions: P7 H3 20/12/2022 (in 2023's window: the 2023 reports count it held, and I2
#   judges it), P1 H1 10/03, P3 H3 05/05, P2 H2 10/05, P4 H4 01/08, P6 H1 10/09, P5 H6 20/10.
#   14/03 (90 days): H3 owes 2 x 90/365 = 0.49 -> 0, everyone 0: 5/5, chưa đến hạn (Hồng
#          Bàng too).
#   14/06 (182 days): H3 owes 2 x 182/365 = 0.997 -> 1, held P7 P3: 5/5 đạt; the others owe 0
#          (182/365 = 0.499; H2: 168 days, 0.46 -> 0): Tiên Lãng 3/3 đạt, Hồng Bàng 1/1
#          chưa đến hạn.
#   14/09 (274 days): communes 198/365 + 2 x 76/365 = 0.96 -> 1: H1 held P1 P6, H4 held P4;
#          H2 still 0; H3 2 x 274/365 = 1.50 -> 2 held 2 (P7 P3); H6 274/365 = 0.75 -> 1
#          held 0: 4/5 = 80 %, at or above the pace 70.41 % -> chưa đạt. Tiên Lãng 3/3,
#          Hồng Bàng 1/1.
#   14/12 (365 days): communes 198/365 + 2 x 167/365 = 1.46 -> 1 (H1, H4 meet); H3 2 x
#          365/365 = 2, held P7 and P3: yes; H6 365/365 = 1, held P5: 5/5 đạt. Tiên Lãng
#          3/3 đạt.
EXPECTED: dict[str, dict[str, dict[str, Row]]] = {
    "3m": {
        HAI_PHONG: {"I1": (2, 217, 0.92, "co_nguy_co"), "I2": (5, 5, 100.0, "chua_den_han"),
                    "I3": (4, 239, 1.67, "co_nguy_co"), "I4": (0, 239, 0.0, "co_nguy_co")},
        TIEN_LANG: {"I1": (1, 21, 4.76, "co_nguy_co"), "I2": (3, 3, 100.0, "chua_den_han"),
                    "I3": (2, 4, 50.0, "dat"), "I4": (0, 4, 0.0, "co_nguy_co")},
        HONG_BANG: {"I2": (1, 1, 100.0, "chua_den_han"), "I3": (2, 3, 66.67, "dat"),
                    "I4": (0, 3, 0.0, "co_nguy_co")},
    },
    "6m": {
        HAI_PHONG: {"I1": (2, 217, 0.92, "co_nguy_co"), "I2": (5, 5, 100.0, "dat"),
                    "I3": (4, 239, 1.67, "co_nguy_co"), "I4": (2, 239, 0.84, "co_nguy_co")},
        TIEN_LANG: {"I1": (1, 21, 4.76, "co_nguy_co"), "I2": (3, 3, 100.0, "dat"),
                    "I3": (2, 4, 50.0, "dat"), "I4": (1, 4, 25.0, "dat")},
        HONG_BANG: {"I2": (1, 1, 100.0, "chua_den_han"), "I3": (2, 3, 66.67, "dat"),
                    "I4": (1, 3, 33.33, "dat")},
    },
    "9m": {
        HAI_PHONG: {"I1": (1, 217, 0.46, "co_nguy_co"), "I2": (4, 5, 80.0, "chua_dat"),
                    "I3": (3, 239, 1.26, "co_nguy_co"), "I4": (1, 239, 0.42, "co_nguy_co")},
        TIEN_LANG: {"I1": (1, 21, 4.76, "co_nguy_co"), "I2": (3, 3, 100.0, "dat"),
                    "I3": (2, 4, 50.0, "dat"), "I4": (0, 4, 0.0, "co_nguy_co")},
        HONG_BANG: {"I2": (1, 1, 100.0, "dat"), "I3": (1, 2, 50.0, "dat"),
                    "I4": (1, 2, 50.0, "dat")},
    },
    "12m": {
        HAI_PHONG: {"I1": (2, 217, 0.92, "co_nguy_co"), "I2": (5, 5, 100.0, "dat"),
                    "I3": (4, 239, 1.67, "co_nguy_co"), "I4": (1, 239, 0.42, "co_nguy_co")},
        TIEN_LANG: {"I1": (1, 21, 4.76, "co_nguy_co"), "I2": (3, 3, 100.0, "dat"),
                    "I3": (3, 4, 75.0, "dat"), "I4": (0, 4, 0.0, "co_nguy_co")},
        HONG_BANG: {"I2": (1, 1, 100.0, "dat"), "I3": (1, 2, 50.0, "dat"),
                    "I4": (1, 2, 50.0, "dat")},
    },
}
# Hồng Bàng's I1 numerators (its denominator is compared between the services).
HONG_BANG_I1 = {"3m": 1, "6m": 1, "9m": 0, "12m": 1}


def _scenario(ev: Events) -> list[EventEnvelope]:
    d = D
    return [
        *(ev.rule(level, per_year, d(2015, 1, 27))
          for level, per_year in (("province", 1), ("district", 2), ("commune", 1))),
        ev.rule("commune", 2, d(2023, 7, 1)),
        ev.site("S1", TIEN_LANG_TOWN, d(2023, 1, 10)),
        ev.site("S2", TIEN_LANG_TOWN, d(2023, 1, 10)),
        ev.site("S3", DAI_THANG, d(2023, 1, 12)),
        ev.site("S7", DAI_THANG, d(2023, 1, 12)),
        ev.site("S4", QUAN_TOAN, d(2023, 1, 15)),
        ev.site("S5", HUNG_VUONG, d(2023, 1, 15)),
        ev.site("S6", QUAN_TOAN, d(2023, 1, 15)),
        ev.dossier("S1", "LandDossierLodged", d(2023, 2, 1)),
        ev.dossier("S4", "LandDossierLodged", d(2023, 2, 1)),
        ev.dossier("S5", "LandDossierLodged", d(2023, 2, 10)),
        ev.dossier("S3", "LandDossierLodged", d(2023, 3, 1)),
        ev.dossier("S2", "LandDossierLodged", d(2023, 4, 1)),
        ev.dossier("S2", "DossierWithdrawn", d(2023, 5, 1)),
        ev.certificate("S3", "GCN-03", d(2023, 5, 1)),
        ev.certificate("S4", "GCN-04", d(2023, 6, 1)),
        ev.site_closed("S5", d(2023, 7, 1)),
        ev.certificate("S3", "GCN-03", d(2023, 8, 1), revoked=True),
        ev.dossier("S7", "LandDossierLodged", d(2023, 11, 20), recorded_at=S7_TYPED_IN),
        ev.head("H1", TIEN_LANG_TOWN, d(2020, 6, 1)),
        ev.head("H2", DAI_THANG, d(2021, 1, 1)),
        ev.head("H3", TIEN_LANG, d(2020, 10, 1)),
        ev.head("H4", QUAN_TOAN, d(2019, 5, 1)),
        ev.head("H6", HAI_PHONG, d(2021, 6, 1), role="people_committee_chair"),
        ev.session("P7", TIEN_LANG, ["H3"], d(2022, 12, 20)),
        ev.session("P1", TIEN_LANG_TOWN, ["H1"], d(2023, 3, 10)),
        ev.session("P3", TIEN_LANG, ["H3"], d(2023, 5, 5)),
        ev.session("P2", DAI_THANG, ["H2"], d(2023, 5, 10)),
        ev.head_left("H2", DAI_THANG, d(2023, 5, 31)),
        ev.session("P4", QUAN_TOAN, ["H4"], d(2023, 8, 1)),
        ev.session("P6", TIEN_LANG_TOWN, ["H1"], d(2023, 9, 10)),
        ev.session("P5", HAI_PHONG, ["H6"], d(2023, 10, 20)),
        # K1 is due 30/06. The dialogue service flagged it overdue on 01/07 before the progress
        # of 20/05 was typed in, so that progress event says "overdue": the 6-month report
        # (cut-off 14/06) must still show it in progress.
        ev.event("dialogue", "commitment", "K1", "CommitmentMade", {
            "commitment_id": "K1", "session_id": "P1", "unit_code": TIEN_LANG_TOWN,
            "responsible_agency": "UBND xã", "due_on": "2023-06-30", "made_on": "2023-03-10",
        }, d(2023, 3, 10), TIEN_LANG_TOWN),
        ev.event("dialogue", "commitment", "K1", "CommitmentOverdue", {
            "commitment_id": "K1", "due_on": "2023-06-30", "overdue_since": "2023-07-01",
            "progress_pct": 0}, d(2023, 7, 1), TIEN_LANG_TOWN),
        ev.event("dialogue", "commitment", "K1", "CommitmentProgressUpdated", {
            "commitment_id": "K1", "progress_pct": 40, "status": "overdue",
            "updated_on": "2023-05-20", "previous_progress_pct": 0}, d(2023, 5, 20),
            TIEN_LANG_TOWN, recorded_at=datetime(2023, 7, 5, 3, tzinfo=UTC)),
    ]


MODELS = [("M1", TIEN_LANG_TOWN, "exemplary_rural", "2023-02-01"),
          ("M2", DAI_THANG, "digital_transformation", "2023-03-01"),
          ("M3", QUAN_TOAN, "urban", "2023-03-01"),
          ("M4", HUNG_VUONG, "new_rural", "2023-10-01")]


@dataclass
class Services:
    indicators: TestClient
    reporting: TestClient


@pytest.fixture
def upstream(nats_server: NatsServer, subject_root: str) -> Upstream:
    """The religion and dialogue services' events, published onto their streams."""
    return Upstream(url=nats_server.url, root=subject_root)


#: The services whose events the indicators and reporting services consume.
SOURCES = ("religion", "dialogue", "indicators")


@pytest.fixture
def services(
    settings_factory: Callable[..., Settings], nats_server: NatsServer, subject_root: str
) -> Iterator[Services]:
    # Streams first, so the consumers bind at once instead of retrying with back-off.
    asyncio.run(ensure_streams(nats_server.url, subject_root, SOURCES))
    indicators = create_indicators(settings_factory("indicators"))
    reporting = create_reporting(settings_factory("reporting"))
    with TestClient(indicators, headers={"X-Actor": "can-bo-ban-dan-van"}) as i, \
            TestClient(reporting) as r:
        yield Services(i, r)


def _get(client: TestClient, url: str, **params: str) -> dict[str, Any]:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _model_facts(reporting: TestClient) -> int:
    engine = reporting.app.state.runtime.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(indicators_facts).where(
            indicators_facts.c.family == "model")).scalar_one())


def _fed(services: Services, upstream: Upstream, events: list[EventEnvelope],
        sessions_held: int = 7, heads: int = 5) -> None:
    upstream.publish(*events)
    for model_id, unit, field, started in MODELS:
        response = services.indicators.post("/api/v1/models", json={
            "model_id": model_id, "unit_code": unit, "field": field,
            "title": f"Dân vận khéo {model_id}", "started_on": started})
        assert response.status_code == 201, response.text
    closed = services.indicators.post("/api/v1/models/M3/close",
                                      json={"closed_on": "2023-08-01", "reason": "Hết kinh phí"})
    assert closed.status_code == 200, closed.text  # a change of a model: 200 (a creation: 201)

    # Both services have consumed everything: the upstream events, and the models the
    # indicators service published through its relay.
    def done() -> bool:
        report = _get(services.reporting, "/api/v1/reports/2023-12m")
        sessions = figure_values(report)
        known = _get(services.indicators, "/api/v1/indicators/2023/I3", on="2023-12-14")
        return (sessions["commitments_total"] == 1
                and sessions["sessions_held"] == sessions_held
                and sessions["sites"] == 6 and _model_facts(services.reporting) == 5
                and known["unit"]["numerator"] == 4
                and _get(services.indicators, "/api/v1/indicators/2023/I2",
                         on="2023-12-14")["unit"]["denominator"] == heads
                and _get(services.indicators, "/api/v1/indicators/2023/I1",
                         on="2023-12-14")["unit"]["numerator"] == 2)

    wait_until(done, timeout=120)  # two services, a shared machine


def _indicator_rows(services: Services, months: str, unit: str,
                    as_of: str | None = None) -> tuple[dict[str, Row], dict[str, Row]]:
    """(reporting's, indicators') figures of I1-I4 for a unit at a period's cut-off."""
    params = {"unit": unit} | ({"as_of": as_of} if as_of else {})
    report = _get(services.reporting, f"/api/v1/reports/2023-{months}", **params)
    reported = {i["id"]: (i["numerator"], i["denominator"], i["value"], i["status"])
                for i in report["indicators"]}
    computed: dict[str, Row] = {}
    for indicator_id in ("I1", "I2", "I3", "I4"):
        query = {"unit": unit, "on": CUTOFFS[months].isoformat()} | (
            {"as_of": as_of} if as_of else {})
        shown = _get(services.indicators, f"/api/v1/indicators/2023/{indicator_id}",
                     **query)["unit"]
        computed[indicator_id] = (shown["numerator"], shown["denominator"],
                                  shown["value_percent"], shown["status"])
    return reported, computed


def test_both_services_give_the_hand_counted_figures(
    services: Services, upstream: Upstream
) -> None:
    _fed(services, upstream, _scenario(upstream))

    for months, units in EXPECTED.items():
        for unit, expected in units.items():
            reported, computed = _indicator_rows(services, months, unit)
            assert reported == computed, (months, unit)  # one rulebook, one answer
            for indicator_id, row in expected.items():
                assert reported[indicator_id] == row, (months, unit, indicator_id)
        reported, computed = _indicator_rows(services, months, HONG_BANG)
        assert reported["I1"][0] == HONG_BANG_I1[months], months
        assert reported["I1"] == computed["I1"], months

    # I1's denominator is the catalogue's communes of 2023, never a typed number.
    assert {unit: EXPECTED["6m"][unit]["I1"][1] for unit in COMMUNES_2023} == COMMUNES_2023

    # The city's I3/I4 beside the register: 7 open sites at 14/06, 6 at 14/09 (S5 closed).
    june = _get(services.reporting, "/api/v1/reports/2023-6m")
    i3 = {i["id"]: i for i in june["indicators"]}["I3"]
    assert i3["register"] == 7
    assert [w["code"] for w in i3["warnings"]] == ["REGISTER_DIFFERS_FROM_BASE"]
    assert "239" in i3["warnings"][0]["message"]
    shown = _get(services.indicators, "/api/v1/indicators/2023/I3", on="2023-09-14")["unit"]
    assert shown["register_count"] == 6
    assert [w["code"] for w in shown["warnings"]] == ["REGISTER_DIFFERS_FROM_BASE"]

    # Stock figures at the cut-off's business date: K1 (due 30/06) is in progress at 14/06
    # although the progress event of 20/05 says "overdue"; overdue at 14/09.
    figures = figure_values(june)
    assert (figures["commitments_in_progress"], figures["commitments_overdue"]) == (1, 0)
    assert figures["sites_with_dossier"] == 4 and figures["heads_owing"] == 1
    september = _get(services.reporting, "/api/v1/reports/2023-9m")
    figures = figure_values(september)
    assert (figures["commitments_in_progress"], figures["commitments_overdue"]) == (0, 1)
    assert (figures["sites"], figures["sites_with_dossier"]) == (6, 3)  # S5 closed, left both


def test_as_known_at_earlier_times_both_services_agree(
    services: Services, upstream: Upstream
) -> None:
    _fed(services, upstream, _scenario(upstream))

    # Before S7's lodging was typed in (01/02/2024): I3 at 14/12 is 3, not 4.
    before_s7 = (S7_TYPED_IN - timedelta(days=17)).isoformat()
    for unit, numerator in ((HAI_PHONG, 3), (TIEN_LANG, 2)):
        reported, computed = _indicator_rows(services, "12m", unit, before_s7)
        assert reported == computed, unit
        assert reported["I3"][0] == numerator, unit

    # A bare date is the end of that day in Vietnam in both services: S7, typed in at 10:00 on
    # 01/02/2024, is known "as of 2024-02-01", not "as of 2024-01-31".
    for day, numerator in (("2024-01-31", 3), ("2024-02-01", 4)):
        reported, computed = _indicator_rows(services, "12m", HAI_PHONG, day)
        assert reported == computed, day
        assert reported["I3"][0] == numerator, day

    # As known on the evening of 05/02/2023, the 3-month figures: S1 and S4 lodged (01/02),
    # S5 (10/02) and S3 (01/03) not yet; no session held yet; M1 registered (its model is
    # typed in today, so no model is known then: I1 0).
    early = datetime(2023, 2, 5, 15, tzinfo=UTC).isoformat()
    for unit in (HAI_PHONG, TIEN_LANG, HONG_BANG):
        reported, computed = _indicator_rows(services, "3m", unit, early)
        assert reported == computed, unit
    reported, _ = _indicator_rows(services, "3m", HAI_PHONG, early)
    assert reported["I3"] == (2, 239, 0.84, "co_nguy_co")
    assert reported["I1"] == (0, 217, 0.0, "co_nguy_co")
    assert reported["I2"] == (5, 5, 100.0, "chua_den_han")



VINH_BAO = "316"  # Huyện Vĩnh Bảo: no head of the golden scenario


def test_a_session_held_after_a_leaving_recorded_late_counts_nowhere(
    services: Services, upstream: Upstream
) -> None:
    """The examiner's F2: a district head in office since 2020 holds a session on 10/06/2023;
    their leaving, dated 01/05/2023, is typed in on 20/06 (as the dialogue service accepted
    before it refused such a leaving). The session was not held on a day in office: I2 does
    not count it (shared/dialoguerule.held_in_windows), in indicators and in reporting (the
    chunk figures and the facts), as the dialogue service's rule compliance does not: the
    head owes 2 x 138/365 = 0.76 -> 1 (15/12/2022 to 01/05/2023) and held 0 on their days
    in office."""
    ev = upstream
    late = datetime(2023, 6, 20, 3, tzinfo=UTC)
    extra = [ev.head("H8", VINH_BAO, D(2020, 1, 1)),
             ev.session("P8", VINH_BAO, ["H8"], D(2023, 6, 10)),
             ev.event("dialogue", "head", "H8", "HeadLeftOffice", {
                 "head_id": "H8", "unit_code": VINH_BAO, "role": "party_secretary",
                 "to_date": "2023-05-01"}, D(2023, 5, 1), VINH_BAO, recorded_at=late)]
    _fed(services, upstream, [*_scenario(ev), *extra], sessions_held=8, heads=6)
    for months in ("6m", "9m", "12m"):
        for as_of in (None, "2024-01-31"):  # the chunk figures, then the facts
            reported, computed = _indicator_rows(services, months, VINH_BAO, as_of)
            assert reported["I2"] == computed["I2"], (months, as_of)
            assert reported["I2"][:2] == (0, 1), (months, as_of)
    # As known before the leaving was typed in, the head was in office the whole window and
    # held the session: 1/1.
    reported, computed = _indicator_rows(services, "6m", VINH_BAO, "2023-06-15")
    assert reported["I2"] == computed["I2"] and reported["I2"][:2] == (1, 1)


def test_status_changes_are_announced_only_when_a_status_changes(
    services: Services, upstream: Upstream
) -> None:
    _fed(services, upstream, _scenario(upstream))
    engine = services.indicators.app.state.runtime.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(
            select(events_table.c.aggregate_id, events_table.c.payload)
            .where(events_table.c.event_type == "IndicatorStatusChanged")
            .order_by(events_table.c.position)).all()
    chains: dict[str, list[tuple[str | None, str]]] = {}
    for key, payload in rows:
        body = json.loads(payload)
        chains.setdefault(key, []).append((body["previous_status"], body["status"]))
    assert chains, "statuses were announced"
    for key, chain in chains.items():
        # Each announcement follows the one before it and changes the status.
        assert all(previous != status for previous, status in chain), key
        assert [previous for previous, _ in chain] == [None, *(s for _, s in chain[:-1])], key
    # The city's statuses as of today (the plan year is over): what the figures say.
    last = {key: chain[-1][1] for key, chain in chains.items()}
    for indicator_id in ("I1", "I2", "I3", "I4"):
        shown = _get(services.indicators, f"/api/v1/indicators/2023/{indicator_id}")["unit"]
        assert last[f"{indicator_id}-2023@{HAI_PHONG}"] == shown["status"], indicator_id
