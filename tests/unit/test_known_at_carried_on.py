"""A list as known at a new moment carries on a kept replay of an earlier moment instead of
replaying the whole store (`shared.projection.InlineProjection.known_at`), with the rows a
whole replay gives: the property, over histories written by several writers whose events are
stored out of their recording order, moments on and between equal recording times, events
recorded by a moment already read that commit later, and handlers that read the store back
(`stored_events`, as religion's corrections and placements do). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)

from shared import projection as kernel
from shared.db import create_db_engine, read_connection
from shared.envelope import DomainEvent, EventEnvelope, EventRegistry
from shared.eventstore import EventStore, events_table, kernel_metadata, outbox_table
from shared.projection import InlineProjection, stored_events

registry = EventRegistry("asof")
metadata = MetaData()
#: One row an aggregate: the events applied to it in order, and what its corrections read
#: back from the store.
things = Table("asof_things", metadata, Column("thing", String(10), primary_key=True),
               Column("applied", String(2000), nullable=False),
               Column("read_back", String(2000), nullable=False))
#: Every event applied, in the order applied: a replay that applies the same events in
#: another order has other rows.
applied = Table("asof_applied", metadata, Column("seq", Integer, primary_key=True),
                Column("n", Integer, nullable=False))

BASE = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
THINGS = ("T1", "T2", "T3")


@registry.register
class Noted(DomainEvent):
    event_type = "Noted"
    n: int


@registry.register
class Corrected(DomainEvent):
    event_type = "Corrected"
    n: int


def _log(conn: Connection, thing: str, n: int, read_back: str = "") -> None:
    conn.execute(insert(applied), {"n": n})
    row = conn.execute(select(things).where(things.c.thing == thing)).first()
    if row is None:
        conn.execute(insert(things), {"thing": thing, "applied": str(n), "read_back": read_back})
    else:
        conn.execute(update(things).where(things.c.thing == thing).values(
            applied=f"{row.applied},{n}", read_back=f"{row.read_back}|{read_back}"))


def _noted(conn: Connection, e: Noted, env: EventEnvelope) -> None:
    _log(conn, env.aggregate_id, e.n)


def _corrected(conn: Connection, e: Corrected, env: EventEnvelope) -> None:
    """As a correction's handler: its aggregate's events up to this one, read back."""
    stored = stored_events(conn, registry.service, "thing", env.aggregate_id)
    before = [registry.decode(x) for x in stored if x.aggregate_version <= env.aggregate_version]
    _log(conn, env.aggregate_id, e.n, ",".join(str(getattr(x, "n", "?")) for x in before))


def _projection() -> InlineProjection:
    return InlineProjection(registry, [things, applied], {Noted: _noted, Corrected: _corrected})


class History:
    """A store written by several writers: each event stored (given its position) in the
    order written, recorded at the time its writer's clock said."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = EventStore(registry.service, "asof")
        self.versions = dict.fromkeys(THINGS, 0)
        self.written = 0

    def write(self, thing: str, corrected: bool, recorded_at: datetime) -> None:
        self.written += 1
        version = self.versions[thing] + 1
        event = (Corrected if corrected else Noted)(n=self.written)
        envelope = EventEnvelope(
            event_id=uuid4(), event_type=event.event_type, schema_version=1,
            service=registry.service, aggregate_type="thing", aggregate_id=thing,
            aggregate_version=version, occurred_at=recorded_at, recorded_at=recorded_at,
            actor="tester", payload=event.model_dump(mode="json"))
        with self.engine.begin() as conn:
            self.store.append(conn, [envelope], version - 1)
        self.versions[thing] = version


def rows(projection: InlineProjection, engine: Engine, moment: datetime) -> dict[str, Any]:
    """Every row of the read models as known at `moment`, as `known_at` gives them."""
    with read_connection(engine) as conn, projection.known_at(conn, moment) as memory:
        return {
            "things": [tuple(r) for r in memory.execute(select(things).order_by(things.c.thing))],
            "applied": [r.n for r in memory.execute(select(applied).order_by(applied.c.seq))],
        }


def whole_replay(engine: Engine, moment: datetime) -> dict[str, Any]:
    """The rows of a replay of the whole store up to `moment` (a projection keeping none)."""
    return rows(_projection(), engine, moment)


