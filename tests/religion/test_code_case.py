"""A site code is one site whatever its case (finding G10): "prb-s1" beside PRB-S1 is refused
SITE_EXISTS over the API and in an import, naming the site of the register; a file naming
PRB-D1 and prb-d1 is DUPLICATE_IN_FILE; two registrations at once make one site. Codes are
kept as typed, and two codes that differ only by case stored before keep working."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, insert

from services.religion.application.handlers import SITE_CODE_KEY
from shared.aggregate import unique_keys_table
from tests.integration.helpers import at_once, event_count, runtime_of
from tests.religion.conftest import act, error_of, register, site_body

HEADER = "Mã cơ sở;Tên cơ sở;Tôn giáo;Mã xã;Diện tích đất (m²);Ngày đăng ký;Ghi chú\n"


def _import(client: TestClient, *rows: str, **params: Any) -> Any:
    content = (HEADER + "".join(rows)).encode("utf-8")
    return client.post("/api/v1/sites/import", params=params,
                       files={"file": ("sites.csv", content)})


def test_a_code_in_another_case_is_the_same_site_over_the_api(religion: TestClient) -> None:
    register(religion, "PRB-S1")
    refused = religion.post("/api/v1/sites", json=site_body("prb-s1"))
    assert refused.status_code == 409, refused.text
    error = error_of(refused)
    assert error["code"] == "SITE_EXISTS"
    assert "PRB-S1" in error["message"]
    assert error["details"]["existing_code"] == "PRB-S1"
    assert event_count(religion) == 1
    assert religion.get("/api/v1/sites").json()["total"] == 1
    # The code is kept as typed; reads by the exact code work, mixed case too.
    register(religion, "Tl-Mixed")
    assert religion.get("/api/v1/sites/Tl-Mixed").status_code == 200
    assert religion.post("/api/v1/sites", json=site_body("TL-MIXED")).status_code == 409


def test_an_import_refuses_a_code_in_another_case(religion: TestClient) -> None:
    register(religion, "PRB-S1")
    dup = _import(religion,
                  "PRB-D1;Chùa D1;Phật giáo;11755;100;01/02/2023;\n",
                  "prb-d1;Chùa D1 lặp;Phật giáo;11755;100;01/02/2023;\n",
                  "prb-s1;Chùa S1 lặp;Phật giáo;11755;100;01/02/2023;\n",
                  dry_run="true")
    assert dup.status_code == 200, dup.text
    report = dup.json()
    codes = {(e["row"], e["code"]) for e in report["errors"]}
    assert codes == {(3, "DUPLICATE_IN_FILE"), (4, "SITE_EXISTS")}
    assert "PRB-S1" in next(e["message"] for e in report["errors"] if e["row"] == 4)
    assert report["would_create"] == 1
    done = _import(religion,
                   "PRB-D1;Chùa D1;Phật giáo;11755;100;01/02/2023;\n",
                   "prb-d1;Chùa D1 lặp;Phật giáo;11755;100;01/02/2023;\n",
                   "prb-s1;Chùa S1 lặp;Phật giáo;11755;100;01/02/2023;\n",
                   only_valid="true")
    assert done.status_code == 201, done.text
    assert religion.get("/api/v1/sites").json()["total"] == 2
    # What an import registered is claimed too: the API refuses its other case.
    again = religion.post("/api/v1/sites", json=site_body("Prb-D1"))
    assert again.status_code == 409
    assert error_of(again)["details"]["existing_code"] == "PRB-D1"


def test_two_registrations_at_once_make_one_site(religion: TestClient) -> None:
    answers = at_once([
        lambda: religion.post("/api/v1/sites", json=site_body("RACE-1")),
        lambda: religion.post("/api/v1/sites", json=site_body("race-1")),
    ])
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert religion.get("/api/v1/sites").json()["total"] == 1


def test_codes_stored_in_two_cases_before_keep_working(religion: TestClient) -> None:
    """A store written before the claim: PRB-S1 and prb-s1 both registered, one claim (the
    migration's backfill keeps the first). Both read and take commands."""
    register(religion, "PRB-S1")
    engine = runtime_of(religion).engine
    with engine.begin() as conn:
        conn.execute(delete(unique_keys_table).where(unique_keys_table.c.kind == SITE_CODE_KEY))
    register(religion, "prb-s1")
    with engine.begin() as conn:
        conn.execute(delete(unique_keys_table).where(unique_keys_table.c.kind == SITE_CODE_KEY))
        conn.execute(insert(unique_keys_table),
                     {"kind": SITE_CODE_KEY, "value": "PRB-S1", "aggregate_id": "PRB-S1"})
    assert religion.get("/api/v1/sites/prb-s1").json()["code"] == "prb-s1"
    amended = religion.patch("/api/v1/sites/prb-s1", headers={"If-Match": '"1"'},
                             json={"name": "Chùa S1 (sửa)", "amended_on": "2023-03-01"})
    assert amended.status_code == 200, amended.text
    again = _import(religion, "prb-s1;Chùa S1 (sửa);Phật giáo;11755;100;01/02/2023;\n",
                    dry_run="true")
    assert again.json()["errors"] == [] and again.json()["existing"] == 1
    assert religion.post("/api/v1/sites", json=site_body("pRb-S1")).status_code == 409


def test_a_code_in_another_case_reads_and_acts_on_the_registered_site(
    religion: TestClient,
) -> None:
    """Finding H1: the 409 says codes do not distinguish case, so every read and command by
    another spelling names the site of the register (before: 404 SITE_NOT_FOUND)."""
    register(religion, "RC-A27")
    detail = religion.get("/api/v1/sites/rc-a27")
    assert detail.status_code == 200, detail.text
    assert detail.json()["code"] == "RC-A27"
    assert religion.get("/api/v1/sites/Rc-A27/history").json()["code"] == "RC-A27"
    lodged = act(religion, "rc-a27", "lodge", "2023-03-01")
    assert lodged.status_code == 201, lodged.text
    assert lodged.json()["aggregate_id"] == "RC-A27"
    opened = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "build_without_permit", "site_code": "rc-A27",
        "description": "Xây dựng không phép", "detected_on": "2023-04-02"})
    assert opened.status_code == 201, opened.text
    case = religion.get(f"/api/v1/compliance-cases/{opened.json()['case_id']}").json()
    assert case["site_code"] == "RC-A27"
    listed = religion.get("/api/v1/compliance-cases", params={"site_code": "rc-a27"}).json()
    assert listed["total"] == 1
    # Every event is the registered site's: one aggregate, nothing under "rc-a27".
    history = religion.get("/api/v1/sites/RC-A27/history").json()["events"]
    assert {e["aggregate_id"] for e in history if e["aggregate_type"] != "compliance"} == {
        "RC-A27"}
    # A code nobody registered is still a 404 naming the code as typed.
    missing = religion.get("/api/v1/sites/rc-a28")
    assert (missing.status_code, error_of(missing)["code"]) == (404, "SITE_NOT_FOUND")
    assert "rc-a28" in error_of(missing)["message"]
