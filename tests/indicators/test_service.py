"""The indicators service end to end: religion and dialogue events published on their streams,
models registered over HTTP, figures, drill-down, evidence and statuses read over HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.indicators.api import indicators as indicators_api
from shared.clock import today_vn
from shared.eventstore import events_table
from tests.indicators.conftest import Upstream, get_json, status_events, wait_applied
from tests.indicators.scenario import (
    DAI_THANG,
    HAI_PHONG,
    HONG_BANG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    dialogue_2023,
    religion_2023,
)
from tests.integration.helpers import REBUILD, rebuild_and_wait, runtime_of, wait_until
from tests.integration.rebuilds import Gates, counts_unmade, watch_looks

pytestmark = pytest.mark.e2e

PLAN_DEFINITIONS = 4


def _register_models(client: TestClient) -> int:
    """The models of scenario.models_2023, through the API; returns the events written."""
    models = [
        ("M1", TIEN_LANG_TOWN, "exemplary_rural", "2023-02-01"),
        ("M2", TIEN_LANG_TOWN, "digital_transformation", "2023-02-01"),
        ("M3", DAI_THANG, "digital_transformation", "2023-03-01"),
        ("M4", QUAN_TOAN, "urban", "2023-03-01"),
        ("M5", TIEN_LANG, "new_rural", "2023-01-15"),
    ]
    for model_id, unit, field, started in models:
        response = client.post("/api/v1/models", json={
            "model_id": model_id, "unit_code": unit, "field": field,
            "title": f"Dân vận khéo {model_id}", "started_on": started,
        })
        assert response.status_code == 201, response.text
    closed = client.post("/api/v1/models/M4/close",
                         json={"closed_on": "2023-11-01", "reason": "Hết kinh phí"})
    assert closed.status_code == 200, closed.text
    return len(models) + 1


def _children(view: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {c["unit_code"]: (c["numerator"], c["denominator"]) for c in view["children"]}


def test_the_plan_indicators_from_consumed_events(
    client: TestClient, upstream: Upstream
) -> None:
    religion, dialogue = religion_2023(upstream), dialogue_2023(upstream)
    upstream.publish(*religion, *dialogue)
    written = _register_models(client)
    wait_applied(client, PLAN_DEFINITIONS + len(religion) + len(dialogue) + written)

    overview = get_json(client, "/api/v1/indicators", year=2023)
    totals = {i["indicator"]["indicator_id"]: i["total"] for i in overview["items"]}
    assert {k: (v["numerator"], v["denominator"], v["status"]) for k, v in totals.items()} == {
        "I1": (1, 217, "chua_dat"),  # the communes of 2023
        "I2": (5, 6, "chua_dat"),  # all heads but H6 (see test_figures.py)
        "I3": (4, 239, "chua_dat"),
        "I4": (1, 239, "chua_dat"),
    }
    assert totals["I3"]["value_percent"] == 1.67 and totals["I3"]["target_percent"] == 40.0
    assert totals["I3"]["status_label"] == "Chưa đạt"

    city = get_json(client, "/api/v1/indicators/2023/I3")
    assert city["unit"]["unit_code"] == HAI_PHONG and len(city["children"]) == 15
    assert _children(city)[TIEN_LANG] == (3, 4)
    district = get_json(client, "/api/v1/indicators/2023/I3", unit=TIEN_LANG)
    assert district["unit"]["status"] == "dat"
    assert len(district["children"]) == 21  # Tiên Lãng's communes of 2023
    assert _children(district)[TIEN_LANG_TOWN] == (2, 3)

    dialogue_view = get_json(client, "/api/v1/indicators/2023/I2", unit=TIEN_LANG)
    assert (dialogue_view["unit"]["numerator"], dialogue_view["unit"]["denominator"]) == (3, 3)
    assert dialogue_view["counted_at_unit_itself"] == {"numerator": 1, "denominator": 1}
    models_view = get_json(client, "/api/v1/indicators/2023/I1", unit=TIEN_LANG)
    assert (models_view["unit"]["numerator"], models_view["unit"]["denominator"]) == (1, 21)

    evidence = get_json(client, "/api/v1/indicators/2023/I3/evidence", unit=TIEN_LANG,
                        counts_only=True)
    assert [(i["key"], i["counted_at"]) for i in evidence["items"]] == [
        ("S1", TIEN_LANG_TOWN), ("S7", TIEN_LANG_TOWN), ("S3", DAI_THANG)]
    heads = get_json(client, "/api/v1/indicators/2023/I2/evidence", unit=QUAN_TOAN)
    # H4 owed 107/365 = 0.29 -> 0; H5 (91 + 2 x 167)/365 = 1.16 -> 1 and held P4.
    assert {i["key"]: i["in_numerator"] for i in heads["items"]} == {"H4": True, "H5": True}
    sessions = get_json(client, "/api/v1/indicators/2023/I2/evidence", unit=HAI_PHONG,
                        counts_only=True)
    assert {i["key"]: [s["session_id"] for s in i["sessions"]] for i in sessions["items"]} == {
        "H1": ["P7", "P1", "P2"], "H2": ["P1"], "H3": ["P3"], "H4": [], "H5": ["P4"]}

    april = get_json(client, "/api/v1/indicators/2023/I3", on="2023-04-15")
    assert (april["unit"]["numerator"], april["unit"]["status"]) == (5, "co_nguy_co")
    assert april["unit"]["pace_percent"] == 11.51
    known_then = get_json(client, "/api/v1/indicators/2023/I3", as_of="2024-01-01T00:00:00+07:00")
    assert known_then["unit"]["numerator"] == 3  # S1's lodging was typed in in February 2024

    districts = get_json(client, "/api/v1/indicators/2023/I4/units", level="district")
    by_district = {i["unit_code"]: (i["numerator"], i["denominator"]) for i in districts["items"]}
    assert len(by_district) == 15 and by_district[HONG_BANG] == (1, 2)

    restated = get_json(client, "/api/v1/indicators/2023/I3/restated", to="2025-08-01")
    assert (restated["sum"]["numerator"], restated["sum"]["denominator"]) == (4, 6)
    assert restated["period_total"]["numerator"] == 4

    # The last status announced for each unit is the one shown.
    last = {e["key"]: e["status"] for e in status_events(client)}
    assert last["I3-2023@315"] == "dat" and last["I3-2023@31"] == "chua_dat"
    assert last["I4-2023@11296"] == "dat" and last["I1-2023@11755"] == "dat"
    history = get_json(client, "/api/v1/indicators/2023/I3/status-history", unit=TIEN_LANG)
    assert [h["status"] for h in history["items"]][-1] == "dat"
    assert history["items"][0]["previous_status"] is None
    # Paged like every list (finding O10).
    second = get_json(client, "/api/v1/indicators/2023/I3/status-history", unit=TIEN_LANG,
                      page=2, page_size=1)
    assert second["total"] == history["total"] >= 2 and second["unit_code"] == TIEN_LANG
    assert second["items"] == history["items"][1:2]
    bad = client.get("/api/v1/indicators/2023/I3/status-history", params={"page_size": 0})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "page_size"


def test_a_rebuild_replays_to_the_same_figures_and_announces_nothing(
    client: TestClient, upstream: Upstream
) -> None:
    religion = religion_2023(upstream)
    upstream.publish(*religion)
    wait_applied(client, PLAN_DEFINITIONS + len(religion))
    wait_until(lambda: any(e["key"] == "I3-2023@315" for e in status_events(client)))
    views = {i: get_json(client, f"/api/v1/indicators/2023/{i}/units", level="commune")
             for i in ("I3", "I4")}
    announced = status_events(client)

    rebuilt = rebuild_and_wait(client)
    assert rebuilt["events_applied"] == PLAN_DEFINITIONS + len(religion)

    for indicator, view in views.items():
        again = get_json(client, f"/api/v1/indicators/2023/{indicator}/units", level="commune")
        assert again["items"] == view["items"]
        assert again["total"] == view["total"]
    assert status_events(client) == announced


def test_a_rebuild_switches_only_once_its_consumers_acks_cover_their_streams(
    client: TestClient, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    # nats-server lists a consumer it is making before it has counted what the consumer has
    # to deliver: a look at that moment read "0 pending, 0 awaiting ack" for the new
    # religion consumer and switched in tables without its facts (the test above, once).
    # Here every look at a new consumer reads those counts, and its batches are held.
    religion = religion_2023(upstream)
    upstream.publish(*religion)
    wait_applied(client, PLAN_DEFINITIONS + len(religion))
    views = {i: get_json(client, f"/api/v1/indicators/2023/{i}/units", level="commune")
             for i in ("I3", "I4")}
    gates = Gates(monkeypatch)
    gates.switch.set()
    counts_unmade(monkeypatch)
    looks = watch_looks(monkeypatch)
    try:
        started = client.post(REBUILD)
        assert started.status_code == 202, started.text
        generation = started.json()["generation"]
        # Both consumers with something to replay hold their first batch, unapplied, and the
        # watch looks twice more meanwhile (or finds them caught up: the switch this prevents).
        wait_until(lambda: any(looks) or gates.held == {"indicators-religion-facts-g2",
                                                        "indicators-own-facts-g2"})
        seen = len(looks)
        wait_until(lambda: any(looks) or len(looks) >= seen + 2)
        assert not any(looks), "caught up before any consumer of the new generation applied"
        state = client.get(REBUILD, params={"generation": generation}).json()
        assert (state["state"], state["events_applied"]) == ("building", 0)
    finally:
        gates.build.set()

    def switched() -> bool:
        return bool(client.get(REBUILD, params={"generation": generation}).json()["state"]
                    == "live")

    wait_until(switched, timeout=60)
    rebuilt = client.get(REBUILD, params={"generation": generation}).json()
    assert rebuilt["events_applied"] == PLAN_DEFINITIONS + len(religion)
    for indicator, view in views.items():
        again = get_json(client, f"/api/v1/indicators/2023/{indicator}/units", level="commune")
        assert again["items"] == view["items"]


def test_the_model_register_and_the_2023_contest(client: TestClient) -> None:
    body = {"model_id": "HB-01", "unit_code": HONG_BANG, "field": "urban",
            "title": "Phố văn minh, đô thị xanh", "started_on": "2023-03-01",
            "lead_organisation": "Ủy ban MTTQ quận Hồng Bàng"}
    assert client.post("/api/v1/models", json=body).status_code == 201
    again = client.post("/api/v1/models", json=body)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "MODEL_EXISTS")

    recognised = client.post("/api/v1/models/HB-01/recognise",
                             json={"recognition_level": "district", "recognised_on": "2023-06-01",
                                   "decision_ref": "QĐ 125-QĐ/QU", "expected_version": 1})
    assert recognised.status_code == 200 and recognised.json()["version"] == 2
    assert recognised.headers["ETag"] == '"2"'
    stale = client.post("/api/v1/models/HB-01/recognise",
                        json={"recognition_level": "city", "recognised_on": "2023-07-01",
                              "expected_version": 1})
    assert (stale.status_code, stale.json()["error"]["code"]) == (412, "PRECONDITION_FAILED")
    stale_tag = client.post("/api/v1/models/HB-01/recognise",
                            json={"recognition_level": "city", "recognised_on": "2023-07-01"},
                            headers={"If-Match": '"1"'})
    assert stale_tag.status_code == 412
    assert stale_tag.json()["error"]["details"]["current_version"] == 2
    lower = client.post("/api/v1/models/HB-01/recognise",
                        json={"recognition_level": "commune", "recognised_on": "2023-07-01"})
    assert (lower.status_code, lower.json()["error"]["code"]) == (409, "MODEL_ALREADY_AT_LEVEL")

    assert client.get("/api/v1/models/HB-01").headers["ETag"] == '"2"'
    model = get_json(client, "/api/v1/models/HB-01")
    assert (model["status"], model["recognition_level"], model["version"]) == (
        "recognised", "district", 2)
    assert model["status_label"] == "Đã được công nhận"
    assert [h["event_type"] for h in model["history"]] == ["ModelRegistered", "ModelRecognised"]

    entry = client.post("/api/v1/contests/2023/entries", json={
        "entry_id": "DT-001", "model_id": "HB-01", "title": "Phố văn minh qua ống kính",
        "submitted_on": "2023-08-20", "author": "Hội LHPN quận Hồng Bàng"})
    assert entry.status_code == 201, entry.text
    twice = client.post("/api/v1/contests/2023/entries", json={
        "model_id": "HB-01", "title": "Lần nữa", "submitted_on": "2023-08-21"})
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "ENTRY_EXISTS")
    award = client.post("/api/v1/contests/2023/entries/DT-001/award",
                        json={"award": "second", "awarded_on": "2023-10-12"})
    assert award.status_code == 200, award.text

    # Closed before its recognition, the model would count recognised while stopped.
    early = client.post("/api/v1/models/HB-01/close",
                        json={"closed_on": "2023-05-31", "reason": "Đã hoàn thành"})
    assert early.status_code == 422, early.text
    assert early.json()["error"]["code"] == "DATE_BEFORE_PREVIOUS_STEP"
    assert early.json()["error"]["details"]["previous"] == "2023-06-01"
    assert "01/06/2023" in early.json()["error"]["message"]
    closed = client.post("/api/v1/models/HB-01/close",
                         json={"closed_on": "2023-12-01", "reason": "Đã hoàn thành"})
    assert closed.status_code == 200
    assert closed.json()["version"] == 3
    after = client.post("/api/v1/models/HB-01/recognise",
                        json={"recognition_level": "city", "recognised_on": "2023-12-02"})
    assert (after.status_code, after.json()["error"]["code"]) == (409, "MODEL_CLOSED")

    wait_until(lambda: len(get_json(client, "/api/v1/contests/2023/entries")["items"]) == 1
               and get_json(client, "/api/v1/contests/2023/entries")["items"][0]["award"])
    entries = get_json(client, "/api/v1/contests/2023/entries")
    assert (entries["contest_year"], entries["total"], entries["pages"]) == (2023, 1, 1)
    [listed] = entries["items"]
    assert (listed["award_label"], listed["unit_code"]) == ("Giải Nhì", HONG_BANG)
    wait_until(lambda: bool(get_json(client, "/api/v1/models", on="2023-12-31")["items"])
               and get_json(client, "/api/v1/models", on="2023-12-31")["items"][0]["closed_on"])
    june = get_json(client, "/api/v1/models", unit=HAI_PHONG, on="2023-06-30")["items"]
    beyond = get_json(client, "/api/v1/models", unit=HAI_PHONG, on="2023-06-30", page=2,
                      page_size=1)
    assert (beyond["on"], beyond["total"], beyond["items"]) == ("2023-06-30", len(june), [])
    assert [(m["model_id"], m["status"]) for m in june] == [("HB-01", "recognised")]
    assert get_json(client, "/api/v1/models", unit=TIEN_LANG, on="2023-06-30")["items"] == []
    assert get_json(client, "/api/v1/models", active_only=True, on="2023-12-31")["items"] == []


def test_reported_figures_for_an_indicator_not_computed_from_events(client: TestClient) -> None:
    defined = client.post("/api/v1/indicators", json={
        "indicator_id": "CT5", "year": 2023,
        "name": "Tỷ lệ cơ quan nhà nước được đánh giá tốt công tác dân vận",
        "target": 90, "numerator": "Số cơ quan xếp loại tốt", "denominator": "Số cơ quan"})
    assert defined.status_code == 201, defined.text
    for unit, numerator, denominator, actor in ((TIEN_LANG, 18, 20, "bdv-tien-lang"),
                                                (HONG_BANG, 9, 12, "bdv-hong-bang")):
        response = client.post(
            "/api/v1/indicators/2023/CT5/reported-figures",
            json={"unit_code": unit, "numerator": numerator, "denominator": denominator,
                  "reported_on": "2023-12-15", "source_document": "Báo cáo 45-BC/BDV"},
            headers={"X-Actor": actor, "X-Department": "ban-dan-van-cap-huyen"})
        assert response.status_code == 201, response.text

    wait_until(lambda: get_json(client, "/api/v1/indicators/2023/CT5")["unit"]["denominator"]
               == 32)
    city = get_json(client, "/api/v1/indicators/2023/CT5")
    assert (city["unit"]["numerator"], city["unit"]["status"]) == (27, "chua_dat")  # 84.4 %
    assert _children(city)[TIEN_LANG] == (18, 20)
    listed = get_json(client, "/api/v1/indicators/2023/CT5/reported-figures")["items"]
    assert {(i["unit_code"], i["reported_by"]) for i in listed} == {
        (TIEN_LANG, "bdv-tien-lang"), (HONG_BANG, "bdv-hong-bang")}
    assert all(i["recorded_at"] for i in listed)
    # Paged like every list (finding O10): the second page of one row is the second row.
    second = get_json(client, "/api/v1/indicators/2023/CT5/reported-figures", page=2,
                      page_size=1)
    assert (second["total"], second["pages"], second["items"]) == (2, 2, listed[1:])
    bad = client.get("/api/v1/indicators/2023/CT5/reported-figures", params={"page": 0})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "page"
    wait_until(lambda: any(e["key"] == "CT5-2023@315" and e["status"] == "dat"
                           for e in status_events(client)))

    refused = [
        ("I3", {"unit_code": TIEN_LANG, "numerator": 1, "denominator": 2,
                "reported_on": "2023-12-01"}, 409, "INDICATOR_COMPUTED"),
        ("CT5", {"unit_code": TIEN_LANG, "numerator": 3, "denominator": 2,
                 "reported_on": "2023-12-01"}, 422, "NUMERATOR_ABOVE_DENOMINATOR"),
        # Hà Nội: outside the deployment's jurisdiction before any indicator scope is asked.
        ("CT5", {"unit_code": "01", "numerator": 1, "denominator": 2,
                 "reported_on": "2023-12-01"}, 422, "OUTSIDE_JURISDICTION"),
        ("CT5", {"unit_code": TIEN_LANG, "numerator": 1, "denominator": 2,
                 "reported_on": "2024-01-02"}, 422, "DATE_OUTSIDE_PERIOD"),
        ("CT9", {"unit_code": TIEN_LANG, "numerator": 1, "denominator": 2,
                 "reported_on": "2023-12-01"}, 404, "INDICATOR_NOT_FOUND"),
    ]
    for indicator, body, status, code in refused:
        response = client.post(f"/api/v1/indicators/2023/{indicator}/reported-figures",
                               json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
        if status == 409:
            details = response.json()["error"]["details"]
            assert details == {"action": "record_reported_figure", "state": "computed",
                               "allowed_actions": []}
            assert "«Nhập số liệu báo cáo»" in response.json()["error"]["message"]


def test_a_link_with_as_of_is_evaluated_on_that_moments_day_whenever_it_is_opened(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without `on`, the figure "as of" a moment is that moment's (its day in Vietnam); it was
    evaluated on the day the link was opened, so the same link said more heads owed tomorrow."""
    today = today_vn()
    body = {"indicator_id": "I3", "year": today.year, "name": "Hồ sơ đăng ký đất đai",
            "method": "sites_with_dossier", "target": 60, "denominator_fixed": 239}
    assert client.post("/api/v1/indicators", json=body).status_code == 201
    as_of = datetime.now(UTC).isoformat()
    url = f"/api/v1/indicators/{today.year}/I3"
    assert get_json(client, url, as_of=as_of)["on"] == today.isoformat()
    if today.month != 12 or today.day != 31:  # a day to come inside the year: no verdict yet
        ahead = client.get(url, params={"on": (today + timedelta(days=1)).isoformat()})
        assert (ahead.status_code, ahead.json()["error"]["code"]) == (422, "DATE_IN_FUTURE")
    tomorrow = min(today + timedelta(days=1), date(today.year, 12, 31))
    monkeypatch.setattr(indicators_api, "today_vn", lambda: tomorrow)
    assert get_json(client, url, as_of=as_of)["on"] == today.isoformat()
    assert get_json(client, url)["on"] == tomorrow.isoformat()


