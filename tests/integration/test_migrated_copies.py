"""The test suite's service databases (tests/conftest.py, MigratedTemplates): each test gets
a copy of its service's schema migrated once, at the chain's head, sharing no rows with the
template it came from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from shared.db import create_db_engine
from shared.eventstore import events_table
from shared.migrations import current_revision, head_revision, version_table
from shared.settings import Settings
from tests.conftest import MigratedTemplates
from tests.pgpool import PostgresPool, drop_database


def _events(url: str) -> int:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(events_table)).scalar_one())
    finally:
        engine.dispose()


def _record(url: str) -> int:
    """Appends one event; its position (the events' sequence)."""
    engine = create_db_engine(url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            return int(conn.execute(insert(events_table).returning(events_table.c.position), {
                "event_id": str(uuid4()), "event_type": "Counted", "schema_version": 1,
                "aggregate_type": "thing", "aggregate_id": str(uuid4()),
                "aggregate_version": 1, "occurred_at": now, "recorded_at": now,
                "actor": "tester", "payload": "{}"}).scalar_one())
    finally:
        engine.dispose()


def _run(url: str, *statements: str) -> None:
    engine = create_db_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def own_pool(postgres_admin_url: str) -> Iterator[tuple[PostgresPool, list[str]]]:
    """A pool of the test's own (the worker's serves the other tests), and the databases it
    dropped."""
    dropped: list[str] = []
    pool = PostgresPool(postgres_admin_url, dropped.append)
    try:
        yield pool, dropped
    finally:
        pool.close()
        for name in dropped:
            drop_database(postgres_admin_url, name)


def test_a_pooled_database_comes_back_as_its_template(
    own_pool: tuple[PostgresPool, list[str]], postgres_admin_url: str,
    migrated_templates: MigratedTemplates,
) -> None:
    pool, dropped = own_pool
    template = migrated_templates.postgres_template(postgres_admin_url, "religion")
    first = pool.url(pool.take("religion", template))
    position = _record(first)
    _record(first)
    # A test that moves the chain (a downgrade's bookkeeping) leaves the template's row too.
    _run(first, f"DELETE FROM {version_table('religion')}")
    pool.give_back("religion", make_url(first).database or "")

    again = pool.url(pool.take("religion", template))
    assert (pool.counts.made, pool.counts.reused, dropped) == (1, 1, [])
    # The rows one test left are not seen by the next, which numbers its events as a fresh
    # copy would, at the chain's head.
    assert _events(again) == 0
    assert _record(again) == position
    engine = create_db_engine(again)
    try:
        with engine.connect() as conn:
            assert current_revision(conn, "religion") == head_revision("religion")
    finally:
        engine.dispose()


@pytest.mark.parametrize("change", [
    "CREATE TABLE leftover (n integer)",
    "ALTER TABLE events ADD COLUMN leftover integer",
    "CREATE INDEX leftover ON events (actor)",
    "ALTER DATABASE {database} SET statement_timeout = '1s'",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
])
def test_a_database_whose_schema_a_test_changed_is_dropped(
    own_pool: tuple[PostgresPool, list[str]], postgres_admin_url: str,
    migrated_templates: MigratedTemplates, change: str,
) -> None:
    pool, dropped = own_pool
    template = migrated_templates.postgres_template(postgres_admin_url, "religion")
    url = pool.url(pool.take("religion", template))
    name = make_url(url).database or ""
    _record(url)
    _run(url, change.format(database=f'"{name}"'))
    pool.give_back("religion", name)
    assert len(dropped) == 1
    assert pool.counts.dropped == {"schema": 1}

    fresh = pool.url(pool.take("religion", template))
    assert pool.counts.made == 2
    assert _events(fresh) == 0


def test_a_database_still_connected_is_dropped(
    own_pool: tuple[PostgresPool, list[str]], postgres_admin_url: str,
) -> None:
    pool, dropped = own_pool
    url = pool.url(pool.take("", None))
    name = make_url(url).database or ""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            # A service left running: its connection could write after any check.
            pool.give_back("", name)
    finally:
        engine.dispose()
    assert (dropped, pool.counts.dropped) == ([name], {"in use": 1})


def test_an_empty_database_left_empty_is_used_again(
    own_pool: tuple[PostgresPool, list[str]],
) -> None:
    pool, dropped = own_pool
    name = pool.take("", None)
    pool.give_back("", name)
    again = pool.take("", None)
    assert (pool.counts.made, pool.counts.reused, dropped) == (1, 1, [])
    _run(pool.url(again), "CREATE TABLE kept (n integer)")
    pool.give_back("", again)
    assert len(dropped) == 1


def test_a_services_database_is_a_copy_at_its_head(
    settings_factory: Callable[..., Settings], migrated_templates: MigratedTemplates,
    tmp_path: Path,
) -> None:
    url = settings_factory("religion").database_url
    engine = create_db_engine(url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            assert current_revision(conn, "religion") == head_revision("religion")
            conn.execute(insert(events_table), {
                "event_id": str(uuid4()), "event_type": "Counted", "schema_version": 1,
                "aggregate_type": "thing", "aggregate_id": "a", "aggregate_version": 1,
                "occurred_at": now, "recorded_at": now, "actor": "tester", "payload": "{}"})
    finally:
        engine.dispose()
    assert _events(url) == 1
    # The next copy of the template starts empty. SQLite gives a test one file per service
    # (as a service's restart finds its own file): the next copy is made to another file.
    if url.startswith("sqlite"):
        migrated_templates.sqlite_copy("religion", tmp_path / "next.db")
        again = f"sqlite:///{tmp_path / 'next.db'}"
    else:
        again = settings_factory("religion").database_url
    assert again != url
    assert _events(again) == 0
