"""The relay's reads and marks of the outbox are statements the driver prepares once (issue
20): a text made of each round's numbers was parsed and planned again by SQLite every round,
the bulk of an idle relay's round at a desk's pace (callgrind, bench/http.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

from sqlalchemy import create_engine, select, update

from shared.db import create_schema
from shared.envelope import EventEnvelope
from shared.eventstore import EventStore, kernel_metadata, outbox_table
from shared.natsconn import NatsLink
from shared.relay import OutboxRelay


class _Recording(sqlite3.Connection):
    """A driver connection that keeps the text of every statement its cursors run."""

    texts: list[str]

    def cursor(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:  # type: ignore[override]
        cursor = super().cursor(*args, **kwargs)
        texts = self.texts

        class Cursor:
            def __getattr__(self, name: str) -> Any:
                return getattr(cursor, name)

            def execute(self, sql: str, *parameters: Any) -> sqlite3.Cursor:
                texts.append(sql)
                result: sqlite3.Cursor = cursor.execute(sql, *parameters)
                return result

        return cast(sqlite3.Cursor, Cursor())


def _envelope(n: int) -> EventEnvelope:
    at = datetime(2023, 5, 1, 7, 30, n, tzinfo=UTC)
    return EventEnvelope(
        event_id=uuid4(), event_type="Counted", schema_version=1, service="test",
        aggregate_type="counter", aggregate_id=f"C{n}", aggregate_version=1, occurred_at=at,
        recorded_at=at, actor="chủ tịch", payload={"by": n},
    )


def test_the_outbox_is_read_and_marked_with_the_same_statements_every_round(
    tmp_path: Path,
) -> None:
    texts: list[str] = []

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(tmp_path / "relay.db", factory=_Recording,
                               check_same_thread=False)
        conn.texts = texts
        return conn

    engine = create_engine("sqlite://", creator=connect)
    create_schema(engine, kernel_metadata)
    store = EventStore("test", "danvan")
    with engine.begin() as conn:
        for n in range(8):
            store.append(conn, [_envelope(n)], 0)
    relay = OutboxRelay(engine, cast(NatsLink, None), "test")
    texts.clear()
    first = relay._fetch_pending(0)
    later = relay._fetch_pending(first[1].position)
    assert [i.position for i in later] == [i.position for i in first[2:]]
    relay._mark_published([i.position for i in first[:3]])
    relay._mark_published([i.position for i in first[3:7]])
    reads = [t for t in texts if t.lstrip().upper().startswith("SELECT")]
    marks = [t for t in texts if t.lstrip().upper().startswith("UPDATE")]
    assert len(reads) == 2 and len(set(reads)) == 1, reads
    # Three positions and four: one text (lists padded to a power of two).
    assert len(marks) == 2 and len(set(marks)) == 1, marks
    with engine.connect() as conn:
        marked = {position: published for position, published in conn.execute(
            select(outbox_table.c.position, outbox_table.c.published_at))}
    positions = [i.position for i in first]
    assert [marked[p] is not None for p in positions] == [True] * 7 + [False]
    # The stored value is the one SQLAlchemy writes for the same moment.
    moment = marked[positions[0]]
    with engine.begin() as conn:
        conn.execute(update(outbox_table).where(outbox_table.c.position == positions[7])
                     .values(published_at=moment))
    with engine.connect() as conn:
        (raw_relay, raw_sqlalchemy) = conn.exec_driver_sql(
            "SELECT published_at FROM outbox WHERE position IN (?, ?) ORDER BY position",
            (positions[0], positions[7])).scalars().all()
    assert raw_relay == raw_sqlalchemy
    engine.dispose()