def test_defining_an_indicator_and_reading_it_at_a_date(client: TestClient) -> None:
    body = {"indicator_id": "I3", "year": 2024, "name": "Hồ sơ đăng ký đất đai năm 2024",
            "method": "sites_with_dossier", "target": 60, "denominator_fixed": 239}
    before = datetime.now(UTC).isoformat()
    first = client.post("/api/v1/indicators", json=body)
    assert first.status_code == 201 and first.json()["aggregate_id"] == "I3-2024"
    assert first.headers["Location"] == "/api/v1/indicators/2024/I3"
    stale = client.post("/api/v1/indicators", json={**body, "target": 70, "expected_version": 0})
    assert (stale.status_code, stale.json()["error"]["code"]) == (412, "PRECONDITION_FAILED")
    between = datetime.now(UTC).isoformat()
    redefined = client.post("/api/v1/indicators", json={**body, "target": 70},
                            headers={"If-Match": '"1"'})
    assert redefined.status_code == 200 and "Location" not in redefined.headers
    [item] = get_json(client, "/api/v1/indicators", year=2024)["items"]
    assert item["indicator"]["target_percent"] == 70.0
    assert item["total"]["denominator"] == 239

    # As known before the redefinition: its first definition (F13: the latest was applied to
    # any "as of").
    [then] = get_json(client, "/api/v1/indicators", year=2024, as_of=between)["items"]
    assert then["indicator"]["target_percent"] == 60.0
    assert get_json(client, "/api/v1/indicators/2024/I3",
                    as_of=between)["indicator"]["target_percent"] == 60.0
    # Before any record, an indicator of a year other than the plan's does not exist yet
    # (G11: reporting shows that year's figures without a target likewise); only the plan's
    # own year falls back to the plan's indicators (planrules.plan_targets_apply).
    earlier = client.get("/api/v1/indicators/2024/I3", params={"as_of": before})
    assert (earlier.status_code, earlier.json()["error"]["code"]) == (
        404, "INDICATOR_NOT_FOUND")

    view = get_json(client, "/api/v1/indicators/2024/I3", unit=TIEN_LANG, on="2024-03-31")
    assert view["on"] == "2024-03-31" and view["unit"]["status"] is None  # no sites yet
    assert view["unit"]["status_label"] == "Chưa có số liệu để đánh giá"

    for url, params, status, code in [
        ("/api/v1/indicators/2024/I3", {"on": "2023-12-31"}, 422, "DATE_OUTSIDE_PERIOD"),
        ("/api/v1/indicators/2024/I3", {"unit": "01"}, 404, "UNIT_NOT_IN_SCOPE"),
        ("/api/v1/indicators/2024/I9", {}, 404, "INDICATOR_NOT_FOUND"),
        ("/api/v1/indicators/2024/I3", {"on": "hôm qua"}, 422, "VALIDATION_ERROR"),
        ("/api/v1/indicators/2024/I3/restated", {"to": "2024-01-01"}, 422,
         "RESTATE_TO_BEFORE_PERIOD"),
        ("/api/v1/indicators/2024/I3/evidence", {"limit": 0}, 422, "VALIDATION_ERROR"),
    ]:
        response = client.get(url, params=params)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), url


