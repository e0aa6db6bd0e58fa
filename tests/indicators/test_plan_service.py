"""The plan over HTTP: loading, editing, progress with overdue detected, inspections, the
district boards' period reports and their reminders; who may do what; bad input → 4xx in
Vietnamese. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.indicators import loadplan
from services.indicators.adapters.tables import dossier_facts, session_facts, site_facts
from services.indicators.app import create_app
from services.indicators.application.planreminders import remind_district_reports
from shared.clock import today_vn
from shared.envelope import EventEnvelope, utcnow
from shared.settings import Settings
from tests.indicators.conftest import Upstream, get_json
from tests.indicators.test_closing_day import void_registration
from tests.integration.helpers import runtime_of, wait_until

TIEN_LANG, NGO_QUYEN = "315", "303"
TON_GIAO = {"X-Department": "phong-ton-giao-dan-toc"}
MAT_TRAN = {"X-Department": "phong-mat-tran-doan-the"}


def board(district: str) -> dict[str, str]:
    return {"X-Unit-Scope": district, "X-Department": "ban-dan-van-cap-huyen",
            "X-Scopes": "indicators:read indicators:write"}


def post(client: TestClient, url: str, body: dict[str, Any], status: int = 201,
         headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.post(url, json=body, headers=headers or {})
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def refused(client: TestClient, url: str, body: dict[str, Any], status: int, code: str,
            headers: dict[str, str] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = post(client, url, body, status, headers)["error"]
    assert error["code"] == code, error
    assert any(ch in error["message"] for ch in "ảạăâđêôơư"), error["message"]  # Vietnamese
    return error


def progress(on: str, result: str = "Đã ban hành hướng dẫn", **extra: Any) -> dict[str, Any]:
    return {"reported_on": on, "result": result, **extra}


def items_by_number(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["number"]: item for item in view["items"]}


def test_plan_loaded_once_with_statuses_detected(client: TestClient) -> None:
    assert post(client, "/api/v1/plans/2023/load", {})["version"] == 1
    refused(client, "/api/v1/plans/2023/load", {}, 409, "PLAN_EXISTS")
    refused(client, "/api/v1/plans/2019/load", {}, 404, "PLAN_DATA_MISSING")
    view = get_json(client, "/api/v1/plans/2023", on="2023-03-15")
    assert view["total"] == 47 and view["document_number"] is None
    # At 15/03 hand-counted: the five items owed at each conference (II.1.1-1.3, II.3.2, IV.3)
    # missed the 14/03 cut-off and the three monthly ones (II.1.9, II.1.11, IV.4) February;
    # the quarterly ones are first due 31/03 and the deadlines later.
    overdue = sorted(n for n, i in items_by_number(view).items() if i["status"] == "overdue")
    assert overdue == ["II.1.1", "II.1.11", "II.1.2", "II.1.3", "II.1.9", "II.3.2", "IV.3",
                       "IV.4"]
    assert view["status_counts"] == {"overdue": 8, "in_progress": 0, "not_started": 39,
                                     "done": 0}
    assert items_by_number(view)["II.1.1"]["status_label"] == "Quá hạn"


def received(client: TestClient, upstream: Upstream, *envelopes: EventEnvelope) -> None:
    """The dialogue and religion services' events published and turned into facts here."""
    upstream.publish(*envelopes)
    ids = [str(e.event_id) for e in envelopes]

    def all_in() -> bool:
        with runtime_of(client).engine.connect() as conn:
            return sum(conn.execute(select(func.count()).select_from(table).where(
                table.c.event_id.in_(ids))).scalar_one()
                for table in (site_facts, dossier_facts, session_facts)) == len(ids)
    wait_until(all_in, timeout=30)


def test_progress_by_the_parties_an_item_names(client: TestClient, upstream: Upstream) -> None:
    received(client, upstream, upstream.site("CS-315-001", "11755", date(2023, 1, 10)),
             upstream.dossier("CS-315-001", "LandDossierLodged", date(2023, 3, 1)))
    post(client, "/api/v1/plans/2023/load", {})
    url = "/api/v1/plans/2023/items/II.1.3/progress"
    evidence = [{"kind": "dossier", "ref": "CS-315-001"}, {"kind": "file", "ref": "bc-q1.pdf"}]
    post(client, url, progress("2023-03-10", evidence=evidence), headers=TON_GIAO)
    between = utcnow().isoformat()
    # A district board coordinates II.1.3: it records for its own district only.
    post(client, url, progress("2023-03-12", "Tiên Lãng lập 5 hồ sơ"), headers=board(TIEN_LANG))
    refused(client, url, progress("2023-03-12", unit_code=NGO_QUYEN), 403, "UNIT_OUT_OF_SCOPE",
            board(TIEN_LANG))
    # Items that name neither the department nor the district boards are not theirs.
    refused(client, "/api/v1/plans/2023/items/II.1.1/progress", progress("2023-03-10"), 403,
            "PLAN_ITEM_NOT_ASSIGNED", TON_GIAO)
    refused(client, "/api/v1/plans/2023/items/II.1.4/progress", progress("2023-03-10"), 403,
            "PLAN_ITEM_NOT_ASSIGNED", board(TIEN_LANG))
    refused(client, url, progress("2023-03-10", acting_party="van-phong"), 403,
            "PLAN_ITEM_NOT_ASSIGNED", TON_GIAO)
    # Bad input.
    refused(client, url, progress("2022-12-31"), 422, "DATE_OUTSIDE_PLAN_YEAR", TON_GIAO)
    refused(client, url, progress("2099-01-01"), 422, "DATE_IN_FUTURE", TON_GIAO)
    refused(client, "/api/v1/plans/2023/items/II.9.9/progress", progress("2023-03-10"), 404,
            "PLAN_ITEM_NOT_FOUND")
    refused(client, "/api/v1/plans/2024/items/II.1.3/progress", progress("2024-03-10"), 404,
            "PLAN_NOT_FOUND")
    assert client.post(url, json={"reported_on": "2023-03-10", "result": ""}).status_code == 422
    assert client.post(url, json=progress("2023-03-10", evidence=[{"kind": "x", "ref": "a"}])
                       ).status_code == 422
    item = get_json(client, "/api/v1/plans/2023/items/II.1.3", on="2023-03-13")
    assert (item["status"], item["progress_count"]) == ("in_progress", 2)
    assert item["latest_result"]["acting_party"] == "ban-dan-van-cap-huyen"
    assert item["latest_result"]["unit_code"] == TIEN_LANG
    assert [p["acting_party"] for p in item["progress"]] == [
        "phong-ton-giao-dan-toc", "ban-dan-van-cap-huyen"]
    # Known as of a moment before the second update, the item had one result.
    assert get_json(client, "/api/v1/plans/2023/items/II.1.3", on="2023-03-13",
                    as_of=between)["progress_count"] == 1
    # Done closes the item; more progress is a 409.
    post(client, url, progress("2023-11-30", "Hoàn thành", done=True), headers=TON_GIAO)
    error = refused(client, url, progress("2023-12-01"), 409, "PLAN_ITEM_DONE", TON_GIAO)
    assert error["details"]["allowed_actions"] == ["reopen"]
    assert "«Mở lại nhiệm vụ đã hoàn thành»" in error["message"]
    assert get_json(client, "/api/v1/plans/2023/items/II.1.3", on="2023-12-31")["status"] \
        == "done"


