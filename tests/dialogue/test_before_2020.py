"""K15: a head who took office in 2016 is recorded with the real first day of the term (the
unit catalogue's first era reaches back to 01/01/1990)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.dialogue.conftest import ok, take_office

VINH_BAO = "316"  # Huyện Vĩnh Bảo, in the data from 2020


def test_a_head_who_took_office_in_2016_is_recorded_with_that_date(client: TestClient) -> None:
    head_id = take_office(client, VINH_BAO, "people_committee_chair", "Nguyễn Văn Cũ",
                          "2016-05-01")
    head = ok(client.get(f"/api/v1/heads/{head_id}"))
    assert (head["unit_code"], head["from_date"]) == (VINH_BAO, "2016-05-01")