def _own_events(client: TestClient, actor: str) -> int:
    with runtime_of(client).engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(events_table).where(events_table.c.actor == actor)
        ).scalar_one())


MODEL = {"unit_code": TIEN_LANG_TOWN, "field": "urban", "title": "Mô hình",
         "started_on": "2023-03-01"}
BAD_COMMANDS: list[tuple[str, str, dict[str, Any], str]] = [
    ("missing fields", "/api/v1/models", {"unit_code": TIEN_LANG_TOWN}, "VALIDATION_ERROR"),
    ("unknown unit", "/api/v1/models", {**MODEL, "unit_code": "99999"}, "UNKNOWN_UNIT"),
    # 11948, Đặc khu Bạch Long Vĩ, exists only from the 2025 reform.
    ("unit not yet existing", "/api/v1/models", {**MODEL, "unit_code": "11948",
                                                 "started_on": "2023-03-01"}, "UNKNOWN_UNIT"),
    ("unknown field", "/api/v1/models", {**MODEL, "field": "văn hóa"}, "VALIDATION_ERROR"),
    ("NUL byte", "/api/v1/models", {**MODEL, "title": "Mô\u0000hình"}, "VALIDATION_ERROR"),
    ("oversized title", "/api/v1/models", {**MODEL, "title": "Dân vận " * 100},
     "VALIDATION_ERROR"),
    ("extra field", "/api/v1/models", {**MODEL, "budget": 5}, "VALIDATION_ERROR"),
    ("future start", "/api/v1/models", {**MODEL, "started_on": "2099-01-01"}, "DATE_IN_FUTURE"),
    # Stopping is a dated closing; registered "closed", the model counted active for ever.
    ("registered closed", "/api/v1/models", {**MODEL, "status": "closed"}, "VALIDATION_ERROR"),
    ("recognised without level", "/api/v1/models", {**MODEL, "status": "recognised"},
     "RECOGNISED_WITHOUT_LEVEL"),
    ("recognise unknown model", "/api/v1/models/NOPE/recognise",
     {"recognition_level": "city", "recognised_on": "2023-05-01"}, "MODEL_NOT_FOUND"),
    ("entry for unknown model", "/api/v1/contests/2023/entries",
     {"model_id": "NOPE", "title": "Bài", "submitted_on": "2023-05-01"}, "MODEL_NOT_FOUND"),
    ("contest year before the plan", "/api/v1/contests/2019/entries",
     {"model_id": "NOPE", "title": "Bài", "submitted_on": "2019-05-01"}, "CONTEST_YEAR_UNKNOWN"),
    ("commune as scope", "/api/v1/indicators",
     {"indicator_id": "X1", "year": 2023, "name": "X", "target": 50,
      "scope_unit_codes": [TIEN_LANG_TOWN]}, "SCOPE_NOT_PROVINCE_OR_DISTRICT"),
    ("overlapping scope", "/api/v1/indicators",
     {"indicator_id": "X1", "year": 2023, "name": "X", "target": 50,
      "scope_unit_codes": [HAI_PHONG, TIEN_LANG]}, "SCOPE_OVERLAPS"),
    ("district scope gone in 2025", "/api/v1/indicators",
     {"indicator_id": "X1", "year": 2025, "name": "X", "target": 50,
      "scope_unit_codes": [TIEN_LANG]}, "UNKNOWN_UNIT"),
    ("period outside the year", "/api/v1/indicators",
     {"indicator_id": "X1", "year": 2023, "name": "X", "target": 50,
      "period_end": "2024-03-31"}, "PERIOD_OUTSIDE_YEAR"),
    ("models without fields", "/api/v1/indicators",
     {"indicator_id": "X1", "year": 2023, "name": "X", "target": 50,
      "method": "model_coverage"}, "FIELDS_REQUIRED"),
    ("unknown method", "/api/v1/indicators",
     {"indicator_id": "X1", "year": 2023, "name": "X", "target": 50, "method": "guess"},
     "VALIDATION_ERROR"),
    ("negative target", "/api/v1/indicators",
     {"indicator_id": "X1", "year": 2023, "name": "X", "target": -5}, "VALIDATION_ERROR"),
    # A wrong type is bad input, not a number to guess (true was a target of 1).
    ("boolean target", "/api/v1/indicators",
     {"indicator_id": "X1", "year": 2023, "name": "X", "target": True}, "VALIDATION_ERROR"),
    ("year as text", "/api/v1/indicators",
     {"indicator_id": "X1", "year": "2023", "name": "X", "target": 50}, "VALIDATION_ERROR"),
]


