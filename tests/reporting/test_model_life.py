"""A model's recognitions and contest entries count only on a day the model runs (the kernel's
`shared.planrules.model_running_on`: started, and not closed by that day, the closing day
being the first day out), in reporting's figures and in the indicators service's contest list
alike (brief lifecycle, items 1-4). Stored before the indicators service refused them:

* a recognition dated on its model's closing day (J21 accepted it) counted in
  «Lượt công nhận mô hình trong kỳ»;
* an entry dated after its model's closing day, the closing recorded after it (before K12's
  CLOSED_BEFORE_ENTRY), still counted (OPERATIONS §8 step 21 only listed it for review);
* a void correction of a model's registration took the model out and left its recognitions
  and entries counted (and the indicators service restated the registration as if not void,
  so its I1 and register kept the model);
* the contest list showed entries the reports leave out with no mark.

Now each such fact stops counting from the event that took its day out of the model's life
(its closing, the void), recorded as a correction's retraction is: a report as of before it
counts it as known then; the same events fed to the indicators service and to reporting (live
one by one and replayed in one batch) give the same count of entries, by both of reporting's
compute paths; the list marks each entry not counted, with its reason. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.indicators.app import create_app as indicators_app
from services.reporting.application.figures import compute_fresh, compute_from_chunks
from services.reporting.application.reports import load_period
from services.reporting.application.state import state_of
from shared.envelope import EventEnvelope, utcnow
from shared.settings import Settings
from tests.integration.helpers import runtime_of
from tests.religion.test_moved_site_old_store import reporting_factory
from tests.reporting.scenario import TIEN_LANG_TOWN, Events

__all__ = ["reporting_factory"]

CITY = "31"


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T03:00:00+00:00")


def _events() -> Events:
    events = Events()

    def model(model_id: str, on: str) -> EventEnvelope:
        return events.add("indicators", "model", model_id, "ModelRegistered",
                          date.fromisoformat(on), {
            "model_id": model_id, "unit_code": TIEN_LANG_TOWN, "field": "new_rural",
            "title": f"Mô hình {model_id}", "started_on": on, "recognition_level": "none",
            "status": "building"}, TIEN_LANG_TOWN, _at(on))

    def recognised(model_id: str, level: str, on: str, recorded: str) -> None:
        events.add("indicators", "model", model_id, "ModelRecognised", date.fromisoformat(on), {
            "model_id": model_id, "recognition_level": level, "recognised_on": on},
            TIEN_LANG_TOWN, _at(recorded))

    def closed(model_id: str, on: str, recorded: str) -> None:
        events.add("indicators", "model", model_id, "ModelClosed", date.fromisoformat(on), {
            "model_id": model_id, "closed_on": on, "reason": "Dừng"}, TIEN_LANG_TOWN,
            _at(recorded))

    def entry(entry_id: str, model_id: str, year: int, on: str, recorded: str) -> None:
        events.add("indicators", "contest", entry_id, "ContestEntrySubmitted",
                   date.fromisoformat(on), {
                       "entry_id": entry_id, "model_id": model_id, "contest_year": year,
                       "title": "Bài dự thi", "unit_code": TIEN_LANG_TOWN, "submitted_on": on,
                       "author": ""}, TIEN_LANG_TOWN, _at(recorded))

    model("M-A", "2023-02-01")
    model("M-B", "2023-02-01")
    registered_c = model("M-C", "2023-03-01")
    recognised("M-A", "commune", "2023-04-10", "2023-04-11")
    recognised("M-C", "commune", "2023-04-05", "2023-04-06")
    entry("DT-C", "M-C", 2023, "2023-04-20", "2023-04-21")
    entry("DT-A", "M-A", 2023, "2023-05-10", "2023-05-11")
    entry("DT-A25", "M-A", 2025, "2023-06-01", "2023-06-02")  # outside its contest's year
    closed("M-A", "2023-07-01", "2023-07-02")
    recognised("M-A", "district", "2023-07-01", "2023-07-05")  # on the closing day
    entry("DT-B", "M-B", 2023, "2023-08-10", "2023-08-11")
    closed("M-B", "2023-08-01", "2023-09-01")  # recorded after the entry it precedes
    events.add("indicators", "model", "M-C", "ModelRegisteredCorrected",
               date(2023, 3, 1), {
                   "model_id": "M-C", "unit_code": TIEN_LANG_TOWN, "field": "new_rural",
                   "title": "Mô hình M-C", "started_on": "2023-03-01",
                   "recognition_level": "none", "status": "building",
                   "corrects": str(registered_c.event_id), "corrected_version": 1,
                   "reason": "Đăng ký nhầm: không có mô hình này", "void": True,
                   "previous_unit_code": TIEN_LANG_TOWN, "previous_started_on": "2023-03-01"},
               TIEN_LANG_TOWN, _at("2023-10-01"))
    return events


@pytest.fixture
def indicators(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    client = TestClient(indicators_app(settings_factory("indicators")),
                        headers={"X-Actor": "can-bo-ban-dan-van"})
    runtime_of(client).create_schema()
    yield client
    runtime_of(client).engine.dispose()


def _feed(client: TestClient, durable: str, envelopes: list[EventEnvelope]) -> None:
    consumer = next(c for c in runtime_of(client).consumers if c.durable.endswith(durable))
    consumer._apply(envelopes)


def _figures(reporting: TestClient, as_of: str | None = None) -> tuple[int, int]:
    params = {"as_of": as_of} if as_of else {}
    response = reporting.get("/api/v1/reports/2023-12m", params={"unit": TIEN_LANG_TOWN,
                                                                  **params})
    assert response.status_code == 200, response.text
    shown = {f["key"]: f["value"] for s in response.json()["sections"] for f in s["figures"]}
    return shown.get("contest_entries", 0), shown.get("models_recognised", 0)


def _listed(indicators: TestClient, year: int) -> dict[str, dict[str, Any]]:
    response = indicators.get(f"/api/v1/contests/{year}/entries")
    assert response.status_code == 200, response.text
    return {item["entry_id"]: item for item in response.json()["items"]}


def test_a_models_facts_count_only_on_days_it_runs_in_both_services(
    indicators: TestClient, reporting_factory: Callable[[str], TestClient],
) -> None:
    envelopes = _events().items
    _feed(indicators, "own-facts", envelopes)
    live, replayed = reporting_factory("reporting-live"), reporting_factory("reporting-replay")
    for envelope in envelopes:
        _feed(live, "-indicators", [envelope])
    _feed(replayed, "-indicators", envelopes)

    for reporting in (live, replayed):
        # Counted: M-A's entry of 10/05 and its recognition of 10/04. Not: M-A's recognition
        # of its closing day, M-B's entry after its closing, M-C's voided facts.
        assert _figures(reporting) == (1, 1)
        # As known on 20/08 (before M-B's closing and M-C's void were recorded): M-A's, M-B's
        # and M-C's entries, M-A's and M-C's first recognitions.
        assert _figures(reporting, "2023-08-20T00:00:00+00:00") == (3, 2)
    runtime = runtime_of(live)
    with runtime.engine.connect() as conn:
        at = utcnow()
        period = load_period(conn, runtime.store, "2023-12m", at)
        assert compute_from_chunks(state_of(runtime), conn, period, CITY, at).content() == (
            compute_fresh(conn, period, CITY, at).content())

    # The indicators service's contest list: the same entries counted, the others marked.
    listed = _listed(indicators, 2023)
    assert {e for e, item in listed.items() if item["counted"]} == {"DT-A"}
    assert sum(item["counted"] for item in listed.values()) == _figures(live)[0]
    assert listed["DT-A"]["not_counted_reason"] is None
    assert "dừng từ ngày 01/08/2023" in listed["DT-B"]["not_counted_reason"]
    assert "đã bị hủy" in listed["DT-C"]["not_counted_reason"]
    outside = _listed(indicators, 2025)["DT-A25"]
    assert not outside["counted"]
    assert "ngoài thời gian số liệu năm 2025" in outside["not_counted_reason"]
    # The voided model is in no register and no I1 of its days; M-A's level is the one of a
    # day it ran.
    on_june = indicators.get("/api/v1/models", params={"on": "2023-06-01"}).json()["items"]
    assert {m["model_id"] for m in on_june} == {"M-A", "M-B"}
    on_july = {m["model_id"]: m for m in indicators.get(
        "/api/v1/models", params={"on": "2023-07-15"}).json()["items"]}
    assert on_july["M-A"]["recognition_level"] == "commune"
