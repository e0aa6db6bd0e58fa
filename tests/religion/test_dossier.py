"""The dossier workflow, certificates and compliance cases over HTTP."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient

from tests.integration.helpers import event_count
from tests.religion.conftest import DAI_THANG, QUAN_TOAN, act, error_of, issue, register


def test_a_dossier_walks_the_table_and_refusals_name_state_and_allowed_actions(
    religion: TestClient,
) -> None:
    register(religion, "TL-01")
    refused = act(religion, "TL-01", "accept", "2023-03-01")
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "ACTION_NOT_ALLOWED"
    assert "«Chưa lập hồ sơ»" in error["message"]
    assert "«Chấp thuận hồ sơ»" in error["message"]  # the action attempted
    assert error["message"].endswith("«Bắt đầu chuẩn bị hồ sơ», «Nộp hồ sơ»")
    assert "(lodge)" not in error["message"]  # identifiers are for programs, in the details
    assert error["details"] == {"action": "accept", "state": "not_started",
                                "allowed_actions": ["start_preparation", "lodge"]}

    # The first version of the API sent `lodged_on`; it still works.
    lodged = religion.post("/api/v1/sites/TL-01/dossier/lodge",
                           json={"lodged_on": "2023-03-01", "document_refs": ["Đơn 12/ĐK"]})
    assert lodged.status_code == 201 and lodged.json()["state"] == "lodged"
    no_reason = act(religion, "TL-01", "requisition", "2023-03-10")
    assert no_reason.status_code == 422 and error_of(no_reason)["code"] == "NOTE_REQUIRED"
    steps = [("requisition", "2023-03-10", "Thiếu bản đồ địa chính"),
             ("resubmit", "2023-03-20", ""), ("accept", "2023-04-01", "Đủ điều kiện")]
    for action, on, note in steps:
        response = act(religion, "TL-01", action, on, note=note, document_refs=["CV 5/VPĐK"])
        # A step of a dossier already open changes it: 200 (only the lodging created it).
        assert response.status_code == 200, response.text
        assert "Location" not in response.headers
    early = act(religion, "TL-01", "withdraw", "2023-03-31")
    assert early.status_code == 422 and error_of(early)["code"] == "DATE_BEFORE_PREVIOUS_STEP"
    via_generic = act(religion, "TL-01", "issue-certificate", "2023-04-10")
    assert via_generic.status_code == 422
    assert error_of(via_generic)["code"] == "USE_CERTIFICATE_ENDPOINT"
    unknown = act(religion, "TL-01", "approve", "2023-04-10")
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "UNKNOWN_ACTION"
    # The actions by their labels for people, by their identifiers for programs.
    assert "«Nộp hồ sơ»" in error_of(unknown)["message"]
    assert "start_preparation" not in error_of(unknown)["message"]
    assert "lodge" in error_of(unknown)["details"]["known_actions"]
    stale = act(religion, "TL-01", "withdraw", "2023-04-10", expected_version=2)
    assert stale.status_code == 412 and error_of(stale)["code"] == "PRECONDITION_FAILED"
    etag = religion.get("/api/v1/sites/TL-01").json()["dossier_version"]
    stale_tag = religion.post("/api/v1/sites/TL-01/dossier/withdraw",
                              json={"acted_on": "2023-04-10"}, headers={"If-Match": '"2"'})
    assert stale_tag.status_code == 412
    assert error_of(stale_tag)["details"]["current_version"] == etag

    assert issue(religion, "TL-01", "cs  0001").status_code == 201
    detail = religion.get("/api/v1/sites/TL-01").json()
    assert detail["dossier"]["state"] == "certificate_issued"
    assert detail["certificate"] == {"number": "CS 0001", "issued_on": "2023-05-02"}
    steps_seen = [(s["event_type"], s["state"], s["actor"]) for s in detail["dossier"]["steps"]]
    assert steps_seen == [
        ("LandDossierLodged", "lodged", "can.bo.tg"),
        ("DossierRequisitioned", "requisitioned", "can.bo.tg"),
        ("DossierResubmitted", "lodged", "can.bo.tg"),
        ("DossierAccepted", "accepted", "can.bo.tg"),
        ("DossierCertificateIssued", "certificate_issued", "can.bo.tg"),
    ]
    assert detail["dossier"]["steps"][1]["note"] == "Thiếu bản đồ địa chính"
    assert detail["dossier"]["steps"][0]["document_refs"] == ["Đơn 12/ĐK"]
    again = act(religion, "TL-01", "lodge", "2023-06-01")
    assert again.status_code == 409
    assert error_of(again)["details"]["allowed_actions"] == ["revoke_certificate"]


def test_a_dossier_past_its_expected_days_is_flagged_overdue(religion: TestClient) -> None:
    register(religion, "TL-01")
    register(religion, "TL-02")
    act(religion, "TL-01", "lodge", "2023-03-01")
    act(religion, "TL-02", "lodge", "2023-03-25")
    overdue = religion.get("/api/v1/sites",
                           params={"overdue": "true", "as_of": "2023-04-15"}).json()["items"]
    assert [i["code"] for i in overdue] == ["TL-01"]
    assert overdue[0]["dossier"]["due_on"] == "2023-03-31"
    assert overdue[0]["dossier"]["overdue_days"] == 15
    on_time = religion.get("/api/v1/sites",
                           params={"overdue": "false", "as_of": "2023-04-15"}).json()["items"]
    assert [i["code"] for i in on_time] == ["TL-02"]
    assert on_time[0]["dossier"]["deadline_label"] == "Trong hạn"
    act(religion, "TL-01", "accept", "2023-04-16")
    overdue = religion.get("/api/v1/sites", params={"overdue": "true", "as_of": "2023-04-26"})
    assert [i["code"] for i in overdue.json()["items"]] == ["TL-02"]


def test_certificate_numbers_are_unique_and_revocation_is_an_event(religion: TestClient) -> None:
    for code in ("TL-01", "TL-02"):
        register(religion, code)
        act(religion, code, "lodge", "2023-03-01")
        act(religion, code, "accept", "2023-04-01")
    assert issue(religion, "TL-01", "CS 0001").status_code == 201
    before = event_count(religion)
    clash = issue(religion, "TL-02", " cs 0001 ")
    assert clash.status_code == 409
    assert error_of(clash)["code"] == "CERTIFICATE_NUMBER_TAKEN"
    assert "TL-01" in error_of(clash)["message"]
    # The 409's three parts (tests/unit/test_refusals.py walks the aggregates' own).
    assert error_of(clash)["message"].startswith(
        "Không thể «Cấp giấy chứng nhận» khi số giấy chứng nhận «CS 0001» đang ở trạng thái "
        "«Đã được cấp» (cho cơ sở TL-01). Thao tác được phép: không có")
    assert error_of(clash)["details"]["allowed_actions"] == []
    assert event_count(religion) == before  # nothing written, the dossier still waits
    assert religion.get("/api/v1/sites/TL-02").json()["dossier"]["state"] == "accepted"
    # A look-alike letter of another script is not a second number (finding H21): "СS 0001"
    # with a Cyrillic С printed as CS 0001 and was accepted beside it.
    for lookalike in ("\u0421S 0001", "C\u0405 0001", "\u0391B 12"):
        refused = issue(religion, "TL-02", lookalike)
        assert refused.status_code == 422, (lookalike, refused.text)
        assert error_of(refused)["code"] == "VALIDATION_ERROR"
    assert event_count(religion) == before
    # Full-width forms are the same number folded: taken, as the ASCII one is.
    folded = issue(religion, "TL-02", "\uff23\uff33 \uff10\uff10\uff10\uff11")
    assert (folded.status_code, error_of(folded)["code"]) == (409, "CERTIFICATE_NUMBER_TAKEN")

    wrong = religion.post("/api/v1/sites/TL-01/certificate/revoke", json={
        "certificate_number": "CS 9999", "revoked_on": "2023-06-01", "reason": "Cấp sai"})
    assert wrong.status_code == 422 and error_of(wrong)["code"] == "CERTIFICATE_NUMBER_MISMATCH"
    revoked = religion.post("/api/v1/sites/TL-01/certificate/revoke", json={
        "certificate_number": "CS 0001", "revoked_on": "2023-06-01",
        "reason": "Cấp sai diện tích", "document_refs": ["QĐ 45/QĐ-UBND"]})
    assert revoked.status_code == 200, revoked.text
    assert [e["event_type"] for e in revoked.json()["events"]] == [
        "CertificateRevoked", "DossierCertificateRevoked"]
    site = religion.get("/api/v1/sites/TL-01").json()
    assert site["certificate"] is None
    assert site["dossier"]["state"] == "certificate_revoked"
    assert site["certificates"][0]["status"] == "revoked"
    assert religion.get("/api/v1/certificates/CS 0001").json()["status"] == "revoked"
    assert religion.get("/api/v1/sites", params={"has_certificate": "true"}).json()["total"] == 0
    # A number is never given twice, not even back to the same site.
    assert issue(religion, "TL-01", "CS 0001", on="2023-07-01").status_code == 409
    assert issue(religion, "TL-01", "CS 0002", on="2023-07-01").status_code == 201
    assert issue(religion, "TL-02", "CS 0003").status_code == 201
    numbers = [c["number"] for c in religion.get("/api/v1/sites/TL-01").json()["certificates"]]
    assert numbers == ["CS 0001", "CS 0002"]
    missing = religion.get("/api/v1/certificates/CS 7")
    assert missing.status_code == 404 and error_of(missing)["code"] == "CERTIFICATE_NOT_FOUND"


def test_compliance_cases_open_review_resolve_or_refer(religion: TestClient) -> None:
    register(religion, "TL-01")
    opened = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "build_without_permit", "site_code": "TL-01",
        "description": "Xây dựng nhà tổ không phép", "detected_on": "2023-04-02",
        "reference": "Biên bản 07/BB-UBND"})
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["case_id"]
    other = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "land_encroachment", "commune_code": QUAN_TOAN,
        "description": "Lấn chiếm đất hành lang giao thông", "detected_on": "2023-04-05"})
    assert other.status_code == 201
    other_id = other.json()["case_id"]

    refused = religion.post(f"/api/v1/compliance-cases/{case_id}/resolve",
                            json={"acted_on": "2023-04-03", "note": "Xong"})
    assert refused.status_code == 409
    assert "«Mới phát hiện»" in error_of(refused)["message"]
    for action, body in (("start-review", {"acted_on": "2023-04-03"}),
                         ("resolve", {"acted_on": "2023-05-01", "note": "Đã tháo dỡ"})):
        response = religion.post(f"/api/v1/compliance-cases/{case_id}/{action}", json=body)
        assert response.status_code == 200, response.text
    religion.post(f"/api/v1/compliance-cases/{other_id}/start-review",
                  json={"acted_on": "2023-04-06"})
    referred = religion.post(f"/api/v1/compliance-cases/{other_id}/refer", json={
        "acted_on": "2023-04-20", "note": "Vượt thẩm quyền cấp xã",
        "referred_to": "Thanh tra Sở Xây dựng"})
    assert referred.status_code == 200 and referred.json()["state"] == "referred"

    case = religion.get(f"/api/v1/compliance-cases/{case_id}").json()
    assert (case["state"], case["district_code"], case["commune_code"]) == (
        "resolved", "315", "11755")
    assert case["violation_label"] == "Xây dựng cơ sở tôn giáo không phép"
    listed = religion.get("/api/v1/compliance-cases", params={"state": "referred"}).json()
    assert [c["case_id"] for c in listed["items"]] == [other_id]
    assert listed["items"][0]["referred_to"] == "Thanh tra Sở Xây dựng"
    assert religion.get("/api/v1/compliance-cases",
                        params={"district": "303"}).json()["total"] == 1
    assert [c["case_id"] for c in religion.get("/api/v1/sites/TL-01").json()[
        "compliance_cases"]] == [case_id]

    for body, code in (
        ({"violation_type": "land_sale", "description": "x", "detected_on": "2023-04-02"},
         "CASE_NEEDS_PLACE"),
        ({"violation_type": "land_sale", "description": "x", "detected_on": "2023-04-02",
          "site_code": "TL-01", "commune_code": DAI_THANG}, "CASE_COMMUNE_MISMATCH"),
        ({"violation_type": "theft", "description": "x", "detected_on": "2023-04-02",
          "site_code": "TL-01"}, "VALIDATION_ERROR"),
        ({"violation_type": "land_sale", "description": " ", "detected_on": "2023-04-02",
          "site_code": "TL-01"}, "VALIDATION_ERROR"),
    ):
        response = religion.post("/api/v1/compliance-cases", json=body)
        assert response.status_code == 422 and error_of(response)["code"] == code, body
    missing = religion.post("/api/v1/compliance-cases/VV-NOPE/start-review",
                            json={"acted_on": "2023-04-03"})
    assert missing.status_code == 404 and error_of(missing)["code"] == "CASE_NOT_FOUND"


def test_nothing_is_recorded_for_a_site_before_its_registration(religion: TestClient) -> None:
    """A lodging dated before the site entered the register was accepted and counted among the
    period's dossiers lodged while the site was in no stock figure; closing it that early was
    already refused. Every dated step now keeps to the registration day."""
    register(religion, "PE-01", registered_on="2023-05-01")
    before = event_count(religion)
    early = act(religion, "PE-01", "lodge", "2023-02-01")
    assert early.status_code == 422, early.text
    assert error_of(early)["code"] == "DATE_BEFORE_PREVIOUS_STEP"
    assert "01/05/2023" in error_of(early)["message"]
    assert error_of(early)["details"]["previous"] == "2023-05-01"
    assert event_count(religion) == before
    assert act(religion, "PE-01", "lodge", "2023-05-01").status_code == 201
    assert act(religion, "PE-01", "accept", "2023-05-02").status_code == 200
    assert issue(religion, "PE-01", "CS 0009", on="2023-05-03").status_code == 201


def test_a_site_is_not_closed_before_a_step_of_its_dossier(religion: TestClient) -> None:
    """Closed on 01/06 with its certificate issued on 14/09, a site counted 'certificate issued
    in the period' for a site that had left the register three months before (G7)."""
    register(religion, "CL-01")
    assert act(religion, "CL-01", "lodge", "2023-03-15").status_code == 201
    assert act(religion, "CL-01", "accept", "2023-03-20").status_code == 200
    assert issue(religion, "CL-01", "CS 0101", on="2023-09-14").status_code == 201
    before = event_count(religion)
    early = religion.post("/api/v1/sites/CL-01/close",
                          json={"closed_on": "2023-06-01", "reason": "Giải thể"})
    assert early.status_code == 422, early.text
    assert error_of(early)["code"] == "DATE_BEFORE_PREVIOUS_STEP"
    assert "14/09/2023" in error_of(early)["message"]
    assert error_of(early)["details"]["previous"] == "2023-09-14"
    assert event_count(religion) == before
    closed = religion.post("/api/v1/sites/CL-01/close",
                           json={"closed_on": "2023-09-15", "reason": "Giải thể"})
    assert closed.status_code == 200, closed.text


