"""Consecutive years' report windows tile the time line (G19): every period of a year opens
the day after the previous year's year-report cut-off as it stands. Moving 2023-12m's cut-off
moves 2024's windows with it, so a flow of the days between is counted in exactly one year:
later (31/12), the lodgings of 15/12-31/12 were counted in both years' reports; earlier
(10/12), those of 11/12-14/12 in neither."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from typing import Any
from uuid import uuid4

import orjson
import pytest
from sqlalchemy import select

from shared.envelope import EventEnvelope, utcnow
from shared.eventstore import events_table
from tests.integration.helpers import at_once, event_count
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import TIEN_LANG_TOWN, Events

#: Land dossiers lodged around the 2023/2024 boundary, one site each, by lodging day.
LODGED = (date(2023, 6, 5), date(2023, 12, 10), date(2023, 12, 12), date(2023, 12, 14),
          date(2023, 12, 20), date(2024, 1, 5))


def boundary_scenario() -> Events:
    e = Events()
    for n, day in enumerate(LODGED):
        site = f"B{n}"
        e.site(site, TIEN_LANG_TOWN, date(2023, 1, 2))
        e.dossier("LandDossierLodged", site, TIEN_LANG_TOWN, day, "lodged")
    return e


def _get(reporting: Reporting, url: str, **params: str) -> dict[str, Any]:
    response = reporting.client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _put(reporting: Reporting, period_id: str, data_from: str, cutoff_on: str) -> Any:
    version = reporting.client.get(f"/api/v1/periods/{period_id}").headers["ETag"]
    return reporting.client.put(
        f"/api/v1/periods/{period_id}", headers={"if-match": version},
        json={"data_from": data_from, "cutoff_on": cutoff_on, "reason": "Chốt số liệu cả năm"})


def _lodged(reporting: Reporting, period_id: str, **params: str) -> int:
    return figure_values(_get(reporting, f"/api/v1/reports/{period_id}", **params))[
        "dossiers_lodged"]


def test_by_default_the_years_meet_at_the_14th_of_december(reporting: Reporting) -> None:
    reporting.feed(boundary_scenario())
    # 2023: 05/06, 10/12, 12/12, 14/12; 2024 from 15/12: 20/12, 05/01.
    assert (_lodged(reporting, "2023-12m"), _lodged(reporting, "2024-3m")) == (4, 2)


@pytest.mark.parametrize(("cutoff", "in_2023", "in_2024", "opens"), [
    # Later: 20/12 moves into 2023 and out of 2024 (it was counted in both).
    ("2023-12-31", 5, 1, "2024-01-01"),
    # Earlier: 12/12 and 14/12 move out of 2023 and into 2024 (they were counted in neither).
    ("2023-12-10", 2, 4, "2023-12-11"),
])
def test_a_moved_year_cut_off_moves_the_next_years_windows(
    reporting: Reporting, cutoff: str, in_2023: int, in_2024: int, opens: str,
) -> None:
    reporting.feed(boundary_scenario())
    before = utcnow().isoformat()
    moved = _put(reporting, "2023-12m", "2022-12-15", cutoff)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    # The ETag and the response name the period asked for; its event is the last one.
    assert (body["id"], body["cutoff_on"], body["version"]) == ("2023-12m", cutoff, 1)
    assert [e["aggregate_id"] for e in body["events"]] == [
        "2024-3m", "2024-6m", "2024-9m", "2024-12m", "2023-12m"]
    for pid in ("2024-3m", "2024-6m", "2024-9m", "2024-12m"):
        period = _get(reporting, f"/api/v1/periods/{pid}")
        assert period["data_from"] == opens, pid
        assert period["adjusted"] is True and "2023" in period["reason"]
    assert _lodged(reporting, "2023-12m") == in_2023
    assert _lodged(reporting, "2024-3m") == in_2024
    assert _lodged(reporting, "2024-6m") == in_2024  # cumulative: nothing lodged since
    assert in_2023 + in_2024 == len(LODGED), "every lodging in exactly one year"
    # Reports asked as of before the move keep the windows they had then.
    assert _lodged(reporting, "2023-12m", as_of=before) == 4
    assert _lodged(reporting, "2024-3m", as_of=before) == 2
    # The next year's periods stay editable, from the year's data start only.
    later = _put(reporting, "2024-3m", opens, "2024-03-20")
    assert later.status_code == 200, later.text
    assert _lodged(reporting, "2024-3m") == in_2024


@pytest.mark.parametrize(("period_id", "data_from", "cutoff_on", "expected"), [
    # 2024's periods open the day after 2023's year cut-off (moved to 31/12 below).
    ("2024-3m", "2023-12-15", "2024-03-14", "01/01/2024"),
    ("2024-6m", "2024-01-02", "2024-06-14", "01/01/2024"),
    # Within 2023 every period shares the year's start, 15/12/2022.
    ("2023-6m", "2023-01-01", "2023-06-14", "15/12/2022"),
    ("2023-12m", "2022-12-01", "2023-12-14", "15/12/2022"),
])
def test_a_window_that_leaves_a_gap_or_an_overlap_is_refused(
    reporting: Reporting, period_id: str, data_from: str, cutoff_on: str, expected: str,
) -> None:
    reporting.feed(boundary_scenario())
    assert _put(reporting, "2023-12m", "2022-12-15", "2023-12-31").status_code == 200
    before = event_count(reporting.client)
    refused = _put(reporting, period_id, data_from, cutoff_on)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "WINDOW_START_NOT_CONTIGUOUS"
    assert expected in error["message"] and not error["message"].isascii()
    assert event_count(reporting.client) == before, "nothing written"


def test_a_finalised_next_year_report_holds_the_year_cut_off(reporting: Reporting) -> None:
    reporting.feed(boundary_scenario())
    signed = reporting.client.post("/api/v1/reports/2024-3m/finalise", json={"scope": "31"})
    assert signed.status_code == 201, signed.text
    before = event_count(reporting.client)
    refused = _put(reporting, "2023-12m", "2022-12-15", "2023-12-31")
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "PERIOD_FINALISED"
    assert error["details"]["reports"] == ["2024-3m@31"]
    assert "2024-3m@31" in error["message"]
    # 2023-12m itself is not signed: the message says what is (J14).
    assert "các kỳ năm 2024 đã chốt báo cáo (2024-3m@31)" in error["message"]
    assert "Đã chốt báo cáo" not in error["message"]
    assert error["details"]["state"] == "next_year_finalised"
    assert event_count(reporting.client) == before, "nothing written"
    assert _get(reporting, "/api/v1/periods/2024-6m")["data_from"] == "2023-12-15"
    # A change that leaves the cut-off where it is moves no window of 2024: accepted.
    same = _put(reporting, "2023-12m", "2022-12-15", "2023-12-14")
    assert same.status_code == 200, same.text
    assert [e["aggregate_id"] for e in same.json()["events"]] == ["2023-12m"]
    assert (_lodged(reporting, "2023-12m"), _lodged(reporting, "2024-3m")) == (4, 2)


def test_a_year_cut_off_moved_while_the_next_year_is_finalised(reporting: Reporting) -> None:
    """At the same moment: the move is refused (the finalisation went first), or the signed
    report is counted in the window the move gave it."""
    client = reporting.client
    reporting.feed(boundary_scenario())
    tag = client.get("/api/v1/periods/2023-12m").headers["ETag"]
    move, finalise = at_once([
        partial(client.put, "/api/v1/periods/2023-12m", headers={"if-match": tag},
                json={"data_from": "2022-12-15", "cutoff_on": "2023-12-31", "reason": "Lùi"}),
        partial(client.post, "/api/v1/reports/2024-3m/finalise", json={"scope": "31"}),
    ])
    assert finalise.status_code == 201, finalise.text
    with client.app.state.runtime.engine.connect() as conn:  # type: ignore[attr-defined]
        payload = conn.execute(select(events_table.c.payload).where(
            events_table.c.event_type == "ReportFinalised")).scalar_one()
    signed = orjson.loads(payload)
    now = _get(reporting, "/api/v1/periods/2024-3m")
    assert (signed["data_from"], signed["cutoff_on"]) == (now["data_from"], now["cutoff_on"])
    if move.status_code == 200:
        assert now["data_from"] == "2024-01-01"
    else:
        assert move.status_code == 409, move.text
        assert move.json()["error"]["code"] == "PERIOD_FINALISED"


def _old_style_year_move(reporting: Reporting, cutoff: date) -> None:
    """2023-12m's cut-off moved as the service recorded it before G19 (f84ab2d): one
    PeriodAdjusted on the year report, none on the next year's periods."""
    runtime = reporting.runtime
    moved = EventEnvelope(
        event_id=uuid4(), event_type="PeriodAdjusted", schema_version=1, service="reporting",
        aggregate_type="period", aggregate_id="2023-12m", aggregate_version=1,
        occurred_at=datetime(2024, 1, 2, tzinfo=UTC), recorded_at=utcnow(),
        actor="phien.ban.cu", unit_code=None,
        payload={"period_id": "2023-12m", "data_from": "2022-12-15",
                 "cutoff_on": cutoff.isoformat(), "reason": "Chốt số liệu cả năm"},
    )
    with runtime.engine.begin() as conn:
        runtime.store.append(conn, [moved], 0)


