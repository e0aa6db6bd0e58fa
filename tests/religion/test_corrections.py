"""Corrections (G18): a fact recorded wrongly is put right by a new event naming it, with a
reason. The register shows the right fact, the history keeps both, the rules every fact was
recorded under still hold, and a rebuild of the read models gives the same register."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.helpers import event_count
from tests.religion.conftest import act, error_of, issue, register

REASON = "Gõ nhầm khi nhập từ bản giấy"


def _history(client: TestClient, code: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/sites/{code}/history")
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def _event_id(client: TestClient, code: str, event_type: str) -> str:
    return str(next(e["event_id"] for e in reversed(_history(client, code))
                    if e["event_type"] == event_type))


def _detail(client: TestClient, code: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/sites/{code}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _if_match(client: TestClient, code: str, field: str = "certificate_version",
              ) -> dict[str, str]:
    """The If-Match a correction of the site's facts sends: the version of the record it
    restates (the certificate's, `certificate_version`; a registration's: the site's)."""
    return {"If-Match": f'"{_detail(client, code)[field]}"'}


def _certified(client: TestClient, code: str, number: str, on: str = "2023-05-02") -> None:
    register(client, code)
    assert act(client, code, "lodge", "2023-03-01").status_code == 201
    assert act(client, code, "accept", "2023-04-01").status_code == 200
    assert issue(client, code, number, on).status_code == 201


def _rebuilt_equal(client: TestClient, *codes: str) -> None:
    live = [_detail(client, code) for code in codes]
    assert client.post("/api/v1/admin/rebuild-read-models").status_code == 200
    assert [_detail(client, code) for code in codes] == live


def test_a_certificate_with_a_wrong_date_and_number_is_corrected_in_place(
    religion: TestClient,
) -> None:
    _certified(religion, "TL-C1", "CS 100001")
    issued_id = _event_id(religion, "TL-C1", "CertificateIssued")
    corrected = religion.post("/api/v1/sites/TL-C1/certificate/corrections", json={
        "corrects": issued_id, "certificate_number": "cs 100010", "issued_on": "2023-04-20",
        "reason": REASON}, headers=_if_match(religion, "TL-C1"))
    assert corrected.status_code == 200, corrected.text

    detail = _detail(religion, "TL-C1")
    assert detail["certificate"]["number"] == "CS 100010"
    [certificate] = detail["certificates"]
    assert (certificate["number"], certificate["issued_on"]) == ("CS 100010", "2023-04-20")
    assert certificate["issuing_authority"] == "Sở Tài nguyên và Môi trường thành phố Hải Phòng"
    # The dossier's step moved with it.
    last = detail["dossier"]["steps"][-1]
    assert (last["event_type"], last["on"]) == ("DossierCertificateIssued", "2023-04-20")
    assert last["correction"] == {"corrects": last["correction"]["corrects"], "reason": REASON}
    assert religion.get("/api/v1/certificates/CS 100010").json()["issued_on"] == "2023-04-20"
    assert religion.get("/api/v1/certificates/CS 100001").status_code == 404

    # Audit: the fact as first recorded and its correction, each naming the other.
    history = {e["event_id"]: e for e in _history(religion, "TL-C1")}
    correction = next(e for e in history.values()
                      if e["event_type"] == "CertificateIssuedCorrected")
    assert correction["payload"]["corrects"] == issued_id
    assert correction["payload"]["reason"] == REASON
    assert correction["occurred_on"] == "2023-04-20"
    assert history[issued_id]["payload"]["certificate_number"] == "CS 100001"
    assert history[issued_id]["corrected_by"] == correction["event_id"]
    assert correction["label"] == "Đính chính giấy chứng nhận quyền sử dụng đất"

    # The mistyped number was never issued: another site may be given it.
    _certified(religion, "TL-C2", "CS 100001")
    # As of a day between the two dates, the certificate was already there.
    as_of = religion.get("/api/v1/sites/TL-C1/as-of", params={"date": "2023-04-25"}).json()
    assert as_of["certificate"]["number"] == "CS 100010"
    _rebuilt_equal(religion, "TL-C1", "TL-C2")


def test_a_certificate_correction_keeps_the_rules_or_writes_nothing(religion: TestClient) -> None:
    _certified(religion, "TL-C3", "CS 200001")
    _certified(religion, "TL-C4", "CS 200002")
    url = "/api/v1/sites/TL-C3/certificate/corrections"
    before = event_count(religion)
    refusals: list[tuple[dict[str, Any], int, str | None]] = [
        ({"issued_on": "2023-04-20"}, 422, "VALIDATION_ERROR"),  # no reason
        ({"issued_on": "2023-04-20", "reason": "  "}, 422, "VALIDATION_ERROR"),
        ({"issued_on": "2023-03-20", "reason": REASON}, 422, "DATE_BEFORE_PREVIOUS_STEP"),
        ({"issued_on": "2099-01-01", "reason": REASON}, 422, "DATE_IN_FUTURE"),
        ({"certificate_number": "CS 200002", "reason": REASON}, 409, "CERTIFICATE_NUMBER_TAKEN"),
        ({"certificate_number": "CS 200001", "reason": REASON}, 422, "NO_CHANGES"),
        ({"corrects": "0b6f4f5e-3c1a-4d2b-9a8e-7f1c2d3e4a5b", "issued_on": "2023-04-20",
          "reason": REASON}, 404, "FACT_NOT_FOUND"),
        ({"issued_on": "2023-04-20", "reason": REASON, "expected_version": 7}, 412, None),
    ]
    tag = _if_match(religion, "TL-C3")
    for body, status, code in refusals:
        response = religion.post(url, json=body,
                                 headers={} if "expected_version" in body else tag)
        assert response.status_code == status, (body, response.text)
        if code is not None:
            assert error_of(response)["code"] == code, (body, response.text)
        assert event_count(religion) == before, body
    assert religion.post("/api/v1/sites/TL-NONE/certificate/corrections",
                         json={"reason": REASON}, headers=tag).status_code == 404

    issued_id = _event_id(religion, "TL-C3", "CertificateIssued")
    ok = religion.post(url, json={"certified_area_m2": 1180.5, "reason": REASON}, headers=tag)
    assert ok.status_code == 200, ok.text
    # The fact as first recorded has been replaced: its correction is the one to correct.
    again = religion.post(url, json={"corrects": issued_id, "certified_area_m2": 1190.0,
                                     "reason": REASON}, headers=_if_match(religion, "TL-C3"))
    assert again.status_code == 409
    assert error_of(again)["code"] == "FACT_ALREADY_CORRECTED"
    assert error_of(again)["details"]["corrected_by"] == _event_id(
        religion, "TL-C3", "CertificateIssuedCorrected")
    assert "Đính chính" in error_of(again)["message"]
    # A revoked certificate is history: not corrected.
    revoked = religion.post("/api/v1/sites/TL-C4/certificate/revoke", json={
        "certificate_number": "CS 200002", "revoked_on": "2023-06-01", "reason": "Cấp sai"})
    assert revoked.status_code == 200, revoked.text
    late = religion.post("/api/v1/sites/TL-C4/certificate/corrections",
                         json={"issued_on": "2023-04-20", "reason": REASON},
                         headers=_if_match(religion, "TL-C4"))
    assert late.status_code == 409 and error_of(late)["code"] == "NO_VALID_CERTIFICATE"
    # A date after the revocation that followed it (the earlier certificate's) is refused.
    assert issue(religion, "TL-C4", "CS 200003", "2023-07-01").status_code == 201
    early = religion.post("/api/v1/sites/TL-C4/certificate/corrections",
                          json={"issued_on": "2023-05-15", "reason": REASON},
                          headers=_if_match(religion, "TL-C4"))
    assert early.status_code == 422 and error_of(early)["code"] == "DATE_BEFORE_PREVIOUS_STEP"


def test_a_dossier_step_with_a_wrong_date_or_recorded_by_mistake(religion: TestClient) -> None:
    register(religion, "TL-D1")
    assert act(religion, "TL-D1", "lodge", "2023-03-01").status_code == 201
    assert act(religion, "TL-D1", "requisition", "2023-03-10", note="Thiếu bản đồ").status_code \
        == 200
    lodged = _event_id(religion, "TL-D1", "LandDossierLodged")
    url = f"/api/v1/sites/TL-D1/dossier/steps/{lodged}/corrections"
    before = event_count(religion)
    for body, status, code in [
        ({"acted_on": "2023-03-12", "reason": REASON}, 422, "DATE_BEFORE_PREVIOUS_STEP"),
        ({"acted_on": "2023-01-12", "reason": REASON}, 422, "DATE_BEFORE_PREVIOUS_STEP"),
        ({"void": True, "reason": REASON}, 422, "CORRECTION_BREAKS_WORKFLOW"),
        ({"acted_on": "2023-03-01", "reason": REASON}, 422, "NO_CHANGES"),
        ({"acted_on": "2023-03-05"}, 422, "VALIDATION_ERROR"),
    ]:
        response = religion.post(url, json=body)
        assert response.status_code == status, (body, response.text)
        assert error_of(response)["code"] == code, (body, response.text)
    assert event_count(religion) == before
    ok = religion.post(url, json={"acted_on": "2023-03-05", "reason": REASON})
    assert ok.status_code == 200, ok.text
    detail = _detail(religion, "TL-D1")
    assert detail["dossier"]["lodged_on"] == "2023-03-05"
    assert [s["on"] for s in detail["dossier"]["steps"]] == ["2023-03-05", "2023-03-10"]

    # The requisition never happened: the dossier is lodged again, since the lodging.
    requisitioned = _event_id(religion, "TL-D1", "DossierRequisitioned")
    void = religion.post(f"/api/v1/sites/TL-D1/dossier/steps/{requisitioned}/corrections",
                         json={"void": True, "reason": "Nhập nhầm hồ sơ của cơ sở khác"})
    assert void.status_code == 200, void.text
    detail = _detail(religion, "TL-D1")
    assert (detail["dossier"]["state"], detail["dossier"]["since"]) == (
        "lodged", "2023-03-05")
    assert [s["event_type"] for s in detail["dossier"]["steps"]] == ["LandDossierLodged"]
    # The workflow goes on from the state as corrected.
    assert act(religion, "TL-D1", "accept", "2023-03-20").status_code == 200
    on_day = religion.get("/api/v1/sites/TL-D1/as-of", params={"date": "2023-03-04"}).json()
    assert on_day["dossier"]["state"] == "not_started"  # lodged on the 5th, as corrected
    types = [e["event_type"] for e in _history(religion, "TL-D1")]
    assert types.count("DossierStepCorrected") == 2
    assert "DossierRequisitioned" in types  # the mistaken step stays in the history

    # A certificate's step is corrected with the certificate; an unknown event is a 404.
    assert issue(religion, "TL-D1", "CS 300001", "2023-04-02").status_code == 201
    step = _event_id(religion, "TL-D1", "DossierCertificateIssued")
    via_steps = religion.post(f"/api/v1/sites/TL-D1/dossier/steps/{step}/corrections",
                              json={"acted_on": "2023-04-03", "reason": REASON})
    assert via_steps.status_code == 422
    assert error_of(via_steps)["code"] == "USE_CERTIFICATE_ENDPOINT"
    other = _event_id(religion, "TL-D1", "CertificateIssued")  # not the dossier's
    unknown = religion.post(f"/api/v1/sites/TL-D1/dossier/steps/{other}/corrections",
                            json={"acted_on": "2023-04-03", "reason": REASON})
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "FACT_NOT_FOUND"
    _rebuilt_equal(religion, "TL-D1")


def test_a_registration_with_a_wrong_date(religion: TestClient) -> None:
    register(religion, "TL-R1")  # registered_on 2023-02-01
    assert act(religion, "TL-R1", "lodge", "2023-03-01").status_code == 201
    url = "/api/v1/sites/TL-R1/registration/corrections"
    before = event_count(religion)
    tag = _if_match(religion, "TL-R1", "version")
    after_lodging = religion.post(url, json={"registered_on": "2023-03-02", "reason": REASON},
                                  headers=tag)
    assert after_lodging.status_code == 422
    assert error_of(after_lodging)["code"] == "DATE_AFTER_NEXT_STEP"
    assert "01/03/2023" in error_of(after_lodging)["message"]
    same = religion.post(url, json={"registered_on": "2023-02-01", "reason": REASON},
                         headers=tag)
    assert same.status_code == 422 and error_of(same)["code"] == "NO_CHANGES"
    stale = religion.post(url, json={"registered_on": "2023-01-10", "reason": REASON},
                          headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    assert event_count(religion) == before

    ok = religion.post(url, json={"registered_on": "2023-01-10", "reason": REASON},
                       headers={"If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert _detail(religion, "TL-R1")["registered_on"] == "2023-01-10"
    as_of = religion.get("/api/v1/sites/TL-R1/as-of", params={"date": "2023-01-20"})
    assert as_of.status_code == 200, as_of.text
    # Steps may now be dated from the corrected day on.
    history = _history(religion, "TL-R1")
    registered = next(e for e in history if e["event_type"] == "SiteRegistered")
    assert registered["payload"]["registered_on"] == "2023-02-01"
    assert registered["corrected_by"] is not None
    _rebuilt_equal(religion, "TL-R1")


def test_a_correction_is_written_by_who_held_the_commune_on_both_days(
    religion: TestClient,
) -> None:
    """Xã Đại Bản (11587) was in Huyện An Dương (312) until 31/12/2024, then in Quận Hải An
    (303): a step of November 2024 is 312's to correct within 2024, and neither board's to
    move across the change alone."""
    register(religion, "DB-C1", "11587", registered_on="2024-10-01")
    assert act(religion, "DB-C1", "lodge", "2024-11-01").status_code == 201
    lodged = _event_id(religion, "DB-C1", "LandDossierLodged")
    url = f"/api/v1/sites/DB-C1/dossier/steps/{lodged}/corrections"

    def board(district: str) -> dict[str, str]:
        return {"X-Unit-Scope": district, "X-Scopes": "religion:read religion:write"}

    before = event_count(religion)
    for district, on in (("303", "2024-11-10"), ("312", "2025-01-05"), ("303", "2025-01-05")):
        refused = religion.post(url, json={"acted_on": on, "reason": REASON},
                                headers=board(district))
        assert refused.status_code == 403, (district, on, refused.text)
    assert event_count(religion) == before
    ok = religion.post(url, json={"acted_on": "2024-11-10", "reason": REASON},
                       headers=board("312"))
    assert ok.status_code == 200, ok.text


def test_a_correction_without_if_match_is_refused_428_after_the_scope(
    religion: TestClient,
) -> None:
    """Finding J6: a correction restates a fact another desk may have just restated; sent
    blind (no If-Match, or `*`), the last of two would silently win. 428, nothing written;
    a board outside the site's district gets its 403 first (docs/api-conventions.md)."""
    _certified(religion, "TL-P1", "CS 300001")
    board = {"X-Unit-Scope": "303", "X-Scopes": "religion:read religion:write"}
    corrections = (
        ("/api/v1/sites/TL-P1/registration/corrections", "version",
         {"registered_on": "2023-01-10", "reason": REASON},
         {"registered_on": "2023-01-12", "reason": "Bàn thứ hai"}),
        ("/api/v1/sites/TL-P1/certificate/corrections", "certificate_version",
         {"certified_area_m2": 1190.0, "reason": REASON},
         {"issuing_authority": "UBND huyện Tiên Lãng", "reason": "Bàn thứ hai"}),
    )
    before = event_count(religion)
    for url, _, body, _ in corrections:
        for headers in ({}, {"If-Match": "*"}):
            blind = religion.post(url, json=body, headers=headers)
            assert blind.status_code == 428, (url, blind.text)
            assert error_of(blind)["code"] == "PRECONDITION_REQUIRED"
        outside = religion.post(url, json=body, headers=board)
        assert outside.status_code == 403 and error_of(outside)["code"] == "UNIT_OUT_OF_SCOPE"
        assert event_count(religion) == before
    for url, field, body, other in corrections:
        # Two desks read the same version: the second is told (412), not overwritten, even
        # when its correction touches no field of the first's.
        tag = _if_match(religion, "TL-P1", field)
        assert religion.post(url, json=body, headers=tag).status_code == 200, url
        again = religion.post(url, json=other, headers=tag)
        assert again.status_code == 412, again.text


def test_a_registration_or_a_closing_does_not_cross_a_compliance_case(
    religion: TestClient,
) -> None:
    """Finding K17: a case cannot be opened at a site before its registration (H3) nor after
    its closing (J20); a registration corrected to after the case, or a closing dated before
    it, broke the same order from the other side. Refused, nothing written."""
    register(religion, "TL-K17")  # registered_on 2023-02-01
    opened = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "land_encroachment", "site_code": "TL-K17",
        "description": "Lấn chiếm đất", "detected_on": "2023-03-01"})
    assert opened.status_code == 201, opened.text
    before = event_count(religion)
    late = religion.post("/api/v1/sites/TL-K17/registration/corrections",
                         json={"registered_on": "2023-03-02", "reason": REASON},
                         headers=_if_match(religion, "TL-K17", "version"))
    assert late.status_code == 422, late.text
    assert error_of(late)["code"] == "DATE_AFTER_NEXT_STEP"
    assert "01/03/2023" in error_of(late)["message"]
    early = religion.post("/api/v1/sites/TL-K17/close",
                          json={"closed_on": "2023-02-15", "reason": "Giải thể"})
    assert early.status_code == 422, early.text
    assert error_of(early)["code"] == "DATE_BEFORE_PREVIOUS_STEP"
    assert "01/03/2023" in error_of(early)["message"]
    assert event_count(religion) == before
    # The closing day is the site's first day out: the day after the case (the same day is
    # CLOSED_BEFORE_STEP, tests/religion/test_dossier.py).
    closed = religion.post("/api/v1/sites/TL-K17/close",
                           json={"closed_on": "2023-03-02", "reason": "Giải thể"})
    assert closed.status_code == 200, closed.text


def test_a_step_or_certificate_is_not_corrected_onto_its_sites_closing_day(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The closing day is the site's first day out (shared.planrules.closed_by, f8f42bf): a
    step or certificate recorded on it is 409 SITE_CLOSED, but one corrected onto it was
    accepted (check_steps refused only a day after the closing), so a certificate counted on a
    day its site was out of the register. Refused alike, nothing written; the day before is
    accepted. A step stored on a closing day by the rule before f8f42bf (recorded here with
    that rule) still replays, its note is still corrected, and another step still moves."""
    register(religion, "CL-DS")
    assert act(religion, "CL-DS", "lodge", "2023-03-01").status_code == 201
    assert act(religion, "CL-DS", "accept", "2023-04-01").status_code == 200
    _certified(religion, "CL-DC", "CS 400001")  # lodged 01/03, accepted 01/04, issued 02/05
    for code in ("CL-DS", "CL-DC"):
        closed = religion.post(f"/api/v1/sites/{code}/close",
                               json={"closed_on": "2023-08-01", "reason": "Giải thể"})
        assert closed.status_code == 200, closed.text
    accepted = _event_id(religion, "CL-DS", "DossierAccepted")
    step_url = f"/api/v1/sites/CL-DS/dossier/steps/{accepted}/corrections"
    before = event_count(religion)
    moved_step = religion.post(step_url, json={"acted_on": "2023-08-01", "reason": REASON})
    assert (moved_step.status_code, error_of(moved_step)["code"]) == (409, "SITE_CLOSED"), \
        moved_step.text
    assert "01/08/2023" in error_of(moved_step)["message"]
    moved_certificate = religion.post(
        "/api/v1/sites/CL-DC/certificate/corrections",
        json={"issued_on": "2023-08-01", "reason": REASON}, headers=_if_match(religion, "CL-DC"))
    assert (moved_certificate.status_code, error_of(moved_certificate)["code"]) == (
        409, "SITE_CLOSED"), moved_certificate.text
    assert event_count(religion) == before
    step_before = religion.post(step_url, json={"acted_on": "2023-07-31", "reason": REASON})
    assert step_before.status_code == 200, step_before.text
    the_day_before = religion.post(
        "/api/v1/sites/CL-DC/certificate/corrections",
        json={"issued_on": "2023-07-31", "reason": REASON}, headers=_if_match(religion, "CL-DC"))
    assert the_day_before.status_code == 200, the_day_before.text

    # A store written before f8f42bf: the site closed on the day of its last step.
    register(religion, "CL-OLD")
    assert act(religion, "CL-OLD", "lodge", "2023-03-01").status_code == 201
    assert act(religion, "CL-OLD", "accept", "2023-04-01").status_code == 200
    with monkeypatch.context() as old_rule:
        old_rule.setattr("services.religion.domain.model.closed_by",
                         lambda closed_on, on: closed_on is not None and closed_on < on)
        closed = religion.post("/api/v1/sites/CL-OLD/close",
                               json={"closed_on": "2023-04-01", "reason": "Giải thể"})
        assert closed.status_code == 200, closed.text
    _rebuilt_equal(religion, "CL-OLD")
    last = _event_id(religion, "CL-OLD", "DossierAccepted")
    noted = religion.post(f"/api/v1/sites/CL-OLD/dossier/steps/{last}/corrections",
                          json={"note": "Theo biên bản thẩm định", "reason": REASON})
    assert noted.status_code == 200, noted.text
    lodged = _event_id(religion, "CL-OLD", "LandDossierLodged")
    earlier = religion.post(f"/api/v1/sites/CL-OLD/dossier/steps/{lodged}/corrections",
                            json={"acted_on": "2023-03-05", "reason": REASON})
    assert earlier.status_code == 200, earlier.text
    steps = _detail(religion, "CL-OLD")["dossier"]["steps"]
    assert [s["on"] for s in steps] == ["2023-03-05", "2023-04-01"]
    _rebuilt_equal(religion, "CL-OLD", "CL-DS", "CL-DC")
