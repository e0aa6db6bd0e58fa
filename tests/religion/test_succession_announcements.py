"""The statuses a successor's recording or correction moves are announced in the command's
own transaction (review R6): committed with the event or not at all. The scenario of
tests/successions.py: a site of 11788 Xã Bạch Đằng (merged on 01/01/2025) with papers of
2023; the city records 11791 Xã Tân Minh, then corrects it to 11761 Xã Tiên Cường; I3 and I4
of 2025 and 2026 move each time. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from services.indicators.app import create_app as indicators_app
from shared.aggregate import UnitOfWork
from shared.envelope import EventEnvelope
from tests.indicators.conftest import status_events_in
from tests.integration.helpers import runtime_of
from tests.religion.test_backdated_move import _feed
from tests.religion.test_moved_site_old_store import _envelopes
from tests.successions import (
    BACH_DANG,
    TAN_MINH,
    TIEN_CUONG,
    indicators,
    record,
    site_with_papers,
)

__all__ = ["indicators"]

#: The status keys the recording and the correction move, at `{unit}`.
MOVED = {f"{indicator}-{year}@{{unit}}" for indicator in ("I3", "I4") for year in (2025, 2026)}


class _Crash(Exception):
    """The process dies here."""


def test_a_crash_right_after_the_commit_loses_no_announcement(
    religion: TestClient, indicators: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The statuses were announced in the request after the commit, so a crash between the
    two left the ended periods' statuses (2025's, swept no more) stale until a rebuild. The
    process dies right after each commit (its on-commit hook, the relay's wake-up, raises);
    started again on the same database, the service holds the announcements, caused by the
    recorded event, for its relay to publish."""
    site_with_papers(religion, "CS-BD", BACH_DANG, 2023)
    _feed(indicators, _envelopes(religion))
    runtime = runtime_of(indicators)

    def dies(_: object) -> None:
        raise _Crash

    monkeypatch.setattr(runtime, "_committed", dies)
    with pytest.raises(_Crash):
        indicators.post("/api/v1/units/successions", json={
            "predecessor_code": BACH_DANG, "successor_code": TAN_MINH,
            "legal_basis": "Nghị quyết 1232/NQ-UBTVQH15"})
    url = f"/api/v1/units/successions/{BACH_DANG}"
    with pytest.raises(_Crash):
        indicators.post(f"{url}/corrections", headers={"If-Match": indicators.get(url).headers[
            "etag"]}, json={"successor_code": TIEN_CUONG, "reason": "Ghi nhầm xã kế thừa"})

    again = runtime_of(TestClient(indicators_app(runtime.settings)))
    try:
        again.create_schema()
        recorded = {e.event_type: str(e.event_id) for e in _envelopes(indicators)
                    if e.event_type.startswith("UnitSuccession")}
        assert set(recorded) == {"UnitSuccessionRecorded", "UnitSuccessionCorrected"}
        announced = status_events_in(again)
        for unit, cause in ((TAN_MINH, "UnitSuccessionRecorded"),
                            (TIEN_CUONG, "UnitSuccessionCorrected")):
            assert {e["key"]: (e["cause"], e["causation_id"]) for e in announced
                    if e["unit_code"] == unit} == {
                key.format(unit=unit): (cause, recorded[cause]) for key in MOVED}, unit
    finally:
        again.engine.dispose()


def test_a_status_a_consumer_announces_meanwhile_does_not_fail_the_recording(
    religion: TestClient, indicators: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The recording announces in its own transaction, reading the statuses unheld
    (`load_many`): a live consumer announcing one of them between that read and the append
    (here: committed from another connection just before it) made the recording 409
    CONCURRENCY_CONFLICT. That definition is read again and announced in a savepoint: the
    recording stands, each moved status announced once, by one writer or the other."""
    runtime = runtime_of(indicators)
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: nothing commits meanwhile")
    site_with_papers(religion, "CS-BD", BACH_DANG, 2023)
    _feed(indicators, _envelopes(religion))
    flush = UnitOfWork.flush
    raced: list[str] = []

    def racing_flush(uow: UnitOfWork) -> list[EventEnvelope]:
        staged = uow._staged
        if not raced and staged and staged[0].event_type == "IndicatorStatusChanged":
            meanwhile = dataclasses.replace(staged[0], event_id=uuid4(), causation_id=None)
            with runtime.engine.begin() as conn:
                runtime.store.append_checked(conn, [meanwhile])
            raced.append(meanwhile.aggregate_id)
        return flush(uow)

    monkeypatch.setattr(UnitOfWork, "flush", racing_flush)
    record(indicators)
    assert raced
    keys = [e["key"] for e in status_events_in(runtime) if e["unit_code"] == TAN_MINH]
    assert sorted(keys) == sorted(key.format(unit=TAN_MINH) for key in MOVED)