def test_the_same_progress_sent_twice_is_recorded_once(client: TestClient) -> None:
    """G4: the latest report of a party for its unit sent again (same date, result, evidence,
    done) writes nothing and says so (200, already_recorded); a different one is recorded, and
    another party's report of the same text is its own. A done report sent again is no 409."""
    post(client, "/api/v1/plans/2023/load", {})
    url = "/api/v1/plans/2023/items/II.1.3/progress"
    first = post(client, url, progress("2023-03-10", "Đã hướng dẫn 21 xã"), headers=TON_GIAO)
    again = post(client, url, progress("2023-03-10", "Đã hướng dẫn 21 xã"), 200, TON_GIAO)
    assert again["already_recorded"] is True and again["events"] == []
    assert "đã được ghi" in again["message"]
    post(client, url, progress("2023-03-10", "Đã hướng dẫn 21 xã"), headers=board(TIEN_LANG))
    post(client, url, progress("2023-03-10", "Đã hướng dẫn 22 xã"), headers=TON_GIAO)
    item = get_json(client, "/api/v1/plans/2023/items/II.1.3", on="2023-03-13")
    assert item["progress_count"] == 3
    assert first["version"] == 1
    post(client, url, progress("2023-11-30", "Hoàn thành", done=True), headers=TON_GIAO)
    assert post(client, url, progress("2023-11-30", "Hoàn thành", done=True), 200,
                TON_GIAO)["already_recorded"] is True
    item = get_json(client, "/api/v1/plans/2023/items/II.1.3", on="2023-12-31")
    assert (item["status"], item["progress_count"]) == ("done", 4)


def test_the_commission_reopens_a_done_item(client: TestClient) -> None:
    post(client, "/api/v1/plans/2023/load", {})
    url = "/api/v1/plans/2023/items/II.1.3/progress"
    reopen = "/api/v1/plans/2023/items/II.1.3/reopen"
    body = {"reopened_on": "2023-06-05", "reason": "Kết quả chưa đủ hồ sơ"}
    # Not done yet: nothing to reopen (409 naming the state and what is allowed).
    error = refused(client, reopen, body, 409, "PLAN_ITEM_NOT_DONE")
    assert (error["details"]["state"], error["details"]["allowed_actions"]) == (
        "not_done", ["record_progress"])
    assert "Chưa hoàn thành" in error["message"]
    post(client, url, progress("2023-06-01", "Hoàn thành", done=True), headers=TON_GIAO)
    # A district board may not reopen; nor a date before the item was done; nor no reason.
    refused(client, reopen, body, 403, "CITY_LEVEL_ONLY", board(TIEN_LANG))
    refused(client, reopen, {**body, "reopened_on": "2023-05-31"}, 422, "REOPENED_BEFORE_DONE")
    assert post(client, reopen, {"reopened_on": "2023-06-05"}, 422)["error"]["code"]
    post(client, reopen, body)
    refused(client, reopen, {**body, "reopened_on": "2023-06-06"}, 409, "PLAN_ITEM_NOT_DONE")
    # Reopened, it is judged on its progress again: nothing in its 14/03 occurrence's window.
    item = get_json(client, "/api/v1/plans/2023/items/II.1.3", on="2023-06-10")
    assert item["status"] == "overdue"
    # Done before the reopening still reads done then (the record is as it was).
    assert get_json(client, "/api/v1/plans/2023/items/II.1.3", on="2023-06-04")["status"] \
        == "done"
    # It takes progress again; a close must be dated after the reopening.
    post(client, url, progress("2023-06-05", "Bổ sung hồ sơ"), headers=TON_GIAO)
    refused(client, url, progress("2023-06-05", "Xong", done=True), 422,
            "DONE_NOT_AFTER_REOPENING", TON_GIAO)
    post(client, url, progress("2023-06-20", "Hoàn thành lại", done=True), headers=TON_GIAO)
    assert get_json(client, "/api/v1/plans/2023/items/II.1.3", on="2023-06-30")["status"] \
        == "done"