def test_bad_commands_get_a_4xx_in_the_error_format_and_write_nothing(
    client: TestClient,
) -> None:
    for case, url, body, code in BAD_COMMANDS:
        response = client.post(url, json=body, headers={"X-Actor": "thu-nghiem"})
        assert 400 <= response.status_code < 500, (case, response.status_code, response.text)
        error = response.json()["error"]
        assert error["code"] == code, (case, error)
        assert not error["message"].isascii(), (case, "a Vietnamese message")
    broken = client.post("/api/v1/models", content=b"{not json",
                         headers={"content-type": "application/json", "X-Actor": "thu-nghiem"})
    assert broken.status_code == 422
    assert _own_events(client, "thu-nghiem") == 0


def test_the_unit_catalogue_as_of_a_date(client: TestClient) -> None:
    tree = get_json(client, "/api/v1/units/tree", root=HAI_PHONG, on="2023-06-01")["tree"]
    assert len(tree["children"]) == 15
    assert sum(len(d["children"]) for d in tree["children"]) == 217
    names = {d["code"]: d["name"] for d in tree["children"]}
    assert (names["311"], names["312"]) == ("Huyện Thuỷ Nguyên", "Huyện An Dương")
    early_2025 = get_json(client, "/api/v1/units/tree", root=HAI_PHONG, on="2025-03-01")["tree"]
    assert sum(len(d["children"]) for d in early_2025["children"]) == 167
    today = get_json(client, "/api/v1/units/tree", root=HAI_PHONG, on="2025-08-01")["tree"]
    assert len(today["children"]) == 114
    assert {c["level"] for c in today["children"]} == {"commune"}

    town = get_json(client, f"/api/v1/units/{TIEN_LANG_TOWN}", on="2023-06-01")
    assert town["name"] == "Thị trấn Tiên Lãng"
    assert [a["code"] for a in town["ancestors"]] == [TIEN_LANG, HAI_PHONG]
    assert get_json(client, f"/api/v1/units/{TIEN_LANG_TOWN}", on="2025-08-01")["name"] == (
        "Xã Tiên Lãng")

    history = get_json(client, f"/api/v1/units/{TIEN_LANG_TOWN}/history")
    assert [(v["name"], v["valid_from"], v["valid_to"]) for v in history["versions"]] == [
        ("Thị trấn Tiên Lãng", "1990-01-01", "2025-07-01"),
        ("Xã Tiên Lãng", "2025-07-01", None),
    ]
    [succession] = history["successors"]
    assert succession["successor_code"] == TIEN_LANG_TOWN and succession["effective"] == (
        "2025-07-01")
    assert succession["successor_name"] == "Xã Tiên Lãng"
    province = get_json(client, "/api/v1/units/30/history")  # Hải Dương merged into Hải Phòng
    assert [s["successor_code"] for s in province["successors"]] == [HAI_PHONG]

    found = get_json(client, "/api/v1/units/search", q="tien lang", on="2023-06-01")["items"]
    assert found[0]["code"] == TIEN_LANG
    restated = get_json(client, f"/api/v1/units/{TIEN_LANG}/restate", to="2025-08-01",
                        on="2023-06-01")
    assert TIEN_LANG_TOWN in [u["code"] for u in restated["items"]]
    communes = get_json(client, "/api/v1/units", on="2023-06-01", level="commune",
                        province=HAI_PHONG)
    assert communes["total"] == 217
    # A paged list: the last page holds what the four full ones before it leave.
    last = get_json(client, "/api/v1/units", on="2023-06-01", level="commune",
                    province=HAI_PHONG, page=communes["pages"])
    assert communes["pages"] == 5 and communes["page_size"] == len(communes["items"]) == 50
    assert len(last["items"]) == 217 - 4 * 50 and last["province"] == HAI_PHONG
    assert not {u["code"] for u in last["items"]} & {u["code"] for u in communes["items"]}

    # 11347 Phường Gia Viên was merged on 1/1/2025 into 11341, which took its name.
    gia_vien = get_json(client, "/api/v1/units/11347/history")
    assert [(s["successor_code"], s["successor_name"]) for s in gia_vien["successors"]] == [
        ("11341", "Phường Gia Viên")]
    # 11788 Xã Bạch Đằng (Tiên Lãng) was merged too; the data does not say into what.
    unknown = get_json(client, "/api/v1/units/successions/unknown")
    # 43 merged on 1/1/2025, 118 on 1/7/2025 (finding M2).
    assert unknown["province"] == HAI_PHONG and unknown["total"] == 43 + 118
    by_code = {u["code"]: u for u in unknown["items"]}
    assert by_code["11788"]["name"] == "Xã Bạch Đằng"
    assert by_code["11788"]["valid_to"] == "2025-01-01"
    assert "11347" not in by_code

    for url, params, status, code in [
        ("/api/v1/units/99999", {}, 404, "UNIT_NOT_FOUND"),
        (f"/api/v1/units/{TIEN_LANG}", {"on": "2025-08-01"}, 404, "UNIT_NOT_VALID_ON"),
        ("/api/v1/units/abc", {}, 422, "VALIDATION_ERROR"),
        ("/api/v1/units/tree", {"root": HAI_PHONG, "on": "31/12/2023"}, 422,
         "VALIDATION_ERROR"),
        ("/api/v1/units/search", {"q": ""}, 422, "VALIDATION_ERROR"),
    ]:
        response = client.get(url, params=params)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), url