def test_a_certificate_number_with_vietnamese_letters_is_taken(religion: TestClient) -> None:
    """The numbers printed on land certificates carry Vietnamese letters (Đ, Ư, toned vowels):
    kept when other scripts' letters are refused (H21)."""
    register(religion, "TL-VN")
    act(religion, "TL-VN", "lodge", "2023-03-01")
    act(religion, "TL-VN", "accept", "2023-04-01")
    issued = issue(religion, "TL-VN", "BĐ 123456/Ư-Ô")
    assert issued.status_code == 201, issued.text
    assert "BĐ 123456/Ư-Ô" in str(religion.get("/api/v1/sites/TL-VN").json()["certificate"])


def test_a_certificate_numbered_with_a_slash_is_read_where_its_location_says(
    religion: TestClient,
) -> None:
    """K9: «BĐ-01/2023» (the validator's own example) was issued and counted, but its Location
    and GET /certificates/{number} answered 404: the route took no «/»."""
    register(religion, "TL-K9")
    act(religion, "TL-K9", "lodge", "2023-03-01")
    act(religion, "TL-K9", "accept", "2023-04-01")
    issued = issue(religion, "TL-K9", "BĐ-01/2023")
    assert issued.status_code == 201, issued.text
    location = issued.headers["Location"]
    assert location == "/api/v1/certificates/B%C4%90-01/2023"
    for url in (location, "/api/v1/certificates/B%C4%90-01%2F2023",
                "/api/v1/certificates/bđ-01/2023"):
        read = religion.get(url)
        assert read.status_code == 200, (url, read.text)
        assert (read.json()["number"], read.json()["site_code"]) == ("BĐ-01/2023", "TL-K9")
    unknown = religion.get("/api/v1/certificates/BĐ-01/2024")
    assert (unknown.status_code, error_of(unknown)["code"]) == (404, "CERTIFICATE_NOT_FOUND")


