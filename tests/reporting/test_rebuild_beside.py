"""A rebuild of the reporting read models is built beside the live ones and switched in when
it has caught up: reports keep the old figures meanwhile (never zeros), its progress can be
read, a second rebuild is refused, every replica serves the new figures after the switch, and
the replay repairs what the live projection had lost in an outage."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import nats
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, func, inspect, select

from services.reporting.adapters.tables import FACT_TABLES
from services.reporting.app import create_app
from services.reporting.application.fact_reads import read_marks
from services.reporting.application.figures import (
    compute_fresh,
    compute_from_chunks,
    from_chunks_possible,
)
from services.reporting.application.reports import load_period
from services.reporting.application.state import state_of
from shared.consumer import processed_events_table
from shared.db import read_connection
from shared.envelope import utcnow
from shared.migrations import schema_drift
from shared.natsserver import NatsServer
from shared.rebuild import AFTER_LOAD
from shared.settings import Settings, stream_name_for
from tests.integration.helpers import REBUILD, ensure_streams, publish, runtime_of, wait_until
from tests.integration.rebuilds import Gates, lose
from tests.reporting.conftest import figure_values
from tests.reporting.scenario import DAI_THANG, Events, two_quarter_scenario

REPORT = "/api/v1/reports/2023-6m"


def _facts(client: TestClient) -> int:
    with read_connection(runtime_of(client).engine) as conn:
        return sum(int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                   for t in FACT_TABLES.values())


def _shown(client: TestClient) -> dict[str, int]:
    response = client.get(REPORT)
    assert response.status_code == 200, response.text
    return figure_values(response.json())


@pytest.fixture
def settings(
    settings_factory: Callable[..., Settings], nats_server: NatsServer, subject_root: str
) -> Settings:
    asyncio.run(ensure_streams(nats_server.url, subject_root, FACT_TABLES))
    return settings_factory("reporting")


@pytest.fixture
def lost_in_an_outage(
    settings: Settings, nats_server: NatsServer, subject_root: str
) -> Iterator[tuple[Events, Events]]:
    """The scenario applied by the live projection, then two sites it lost while down."""
    scenario = two_quarter_scenario()
    with TestClient(create_app(settings)) as client:
        asyncio.run(publish(nats_server.url, subject_root, scenario.items))
        wait_until(lambda: _facts(client) == len(scenario.items), timeout=30)
    lost = Events()
    lost.site("S8", DAI_THANG, date(2023, 2, 20))
    lost.site("S9", DAI_THANG, date(2023, 3, 5))
    lose(nats_server.url, subject_root, lost.items, "reporting-religion")
    yield scenario, lost


def test_a_rebuild_serves_the_old_figures_until_it_switches_then_the_replayed_ones(
    settings: Settings, nats_server: NatsServer, subject_root: str,
    lost_in_an_outage: tuple[Events, Events], monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario, lost = lost_in_an_outage
    gates = Gates(monkeypatch)
    with TestClient(create_app(settings)) as client, \
            TestClient(create_app(settings)) as replica:
        wait_until(lambda: _facts(client) == len(scenario.items), timeout=30)
        live = _shown(client)
        assert live["sites"] > 0, "the live projection has figures"
        assert _shown(replica) == live  # the replica's copies warmed on the old generation

        started = client.post(REBUILD)
        assert started.status_code == 202, started.text
        assert (started.json()["state"], started.json()["generation"]) == ("building", 2)
        # While the new generation is being built, reports keep the live figures.
        assert _shown(client) == live
        assert _shown(replica) == live
        progress = replica.get(REBUILD).json()
        assert progress["state"] == "building" and progress["live_generation"] == 1
        assert {c["consumer"] for c in progress["consumers"]} == {
            "reporting-religion-g2", "reporting-dialogue-g2", "reporting-indicators-g2",
            "reporting-plan-g2", "reporting-successions-g2"}

        # A second rebuild, on either replica, is refused while this one runs.
        for asked in (client, replica):
            again = asked.post(REBUILD)
            assert again.status_code == 409
            error = again.json()["error"]
            assert error["code"] == "REBUILD_IN_PROGRESS"
            assert "Đang dựng lại" in error["message"]
            assert error["details"]["generation"] == 2

        # The build runs from the streams' start; the live projection goes on meanwhile.
        gates.build.set()
        late = Events()
        late.site("S10", DAI_THANG, date(2023, 4, 2))
        asyncio.run(publish(nats_server.url, subject_root, late.items))
        everything = len(scenario.items) + len(lost.items) + len(late.items)

        def caught_up() -> bool:
            state = client.get(REBUILD).json()
            return bool(state["state"] == "building" and state["events_applied"] == everything
                        and all(c.get("pending") == 0 for c in state["consumers"]))

        wait_until(caught_up, timeout=30)
        wait_until(lambda: _facts(client) == len(scenario.items) + len(late.items))
        held = _shown(client)
        assert held["sites"] == live["sites"] + 1  # S10, live; S8 and S9 still lost
        assert _shown(replica) == held

        gates.switch.set()
        wait_until(lambda: client.get(REBUILD).json()["state"] == "live", timeout=30)
        switched = client.get(REBUILD, params={"generation": 2}).json()
        assert switched["switched_at"] is not None
        assert switched["events_applied"] == everything
        assert client.get(REBUILD, params={"generation": 1}).json()["state"] == "retired"
        assert client.get(REBUILD, params={"generation": 9}).status_code == 404

        # The replayed figures, on both replicas: the lost sites are back.
        wait_until(lambda: _facts(client) == everything)
        rebuilt = _shown(client)
        assert rebuilt["sites"] == live["sites"] + 3
        wait_until(lambda: _shown(replica) == rebuilt)
        _chunks_say_what_the_facts_say(client)
        # Nothing of the old generation is left once both replicas have followed: tables,
        # consumers' records, durables.
        runtime = runtime_of(client)
        assert not {n for n in inspect(runtime.engine).get_table_names() if "__g" in n}
        with runtime.engine.connect() as conn:  # the tables, indexes and keys as migrated
            assert schema_drift(conn, runtime.metadata) == []

        def consumers() -> set[str]:
            with read_connection(runtime.engine) as conn:
                return set(conn.execute(select(processed_events_table.c.consumer)
                                        .distinct()).scalars())

        wait_until(lambda: consumers() == {"reporting-religion-g2", "reporting-dialogue-g2",
                                           "reporting-indicators-g2"})
        wait_until(lambda: asyncio.run(_durables(nats_server.url, subject_root)) == {
            "reporting-religion-g2"})

        # The new generation is the live one now: it goes on with new events.
        later = Events()
        later.site("S11", DAI_THANG, date(2023, 5, 2))
        asyncio.run(publish(nats_server.url, subject_root, later.items))
        wait_until(lambda: _facts(client) == everything + 1)
        assert _shown(replica)["sites"] == rebuilt["sites"] + 1


def _chunks_say_what_the_facts_say(client: TestClient) -> None:
    runtime = runtime_of(client)
    as_of = utcnow()
    with read_connection(runtime.engine) as conn:
        marks = read_marks(conn)
        period = load_period(conn, runtime.store, "2023-6m", as_of)
        assert from_chunks_possible(marks, period, as_of)
        fast = compute_from_chunks(state_of(runtime), conn, period, "31", as_of)
        slow = compute_fresh(conn, period, "31", as_of)
    assert fast.content() == slow.content()


async def _durables(url: str, root: str) -> set[str]:
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        found = await js.consumers_info(stream_name_for(root, "religion"))
        return {str(info.name) for info in found}
    finally:
        await client.close()


def test_a_rebuild_given_up_leaves_the_live_tables_and_a_new_one_can_start(
    settings: Settings, nats_server: NatsServer, subject_root: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = two_quarter_scenario()
    gates = Gates(monkeypatch)
    with TestClient(create_app(settings)) as client:
        asyncio.run(publish(nats_server.url, subject_root, scenario.items))
        wait_until(lambda: _facts(client) == len(scenario.items), timeout=30)
        live = _shown(client)
        nothing = client.delete(REBUILD)
        assert (nothing.status_code, nothing.json()["error"]["code"]) == (
            404, "NO_REBUILD_IN_PROGRESS")
        assert client.post(REBUILD).status_code == 202
        engine = runtime_of(client).engine
        assert "rpt_religion_facts__g2" in inspect(engine).get_table_names()

        given_up = client.delete(REBUILD)
        assert given_up.status_code == 200, given_up.text
        assert (given_up.json()["generation"], given_up.json()["state"]) == (2, "abandoned")
        assert not {n for n in inspect(engine).get_table_names() if "__g" in n}
        assert _shown(client) == live
        wait_until(lambda: "reporting-religion-g2" not in asyncio.run(
            _durables(nats_server.url, subject_root)))

        # The next rebuild is generation 3, and goes through (the gates only hold -g2).
        gates.build.set()
        gates.switch.set()
        again = client.post(REBUILD)
        assert (again.status_code, again.json()["generation"]) == (202, 3)
        wait_until(lambda: client.get(REBUILD).json()["state"] == "live", timeout=30)
        assert _shown(client) == live
        assert client.get(REBUILD, params={"generation": 2}).json()["state"] == "abandoned"


def test_readers_during_the_switch_see_the_old_figures_or_the_new_ones_and_no_error(
    settings: Settings, lost_in_an_outage: tuple[Events, Events],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario, lost = lost_in_an_outage
    gates = Gates(monkeypatch)
    gates.build.set()
    with TestClient(create_app(settings)) as client:
        wait_until(lambda: _facts(client) == len(scenario.items), timeout=30)
        old = _shown(client)["sites"]
        assert client.post(REBUILD).status_code == 202
        wait_until(lambda: client.get(REBUILD).json()["events_applied"]
                   == len(scenario.items) + len(lost.items), timeout=30)
        seen: list[tuple[int, int | None]] = []
        done = threading.Event()

        def read() -> None:
            while not done.is_set():
                response = client.get(REPORT)
                sites = figure_values(response.json())["sites"] \
                    if response.status_code == 200 else None
                seen.append((response.status_code, sites))

        readers = [threading.Thread(target=read) for _ in range(4)]
        for reader in readers:
            reader.start()
        try:
            wait_until(lambda: len(seen) >= 4)
            gates.switch.set()  # the switch happens while four readers ask for reports
            wait_until(lambda: client.get(REBUILD).json()["state"] == "live", timeout=30)
            switched = len(seen)
            wait_until(lambda: len(seen) >= switched + 4)
        finally:
            done.set()
            for reader in readers:
                reader.join(timeout=30)
        assert _shown(client)["sites"] == old + len(lost.items)
    assert {status for status, _ in seen} == {200}
    assert {sites for _, sites in seen} <= {old, old + len(lost.items)}


def test_a_report_reading_a_table_is_not_cut_off_by_the_switch(
    settings: Settings, lost_in_an_outage: tuple[Events, Events],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL: the switch waits its turn (200 ms at a time) while a reader holds a table,
    then goes through. SQLite: the switch goes through at once, and the reader goes on in its
    snapshot of the old tables."""
    scenario, lost = lost_in_an_outage
    gates = Gates(monkeypatch)
    gates.build.set()
    with TestClient(create_app(settings)) as client:
        engine = runtime_of(client).engine
        wait_until(lambda: _facts(client) == len(scenario.items), timeout=30)
        assert client.post(REBUILD).status_code == 202
        wait_until(lambda: client.get(REBUILD).json()["events_applied"]
                   == len(scenario.items) + len(lost.items), timeout=30)
        facts = FACT_TABLES["religion"]
        with read_connection(engine) as reader:
            count = select(func.count()).select_from(facts)
            before = reader.execute(count).scalar_one()
            gates.switch.set()
            if engine.dialect.name == "postgresql":
                time.sleep(2.0)  # four looks of the watch, each refused the lock
                assert client.get(REBUILD).json()["state"] == "building"
            else:
                wait_until(lambda: client.get(REBUILD).json()["state"] == "live")
            assert reader.execute(count).scalar_one() == before
        wait_until(lambda: client.get(REBUILD).json()["state"] == "live", timeout=30)
        with read_connection(engine) as conn:
            assert conn.execute(count).scalar_one() == before + len(lost.items)