def test_the_commission_edits_the_plan(client: TestClient) -> None:
    post(client, "/api/v1/plans/2023/load", {})
    amended = {"kind": "task", "text": "Đánh giá giữa nhiệm kỳ ...", "responsible": "van-phong",
               "coordinating": ["phong-dan-van-chinh-quyen"], "recurrence": "deadline",
               "due_on": "2023-06-30", "reason": "Thường trực Thành ủy yêu cầu xong trước 30/6"}
    post(client, "/api/v1/plans/2023/items/II.1.5/amend", amended)
    refused(client, "/api/v1/plans/2023/items/II.1.5/amend", amended, 409, "NO_CHANGES")
    refused(client, "/api/v1/plans/2023/items/II.1.5/amend", {**amended, "due_on": None}, 422,
            "PLAN_ITEM_SCHEDULE")
    refused(client, "/api/v1/plans/2023/items/II.1.5/amend",
            {**amended, "due_on": "2024-01-15"}, 422, "DATE_OUTSIDE_PLAN_YEAR")
    refused(client, "/api/v1/plans/2023/items/II.1.5/amend",
            {**amended, "responsible": "phong-khong-co"}, 422, "PLAN_PARTY_UNKNOWN")
    refused(client, "/api/v1/plans/2023/items/II.1.5/amend", amended, 403, "CITY_LEVEL_ONLY",
            board(TIEN_LANG))
    post(client, "/api/v1/plans/2023/document",
         {"document_number": "45-KH/BDVTU", "issued_on": "2023-01-10"})
    added = {**amended, "number": "II.3.5", "text": "Tổ chức tọa đàm bổ sung",
             "recurrence": "quarterly", "due_on": None, "starts_on": "2023-07-01"}
    post(client, "/api/v1/plans/2023/items", added)
    refused(client, "/api/v1/plans/2023/items", added, 409, "PLAN_ITEM_EXISTS")
    post(client, "/api/v1/plans/2023/items/II.4.3/withdraw",
         {"reason": "Trung ương chưa hướng dẫn"})
    refused(client, "/api/v1/plans/2023/items/II.4.3/progress", progress("2023-03-10"), 404,
            "PLAN_ITEM_NOT_FOUND")
    view = get_json(client, "/api/v1/plans/2023", on="2023-07-01")
    items = items_by_number(view)
    assert view["total"] == 47 and "II.4.3" not in items
    assert view["document_number"] == "45-KH/BDVTU"
    # The amended deadline passed the day before: overdue; the added item owes nothing yet.
    assert items["II.1.5"]["status"] == "overdue"
    assert items["II.3.5"]["status"] == "not_started"


def test_the_plan_and_an_item_answer_the_etag_their_commands_take(client: TestClient) -> None:
    post(client, "/api/v1/plans/2023/load", {})
    plan = client.get("/api/v1/plans/2023")
    assert plan.headers["ETag"] == f'"{plan.json()["version"]}"' == '"1"'
    post(client, "/api/v1/plans/2023/document",
         {"document_number": "45-KH/BDVTU", "issued_on": "2023-01-10"})
    withdraw = {"reason": "Trung ương chưa hướng dẫn"}
    # The plan moved on since the first read: its ETag is stale, nothing withdrawn.
    error = post(client, "/api/v1/plans/2023/items/II.4.3/withdraw", withdraw, 412,
                 {"If-Match": plan.headers["ETag"]})["error"]
    assert error["code"] == "PRECONDITION_FAILED" and error["details"]["current_version"] == 2
    fresh = client.get("/api/v1/plans/2023").headers["ETag"]
    assert fresh == '"2"'
    post(client, "/api/v1/plans/2023/items/II.4.3/withdraw", withdraw, headers={"If-Match": fresh})

    base = "/api/v1/plans/2023/items/III.3"
    post(client, f"{base}/inspections",
         {"inspection_id": "GS-1", "planned_on": "2023-04-03", "subject": "Giám sát",
          "subject_units": [TIEN_LANG]}, headers=MAT_TRAN)
    item = client.get(base)
    assert item.headers["ETag"] == f'"{item.json()["version"]}"'
    post(client, f"{base}/inspections/GS-1/carry-out", {"carried_out_on": "2023-05-08"},
         headers={**MAT_TRAN, "If-Match": item.headers["ETag"]})
    stale = post(client, f"{base}/inspections/GS-1/cancel",
                 {"cancelled_on": "2023-05-09", "reason": "Trùng lịch"}, 412,
                 {**MAT_TRAN, "If-Match": item.headers["ETag"]})["error"]
    assert stale["details"]["current_version"] == item.json()["version"] + 1
    assert client.get(base).headers["ETag"] == f'"{item.json()["version"] + 1}"'