class Applied:
    """How many events the replays applied (the handlers' calls)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = InlineProjection.project

        def counted(projection: InlineProjection, conn: Connection, envelopes: Any) -> None:
            def each() -> Iterator[EventEnvelope]:
                for envelope in envelopes:
                    self.count += 1
                    yield envelope
            real(projection, conn, each())

        monkeypatch.setattr(InlineProjection, "project", counted)

    def since(self, before: int) -> int:
        return self.count - before


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = create_db_engine(database_url)
    kernel_metadata.create_all(made)
    yield made
    made.dispose()


def _at(seconds: float) -> datetime:
    return BASE + timedelta(seconds=seconds)


def test_a_later_moment_carries_on_the_kept_replay(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A desk stepping through dates: each later moment applies the events recorded since
    the previous one, not the whole store again (every moment replayed the store from its
    start before), and the rows are a whole replay's; an earlier moment still kept is read as
    it was."""
    history = History(engine)
    for n in range(30):
        history.write(THINGS[n % 3], corrected=n % 4 == 3, recorded_at=_at(n))
    projection = _projection()
    count = Applied(monkeypatch)
    before = count.count
    first = rows(projection, engine, _at(9.5))
    assert count.since(before) == 10  # the store up to the moment, from its start
    for end, between in ((19.5, 10), (29.5, 10)):
        before = count.count
        carried = rows(projection, engine, _at(end))
        assert count.since(before) == between, end
        assert carried == whole_replay(engine, _at(end))
    before = count.count
    assert rows(projection, engine, _at(9.5)) == first  # kept: its next page
    assert count.since(before) == 0


