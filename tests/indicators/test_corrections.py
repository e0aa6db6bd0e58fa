"""A corrected holding in the indicators service's own evaluation of I2 (G18): as if the right
holding had been recorded, live and after a rebuild; as known before the correction, as it
was."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from shared.envelope import utcnow
from tests.indicators.conftest import Upstream, get_json, wait_applied
from tests.indicators.scenario import (
    DAI_THANG,
    HAI_PHONG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    dialogue_2023,
    religion_2023,
)
from tests.integration.helpers import rebuild_and_wait

PLAN_DEFINITIONS = 4
CORRECTED_AT = datetime(2024, 3, 1, 2, tzinfo=UTC)


def _i2(client: TestClient, **params: str) -> tuple[int, int]:
    overview = get_json(client, "/api/v1/indicators", year=2023, **params)
    total = next(i["total"] for i in overview["items"]
                 if i["indicator"]["indicator_id"] == "I2")
    return total["numerator"], total["denominator"]


def _sessions(client: TestClient) -> dict[str, list[str]]:
    found = get_json(client, "/api/v1/indicators/2023/I2/evidence", unit=HAI_PHONG)
    return {i["key"]: [s["session_id"] for s in i["sessions"]] for i in found["items"]}


def test_a_corrected_holding_counts_for_i2_as_if_recorded_right(
    client: TestClient, upstream: Upstream
) -> None:
    dialogue = dialogue_2023(upstream)
    upstream.publish(*dialogue)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue))
    assert _i2(client) == (5, 6)
    # P3 (H3, 05/05/2023) never took place; P1 (H1 and H2, 10/03/2023) was held on
    # 10/12/2022, before 2023's window (15/12/2022 -> 14/12/2023), so H2 has none where the
    # commune's rule owes one (H1 still has P7 and P2).
    corrections = [
        upstream.session_corrected("P3", TIEN_LANG, (date(2023, 5, 5), ["H3"]), None,
                                   CORRECTED_AT),
        upstream.session_corrected("P1", TIEN_LANG_TOWN, (date(2023, 3, 10), ["H1", "H2"]),
                                   (date(2022, 12, 10), ["H1", "H2"]), CORRECTED_AT),
    ]
    upstream.publish(*corrections)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue) + len(corrections))
    assert _i2(client) == (3, 6)
    sessions = _sessions(client)
    assert (sessions["H1"], sessions["H2"], sessions["H3"]) == (["P7", "P2"], [], [])
    # As known before the corrections were recorded.
    assert _i2(client, as_of="2024-02-01T00:00:00+07:00") == (5, 6)

    rebuild_and_wait(client)
    assert _i2(client) == (3, 6)
    assert _sessions(client) == sessions


def test_a_corrected_from_date_counts_the_head_from_the_right_day(
    client: TestClient, upstream: Upstream
) -> None:
    dialogue = dialogue_2023(upstream)
    # H9, Đại Thắng's chair from 01/01/2023 with no session: owes the commune's over 2023's
    # window (181 days at one a year, 167 at two to 14/12: 1.41 -> 1) and does not meet it.
    dialogue.append(upstream.head("H9", DAI_THANG, date(2023, 1, 1),
                                  role="people_committee_chair"))
    upstream.publish(*dialogue)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue))
    assert _i2(client) == (5, 7)
    # H9 took office on 10/12/2023 (owes 5 x 2 / 365 -> 0: meets); H7 on 01/06/2023, not
    # 01/02/2024 (30 days at one, 167 at two: 364/365 -> 1, none held: does not).
    corrections = [
        upstream.took_office_corrected("H9", DAI_THANG, date(2023, 1, 1), date(2023, 12, 10),
                                       CORRECTED_AT),
        upstream.took_office_corrected("H7", DAI_THANG, date(2024, 2, 1), date(2023, 6, 1),
                                       CORRECTED_AT),
    ]
    upstream.publish(*corrections)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue) + len(corrections))
    assert _i2(client) == (6, 8)
    assert _i2(client, as_of="2024-02-01T00:00:00+07:00") == (5, 7)
    rebuild_and_wait(client)
    assert _i2(client) == (6, 8)


def test_a_hand_over_corrected_to_a_later_day_counts_the_predecessor_until_it(
    client: TestClient, upstream: Upstream
) -> None:
    """Finding L2: H4 handed Quán Toan over to H5 on 01/09/2023, not 01/04: H4's leaving
    restated (`HeadLeftOfficeCorrected`) with H5's first day. H4 then owes the commune's
    rule for 243 days (181 at one a year, 62 at two: 0.84 -> 1) and held none: 4/6; H5
    (122 days at two: 1) held P4 and still meets it."""
    dialogue = dialogue_2023(upstream)
    upstream.publish(*dialogue)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue))
    assert _i2(client) == (5, 6)
    corrections = [
        upstream.left_office_corrected("H4", QUAN_TOAN, date(2023, 3, 31), date(2023, 8, 31),
                                       CORRECTED_AT),
        upstream.took_office_corrected("H5", QUAN_TOAN, date(2023, 4, 1), date(2023, 9, 1),
                                       CORRECTED_AT),
    ]
    upstream.publish(*corrections)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue) + len(corrections))
    assert _i2(client) == (4, 6)
    assert _i2(client, as_of="2024-02-01T00:00:00+07:00") == (5, 6)
    rebuild_and_wait(client)
    assert _i2(client) == (4, 6)


# --- a model registered in the wrong commune or with the wrong start ------------------------


def _i1_communes(client: TestClient, **params: str) -> dict[str, tuple[int, int]]:
    view = get_json(client, "/api/v1/indicators/2023/I1", unit=TIEN_LANG, **params)
    return {c["unit_code"]: (c["numerator"], c["denominator"]) for c in view["children"]
            if c["numerator"]}


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


def test_a_model_registered_in_the_wrong_commune_counts_for_the_right_one(
    client: TestClient,
) -> None:
    registered = client.post("/api/v1/models", json={
        "model_id": "MH-SAI", "unit_code": TIEN_LANG_TOWN, "field": "new_rural",
        "title": "Dân vận khéo trong xây dựng nông thôn mới", "started_on": "2023-02-01"})
    assert registered.status_code == 201, registered.text
    wait_applied(client, PLAN_DEFINITIONS + 1)
    assert _i1_communes(client) == {TIEN_LANG_TOWN: (1, 1)}
    before = utcnow().isoformat()
    url = "/api/v1/models/MH-SAI/registration/corrections"
    corrected = client.post(url, json={"unit_code": DAI_THANG, "reason": "Nhập nhầm xã"},
                            headers={"If-Match": '"1"'})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["events"][0]["event_type"] == "ModelRegisteredCorrected"
    wait_applied(client, PLAN_DEFINITIONS + 2)
    assert _i1_communes(client) == {DAI_THANG: (1, 1)}
    assert _i1_communes(client, as_of=before) == {TIEN_LANG_TOWN: (1, 1)}
    # Both facts in the model's history; the model reads as corrected.
    model = get_json(client, "/api/v1/models/MH-SAI")
    assert model["unit_code"] == DAI_THANG
    assert [h["event_type"] for h in model["history"]] == [
        "ModelRegistered", "ModelRegisteredCorrected"]
    assert model["history"][1]["payload"]["previous_unit_code"] == TIEN_LANG_TOWN
    # A later start counts from that day only.
    ok = client.post(url, json={"started_on": "2023-08-01", "reason": "Nhầm ngày bắt đầu"},
                     headers={"If-Match": '"2"'})
    assert ok.status_code == 200, ok.text
    wait_applied(client, PLAN_DEFINITIONS + 3)
    assert _i1_communes(client, on="2023-06-30") == {}
    assert _i1_communes(client) == {DAI_THANG: (1, 1)}
    rebuild_and_wait(client)
    assert _i1_communes(client) == {DAI_THANG: (1, 1)}
    assert _i1_communes(client, on="2023-06-30") == {}


def test_a_models_recognition_follows_the_correction_of_its_commune(
    client: TestClient,
) -> None:
    """A recognition recorded while the model stood in the wrong commune belongs to the
    right one once the registration is corrected (as reporting counts it): the register by
    unit and I1, live and after a rebuild; as of before the correction, the old commune."""
    registered = client.post("/api/v1/models", json={
        "model_id": "MH-CN", "unit_code": TIEN_LANG_TOWN, "field": "new_rural",
        "title": "Dân vận khéo trong xây dựng nông thôn mới", "started_on": "2023-02-01"})
    assert registered.status_code == 201, registered.text
    recognised = client.post("/api/v1/models/MH-CN/recognise", json={
        "recognition_level": "district", "recognised_on": "2023-05-01"})
    assert recognised.status_code == 200, recognised.text
    wait_applied(client, PLAN_DEFINITIONS + 2)
    before = utcnow().isoformat()
    corrected = client.post("/api/v1/models/MH-CN/registration/corrections",
                            json={"unit_code": DAI_THANG, "reason": "Nhập nhầm xã"},
                            headers={"If-Match": '"2"'})
    assert corrected.status_code == 200, corrected.text
    wait_applied(client, PLAN_DEFINITIONS + 3)

    def register(unit: str, **params: str) -> list[tuple[str, str, str | None]]:
        found = get_json(client, "/api/v1/models", unit=unit, **params)["items"]
        return [(m["model_id"], m["unit_code"], m["recognised_on"]) for m in found]

    right = [("MH-CN", DAI_THANG, "2023-05-01")]
    for _ in range(2):  # live, then rebuilt
        assert register(DAI_THANG) == right and register(TIEN_LANG_TOWN) == []
        assert _i1_communes(client) == {DAI_THANG: (1, 1)}
        assert register(TIEN_LANG_TOWN, as_of=before) == [
            ("MH-CN", TIEN_LANG_TOWN, "2023-05-01")]
        assert _i1_communes(client, as_of=before) == {TIEN_LANG_TOWN: (1, 1)}
        rebuild_and_wait(client)


def test_a_models_contest_entry_follows_the_correction_of_its_commune(
    client: TestClient,
) -> None:
    """A contest entry submitted while the model stood in the wrong commune is listed under
    the right one once the registration is corrected (as reporting counts it), and an entry
    of another model stays where it was: live and after a rebuild."""
    for model_id, unit in (("MH-DT", TIEN_LANG_TOWN), ("MH-KHAC", TIEN_LANG_TOWN)):
        registered = client.post("/api/v1/models", json={
            "model_id": model_id, "unit_code": unit, "field": "new_rural",
            "title": "Dân vận khéo trong xây dựng nông thôn mới", "started_on": "2023-02-01"})
        assert registered.status_code == 201, registered.text
        entry = client.post("/api/v1/contests/2023/entries", json={
            "entry_id": f"DT-{model_id}", "model_id": model_id, "title": "Bài dự thi",
            "submitted_on": "2023-04-01"})
        assert entry.status_code == 201, entry.text
    corrected = client.post("/api/v1/models/MH-DT/registration/corrections",
                            json={"unit_code": DAI_THANG, "reason": "Nhập nhầm xã"},
                            headers={"If-Match": '"1"'})
    assert corrected.status_code == 200, corrected.text
    wait_applied(client, PLAN_DEFINITIONS + 5)
    for _ in range(2):  # live, then rebuilt
        entries = get_json(client, "/api/v1/contests/2023/entries")["items"]
        assert {e["entry_id"]: e["unit_code"] for e in entries} == {
            "DT-MH-DT": DAI_THANG, "DT-MH-KHAC": TIEN_LANG_TOWN}
        rebuild_and_wait(client)


def test_bad_model_corrections_are_refused_and_write_nothing(client: TestClient) -> None:
    assert client.post("/api/v1/models", json={
        "model_id": "MH-X", "unit_code": TIEN_LANG_TOWN, "field": "urban",
        "title": "Dân vận khéo chỉnh trang đô thị", "started_on": "2023-02-01"},
    ).status_code == 201
    assert client.post("/api/v1/models/MH-X/recognise", json={
        "recognition_level": "district", "recognised_on": "2023-05-01"}).status_code == 200
    url = "/api/v1/models/MH-X/registration/corrections"
    tag = {"If-Match": '"2"'}  # the model's ETag: registered, recognised
    _refused(client.post(url, json={"unit_code": DAI_THANG}, headers=tag), 422,
             "VALIDATION_ERROR")
    _refused(client.post(url, json={"unit_code": TIEN_LANG_TOWN, "reason": "x"}, headers=tag),
             422, "CORRECTION_CHANGES_NOTHING")
    _refused(client.post(url, json={"started_on": "2023-06-01", "reason": "x"}, headers=tag),
             422, "START_AFTER_LATER_FACT")
    _refused(client.post(url, json={"started_on": "2099-01-01", "reason": "x"}, headers=tag),
             422, "DATE_IN_FUTURE")
    _refused(client.post(url, json={"unit_code": "00004", "reason": "x"}, headers=tag), 422,
             "OUTSIDE_JURISDICTION")
    _refused(client.post(url, json={"unit_code": DAI_THANG, "reason": "x"},
                         headers={"If-Match": '"1"'}), 412, "PRECONDITION_FAILED")
    _refused(client.post("/api/v1/models/MH-KHONG/registration/corrections",
                         json={"unit_code": DAI_THANG, "reason": "x"}), 404, "MODEL_NOT_FOUND")
    model = get_json(client, "/api/v1/models/MH-X")
    assert [h["event_type"] for h in model["history"]] == ["ModelRegistered", "ModelRecognised"]


def _site_figure(client: TestClient, indicator_id: str, on: str, **params: str) -> int:
    found = get_json(client, f"/api/v1/indicators/2023/{indicator_id}", unit=HAI_PHONG,
                     on=on, **params)
    return int(found["unit"]["numerator"])


def test_religions_corrections_count_for_i3_and_i4_as_if_recorded_right(
    client: TestClient, upstream: Upstream
) -> None:
    """Finding H12: religion's corrections were skipped here (religion and reporting applied
    them): S7's certificate issued 01/05/2023 re-dated 15/07 is not on 30/06; S5's lodging
    (01/02) recorded by mistake takes S5 out of I3. Live, as known before, after a rebuild."""
    religion = religion_2023(upstream)
    upstream.publish(*religion)
    wait_applied(client, PLAN_DEFINITIONS + len(religion))
    assert (_site_figure(client, "I4", "2023-06-30"), _site_figure(client, "I3", "2023-12-31")
            ) == (1, 4)
    issued = next(e for e in religion if e.event_type == "CertificateIssued"
                  and e.payload["site_code"] == "S7")
    lodged = next(e for e in religion if e.event_type == "LandDossierLodged"
                  and e.payload["site_code"] == "S5")
    corrections = [
        upstream.event("religion", "certificate", "S7", "CertificateIssuedCorrected", {
            **issued.payload, "issued_on": "2023-07-15", "corrects": str(issued.event_id),
            "corrected_version": issued.aggregate_version, "reason": "Ngày cấp ghi nhầm",
            "void": False, "issuing_authority": "UBND huyện", "certified_area_m2": 100.0,
        }, date(2023, 7, 15), recorded_at=CORRECTED_AT),
        upstream.event("religion", "dossier", "S5", "DossierStepCorrected", {
            "site_code": "S5", "corrected_type": "LandDossierLodged", "state": "lodged",
            "acted_on": "2023-02-01", "note": "", "document_refs": [],
            "corrects": str(lodged.event_id), "corrected_version": lodged.aggregate_version,
            "reason": "Ghi nhầm cơ sở", "void": True,
        }, date(2023, 2, 1), recorded_at=CORRECTED_AT),
    ]
    upstream.publish(*corrections)
    wait_applied(client, PLAN_DEFINITIONS + len(religion) + len(corrections))
    assert _site_figure(client, "I4", "2023-06-30") == 0
    assert _site_figure(client, "I4", "2023-07-31") == 1
    assert _site_figure(client, "I3", "2023-12-31") == 3
    # As known before the corrections were recorded (after S1's late lodging).
    before = "2024-02-15T00:00:00+07:00"
    assert _site_figure(client, "I4", "2023-06-30", as_of=before) == 1
    assert _site_figure(client, "I3", "2023-12-31", as_of=before) == 4
    rebuild_and_wait(client)
    assert (_site_figure(client, "I4", "2023-06-30"), _site_figure(client, "I3", "2023-12-31")
            ) == (0, 3)


def test_a_model_correction_without_if_match_is_refused_428_after_the_scope(
    client: TestClient,
) -> None:
    """Finding J6: ten desks correcting a model's start at once all got 200, the last one
    silently winning. Without If-Match (or with `*`): 428, nothing written; a board outside
    the model's district gets its 403 first; a second desk on the same version gets 412."""
    assert client.post("/api/v1/models", json={
        "model_id": "MH-428", "unit_code": TIEN_LANG_TOWN, "field": "urban",
        "title": "Dân vận khéo chỉnh trang đô thị", "started_on": "2023-02-01"},
    ).status_code == 201
    url = "/api/v1/models/MH-428/registration/corrections"
    body = {"started_on": "2023-01-11", "reason": "Nhầm ngày bắt đầu"}
    for headers in ({}, {"If-Match": "*"}):
        _refused(client.post(url, json=body, headers=headers), 428, "PRECONDITION_REQUIRED")
    board = {"X-Unit-Scope": "303", "X-Scopes": "indicators:read indicators:write"}
    _refused(client.post(url, json=body, headers=board), 403, "UNIT_OUT_OF_SCOPE")
    model = get_json(client, "/api/v1/models/MH-428")
    assert [h["event_type"] for h in model["history"]] == ["ModelRegistered"]
    tag = {"If-Match": '"1"'}
    assert client.post(url, json=body, headers=tag).status_code == 200
    _refused(client.post(url, json={**body, "started_on": "2023-01-12"}, headers=tag), 412,
             "PRECONDITION_FAILED")
    assert get_json(client, "/api/v1/models/MH-428")["started_on"] == "2023-01-11"