@pytest.mark.parametrize(("cutoff", "in_2023", "in_2024", "opens"), [
    (date(2023, 12, 31), 5, 1, "2024-01-01"),
    (date(2023, 12, 10), 2, 4, "2023-12-11"),
])
def test_a_year_cut_off_moved_before_g19_opens_the_next_year_after_it(
    reporting: Reporting, cutoff: date, in_2023: int, in_2024: int, opens: str,
) -> None:
    """A store written before G19 has the year report's moved cut-off and the next year's
    periods at their default start (15/12): the next year opens the day after the cut-off as
    it stands all the same, so each lodging counts in exactly one year."""
    reporting.feed(boundary_scenario())
    before = utcnow().isoformat()
    _old_style_year_move(reporting, cutoff)
    assert _get(reporting, "/api/v1/periods/2023-12m")["cutoff_on"] == cutoff.isoformat()
    listed = {p["id"]: p for p in _get(reporting, "/api/v1/periods", year="2024")["items"]}
    for pid in ("2024-3m", "2024-6m", "2024-9m", "2024-12m"):
        period = _get(reporting, f"/api/v1/periods/{pid}")
        assert period["data_from"] == opens, pid
        assert period["adjusted"] is True and cutoff.strftime("%d/%m/%Y") in period["reason"]
        assert listed[pid]["data_from"] == opens, pid
    assert _lodged(reporting, "2023-12m") == in_2023
    assert _lodged(reporting, "2024-3m") == in_2024
    assert _lodged(reporting, "2024-12m") == in_2024
    assert in_2023 + in_2024 == len(LODGED), "every lodging in exactly one year"
    # As known before the move, the default windows.
    assert _lodged(reporting, "2024-3m", as_of=before) == 2
    # The next year's periods take a window from the derived start, and a signed report of
    # them keeps the window it was counted in.
    later = _put(reporting, "2024-3m", opens, "2024-03-20")
    assert later.status_code == 200, later.text
    assert later.json()["data_from"] == opens
    assert _put(reporting, "2024-6m", "2023-12-15", "2024-06-14").status_code == 422
    signed = reporting.client.post("/api/v1/reports/2024-6m/finalise", json={"scope": "31"})
    assert signed.status_code == 201, signed.text
    with reporting.runtime.engine.connect() as conn:
        payload = conn.execute(select(events_table.c.payload).where(
            events_table.c.event_type == "ReportFinalised")).scalar_one()
    assert orjson.loads(payload)["data_from"] == opens