def test_an_inspection_runs_its_course(client: TestClient) -> None:
    post(client, "/api/v1/plans/2023/load", {})
    base = "/api/v1/plans/2023/items/III.3/inspections"
    post(client, base, {"inspection_id": "GS-DVK-1", "planned_on": "2023-04-03",
                        "subject": "Giám sát phong trào Dân vận khéo tại Tiên Lãng",
                        "subject_units": [TIEN_LANG]}, headers=MAT_TRAN)
    one = f"{base}/GS-DVK-1"
    error = refused(client, f"{one}/conclude",
                    {"concluded_on": "2023-04-10", "findings": "x", "recommendations": "y"},
                    409, "ACTION_NOT_ALLOWED", MAT_TRAN)
    assert error["details"] == {"action": "conclude", "state": "planned",
                                "allowed_actions": ["carry_out", "cancel"]}
    assert "Đã lên kế hoạch" in error["message"] and "«Kết luận»" in error["message"]
    post(client, f"{one}/carry-out", {"carried_out_on": "2023-05-08"}, headers=MAT_TRAN)
    refused(client, f"{one}/conclude", {"concluded_on": "2023-05-01", "findings": "x",
                                        "recommendations": "y"}, 422,
            "DATE_BEFORE_PREVIOUS_STEP", MAT_TRAN)
    post(client, f"{one}/conclude", {"concluded_on": "2023-05-20",
                                     "findings": "12/21 xã có mô hình",
                                     "recommendations": "Nhân rộng mô hình ở 9 xã còn lại",
                                     "conclusion_ref": "15-KL/BDVTU"}, headers=MAT_TRAN)
    post(client, f"{one}/follow-up", {"followed_up_on": "2023-08-01", "text": "Đã có 5 xã"},
         headers=MAT_TRAN)
    post(client, f"{one}/follow-up", {"followed_up_on": "2023-10-01", "text": "Đủ 21 xã",
                                      "completed": True}, headers=MAT_TRAN)
    error = refused(client, f"{one}/follow-up", {"followed_up_on": "2023-10-02", "text": "z"},
                    409, "ACTION_NOT_ALLOWED", MAT_TRAN)
    assert error["details"]["allowed_actions"] == []
    refused(client, f"{base}/KHONG-CO/carry-out", {"carried_out_on": "2023-05-08"}, 404,
            "INSPECTION_NOT_FOUND", MAT_TRAN)
    refused(client, "/api/v1/plans/2023/items/II.1.1/inspections",
            {"planned_on": "2023-04-03", "subject": "x"}, 422, "PLAN_ITEM_NOT_INSPECTION")
    refused(client, base, {"planned_on": "2023-04-03", "subject": "x"}, 403,
            "PLAN_ITEM_NOT_ASSIGNED", TON_GIAO)
    item = get_json(client, "/api/v1/plans/2023/items/III.3", on="2023-05-19")
    assert item["status"] == "in_progress"  # carried out, not yet concluded
    item = get_json(client, "/api/v1/plans/2023/items/III.3", on="2023-12-31")
    assert item["status"] == "done"
    assert item["inspections"][0]["state"] == "followed_up"
    assert item["inspections"][0]["recommendations"] == "Nhân rộng mô hình ở 9 xã còn lại"


def test_an_inspection_brought_forward_is_carried_out(client: TestClient) -> None:
    """H18: a planned date is an intention, not a step that happened: an inspection carried
    out before it is accepted, bounded by the plan year (and today), and planning one names
    the new inspection's id its steps' URLs take."""
    post(client, "/api/v1/plans/2023/load", {})
    base = "/api/v1/plans/2023/items/III.3/inspections"
    planned = post(client, base, {"planned_on": "2023-08-01", "subject": "Giám sát Tiên Lãng",
                                  "subject_units": [TIEN_LANG]}, headers=MAT_TRAN)
    inspection_id = planned["inspection_id"]
    assert inspection_id.startswith("KT-2023-")
    # Before the plan year: still refused, nothing written.
    refused(client, f"{base}/{inspection_id}/carry-out", {"carried_out_on": "2022-12-20"},
            422, "DATE_OUTSIDE_PLAN_YEAR", MAT_TRAN)
    post(client, f"{base}/{inspection_id}/carry-out", {"carried_out_on": "2023-07-01"},
         headers=MAT_TRAN)
    # The steps after a real one keep their order.
    refused(client, f"{base}/{inspection_id}/conclude",
            {"concluded_on": "2023-06-30", "findings": "x", "recommendations": "y"}, 422,
            "DATE_BEFORE_PREVIOUS_STEP", MAT_TRAN)
    item = get_json(client, "/api/v1/plans/2023/items/III.3", on="2023-07-02")
    assert [i["state"] for i in item["inspections"]] == ["carried_out"]
    assert item["status"] == "in_progress"
    # Given by the client, the id is answered as given.
    named = post(client, base, {"inspection_id": "GS-2", "planned_on": "2023-09-01",
                                "subject": "Giám sát", "subject_units": [TIEN_LANG]},
                 headers=MAT_TRAN)
    assert named["inspection_id"] == "GS-2"


def test_an_inspections_id_reads_in_any_case(client: TestClient) -> None:
    """An inspection's id names it whatever its case in a path, as a model id or a site code
    does: the id the server made (KT-2023-…) typed lower case, one a client chose typed in
    another case; a second spelling of one is the same inspection (INSPECTION_EXISTS). The
    steps are recorded under the id as planned."""
    post(client, "/api/v1/plans/2023/load", {})
    base = "/api/v1/plans/2023/items/III.3/inspections"
    made = post(client, base, {"planned_on": "2023-04-03", "subject": "Giám sát Tiên Lãng",
                               "subject_units": [TIEN_LANG]}, headers=MAT_TRAN)["inspection_id"]
    assert made != made.lower()
    post(client, f"{base}/{made.lower()}/carry-out", {"carried_out_on": "2023-05-08"},
         headers=MAT_TRAN)
    post(client, base, {"inspection_id": "gs-tl.2", "planned_on": "2023-04-03",
                        "subject": "Giám sát"}, headers=MAT_TRAN)
    post(client, f"{base}/GS-TL.2/cancel", {"cancelled_on": "2023-04-05", "reason": "Trùng lịch"},
         headers=MAT_TRAN)
    refused(client, base, {"inspection_id": "GS-TL.2", "planned_on": "2023-04-03",
                           "subject": "Giám sát"}, 409, "INSPECTION_EXISTS", MAT_TRAN)
    item = get_json(client, "/api/v1/plans/2023/items/III.3", on="2023-05-09")
    assert {i["inspection_id"]: i["state"] for i in item["inspections"]} == {
        made: "carried_out", "gs-tl.2": "cancelled"}


