"""One reading of a model's closing day (shared.planrules.closed_by): it is the model's first
day out, for every fact that presents the model on a day. A recognition dated on the closing
day was accepted (as a day the model ran) while a contest entry of that day was refused
MODEL_CLOSED; now a recognition of the closing day is refused as the entry is, and a closing
dated on the day of the model's last recognition is refused as one dated on an entry's day.
A refusal writes nothing. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from shared.envelope import utcnow
from tests.indicators.conftest import get_json
from tests.indicators.scenario import TIEN_LANG_TOWN
from tests.integration.helpers import runtime_of


def _post(client: TestClient, url: str, body: dict[str, Any], status: int,
          code: str | None = None) -> dict[str, Any]:
    response = client.post(url, json=body)
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    if code is not None:
        assert found["error"]["code"] == code, response.text
    return found


def test_the_closing_day_is_the_first_day_out_for_a_recognition_as_for_an_entry(
    client: TestClient,
) -> None:
    url = "/api/v1/models/MH-NGAY-DUNG"
    _post(client, "/api/v1/models", {
        "model_id": "MH-NGAY-DUNG", "unit_code": TIEN_LANG_TOWN, "field": "new_rural",
        "title": "Dân vận khéo", "started_on": "2023-02-01"}, 201)
    _post(client, f"{url}/recognise",
          {"recognition_level": "commune", "recognised_on": "2023-05-02"}, 200)
    # Closed on the day of its last recognition, it was recognised on a day it did not run.
    error = _post(client, f"{url}/close", {"closed_on": "2023-05-02", "reason": "Dừng"}, 422,
                  "CLOSED_BEFORE_RECOGNITION")["error"]
    assert "02/05/2023" in error["message"], error
    _post(client, f"{url}/close", {"closed_on": "2023-08-01", "reason": "Dừng"}, 200)
    # On the closing day: refused, the recognition as the entry.
    for path, body in (
        (f"{url}/recognise", {"recognition_level": "district", "recognised_on": "2023-08-01"}),
        ("/api/v1/contests/2023/entries", {"entry_id": "DT-NGAY-DUNG", "model_id":
                                           "MH-NGAY-DUNG", "title": "Bài dự thi",
                                           "submitted_on": "2023-08-01"}),
    ):
        error = _post(client, path, body, 409, "MODEL_CLOSED")["error"]
        assert "01/08/2023" in error["message"], error
    model = get_json(client, url)
    assert [h["event_type"] for h in model["history"]] == [
        "ModelRegistered", "ModelRecognised", "ModelClosed"]
    # The day before, the model ran: both accepted after the closing.
    _post(client, f"{url}/recognise",
          {"recognition_level": "district", "recognised_on": "2023-07-31"}, 200)
    _post(client, "/api/v1/contests/2023/entries", {
        "entry_id": "DT-NGAY-DUNG", "model_id": "MH-NGAY-DUNG", "title": "Bài dự thi",
        "submitted_on": "2023-07-31"}, 201)


def void_registration(client: TestClient, model_id: str) -> None:
    """Store a void correction of the model's registration (no command records one: the
    kernel's Correction allows it, an import or a later command may bring one)."""
    runtime = runtime_of(client)
    with runtime.engine.begin() as conn:
        (registered,) = runtime.store.load(conn, "model", model_id)
        runtime.store.append(conn, [replace(
            registered, event_id=uuid4(), event_type="ModelRegisteredCorrected",
            aggregate_version=2, recorded_at=utcnow(), payload={
                **registered.payload, "corrects": str(registered.event_id),
                "corrected_version": 1, "reason": "Đăng ký nhầm", "void": True,
                "previous_unit_code": registered.payload["unit_code"],
                "previous_started_on": registered.payload["started_on"]})],
            1)


def test_nothing_more_is_recorded_of_a_model_whose_registration_was_voided(
    client: TestClient,
) -> None:
    """A void correction of a model's registration (the kernel's Correction allows `void`)
    was applied by the aggregate as a restatement: the model kept running, recognised, closed
    or entered as if registered, and a correction of it answered 500. Now nothing more is
    recorded of it: 409 MODEL_VOIDED, nothing written."""
    _post(client, "/api/v1/models", {
        "model_id": "MH-HUY", "unit_code": TIEN_LANG_TOWN, "field": "new_rural",
        "title": "Dân vận khéo", "started_on": "2023-02-01"}, 201)
    void_registration(client, "MH-HUY")
    url = "/api/v1/models/MH-HUY"
    for path, body, headers in (
        (f"{url}/recognise", {"recognition_level": "commune", "recognised_on": "2023-05-02"},
         {}),
        (f"{url}/close", {"closed_on": "2023-08-01", "reason": "Dừng"}, {}),
        ("/api/v1/contests/2023/entries", {"model_id": "MH-HUY", "title": "Bài dự thi",
                                           "submitted_on": "2023-07-31"}, {}),
        (f"{url}/registration/corrections", {"started_on": "2023-03-01", "reason": "x"},
         {"If-Match": '"2"'}),
    ):
        response = client.post(path, json=body, headers=headers)
        assert (response.status_code, response.json()["error"]["code"]) == (
            409, "MODEL_VOIDED"), (path, response.text)
        assert "đã bị hủy" in response.json()["error"]["message"]
    assert [h["event_type"] for h in get_json(client, url)["history"]] == [
        "ModelRegistered", "ModelRegisteredCorrected"]