def test_a_certificate_number_is_read_and_revoked_in_any_form_it_is_issued_in(
    religion: TestClient,
) -> None:
    """Examiner-hostile: a number issued with its letters decomposed (NFD, as macOS and some
    PDF copies send «Ố») or typed full-width is folded (NFKC) when issued, but the path of
    GET /certificates/{number} was not: «SỐ-01/2023» typed by a partner on a Mac, or
    «ＳỐ-01/2023», answered 404 CERTIFICATE_NOT_FOUND for a certificate that exists, and a
    revocation naming it full-width was refused as another number. One fold of a number for
    the issue, the path and the revocation."""
    register(religion, "TL-NF")
    act(religion, "TL-NF", "lodge", "2023-03-01")
    act(religion, "TL-NF", "accept", "2023-04-01")
    issued = issue(religion, "TL-NF", unicodedata.normalize("NFD", "SỐ-01/2023"))
    assert issued.status_code == 201, issued.text
    for typed in ("SỐ-01/2023", unicodedata.normalize("NFD", "SỐ-01/2023"), "ＳỐ-01/2023",
                  unicodedata.normalize("NFD", "số-01/2023")):
        read = religion.get(f"/api/v1/certificates/{quote(typed, safe='/')}")
        assert read.status_code == 200, (typed, read.text)
        assert (read.json()["number"], read.json()["site_code"]) == ("SỐ-01/2023", "TL-NF")
    revoked = religion.post("/api/v1/sites/TL-NF/certificate/revoke", json={
        "certificate_number": "ＳỐ-01/2023", "revoked_on": "2023-06-01", "reason": "Cấp sai"})
    assert revoked.status_code == 200, revoked.text