def test_progress_evidence_is_the_acting_units_own_record(client: TestClient) -> None:
    """J12: a model cited must exist in the acting unit; a session is a UUID, a dossier a code
    (and each a record of the unit: the next test)."""
    registered = client.post("/api/v1/models", json={
        "model_id": "MH-TL", "unit_code": "11755", "field": "new_rural",
        "title": "Dân vận khéo", "started_on": "2023-02-01"})
    assert registered.status_code == 201, registered.text
    post(client, "/api/v1/plans/2023/load", {})
    url = "/api/v1/plans/2023/items/II.1.2/progress"
    for kind, ref in (("model", "MH-TL"), ("model", "KHONG-TON-TAI"),
                      ("dialogue_session", "khong-phai-uuid"), ("dossier", "P4/S1")):
        error = refused(client, url, progress("2023-05-01", evidence=[{"kind": kind, "ref": ref}]),
                        422, "EVIDENCE_NOT_FOUND", board(NGO_QUYEN))
        assert ref in error["message"]
    post(client, url, progress("2023-05-01", evidence=[{"kind": "model", "ref": "MH-TL"}]),
         headers=board(TIEN_LANG))


def test_progress_evidence_is_a_session_or_dossier_of_the_unit(
    client: TestClient, upstream: Upstream
) -> None:
    """L3: a session cited must be one held (not cancelled) on or before the reported day in
    the acting unit, a dossier one of a site of the unit lodged by then, from the facts the
    service received; one not received yet is refused as not yet known (it may come seconds
    after it was recorded) and accepted once it is."""
    held, later, cancelled, fresh = (str(uuid4()) for _ in range(4))
    received(client, upstream,
             upstream.session(held, "11755", ["H1"], date(2023, 6, 10)),
             upstream.session(later, "11755", ["H1"], date(2023, 6, 20)),
             upstream.session(cancelled, "11755", ["H1"], date(2023, 6, 1)),
             upstream.session_cancelled(cancelled, date(2023, 6, 2)),
             *(upstream.site(code, "11755", date(2023, 1, 10)) for code in ("L-A", "L-B", "L-C")),
             upstream.site("L-D", "11755", date(2023, 7, 1)),
             upstream.dossier("L-A", "LandDossierLodged", date(2023, 6, 1)),
             upstream.dossier("L-C", "LandDossierLodged", date(2023, 6, 1)),
             upstream.dossier("L-C", "DossierWithdrawn", date(2023, 6, 5)),
             # Closed on the reported day (its first day out) and before it: out of the
             # register, as a closed model (review of L3 with the closing-day rule).
             *(upstream.site(code, "11755", date(2023, 1, 10)) for code in ("L-E", "L-F")),
             *(upstream.dossier(code, "LandDossierLodged", date(2023, 6, 1))
               for code in ("L-E", "L-F")),
             upstream.site_closed("L-E", date(2023, 6, 16)),
             upstream.site_closed("L-F", date(2023, 6, 10)))
    post(client, "/api/v1/plans/2023/load", {})
    url = "/api/v1/plans/2023/items/II.1.2/progress"

    def cite(kind: str, ref: str, district: str = TIEN_LANG) -> dict[str, Any]:
        return refused(client, url, progress("2023-06-16", evidence=[{"kind": kind, "ref": ref}]),
                       422, "EVIDENCE_NOT_FOUND", board(district))

    for kind, ref, district, reason, said in (
        ("dialogue_session", str(uuid4()), TIEN_LANG, "not_yet_known", "xin gửi lại sau"),
        ("dialogue_session", later, TIEN_LANG, "held_later", "tổ chức ngày 20/06/2023"),
        ("dialogue_session", cancelled, TIEN_LANG, "cancelled", "đã bị hủy"),
        ("dialogue_session", held, NGO_QUYEN, "other_unit", "của đơn vị 11755"),
        ("dossier", "L-X", TIEN_LANG, "not_yet_known", "cơ sở tôn giáo"),
        ("dossier", "L-B", TIEN_LANG, "no_dossier", "chưa có hồ sơ đất đai"),
        ("dossier", "L-C", TIEN_LANG, "no_dossier", "đến ngày báo cáo 16/06/2023"),
        ("dossier", "L-D", TIEN_LANG, "not_registered", "chưa có trong sổ"),
        ("dossier", "L-A", NGO_QUYEN, "other_unit", "thuộc đơn vị 11755"),
        ("dossier", "L-E", TIEN_LANG, "closed", "đã đóng hồ sơ quản lý"),
        ("dossier", "L-F", TIEN_LANG, "closed", "ngày báo cáo 16/06/2023"),
    ):
        error = cite(kind, ref, district)
        assert error["details"]["reason"] == reason, (ref, error)
        assert ref in error["message"] and said in error["message"], error
    evidence = [{"kind": "dialogue_session", "ref": held.upper()},
                {"kind": "dossier", "ref": "L-A"}]
    post(client, url, progress("2023-06-16", evidence=evidence), headers=board(TIEN_LANG))
    # Held a moment ago, not yet received here: refused as not yet known, accepted once it is.
    assert cite("dialogue_session", fresh)["details"]["reason"] == "not_yet_known"
    received(client, upstream, upstream.session(fresh, "11755", ["H1"], date(2023, 6, 15)))
    post(client, url, progress("2023-06-16", "Thêm một hội nghị",
                               evidence=[{"kind": "dialogue_session", "ref": fresh}]),
         headers=board(TIEN_LANG))
    item = get_json(client, "/api/v1/plans/2023/items/II.1.2", on="2023-06-16")
    assert [e["ref"] for p in item["progress"] for e in p["evidence"]] == [
        held.upper(), "L-A", fresh]


