"""A model id is one model whatever its case (finding G10): "prb-m9" beside PRB-M9 is refused
MODEL_EXISTS naming the model of the register (models_active counted both); two registrations
at once make one model. Ids are kept as typed; any spelling reads and acts on the model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.indicators.app import create_app
from shared.settings import Settings
from tests.indicators.scenario import HONG_BANG
from tests.integration.helpers import at_once, event_count, runtime_of


@pytest.fixture
def models(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    """The app without its lifespan (no NATS): registrations are database work."""
    client = TestClient(create_app(settings_factory("indicators")),
                        headers={"X-Actor": "can-bo-ban-dan-van"})
    runtime_of(client).create_schema()
    yield client
    runtime_of(client).engine.dispose()


def _body(model_id: str) -> dict[str, Any]:
    return {"model_id": model_id, "unit_code": HONG_BANG, "field": "urban",
            "title": f"Mô hình {model_id}", "started_on": "2023-03-01"}


def test_a_model_id_in_another_case_is_the_same_model(models: TestClient) -> None:
    assert models.post("/api/v1/models", json=_body("PRB-M9")).status_code == 201
    refused = models.post("/api/v1/models", json=_body("prb-m9"))
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "MODEL_EXISTS"
    assert "PRB-M9" in error["message"]
    assert error["details"]["existing_model_id"] == "PRB-M9"
    assert event_count(models) == 1
    assert models.get("/api/v1/models/PRB-M9").status_code == 200
    # The exact id again is refused as before.
    again = models.post("/api/v1/models", json=_body("PRB-M9"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "MODEL_EXISTS")


def test_two_model_registrations_at_once_make_one_model(models: TestClient) -> None:
    answers = at_once([
        lambda: models.post("/api/v1/models", json=_body("RACE-M1")),
        lambda: models.post("/api/v1/models", json=_body("race-m1")),
    ])
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert event_count(models) == 1


def test_a_model_id_in_another_case_reads_and_acts_on_the_registered_model(
    models: TestClient,
) -> None:
    """Finding H1: every read and command by another spelling names the model of the
    register (before: 404 MODEL_NOT_FOUND), and a contest takes one entry per model."""
    assert models.post("/api/v1/models", json=_body("RM-A27")).status_code == 201
    read = models.get("/api/v1/models/rm-a27")
    assert read.status_code == 200, read.text
    assert read.json()["model_id"] == "RM-A27"
    recognised = models.post("/api/v1/models/Rm-a27/recognise", json={
        "recognition_level": "district", "recognised_on": "2023-05-01"})
    assert recognised.status_code == 200, recognised.text
    assert recognised.json()["aggregate_id"] == "RM-A27"
    entry = models.post("/api/v1/contests/2023/entries", json={
        "model_id": "rm-a27", "title": "Mô hình dự thi", "submitted_on": "2023-08-20"})
    assert entry.status_code == 201, entry.text
    twice = models.post("/api/v1/contests/2023/entries", json={
        "model_id": "RM-A27", "title": "Lần nữa", "submitted_on": "2023-08-21"})
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "ENTRY_EXISTS")
    missing = models.get("/api/v1/models/rm-a28")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "MODEL_NOT_FOUND")


def test_a_contest_entry_is_not_submitted_before_its_model_started(models: TestClient) -> None:
    """Finding H3: an entry submitted before its model started was accepted."""
    assert models.post("/api/v1/models", json=_body("RM-H3")).status_code == 201  # 01/03/2023
    before = event_count(models)
    early = models.post("/api/v1/contests/2023/entries", json={
        "model_id": "RM-H3", "title": "Dự thi sớm", "submitted_on": "2023-02-01"})
    assert (early.status_code, early.json()["error"]["code"]) == (422, "DATE_BEFORE_START")
    assert event_count(models) == before
    entry = models.post("/api/v1/contests/2023/entries", json={
        "model_id": "RM-H3", "title": "Dự thi", "submitted_on": "2023-03-01"})
    assert entry.status_code == 201, entry.text


@pytest.mark.parametrize("model_id", ["P4/X1", "P4 X1", "-P4", "P4%2FX1"])
def test_a_model_id_no_path_can_name_is_refused(models: TestClient, model_id: str) -> None:
    """Finding J18: the body took «P4/X1», made the model, counted it, and answered a Location
    no route reached: it could never be read, closed, recognised or corrected. A body's code
    is the path's code (shared.ids.CODE_PATTERN)."""
    refused = models.post("/api/v1/models", json=_body(model_id))
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    fields = [item["field"] for item in error["details"]]
    assert fields == ["model_id"], error
    assert event_count(models) == 0
    # A contest entry's id and a model named in it follow the same rule.
    entry = models.post("/api/v1/contests/2023/entries", json={
        "entry_id": "E/1", "model_id": "PRB-M1", "title": "Bài dự thi",
        "submitted_on": "2023-08-20"})
    assert entry.status_code == 422, entry.text
    assert event_count(models) == 0