def test_a_certificate_number_that_a_client_would_tidy_into_another_path_is_refused(
    religion: TestClient,
) -> None:
    """A number is read at /certificates/{number} with its «/» (K9): «X/../Y» is sent by a
    client or a proxy as /certificates/Y, «X//Y» often as X/Y, so such a number could be
    issued and read as another certificate. 422 CERTIFICATE_NUMBER_SEGMENTS, in Vietnamese,
    nothing written; «BĐ-01/2023» and a «.» inside a part are numbers as before."""
    register(religion, "TL-SEG")
    act(religion, "TL-SEG", "lodge", "2023-03-01")
    act(religion, "TL-SEG", "accept", "2023-04-01")
    before = event_count(religion)
    for number in ("BĐ-01/../2023", "../BĐ-01", "BĐ-01/..", "BĐ-01/./2023", "BĐ-01//2023",
                   "/BĐ-01", "BĐ-01/", "BĐ-01/ .. /2023"):
        refused = issue(religion, "TL-SEG", number)
        assert refused.status_code == 422, (number, refused.text)
        [problem] = error_of(refused)["details"]
        assert problem["code"] == "CERTIFICATE_NUMBER_SEGMENTS", (number, problem)
        assert "hai dấu / liền nhau" in problem["message"]
    assert event_count(religion) == before
    for month, number in ((5, "BĐ-01/2023"), (6, "CS 01.2/QĐ-UBND")):
        issued = issue(religion, "TL-SEG", number, on=f"2023-0{month}-02")
        assert issued.status_code == 201, issued.text
        assert religion.get(issued.headers["Location"]).json()["number"] == number
        revoked = religion.post("/api/v1/sites/TL-SEG/certificate/revoke", json={
            "certificate_number": number, "revoked_on": f"2023-0{month}-20",
            "reason": "Cấp lại"})
        assert revoked.status_code == 200, revoked.text