def test_progress_evidence_reads_a_code_in_any_case_and_is_cited_once(
    client: TestClient, upstream: Upstream
) -> None:
    """M8: a dossier cited by its site code in lower case («ev-01» for EV-01) is the site's, as
    religion reads it, not a site «not yet known, send again in a few minutes»; so is a model
    id. The same record listed twice in one progress, in one spelling or two, is refused
    (422 EVIDENCE_DUPLICATED, in Vietnamese), nothing written."""
    session = str(uuid4())
    received(client, upstream, upstream.site("EV-01", "11755", date(2023, 3, 1)),
             upstream.dossier("EV-01", "LandDossierLodged", date(2023, 3, 1)),
             upstream.session(session, "11755", ["H1"], date(2023, 6, 10)))
    post(client, "/api/v1/models", {"model_id": "MH-EV", "unit_code": "11755",
                                    "field": "new_rural", "title": "Dân vận khéo",
                                    "started_on": "2023-02-01"})
    post(client, "/api/v1/plans/2023/load", {})
    url = "/api/v1/plans/2023/items/II.1.2/progress"
    item_url = "/api/v1/plans/2023/items/II.1.2"

    def cited() -> list[list[str]]:
        item = get_json(client, item_url, on="2023-10-31")
        return [[e["ref"] for e in p["evidence"]] for p in item["progress"]]

    for twice in (
        [{"kind": "dossier", "ref": "EV-01"}, {"kind": "dossier", "ref": "ev-01"}],
        [{"kind": "dossier", "ref": "ev-01"}, {"kind": "dossier", "ref": "ev-01"}],
        [{"kind": "model", "ref": "MH-EV"}, {"kind": "dossier", "ref": "EV-01"},
         {"kind": "model", "ref": "mh-ev"}],
        [{"kind": "dialogue_session", "ref": session},
         {"kind": "dialogue_session", "ref": session.upper()}],
        [{"kind": "document", "ref": "Báo cáo 12"}, {"kind": "document", "ref": "Báo cáo 12"}],
    ):
        error = refused(client, url, progress("2023-10-31", evidence=twice), 422,
                        "EVIDENCE_DUPLICATED", board(TIEN_LANG))
        assert twice[-1]["ref"] in error["message"], error
        assert error["details"]["position"] == len(twice), error
    assert cited() == []
    # A dossier and a model in a case other than the register's, and records of one code in
    # two kinds (a site and a model may share a code): accepted, kept as typed.
    evidence = [{"kind": "dossier", "ref": "ev-01"}, {"kind": "model", "ref": "mh-ev"},
                {"kind": "document", "ref": "MH-EV"}]
    post(client, url, progress("2023-10-31", evidence=evidence), headers=board(TIEN_LANG))
    assert cited() == [["ev-01", "mh-ev", "MH-EV"]]
    # Another unit's site is still refused, in any case.
    error = refused(client, url, progress("2023-10-31", "Khác", evidence=[
        {"kind": "dossier", "ref": "Ev-01"}]), 422, "EVIDENCE_NOT_FOUND", board(NGO_QUYEN))
    assert error["details"]["reason"] == "other_unit", error


def test_progress_evidence_is_a_model_running_on_the_reported_day(client: TestClient) -> None:
    """K13: a model cited must run on the reported day, by the kernel's rule of a model's life
    (shared.planrules.model_running_on): not before its start, not on or after its closing."""
    for model_id, started in (("MH-SAU", "2023-06-14"), ("MH-DUNG", "2023-02-01")):
        post(client, "/api/v1/models", {
            "model_id": model_id, "unit_code": "11755", "field": "new_rural",
            "title": "Dân vận khéo", "started_on": started})
    post(client, "/api/v1/models/MH-DUNG/close",
         {"closed_on": "2023-06-14", "reason": "Đã hoàn thành"}, 200)
    post(client, "/api/v1/plans/2023/load", {})
    url = "/api/v1/plans/2023/items/IV.3/progress"
    for ref, on, said in (("MH-SAU", "2023-06-01", "bắt đầu từ 14/06/2023"),
                          ("MH-DUNG", "2023-07-01", "dừng từ 14/06/2023"),
                          ("MH-DUNG", "2023-06-14", "dừng từ 14/06/2023")):
        error = refused(client, url, progress(on, evidence=[{"kind": "model", "ref": ref}]),
                        422, "EVIDENCE_NOT_FOUND", board(TIEN_LANG))
        assert ref in error["message"] and said in error["message"], error
    for ref, on in (("MH-SAU", "2023-06-14"), ("MH-DUNG", "2023-06-13")):
        post(client, url, progress(on, evidence=[{"kind": "model", "ref": ref}]),
             headers=board(TIEN_LANG))
    # A model whose registration was voided never was: cited on a day it was registered for,
    # refused as a model that does not exist (brief lifecycle).
    void_registration(client, "MH-SAU")
    error = refused(client, url, progress("2023-06-20", evidence=[
        {"kind": "model", "ref": "MH-SAU"}]), 422, "EVIDENCE_NOT_FOUND", board(TIEN_LANG))
    assert "MH-SAU" in error["message"], error


def test_deadline_refused_for_a_period_no_district_owes(client: TestClient) -> None:
    """J8: after 01/07/2025 there is no district level; a duty would be a summary of zeros."""
    error = refused(client, "/api/v1/reporting-duties/2025-9m/deadline",
                    {"deadline": "2025-10-01"}, 422, "NO_DISTRICT_ON_CUTOFF")
    assert "2025-9m" in error["message"]