def test_only_the_city_level_reads_the_restated_view(client: TestClient) -> None:
    url = "/api/v1/indicators/2023/I3/restated"
    assert client.get(url).status_code == 200
    board = {"X-Scopes": "indicators:read", "X-Unit-Scope": "315"}  # Huyện Tiên Lãng
    refused = client.get(url, headers=board)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"]


def test_an_official_completes_a_successor_unknown_as_an_event(client: TestClient) -> None:
    url = "/api/v1/units/successions"
    before = get_json(client, f"{url}/unknown")
    assert before["total"] == 43 + 118 and before["recorded"] == []
    # 11788 Xã Bạch Đằng (Tiên Lãng) ceased on 1/1/2025; 11791, until then Xã Quang Phục,
    # became Xã Tân Minh that day.
    body = {"predecessor_code": "11788", "successor_code": "11791",
            "legal_basis": "Nghị quyết 1232/NQ-UBTVQH15"}
    recorded = client.post(url, json=body, headers={"X-Actor": "vp-ban-dan-van"})
    assert recorded.status_code == 201, recorded.text
    after = get_json(client, f"{url}/unknown")
    assert after["total"] == 42 + 118 and "11788" not in {u["code"] for u in after["items"]}
    [done] = after["recorded"]
    assert (done["predecessor_code"], done["predecessor_name"]) == ("11788", "Xã Bạch Đằng")
    assert (done["successor_code"], done["successor_name"]) == ("11791", "Xã Tân Minh")
    assert (done["effective"], done["actor"]) == ("2025-01-01", "vp-ban-dan-van")
    for case, wrong, status, code in [
        ("recorded twice", body, 409, "SUCCESSION_ALREADY_RECORDED"),
        ("successor derived from the data", {**body, "predecessor_code": "11347"}, 422,
         "SUCCESSOR_ALREADY_KNOWN"),
        ("successor ceased that day", {**body, "predecessor_code": "11794",
                                       "successor_code": "11788"}, 422, "UNKNOWN_UNIT"),
        ("a district for a commune", {**body, "predecessor_code": "11794",
                                      "successor_code": TIEN_LANG}, 422,
         "SUCCESSOR_LEVEL_MISMATCH"),
        ("outside Hai Phong", {**body, "predecessor_code": "11794", "successor_code": "00001"},
         422, "OUTSIDE_JURISDICTION"),
    ]:
        response = client.post(url, json=wrong)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), case
    board = client.post(url, json={**body, "predecessor_code": "11794"},
                        headers={"X-Unit-Scope": TIEN_LANG})
    assert board.status_code == 403 and board.json()["error"]["code"] == "CITY_LEVEL_ONLY"
    assert get_json(client, f"{url}/unknown")["total"] == 42 + 118