def test_a_violation_is_not_found_at_a_site_before_its_registration(
    religion: TestClient,
) -> None:
    """Finding H3: a case detected before the site was registered was accepted, and counted
    for a commune whose register had no such site then; a step so dated is refused."""
    register(religion, "TL-H3")  # registered 01/02/2023
    before = event_count(religion)
    early = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "build_without_permit", "site_code": "TL-H3",
        "description": "Xây dựng không phép", "detected_on": "2023-01-15"})
    assert early.status_code == 422, early.text
    assert error_of(early)["code"] == "DATE_BEFORE_PREVIOUS_STEP"
    assert "01/02/2023" in error_of(early)["message"]
    assert event_count(religion) == before
    on_time = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "build_without_permit", "site_code": "TL-H3",
        "description": "Xây dựng không phép", "detected_on": "2023-02-01"})
    assert on_time.status_code == 201, on_time.text


def test_a_violation_is_not_found_at_a_site_after_its_closure(religion: TestClient) -> None:
    """Finding J20: H3 bounded only the start; a case detected on or after the site's closing
    counted for a commune whose register no longer had the site. One detected before it may
    still be recorded after the closing."""
    register(religion, "TL-J20")  # registered 01/02/2023
    closed = religion.post("/api/v1/sites/TL-J20/close",
                           json={"closed_on": "2023-08-01", "reason": "Sáp nhập"})
    assert closed.status_code == 200, closed.text
    before = event_count(religion)
    for on in ("2023-08-01", "2023-09-01"):
        late = religion.post("/api/v1/compliance-cases", json={
            "violation_type": "land_sale", "site_code": "TL-J20",
            "description": "Chuyển nhượng đất", "detected_on": on})
        assert late.status_code == 409, late.text
        assert error_of(late)["code"] == "SITE_CLOSED"
        assert "01/08/2023" in error_of(late)["message"]
    assert event_count(religion) == before
    earlier = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "land_sale", "site_code": "TL-J20",
        "description": "Chuyển nhượng đất", "detected_on": "2023-07-31"})
    assert earlier.status_code == 201, earlier.text