def test_a_board_submission_is_dated_the_day_it_is_recorded(client: TestClient) -> None:
    """J17: timeliness is judged on `submitted_on`; the board being judged does not choose it.
    Only the Commission records an earlier day (a paper report), and says why."""
    duty = "/api/v1/reporting-duties/2023-6m"
    post(client, f"{duty}/deadline",
         {"deadline": "2023-06-30", "district_codes": [NGO_QUYEN, TIEN_LANG]})
    body = {"submitted_on": "2023-06-25", "summary": "x", "figures": {"sites": 2}}
    error = refused(client, f"{duty}/districts/{NGO_QUYEN}/submit", body, 403,
                    "SUBMISSION_BACKDATED_CITY_ONLY", board(NGO_QUYEN))
    assert "25/06/2023" in error["message"]
    refused(client, f"{duty}/districts/{NGO_QUYEN}/submit",
            {**body, "backdated_reason": "Báo cáo giấy"}, 403,
            "SUBMISSION_BACKDATED_CITY_ONLY", board(NGO_QUYEN))
    refused(client, f"{duty}/districts/{TIEN_LANG}/submit", body, 422,
            "SUBMISSION_BACKDATED_NO_REASON")
    today = today_vn().isoformat()
    post(client, f"{duty}/districts/{NGO_QUYEN}/submit", {**body, "submitted_on": today},
         headers=board(NGO_QUYEN))
    post(client, f"{duty}/districts/{TIEN_LANG}/submit",
         {**body, "backdated_reason": "Báo cáo giấy nhận ngày 25/06/2023"})
    rows = {d["district_code"]: d for d in get_json(client, duty)["districts"]}
    assert rows[NGO_QUYEN]["first_submitted_on"] == today
    assert rows[NGO_QUYEN]["status"] == "nop_muon"
    assert rows[NGO_QUYEN]["first_submission_backdated_reason"] is None
    assert rows[TIEN_LANG]["status"] == "nop_dung_han"
    assert rows[TIEN_LANG]["first_submission_backdated_reason"] == \
        "Báo cáo giấy nhận ngày 25/06/2023"


def test_a_submission_without_its_day_is_dated_today_and_the_documented_example_is_accepted(
    client: TestClient,
) -> None:
    """J17: `submitted_on` defaults to Vietnam's today (the only day a board may give), and
    the OpenAPI example, which a board sent as documented, is accepted: it was dated
    2023-06-09 and refused SUBMISSION_BACKDATED_CITY_ONLY."""
    duty = "/api/v1/reporting-duties/2023-6m"
    post(client, f"{duty}/deadline",
         {"deadline": "2023-06-30", "district_codes": [NGO_QUYEN, TIEN_LANG]})
    operation = client.get("/openapi.json").json()["paths"][
        "/api/v1/reporting-duties/{period_id}/districts/{district_code}/submit"]["post"]
    example = operation["requestBody"]["content"]["application/json"]["example"]
    assert "submitted_on" not in example
    post(client, f"{duty}/districts/{NGO_QUYEN}/submit", example, headers=board(NGO_QUYEN))
    post(client, f"{duty}/districts/{TIEN_LANG}/submit", {"summary": "Báo cáo 6 tháng"},
         headers=board(TIEN_LANG))
    rows = {d["district_code"]: d for d in get_json(client, duty)["districts"]}
    today = today_vn().isoformat()
    assert rows[NGO_QUYEN]["first_submitted_on"] == today
    assert rows[TIEN_LANG]["first_submitted_on"] == today


def test_district_reports_returned_late_and_reminded_once(
    client: TestClient, settings_factory: Callable[..., Settings]
) -> None:
    duty = "/api/v1/reporting-duties/2023-6m"
    refused(client, f"{duty}/districts/{NGO_QUYEN}/submit",
            {"submitted_on": "2023-06-19", "summary": "x"}, 409, "DEADLINE_NOT_SET")
    refused(client, f"{duty}/deadline", {"deadline": "2023-06-10"}, 422, "DEADLINE_OUTSIDE")
    refused(client, f"{duty}/deadline", {"deadline": "2023-06-20", "district_codes": ["999"]},
            422, "NOT_A_DISTRICT")
    refused(client, f"{duty}/deadline", {"deadline": "2023-06-20"}, 403, "CITY_LEVEL_ONLY",
            board(TIEN_LANG))
    post(client, f"{duty}/deadline",
         {"deadline": "2023-06-20", "district_codes": [NGO_QUYEN, TIEN_LANG]})
    runtime = runtime_of(client)
    assert remind_district_reports(runtime, date(2023, 6, 16)) == 0
    assert remind_district_reports(runtime, date(2023, 6, 17)) == 2  # before, both owe
    assert remind_district_reports(runtime, date(2023, 6, 18)) == 0  # once
    figures = {"mo_hinh_dan_van_kheo": 12, "hoi_nghi_doi_thoai": 4}
    # Dated 2023 and recorded today: the Commission records the paper reports (J17).
    submit = {"submitted_on": "2023-06-19", "summary": "Báo cáo 6 tháng", "figures": figures,
              "backdated_reason": "Báo cáo giấy"}
    refused(client, f"{duty}/districts/{NGO_QUYEN}/submit", submit, 403, "UNIT_OUT_OF_SCOPE",
            board(TIEN_LANG))
    # Not before the data cut-off (14/06 for the 6 months; it opened on the 1st of June).
    early = refused(client, f"{duty}/districts/{NGO_QUYEN}/submit",
                    {**submit, "submitted_on": "2023-06-02"}, 422, "SUBMITTED_BEFORE_PERIOD",
                    board(NGO_QUYEN))
    assert "14/06/2023" in early["message"]
    post(client, f"{duty}/districts/{NGO_QUYEN}/submit", submit)
    refused(client, f"{duty}/districts/{NGO_QUYEN}/submit", submit, 409, "ACTION_NOT_ALLOWED")
    refused(client, f"{duty}/districts/{NGO_QUYEN}/return",
            {"returned_on": "2023-06-21", "reason": "Thiếu số liệu"}, 403, "CITY_LEVEL_ONLY",
            board(NGO_QUYEN))
    refused(client, f"{duty}/districts/{TIEN_LANG}/return",
            {"returned_on": "2023-06-21", "reason": "x"}, 409, "ACTION_NOT_ALLOWED")
    post(client, f"{duty}/districts/{NGO_QUYEN}/return",
         {"returned_on": "2023-06-21", "reason": "Thiếu số liệu đối thoại cấp xã"})
    # On 21/06 Tiên Lãng has not submitted and Ngô Quyền's report is back with it: both owe.
    assert remind_district_reports(runtime, date(2023, 6, 21)) == 2
    post(client, f"{duty}/districts/{TIEN_LANG}/submit",
         {**submit, "submitted_on": "2023-06-23"})
    post(client, f"{duty}/districts/{NGO_QUYEN}/submit",
         {**submit, "submitted_on": "2023-06-24", "figures": {**figures, "hoi_nghi_doi_thoai": 6}})
    refused(client, "/api/v1/reporting-duties/2023-5m/deadline", {"deadline": "2023-06-20"},
            422, "INVALID_PERIOD")
    at_22 = get_json(client, duty, on="2023-06-22")
    assert {d["district_code"]: d["status"] for d in at_22["districts"]} == {
        NGO_QUYEN: "tra_lai", TIEN_LANG: "qua_han_chua_nop"}
    at_30 = get_json(client, duty, on="2023-06-30")
    assert (at_30["owed"], at_30["submitted"], at_30["on_time"], at_30["late"],
            at_30["returned"]) == (2, 2, 1, 1, 0)
    rows = {d["district_code"]: d for d in at_30["districts"]}
    assert rows[NGO_QUYEN]["revision"] == 2 and rows[NGO_QUYEN]["returns"] == 1
    assert rows[NGO_QUYEN]["figures"] == {"mo_hinh_dan_van_kheo": 12, "hoi_nghi_doi_thoai": 6}
    assert rows[NGO_QUYEN]["last_return_reason"] == "Thiếu số liệu đối thoại cấp xã"
    assert rows[TIEN_LANG]["reminders"] == ["after", "before"]
    # A district sees its own row only.
    own = client.get(duty, params={"on": "2023-06-30"},
                     headers={"X-Unit-Scope": TIEN_LANG, "X-Scopes": "indicators:read"}).json()
    assert [d["district_code"] for d in own["districts"]] == [TIEN_LANG]
    # ... and tallies of that row only: Ngô Quyền's on-time report is none of its business.
    assert (own["owed"], own["submitted"], own["on_time"], own["late"]) == (1, 1, 0, 1)
    assert own["status_counts"]["nop_dung_han"] == 0
    # A restart (another app on the same database) reminds nobody again.
    with TestClient(create_app(runtime.settings)) as again:
        assert remind_district_reports(runtime_of(again), date(2023, 6, 30)) == 0


