"""The host's clock stepped back while the service runs (NTP correcting a clock that ran
ahead, a virtual machine resumed from a snapshot): the events of the next commands are not
recorded before those already written. Stamped an hour earlier, a site's amendment was
recorded before its registration, and religion's register as known at a moment between the
two replayed the amendment without the registration: 500 INTERNAL_ERROR, and the site as
known then had the new name and no registration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from services.religion.app import create_app
from shared.aggregate import RecordingClock
from shared.envelope import utcnow
from shared.settings import Settings
from tests.integration.helpers import runtime_of
from tests.religion.conftest import register


class SteppedClock:
    """The host's clock, stepped back by `back`."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def back(self, by: timedelta) -> None:
        self.offset -= by


def _amend_and_check_recorded_in_order(client: TestClient) -> None:
    """TL-01 amended now: its history lists the registration, then the amendment, recorded
    in that order."""
    amended = client.patch("/api/v1/sites/TL-01", json={
        "name": "Chùa Phúc Lâm", "amended_on": "2023-02-15"}, headers={"If-Match": '"1"'})
    assert amended.status_code == 200, amended.text
    history = client.get("/api/v1/sites/TL-01/history").json()["events"]
    recorded = [datetime.fromisoformat(e["recorded_at"]) for e in history]
    assert [e["event_type"] for e in history] == ["SiteRegistered", "SiteAmended"]
    assert recorded == sorted(recorded)


def test_a_clock_stepped_back_records_the_next_events_after_those_written(
    religion: TestClient,
) -> None:
    host = SteppedClock()
    runtime_of(religion).recording_clock = RecordingClock(host)
    register(religion, "TL-01", name="Chùa Cũ")
    registered = utcnow()
    host.back(timedelta(hours=1))
    _amend_and_check_recorded_in_order(religion)
    between = (registered - timedelta(minutes=30)).isoformat()
    listed = religion.get("/api/v1/sites", params={"known_at": between})
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []
    then = religion.get("/api/v1/sites/TL-01/as-of",
                        params={"date": "2023-03-01", "known_at": between})
    assert then.status_code == 404, then.text
    now = religion.get("/api/v1/sites", params={"known_at": utcnow().isoformat()}).json()
    assert [site["name"] for site in now["items"]] == ["Chùa Phúc Lâm"]


def test_a_service_started_again_after_a_step_back_records_after_its_last_run(
    settings_factory: Callable[..., Settings],
) -> None:
    """The host's clock ran an hour ahead while the service wrote, then was corrected while
    the service was down: the next run's first events are not recorded before the last run's
    (the recording clock, new in the new process, knew no earlier time to keep after)."""
    settings = settings_factory("religion")
    first = TestClient(create_app(settings), headers={"X-Actor": "can.bo.tg"})
    runtime_of(first).create_schema()
    runtime_of(first).recording_clock = RecordingClock(lambda: utcnow() + timedelta(hours=1))
    register(first, "TL-01", name="Chùa Cũ")
    runtime_of(first).engine.dispose()

    again = TestClient(create_app(settings), headers={"X-Actor": "can.bo.tg"})
    runtime_of(again).create_schema()
    try:
        _amend_and_check_recorded_in_order(again)
    finally:
        runtime_of(again).engine.dispose()