def test_a_step_of_a_day_the_site_was_open_is_accepted_after_its_closing(
    religion: TestClient,
) -> None:
    """Finding J20, second half: a dossier step or a certificate dated before the site's
    closing but entered after it was refused SITE_CLOSED, by the order of entry; it is a true
    fact of a day the site was in the register, and is accepted. One dated on the closing day
    (the site's first day out, shared.planrules.closed_by, as a model's and as a compliance
    case's) or after it is not, and a closing is not dated on the day of the last step."""
    register(religion, "CL-J20")  # registered 01/02/2023
    assert act(religion, "CL-J20", "lodge", "2023-03-15").status_code == 201
    closed = religion.post("/api/v1/sites/CL-J20/close",
                           json={"closed_on": "2023-08-01", "reason": "Giải thể"})
    assert closed.status_code == 200, closed.text
    before = event_count(religion)
    for on in ("2023-08-02", "2023-08-01"):
        late = act(religion, "CL-J20", "accept", on)
        assert (late.status_code, error_of(late)["code"]) == (409, "SITE_CLOSED"), late.text
        assert "01/08/2023" in error_of(late)["message"]
        after = issue(religion, "CL-J20", "CS J20-1", on=on)
        assert (after.status_code, error_of(after)["code"]) == (409, "SITE_CLOSED"), after.text
    assert event_count(religion) == before
    accepted = act(religion, "CL-J20", "accept", "2023-07-20")
    assert accepted.status_code == 200, accepted.text
    issued = issue(religion, "CL-J20", "CS J20-1", on="2023-07-31")
    assert issued.status_code == 201, issued.text
    site = religion.get("/api/v1/sites/CL-J20").json()
    assert site["closed_on"] == "2023-08-01"
    assert site["dossier"]["state"] == "certificate_issued", site["dossier"]