def test_the_reforms_merged_communes_await_a_successor_and_a_refusal_says_why(
    client: TestClient,
) -> None:
    """Finding M2: 11758 Xã Đại Thắng (Tiên Lãng) ceased on 01/07/2025 and the data shows no
    successor; it was on no worklist and its recording was refused SUCCESSOR_ALREADY_KNOWN,
    which was false (as it was for a unit still in use or a code that never existed). It is
    on the worklist and takes a successor; the districts the reform abolished are not; each
    refusal names its own reason."""
    url = "/api/v1/units/successions"
    worklist = get_json(client, f"{url}/unknown")
    listed = {u["code"]: u for u in worklist["items"]}
    assert listed["11758"]["name"] == "Xã Đại Thắng"
    assert listed["11758"]["valid_to"] == "2025-07-01"
    assert "11764" in listed and TIEN_LANG not in listed  # Xã Tự Cường; Huyện Tiên Lãng
    assert not [u for u in worklist["items"] if len(u["code"]) == 3]
    body = {"predecessor_code": "11758", "successor_code": "11761",
            "legal_basis": "Nghị quyết 1669/NQ-UBTVQH15"}
    for case, wrong, code, said in [
        ("successor derived from the data", {**body, "predecessor_code": "11347"},
         "SUCCESSOR_ALREADY_KNOWN", "«Phường Gia Viên» (11341)"),
        ("a unit still in use", {**body, "predecessor_code": "11755"},
         "PREDECESSOR_STILL_CURRENT", "vẫn còn trong danh mục"),
        ("no such code", {**body, "predecessor_code": "99999"}, "UNKNOWN_UNIT", "«99999»"),
        ("a district the reform abolished", {**body, "predecessor_code": TIEN_LANG,
                                             "successor_code": "11761"},
         "DISTRICT_LEVEL_ABOLISHED", "bỏ cấp huyện"),
        ("a Hải Dương commune", {**body, "predecessor_code": "10522"},
         "OUTSIDE_JURISDICTION", "10522"),
    ]:
        response = client.post(url, json=wrong)
        error = response.json()["error"]
        assert (response.status_code, error["code"]) == (422, code), case
        assert said in error["message"], (case, error["message"])
    recorded = client.post(url, json=body, headers={"X-Actor": "vp-ban-dan-van"})
    assert recorded.status_code == 201, recorded.text
    [done] = get_json(client, f"{url}/unknown")["recorded"]
    assert (done["predecessor_code"], done["successor_code"], done["effective"]) == (
        "11758", "11761", "2025-07-01")
    assert done["successor_name"] == "Xã Quyết Thắng"


