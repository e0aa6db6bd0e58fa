"""A contest entry is bounded by its contest's year and its model's life (finding K12), by the
kernel's rules (shared.planrules.entry_days, entry_in_contest_year, model_running_on, finding
O15: the year's data window by the cut-offs in force); an award follows
its entry; a model's start correction or closing keeps its entries on days it runs. A refusal
writes nothing. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from shared.envelope import utcnow
from tests.indicators.conftest import Upstream, get_json, wait_applied
from tests.indicators.scenario import TIEN_LANG_TOWN
from tests.integration.helpers import wait_until

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

    # The contest of a year takes entries of that year: from the day its data window opens
    # (15/12 of the year before by default) to 31 December (finding O15).
    for year, on in ((2025, "2023-07-01"), (2024, "2023-12-14"), (2023, "2024-01-01")):
        error = _post(client, f"/api/v1/contests/{year}/entries", _entry("MH-SAU", on), 422,
                      "ENTRY_OUTSIDE_CONTEST_YEAR")["error"]
        assert f"trong năm {year}" in error["message"], error
        assert f"15/12/{year - 1}" in error["message"], error
        assert f"31/12/{year}" in error["message"], error
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


def _counted(client: TestClient, year: int) -> dict[str, tuple[bool, str | None]]:
    return {e["entry_id"]: (e["counted"], e["not_counted_reason"])
            for e in get_json(client, f"/api/v1/contests/{year}/entries")["items"]}


def test_an_entry_after_the_year_cutoff_is_taken_and_counted_once_the_cutoff_moves(
    client: TestClient, upstream: Upstream,
) -> None:
    """Finding O15: the reports count an entry in its contest's year's data window in force
    (15/12/2022-14/12/2023 for 2023 by default). An entry of the 2023 contest dated 20/12/2023
    is taken (the Commission may move the 2023 year report's cut-off past it) and listed as
    not counted; once the cut-off is moved to 25/12 (reporting's PeriodAdjusted, consumed)
    it is counted. The 2024 contest takes an entry of 20/12/2023 (in 2024's window by
    default) and, once 2024 opens on 26/12, refuses one of 21/12 and lists the 20/12 one as
    not counted."""
    for model_id in ("MH-A", "MH-B", "MH-C", "MH-D"):
        _post(client, "/api/v1/models", {
            "model_id": model_id, "unit_code": TIEN_LANG_TOWN, "field": "new_rural",
            "title": "Dân vận khéo", "started_on": "2023-01-10"}, 201)
    _post(client, "/api/v1/contests/2023/entries", _entry("MH-A", "2023-12-10"), 201)
    _post(client, "/api/v1/contests/2023/entries", _entry("MH-B", "2023-12-20"), 201)
    _post(client, "/api/v1/contests/2024/entries", _entry("MH-C", "2023-12-20"), 201)
    wait_applied(client, PLAN_DEFINITIONS + 7)
    entries = _counted(client, 2023)
    assert entries["DT-MH-A-2023"] == (True, None)
    counted, reason = entries["DT-MH-B-2023"]
    assert not counted and reason is not None
    assert "15/12/2022" in reason and "14/12/2023" in reason, reason
    assert _counted(client, 2024) == {"DT-MH-C-2023": (True, None)}

    upstream.publish(upstream.event(
        "reporting", "period", "2023-12m", "PeriodAdjusted",
        {"period_id": "2023-12m", "data_from": "2022-12-15", "cutoff_on": "2023-12-25",
         "reason": "Hội nghị tổng kết lùi lịch"},
        date(2024, 1, 2), recorded_at=utcnow(),
    ))
    wait_until(lambda: _counted(client, 2023)["DT-MH-B-2023"] == (True, None), timeout=30)
    counted, reason = _counted(client, 2024)["DT-MH-C-2023"]
    assert not counted and reason is not None and "26/12/2023" in reason, reason
    # 2024's data now opens on 26/12/2023: an entry of 21/12 is refused, naming that day.
    error = _post(client, "/api/v1/contests/2024/entries", _entry("MH-D", "2023-12-21"), 422,
                  "ENTRY_OUTSIDE_CONTEST_YEAR")["error"]
    assert "26/12/2023" in error["message"], error
    assert error["details"]["first_day"] == "2023-12-26", error