def test_the_plan_loads_from_the_command_line(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = settings_factory("indicators")
    monkeypatch.setattr(Settings, "for_service", lambda *_, **__: settings)
    assert loadplan.main(["2023"]) == 0
    assert "47 nhiệm vụ" in capsys.readouterr().out
    assert loadplan.main(["2023"]) == 1
    assert "PLAN_EXISTS" in capsys.readouterr().out
    assert loadplan.main(["hai-nghin"]) == 2


def test_two_figure_names_that_read_alike_are_refused_not_merged(client: TestClient) -> None:
    """Review R7: a figure's name is read trimmed and composed (N2's kernel text type), so
    «Số hộ» and «Số hộ » (or «Số hộ» typed decomposed) became one key and pydantic kept the
    last value: a board's figure was dropped without a word. Refused, naming the name,
    nothing written."""
    duty = "/api/v1/reporting-duties/2023-6m"
    post(client, f"{duty}/deadline", {"deadline": "2023-06-30", "district_codes": [TIEN_LANG]})
    submit = f"{duty}/districts/{TIEN_LANG}/submit"
    body = {"summary": "Báo cáo 6 tháng", "submitted_on": today_vn().isoformat(),
            "figures": {"Số hộ": 12, "Số hộ ": 15}}
    error = refused(client, submit, body, 422, "VALIDATION_ERROR", board(TIEN_LANG))
    [detail] = error["details"]
    assert detail["code"] == "FIGURE_NAME_REPEATED", detail
    assert "Số hộ" in detail["message"], detail
    decomposed = {"Số hộ": 12, "So\u0302\u0301 hộ": 15}
    refused(client, submit, {**body, "figures": decomposed}, 422, "VALIDATION_ERROR",
            board(TIEN_LANG))
    assert get_json(client, duty)["districts"][0]["first_submitted_on"] is None
    post(client, submit, {**body, "figures": {"Số hộ": 12, "Số người": 15}},
         headers=board(TIEN_LANG))


def test_a_district_reports_counts_come_back_as_integers(client: TestClient) -> None:
    """Finding O16: a board's figures were kept as floats, so a count of 12 came back 12.0
    (in the command's answer and in the duty summary). A whole number is an integer now, a
    ratio stays what it is; a body with a field the command does not have is refused, nothing
    written."""
    duty = "/api/v1/reporting-duties/2023-6m"
    post(client, f"{duty}/deadline", {"deadline": "2023-06-30", "district_codes": [TIEN_LANG]})
    submit = f"{duty}/districts/{TIEN_LANG}/submit"
    body = {"summary": "Báo cáo 6 tháng", "submitted_on": today_vn().isoformat(),
            "figures": {"Số hội nghị": 12, "Số xã đạt": 3.0, "Tỷ lệ xã có mô hình (%)": 87.5}}
    error = refused(client, submit, {**body, "so_lieu_khac": 1}, 422, "VALIDATION_ERROR",
                    board(TIEN_LANG))
    assert [d["code"] for d in error["details"]] == ["EXTRA_FORBIDDEN"], error
    assert get_json(client, duty)["districts"][0]["first_submitted_on"] is None
    answer = post(client, submit, body, headers=board(TIEN_LANG))
    expected = {"Số hội nghị": (12, int), "Số xã đạt": (3, int),
                "Tỷ lệ xã có mô hình (%)": (87.5, float)}
    runtime = runtime_of(client)
    with runtime.engine.connect() as conn:
        [event] = runtime.store.load(conn, "district_report", answer["aggregate_id"])
    [row] = get_json(client, duty)["districts"]
    # As kept in the event (which reporting reads too) and as answered.
    for figures in (event.payload["figures"], row["figures"]):
        assert {k: (v, type(v)) for k, v in figures.items()} == expected, figures
