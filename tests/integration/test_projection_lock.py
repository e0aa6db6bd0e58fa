"""Replicas sharing a durable consumer apply a read-then-write projection one batch at a time
(`Projection.one_batch_at_a_time`): indicators' counts are read, moved and written back
whole, and two batches at once each wrote over the other's change."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, insert, select, update

from shared.consumer import Projection
from shared.envelope import EventEnvelope

tally = Table("tally", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer))


def _events(count: int) -> list[EventEnvelope]:
    return [cast(EventEnvelope, SimpleNamespace(event_type="Counted", correlation_id=None))
            for _ in range(count)]


def _count_whole(conn: Connection, envelopes: list[EventEnvelope]) -> list[EventEnvelope]:
    """Reads the tally and writes it back whole, as the indicators' counts are saved."""
    n = conn.execute(select(tally.c.n).where(tally.c.id == 1)).scalar_one()
    conn.execute(update(tally).where(tally.c.id == 1).values(n=n + len(envelopes)))
    return []


def _two_replicas(engine: Engine, projection: Projection) -> tuple[int, bool]:
    """Replica A's batch of 1 holds its transaction open while replica B applies a batch of 2;
    returns the tally after both and whether B had to wait for A."""
    with engine.begin() as conn:
        conn.execute(tally.delete())
        conn.execute(insert(tally).values(id=1, n=0))
    read_by_b = threading.Event()
    done: dict[str, Any] = {}

    def replica_b() -> None:
        with engine.begin() as conn:
            projection.apply(conn, _events(2))
        read_by_b.set()

    with engine.connect() as a:
        a.begin()
        projection.apply(a, _events(1))
        b = threading.Thread(target=replica_b)
        b.start()
        # B either waits for A's lock (finishes only after A commits) or reads the tally
        # A has not committed and then waits for A's row lock to write it back.
        done["b_waited"] = not read_by_b.wait(timeout=1.0)
        a.commit()
    b.join(timeout=30)
    assert not b.is_alive()
    with engine.connect() as conn:
        return int(conn.execute(select(tally.c.n)).scalar_one()), bool(done["b_waited"])


def test_batches_of_one_projection_are_applied_one_at_a_time_across_replicas(
    engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers queue at BEGIN already: no two batches interleave")
    tally.create(engine)
    serialised = Projection("tally", "religion", batch_handler=_count_whole,
                            batch_event_types=["Counted"], tables=[tally],
                            one_batch_at_a_time=True)
    assert _two_replicas(engine, serialised) == (3, True)
    # The hazard it closes: without it B read the tally before A committed and wrote 2.
    unserialised = Projection("tally", "religion", batch_handler=_count_whole,
                              batch_event_types=["Counted"], tables=[tally])
    assert _two_replicas(engine, unserialised)[0] == 2