def test_a_moved_year_cutoff_moves_i2s_window(client: TestClient, upstream: Upstream) -> None:
    """Finding O14: I2 of 2023 looks at the year's data window, from the day after 2022's
    12-month cut-off in force to 2023's: P7 of 20/12/2022 is 2023's by the default calendar
    (15/12/2022 -> 14/12/2023); once the Commission moves 2022's year report to 25/12/2022
    (reporting's `PeriodAdjusted`, consumed), it is 2022's and H1 holds only P1 and P2 in
    2023's window. P6 of 20/12/2023 joins 2023's when 2023's is moved to 21/12/2023, and
    H6 meets the rule. As known at a time, and the same after a rebuild."""
    dialogue = dialogue_2023(upstream)
    upstream.publish(*dialogue)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue))
    assert _sessions(client)["H1"] == ["P7", "P1", "P2"] and _i2(client) == (5, 6)
    before = utcnow().isoformat()
    moves = [upstream.event("reporting", "period", period, "PeriodAdjusted", {
        "period_id": period, "data_from": data_from, "cutoff_on": cutoff.isoformat(),
        "reason": "Hội nghị tổng kết lùi lịch"}, cutoff, recorded_at=utcnow())
        for period, data_from, cutoff in (("2022-12m", "2021-12-15", date(2022, 12, 25)),
                                          ("2023-12m", "2022-12-26", date(2023, 12, 21)))]
    upstream.publish(*moves)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue) + len(moves))
    sessions = _sessions(client)
    assert sessions["H1"] == ["P1", "P2"] and sessions["H6"] == ["P6"]
    # Over 26/12/2022 -> 21/12/2023 a commune head owes (187 + 2 x 174)/365 = 1.47 -> 1:
    # H1 and H2 held it; H6 361/365 -> 1, held P6: all six meet.
    assert _i2(client) == (6, 6)
    assert _i2(client, as_of=before) == (5, 6)
    rebuild_and_wait(client)
    assert _sessions(client) == sessions and _i2(client) == (6, 6)