def test_a_revocation_follows_the_closing_rule_of_the_other_steps(
    religion: TestClient,
) -> None:
    """A certificate's revocation was accepted whatever the site's closing: one dated after
    the closing day counted a revocation at a commune whose register no longer had the site.
    It follows the rule of every dossier step and certificate (J20/J21): dated after the
    closing day (the site's first day out, shared.planrules.closed_by), 409 SITE_CLOSED
    naming the day, nothing written; of a day the site was open, accepted though entered
    after the closing."""
    register(religion, "CL-REV")  # registered 01/02/2023
    act(religion, "CL-REV", "lodge", "2023-03-15")
    act(religion, "CL-REV", "accept", "2023-04-01")
    assert issue(religion, "CL-REV", "CS REV-1", on="2023-05-02").status_code == 201
    closed = religion.post("/api/v1/sites/CL-REV/close",
                           json={"closed_on": "2023-08-01", "reason": "Giải thể"})
    assert closed.status_code == 200, closed.text

    def revoke(on: str) -> Any:
        return religion.post("/api/v1/sites/CL-REV/certificate/revoke", json={
            "certificate_number": "CS REV-1", "revoked_on": on, "reason": "Thu hồi đất"})

    before = event_count(religion)
    for on in ("2023-08-02", "2023-08-01"):
        late = revoke(on)
        assert (late.status_code, error_of(late)["code"]) == (409, "SITE_CLOSED"), late.text
        assert "01/08/2023" in error_of(late)["message"]
    assert event_count(religion) == before
    the_day_before = revoke("2023-07-31")
    assert the_day_before.status_code == 200, the_day_before.text
    assert religion.get("/api/v1/sites/CL-REV").json()["dossier"]["state"] == \
        "certificate_revoked"


def test_a_site_is_not_closed_on_the_day_of_its_last_step_or_case(religion: TestClient) -> None:
    """The closing day is the site's first day out (shared.planrules.closed_by): a closing
    dated on the day of the dossier's last step, or of a compliance case found at the site,
    was accepted, though a step or a case of that day was refused on the closed site. Refused
    422 CLOSED_BEFORE_STEP, nothing written; the day after is accepted."""
    register(religion, "CL-NGAY")  # registered 01/02/2023
    assert act(religion, "CL-NGAY", "lodge", "2023-03-15").status_code == 201
    register(religion, "CL-VV")
    case = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "land_sale", "site_code": "CL-VV",
        "description": "Chuyển nhượng đất", "detected_on": "2023-04-10"})
    assert case.status_code == 201, case.text
    before = event_count(religion)
    for code, on in (("CL-NGAY", "2023-03-15"), ("CL-VV", "2023-04-10")):
        same_day = religion.post(f"/api/v1/sites/{code}/close",
                                 json={"closed_on": on, "reason": "Giải thể"})
        assert (same_day.status_code, error_of(same_day)["code"]) == (
            422, "CLOSED_BEFORE_STEP"), same_day.text
        assert f"{on[8:]}/{on[5:7]}/{on[:4]}" in error_of(same_day)["message"]
    assert event_count(religion) == before
    for code, on in (("CL-NGAY", "2023-03-16"), ("CL-VV", "2023-04-11")):
        closed = religion.post(f"/api/v1/sites/{code}/close",
                               json={"closed_on": on, "reason": "Giải thể"})
        assert closed.status_code == 200, closed.text
