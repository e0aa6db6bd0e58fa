"""A contest entry is bounded by its contest's year and its model's life (finding K12), by the
kernel's rules (shared.planrules.entry_in_contest_year, model_running_on); an award follows
its entry; a model's start correction or closing keeps its entries on days it runs. A refusal
writes nothing. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.indicators.conftest import get_json, wait_applied
from tests.indicators.scenario import TIEN_LANG_TOWN

PLAN_DEFINITIONS = 4


def _post(client: TestClient, url: str, body: dict[str, Any], status: int,
          code: str | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.post(url, json=body, headers=headers or {})
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    if code is not None:
        assert found["error"]["code"] == code, response.text
    return found


def _entry(model_id: str, on: str) -> dict[str, Any]:
    return {"entry_id": f"DT-{model_id}-{on[:4]}", "model_id": model_id,
            "title": "Bài dự thi", "submitted_on": on, "author": "Hội LHPN"}


def test_contest_entries_are_bounded_by_their_year_and_their_models_life(
    client: TestClient,
) -> None:
    for model_id, started in (("MH-SAU", "2023-06-14"), ("MH-DUNG", "2023-02-01")):
        _post(client, "/api/v1/models", {
            "model_id": model_id, "unit_code": TIEN_LANG_TOWN, "field": "new_rural",
            "title": "Dân vận khéo", "started_on": started}, 201)
    _post(client, "/api/v1/models/MH-DUNG/close",
          {"closed_on": "2023-06-14", "reason": "Đã hoàn thành"}, 200)

    # The contest of a year takes entries of that year: 1 January to 31 December.
    for year, on in ((2025, "2023-07-01"), (2024, "2023-12-31"), (2023, "2024-01-01")):
        error = _post(client, f"/api/v1/contests/{year}/entries", _entry("MH-SAU", on), 422,
                      "ENTRY_OUTSIDE_CONTEST_YEAR")["error"]
        assert f"trong năm {year}" in error["message"], error
    # A model closed on 14/06 enters no contest on or after that day (as it is not recognised);
    # a day it ran may still be recorded after its closing.
    for on in ("2023-07-01", "2023-06-14"):
        error = _post(client, "/api/v1/contests/2023/entries", _entry("MH-DUNG", on), 409,
                      "MODEL_CLOSED")["error"]
        assert "14/06/2023" in error["message"], error
    _post(client, "/api/v1/contests/2023/entries", _entry("MH-DUNG", "2023-06-13"), 201)
    # Not before the model's start (finding H3).
    _post(client, "/api/v1/contests/2023/entries", _entry("MH-SAU", "2023-06-13"), 422,
          "DATE_BEFORE_START")
    _post(client, "/api/v1/contests/2023/entries", _entry("MH-SAU", "2023-07-01"), 201)
    _post(client, "/api/v1/contests/2025/entries", _entry("MH-SAU", "2025-03-01"), 201)

    # An award is not dated before the entry it crowns.
    award = "/api/v1/contests/2023/entries/DT-MH-SAU-2023/award"
    _post(client, award, {"award": "second", "awarded_on": "2023-06-01"}, 422,
          "DATE_BEFORE_PREVIOUS_STEP")
    _post(client, award, {"award": "second", "awarded_on": "2023-07-01"}, 200)

    # The model's start is not corrected past its entries (another aggregate's facts).
    url = "/api/v1/models/MH-SAU/registration/corrections"
    error = _post(client, url, {"started_on": "2023-07-02", "reason": "Ghi nhầm"}, 422,
                  "START_AFTER_LATER_FACT", {"If-Match": '"1"'})["error"]
    assert error["details"]["entry_id"] == "DT-MH-SAU-2023", error
    assert "01/07/2023" in error["message"], error
    # Nor is it closed on or before an entry's day, of any year.
    close = "/api/v1/models/MH-SAU/close"
    for on, entry_id in (("2023-07-01", "DT-MH-SAU-2023"), ("2024-05-01", "DT-MH-SAU-2025")):
        error = _post(client, close, {"closed_on": on, "reason": "Dừng"}, 422,
                      "CLOSED_BEFORE_ENTRY")["error"]
        assert error["details"]["entry_id"] == entry_id, error
    model = get_json(client, "/api/v1/models/MH-SAU")
    assert [h["event_type"] for h in model["history"]] == ["ModelRegistered"]
    _post(client, url, {"started_on": "2023-07-01", "reason": "Ghi nhầm"}, 200,
          headers={"If-Match": '"1"'})
    _post(client, close, {"closed_on": "2025-03-02", "reason": "Dừng"}, 200)

    # The refusals wrote nothing: the accepted entries are all the contests hold.
    wait_applied(client, PLAN_DEFINITIONS + 9)
    listed = {year: [(e["entry_id"], e["submitted_on"], e.get("award"))
                     for e in get_json(client, f"/api/v1/contests/{year}/entries")["items"]]
              for year in (2023, 2024, 2025)}
    assert listed == {
        2023: [("DT-MH-DUNG-2023", "2023-06-13", None), ("DT-MH-SAU-2023", "2023-07-01", "second")],
        2024: [],
        2025: [("DT-MH-SAU-2025", "2025-03-01", None)],
    }