def test_the_switch_makes_no_index_while_it_holds_the_tables(
    settings: Settings, lost_in_an_outage: tuple[Events, Events],
) -> None:
    """PostgreSQL: the facts' date indexes, left off a generation while it is loaded
    (AFTER_LOAD), were made inside the switch's transaction, after its LOCK TABLE of every
    read model table: with a million facts the reports waited 2-4 s on them. They are made on
    the caught-up generation before the switch, outside its locks, and the switched-in tables
    have them. SQLite remakes every index in its switch (no ALTER INDEX): the tables have
    them too."""
    scenario, lost = lost_in_an_outage
    made: list[tuple[bool, str]] = []

    def seen(conn: Connection, _: Any, statement: str, *__: Any) -> None:
        if statement.lstrip().upper().startswith("LOCK TABLE"):
            conn.info["holds_tables"] = True
        elif statement.lstrip().upper().startswith("CREATE INDEX") and (
                "_business_on" in statement or "_due_on" in statement):
            made.append((bool(conn.info.get("holds_tables")), statement))

    def ended(conn: Connection) -> None:
        conn.info.pop("holds_tables", None)

    with TestClient(create_app(settings)) as client:
        engine = runtime_of(client).engine
        wait_until(lambda: _facts(client) == len(scenario.items), timeout=30)
        event.listen(engine, "before_cursor_execute", seen)
        event.listen(engine, "commit", ended)
        event.listen(engine, "rollback", ended)
        try:
            assert client.post(REBUILD).status_code == 202
            wait_until(lambda: client.get(REBUILD).json()["state"] == "live", timeout=60)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
            event.remove(engine, "commit", ended)
            event.remove(engine, "rollback", ended)
        assert _facts(client) == len(scenario.items) + len(lost.items)
        indexes = inspect(engine).get_indexes
        switched = {str(i["name"]) for t in FACT_TABLES.values() for i in indexes(t.name)}
        dialect = engine.dialect.name
    after_load = {str(index.name) for table in FACT_TABLES.values()
                  for index in table.indexes if index.info.get(AFTER_LOAD)}
    assert len(after_load) == 6 and after_load <= switched
    if dialect == "postgresql":
        assert len(made) == 6, made
        assert [statement for held, statement in made if held] == []
