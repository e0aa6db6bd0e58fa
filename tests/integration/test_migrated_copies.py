"""The test suite's service databases (tests/conftest.py, MigratedTemplates): each test gets
a copy of its service's schema migrated once, at the chain's head, sharing no rows with the
template it came from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from sqlalchemy import func, insert, select

from shared.db import create_db_engine
from shared.eventstore import events_table
from shared.migrations import current_revision, head_revision
from shared.settings import Settings
from tests.conftest import MigratedTemplates


def _events(url: str) -> int:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(events_table)).scalar_one())
    finally:
        engine.dispose()


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