def test_the_worklist_of_merged_units_says_what_recording_a_successor_changes(
    client: TestClient,
) -> None:
    """Finding J15: a recorded successor moves the figures, and the worklist's note says so:
    a 2023 model of 11788 Xã Bạch Đằng carried to the units of February 2025 is in the line
    of what is not carried until 11791 is recorded as its successor, then 11791's (the
    restated view follows the catalogue as known at the figures' "as of"); as of a time
    before the recording, as before."""
    model = client.post("/api/v1/models", json={
        **MODEL, "model_id": "J15-01", "unit_code": "11788", "field": "new_rural",
        "started_on": "2023-03-01"})
    assert model.status_code == 201, model.text
    wait_applied(client, 5)

    def carried(**as_of: str) -> tuple[list[str], int, dict[str, int]]:
        view = get_json(client, "/api/v1/indicators/2023/I1/restated", to="2025-02-01",
                        **as_of)
        return ([c for c in view["not_carried"]["communes"] if c == "11788"],
                view["not_carried"]["numerator"],
                {u["unit_code"]: u["numerator"] for u in view["units"]
                 if u["unit_code"] == "11791"})

    before = carried()
    assert before == (["11788"], 1, {"11791": 0})
    earlier = datetime.now(UTC).isoformat()
    recorded = client.post("/api/v1/units/successions", json={
        "predecessor_code": "11788", "successor_code": "11791",
        "legal_basis": "Nghị quyết 1232/NQ-UBTVQH15"})
    assert recorded.status_code == 201, recorded.text
    worklist = get_json(client, "/api/v1/units/successions/unknown")
    assert [r["predecessor_code"] for r in worklist["recorded"]] == ["11788"]
    assert "được tính cho đơn vị kế thừa từ ngày sáp nhập" in worklist["note"]
    assert "«Chưa gắn với đơn vị hành chính hiện hành»" in worklist["note"]
    assert carried() == ([], 0, {"11791": 1})
    assert carried(as_of=earlier) == before