def test_a_report_is_not_signed_on_a_window_moved_since_its_as_of(reporting: Reporting) -> None:
    """Finding H6: finalised with an `as_of` from before 2023-12m's cut-off moved to 31/12,
    the year report froze the old window (to 14/12) while 2024 opens on 01/01: the lodging of
    20/12 was in no signed report. Refused, for the period moved and for the next year's
    periods whose start moved with it; signed on the window as it stands once asked so."""
    reporting.feed(boundary_scenario())
    before = utcnow().isoformat()
    assert _put(reporting, "2023-12m", "2022-12-15", "2023-12-31").status_code == 200
    written = event_count(reporting.client)
    for period_id, window in (("2023-12m", ("2022-12-15", "2023-12-31")),
                              ("2024-3m", ("2024-01-01", "2024-03-14"))):
        refused = reporting.client.post(f"/api/v1/reports/{period_id}/finalise",
                                        json={"scope": "31", "as_of": before})
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "AS_OF_BEFORE_WINDOW_MOVED"
        assert (error["details"]["data_from"], error["details"]["cutoff_on"]) == window
        assert "31/12/2023" in error["message"] or "01/01/2024" in error["message"]
        assert event_count(reporting.client) == written, "nothing written"
    signed = reporting.client.post("/api/v1/reports/2023-12m/finalise", json={"scope": "31"})
    assert signed.status_code == 201, signed.text
    report = _get(reporting, "/api/v1/reports/2023-12m")
    assert report["figures_finalised"] is True
    assert _lodged(reporting, "2023-12m") + _lodged(reporting, "2024-3m") == len(LODGED)
    assert _lodged(reporting, "2023-12m") == 5


@pytest.mark.parametrize(("period_id", "data_from", "cutoff_on", "earliest", "latest"), [
    # The 6-month report cannot stop before the 3-month one (14/03).
    ("2023-6m", "2022-12-15", "2023-03-01", "14/03/2023", "30/06/2023"),
    # Nor the 9-month one before the 6-month one (14/06).
    ("2023-9m", "2022-12-15", "2023-06-01", "14/06/2023", "30/09/2023"),
])
def test_a_cut_off_out_of_order_within_the_year_is_refused(
    reporting: Reporting, period_id: str, data_from: str, cutoff_on: str, earliest: str,
    latest: str,
) -> None:
    """Finding H5: a 6-month cut-off of 01/03 was accepted; the 6-month report counted less
    than the 3-month one and its change column showed falls that never happened."""
    reporting.feed(boundary_scenario())
    before = event_count(reporting.client)
    refused = _put(reporting, period_id, data_from, cutoff_on)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "WINDOW_CUTOFF_OUT_OF_ORDER"
    assert earliest in error["message"] and latest in error["message"]
    assert event_count(reporting.client) == before, "nothing written"
    # Within its neighbours' cut-offs a move is accepted; and a neighbour moved later lets
    # the period follow it.
    assert _put(reporting, "2023-3m", "2022-12-15", "2023-03-31").status_code == 200
    again = _put(reporting, "2023-6m", "2022-12-15", "2023-03-20")
    assert (again.status_code, again.json()["error"]["code"]) == (
        422, "WINDOW_CUTOFF_OUT_OF_ORDER")
    assert _put(reporting, "2023-6m", "2022-12-15", "2023-04-30").status_code == 200