def test_an_event_recorded_by_a_kept_moment_stored_after_it_is_applied_in_its_place(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event recorded by the kept replay's moment that commits after it was made (a slow
    writer's transaction) and is stored after its events: no longer the same events as of
    that moment, so not read for it again; a later moment carries the kept replay on with it,
    where a whole replay applies it too."""
    history = History(engine)
    for n in range(6):
        history.write(THINGS[n % 3], corrected=n == 4, recorded_at=_at(n))
    projection = _projection()
    count = Applied(monkeypatch)
    rows(projection, engine, _at(5))
    history.write("T1", corrected=True, recorded_at=_at(2.5))  # recorded by 5, stored last
    history.write("T2", corrected=False, recorded_at=_at(7))
    before = count.count
    again = rows(projection, engine, _at(5))
    assert count.since(before) == 7 and 7 in again["applied"]
    assert again == whole_replay(engine, _at(5))
    before = count.count
    later = rows(projection, engine, _at(8))
    assert count.since(before) == 1  # carried on from the replay as of 5 made again
    assert later == whole_replay(engine, _at(8))
    projection._forget(projection._kept[-2])  # the replay as of 5 made again given up
    before = count.count
    assert rows(projection, engine, _at(9)) == later
    assert count.since(before) == 0  # the same events as of 8
    projection._forget(projection._kept[-1])
    before = count.count
    assert rows(projection, engine, _at(8)) == later
    assert count.since(before) == 2  # carried on from the first replay as of 5


def test_an_event_recorded_by_a_kept_moment_stored_before_its_last_is_replayed_whole(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event recorded by the kept replay's moment that took its position before the last
    event the replay holds and committed after it was made (PostgreSQL gives positions at
    insert): a later moment is replayed from the store's start, with that event in its place
    (here held back, then put back as such a transaction would have committed it)."""
    history = History(engine)
    for n in range(6):
        history.write(THINGS[n % 3], corrected=n in (3, 5), recorded_at=_at(n))
    late = events_table.c.position == select(events_table.c.position).where(
        events_table.c.aggregate_id == "T1", events_table.c.aggregate_version == 2
    ).scalar_subquery()
    with engine.begin() as conn:
        held_back = [dict(r._mapping) for r in conn.execute(select(events_table).where(late))]
        conn.execute(delete(outbox_table).where(
            outbox_table.c.position == held_back[0]["position"]))
        conn.execute(delete(events_table).where(late))
    projection = _projection()
    count = Applied(monkeypatch)
    assert rows(projection, engine, _at(5))["applied"] == [1, 2, 3, 5, 6]
    with engine.begin() as conn:
        conn.execute(insert(events_table), held_back)
    history.write("T2", corrected=False, recorded_at=_at(7))
    before = count.count
    later = rows(projection, engine, _at(8))
    assert count.since(before) == 7  # the whole store: carried on, 1, without T1's second
    assert later == whole_replay(engine, _at(8))
    assert later["applied"] == [1, 2, 3, 4, 5, 6, 7]


def test_an_event_recorded_after_a_kept_moment_stored_before_its_events_is_replayed_whole(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers: the event stored third was recorded after the moment at which the store
    was read; a whole replay applies it before the fourth and fifth, so a later moment cannot
    apply it after them: replayed from the store's start, with the whole replay's rows."""
    history = History(engine)
    for n, (thing, second) in enumerate([("T1", 0), ("T2", 1), ("T1", 6), ("T1", 2),
                                         ("T3", 3)]):
        history.write(thing, corrected=thing == "T1" and n > 0, recorded_at=_at(second))
    projection = _projection()
    count = Applied(monkeypatch)
    assert rows(projection, engine, _at(4))["applied"] == [1, 2, 4, 5]
    before = count.count
    later = rows(projection, engine, _at(6))
    assert count.since(before) == 5
    assert later == whole_replay(engine, _at(6))
    assert later["applied"] == [1, 2, 3, 4, 5]
    # T1's correction stored fourth reads back the third, recorded after the first moment.
    assert later["things"][0] == ("T1", "1,3,4", "|1,3|1,3,4")


def test_a_kept_replay_of_another_store_is_never_carried_on(
    engine: Engine, database_url_factory: Callable[[str], str]
) -> None:
    """A projection serves every store its process opens: a kept replay of one store is not
    carried on to a moment of another (it was: the other's events by the kept replay's last
    position counted as many), nor of the same database emptied and written again."""
    other = create_db_engine(database_url_factory("other"))
    kernel_metadata.create_all(other)
    try:
        for made in (engine, other):
            history = History(made)
            for n in range(3):
                history.write(THINGS[n] if made is engine else "T3", corrected=made is other,
                              recorded_at=_at(n))
        projection = _projection()
        rows(projection, engine, _at(2))
        assert rows(projection, other, _at(3)) == whole_replay(other, _at(3))
        with engine.begin() as conn:  # the same database, another store (test data only)
            conn.execute(delete(outbox_table))
            conn.execute(delete(events_table))
        history = History(engine)
        for n in range(3):
            history.write("T2", corrected=True, recorded_at=_at(n))
        assert rows(projection, engine, _at(4)) == whole_replay(engine, _at(4))
    finally:
        other.dispose()


def test_few_replays_are_kept(engine: Engine) -> None:
    """At most `KEPT_REPLAYS` private databases a projection, the least recently read given
    up (each is its read models: tens of MB at a city's size)."""
    history = History(engine)
    for n in range(8):
        history.write(THINGS[n % 3], corrected=False, recorded_at=_at(n))
    projection = _projection()
    for n in range(8):
        rows(projection, engine, _at(n))
    assert [kept.moment for kept in projection._kept] == [
        _at(n) for n in range(8 - kernel.KEPT_REPLAYS, 8)]


#: A history: writes and reads as known at a moment in the order they happen, on a clock
#: that moves on by half a second, or not (equal recording times are frequent). A write is of
#: a thing, a correction or not, recorded when its writer's clock said: mostly now, else
#: earlier (a slow writer: it is stored after events recorded later, maybe after a read of a
#: moment it was recorded by). A read is as known at now, or a little before, on a recording
#: time or between two, or well before (a moment earlier than those kept).
steps = st.lists(st.tuples(
    st.sampled_from([0, 0.5]),
    st.sampled_from(["write", "write", "write", "read"]),
    st.sampled_from(THINGS), st.booleans(),
    st.sampled_from([0, 0, 0, 0, 0.5, 1, 3]),  # how much earlier a write was recorded
    st.sampled_from([0, 0, 0.25, 0.5, 1, 6]),  # how much earlier the moment read is
), min_size=8, max_size=40)


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=steps)
def test_a_list_as_known_at_any_moment_is_a_whole_replays(
    engine: Engine, plan: list[tuple[Any, ...]]
) -> None:
    """Whatever the history and the order of the moments asked, each list as known at a
    moment (from a kept replay, one carried on or a whole replay) has the rows of a replay
    of the whole store up to it."""
    with engine.begin() as conn:  # a new store for each history (test data only)
        conn.execute(delete(outbox_table))
        conn.execute(delete(events_table))
    history = History(engine)
    projection = _projection()
    try:
        clock = 10.0
        for advance, kind, thing, corrected, lag, back in plan:
            clock += advance
            if kind == "write":
                history.write(thing, corrected, _at(clock - lag))
            else:
                moment = _at(clock - back)
                assert rows(projection, engine, moment) == whole_replay(engine, moment)
    finally:
        for kept in list(projection._kept):
            projection._forget(kept)
