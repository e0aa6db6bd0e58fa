"""Unique claims (`UnitOfWork.claim_unique`, `claim_code`) on SQLite and PostgreSQL: a value is
one aggregate's, whatever the case of a code, even when two transactions claim it at once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, func, select, text

from shared.aggregate import CommandContext, UnitOfWork, unique_keys_table
from shared.errors import Conflict
from shared.eventstore import EventStore
from tests.integration.counter import registry


def _uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine, EventStore("test", "danvan"), registry, CommandContext(actor="a"))


class Taken(Conflict):
    def __init__(self, holder: str) -> None:
        super().__init__("TAKEN", f"đã thuộc về {holder}")
        self.holder = holder


def _claims(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(unique_keys_table)).scalar_one())


def test_a_code_is_claimed_once_whatever_its_case(engine: Engine) -> None:
    with _uow(engine) as uow:
        uow.claim_code("site_code", "prb-s1", Taken)
        uow.commit()
    with _uow(engine) as uow, pytest.raises(Taken) as refused:
        uow.claim_code("site_code", "PRB-S1", Taken)
    assert refused.value.holder == "prb-s1"
    with _uow(engine) as uow:
        uow.claim_code("site_code", "prb-s1", Taken)  # the holder's own claim again: nothing
        assert uow.unique_holder("site_code", "PRB-S1") == "prb-s1"
        assert uow.unique_holder("site_code", "PRB-S2") is None
        uow.commit()
    assert _claims(engine) == 1


def test_a_value_another_aggregate_holds_is_refused_and_the_transaction_goes_on(
    engine: Engine,
) -> None:
    with _uow(engine) as uow:
        uow.claim_unique("certificate_number", "GCN 1", "S1", Taken("S1"))
        uow.commit()
    with _uow(engine) as uow:
        with pytest.raises(Taken):
            uow.claim_unique("certificate_number", "GCN 1", "S2", Taken("S1"))
        # The refusal left the transaction usable (no failed statement on PostgreSQL).
        uow.claim_unique("certificate_number", "GCN 2", "S2", Taken("S2"))
        uow.commit()
    assert _claims(engine) == 2


def _waiting_on_a_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'")).scalar_one())


def test_a_claim_committed_meanwhile_by_another_transaction_wins(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE: no two claims can interleave")
    outcome: list[object] = []
    with _uow(engine) as first:
        first.claim_code("site_code", "RACE-1", Taken)

        def second() -> None:
            try:
                with _uow(engine) as uow:
                    uow.claim_code("site_code", "race-1", Taken)  # waits for the first
                    uow.commit()
                outcome.append("claimed")
            except Taken as exc:
                outcome.append(exc.holder)

        thread = threading.Thread(target=second)
        thread.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock(engine):
            assert time.monotonic() < deadline, "the second claim never waited for the first"
            time.sleep(0.01)
        first.commit()
    thread.join(timeout=30)
    assert outcome == ["RACE-1"]
    assert _claims(engine) == 1
