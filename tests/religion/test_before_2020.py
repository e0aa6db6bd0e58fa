"""K15: a site registered long before 2020 is entered with its real date (the unit catalogue's
first era reaches back to 01/01/1990), by the API and by the register import."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.religion.conftest import error_of, site_body
from tests.religion.test_import import _csv, _upload

VINH_BAO_COMMUNE = "11863"  # a commune of Huyện Vĩnh Bảo (316), in the data from 2020


def test_a_site_registered_in_2005_is_entered_with_its_date(religion: TestClient) -> None:
    body = site_body("OLD-1", VINH_BAO_COMMUNE, registered_on="2005-01-05")
    created = religion.post("/api/v1/sites", json=body)
    assert created.status_code == 201, created.text
    site = religion.get("/api/v1/sites/OLD-1").json()
    assert (site["registered_on"], site["district"]["code"]) == ("2005-01-05", "316")


def test_the_register_import_takes_a_1998_registration(religion: TestClient) -> None:
    done = _upload(religion, "ds.csv", _csv(
        f"OLD-2;Chùa Cổ;Phật giáo;{VINH_BAO_COMMUNE};300;05/01/1998;\n"))
    assert done.status_code == 201, done.text
    assert religion.get("/api/v1/sites/OLD-2").json()["registered_on"] == "1998-01-05"


def test_a_date_before_the_apis_first_day_is_still_refused(religion: TestClient) -> None:
    refused = religion.post("/api/v1/sites", json=site_body(
        "OLD-3", VINH_BAO_COMMUNE, registered_on="1989-12-31"))
    assert refused.status_code == 422
    assert error_of(refused)["code"] == "VALIDATION_ERROR"