def test_the_unit_routes_know_a_recorded_successor_as_the_figures_do(
    client: TestClient,
) -> None:
    """Finding M10: after 11788 -> 11791 is recorded, «Quy đổi địa bàn» and «Lịch sử một mã
    đơn vị» follow the catalogue as known now, as the figures place 11788's facts at 11791;
    as of a moment before the recording, as before it."""
    def restated(**params: str) -> list[str]:
        view = get_json(client, "/api/v1/units/11788/restate", **params)
        return [u["code"] for u in view["items"]]

    def linked(code: str, side: str, **as_of: str) -> list[tuple[str, str]]:
        history = get_json(client, f"/api/v1/units/{code}/history", **as_of)
        return [(s["predecessor_code"], s["successor_code"]) for s in history[side]]

    assert restated(to="2025-03-01") == []
    assert linked("11788", "successors") == []
    earlier = datetime.now(UTC).isoformat()
    recorded = client.post("/api/v1/units/successions", json={
        "predecessor_code": "11788", "successor_code": "11791",
        "legal_basis": "Nghị quyết 1232/NQ-UBTVQH15"})
    assert recorded.status_code == 201, recorded.text
    assert restated(to="2025-03-01") == ["11791"]
    assert "11791" in restated(to="2026-01-01", on="2024-06-01")
    [succession] = get_json(client, "/api/v1/units/11788/history")["successors"]
    assert (succession["successor_code"], succession["successor_name"], succession["basis"]) == (
        "11791", "Xã Tân Minh", "recorded")
    assert ("11788", "11791") in linked("11791", "predecessors")
    assert restated(to="2025-03-01", as_of=earlier) == []
    assert linked("11788", "successors", as_of=earlier) == []
    assert ("11788", "11791") not in linked("11791", "predecessors", as_of=earlier)


def test_a_model_is_recognised_in_date_order(client: TestClient) -> None:
    """Finding J21: a higher level dated before the last recognition was accepted, so the
    model read city-level first and district-level a month later."""
    assert client.post("/api/v1/models", json={**MODEL, "model_id": "J21-01"}).status_code == 201
    district = client.post("/api/v1/models/J21-01/recognise",
                           json={"recognition_level": "district", "recognised_on": "2023-08-01"})
    assert district.status_code == 200, district.text
    earlier = client.post("/api/v1/models/J21-01/recognise",
                          json={"recognition_level": "city", "recognised_on": "2023-07-01"})
    assert earlier.status_code == 422, earlier.text
    assert earlier.json()["error"]["code"] == "DATE_BEFORE_PREVIOUS_STEP"
    assert "01/08/2023" in earlier.json()["error"]["message"]
    assert get_json(client, "/api/v1/models/J21-01")["recognition_level"] == "district"
    later = client.post("/api/v1/models/J21-01/recognise",
                        json={"recognition_level": "city", "recognised_on": "2023-08-01"})
    assert later.status_code == 200, later.text


def test_a_recognition_of_a_day_the_model_ran_is_accepted_after_its_closing(
    client: TestClient,
) -> None:
    """Finding J21, second half: a recognition dated before the model's closing but entered
    after it was refused MODEL_CLOSED, by the order of entry. It is a true fact of a day the
    model ran: accepted, the model stays closed, and the register counts it from its day.
    Dated after the closing it is still refused; before the last recognition, still 422."""
    assert client.post("/api/v1/models", json={**MODEL, "model_id": "J21-02"}).status_code == 201
    url = "/api/v1/models/J21-02"
    assert client.post(f"{url}/recognise", json={
        "recognition_level": "district", "recognised_on": "2023-05-01"}).status_code == 200
    assert client.post(f"{url}/close", json={
        "closed_on": "2023-08-01", "reason": "Dừng"}).status_code == 200
    after = client.post(f"{url}/recognise",
                        json={"recognition_level": "city", "recognised_on": "2023-08-02"})
    assert (after.status_code, after.json()["error"]["code"]) == (409, "MODEL_CLOSED")
    early = client.post(f"{url}/recognise",
                        json={"recognition_level": "city", "recognised_on": "2023-04-01"})
    assert (early.status_code, early.json()["error"]["code"]) == (
        422, "DATE_BEFORE_PREVIOUS_STEP"), early.text
    late = client.post(f"{url}/recognise",
                       json={"recognition_level": "city", "recognised_on": "2023-07-01"})
    assert late.status_code == 200, late.text
    model = get_json(client, url)
    assert (model["recognition_level"], model["status"]) == ("city", "closed")

    def listed(on: str) -> dict[str, Any]:
        items = get_json(client, "/api/v1/models", on=on)["items"]
        found: list[dict[str, Any]] = [m for m in items if m["model_id"] == "J21-02"]
        assert found, (on, items)
        return found[0]

    # The register is the projection's: wait until the late recognition reached it.
    wait_until(lambda: any(
        m["model_id"] == "J21-02" and m["recognition_level"] == "city"
        for m in get_json(client, "/api/v1/models", on="2023-07-15")["items"]), timeout=30)
    assert (listed("2023-06-15")["recognition_level"], listed("2023-06-15")["status"]) == (
        "district", "recognised")
    assert (listed("2023-07-15")["recognition_level"], listed("2023-07-15")["status"]) == (
        "city", "recognised")
    assert listed("2023-08-15")["status"] == "closed"
    # Closed again after the late recognition? The model's last fact is still its closing.
    again = client.post(f"{url}/close", json={"closed_on": "2023-09-01", "reason": "x"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "MODEL_CLOSED")
