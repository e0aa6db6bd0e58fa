"""Upgrading reporting to chunks of about a week (migration 0012): chunk rows numbered by
the old chunks (a year and a cut-off month) are no longer read; reports are computed from the
facts until the projections are rebuilt once (deploy/OPERATIONS.md §8)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, insert, select, update

from services.reporting.adapters.tables import source_marks
from services.reporting.application.fact_reads import read_marks
from services.reporting.application.figures import from_chunks_possible
from services.reporting.domain.periods import default_period
from shared.db import create_db_engine
from shared.migrations import alembic_config, current_revision, upgrade


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = create_db_engine(database_url)
    yield created
    created.dispose()


def test_migration_0012_sends_reports_to_the_facts_until_a_rebuild(engine: Engine) -> None:
    upgrade(engine, "reporting", "0011")
    latest = datetime(2026, 6, 20, 3, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(source_marks), [
            {"source": source, "generation": f"g-{source}", "facts": 10, "complete": True,
             "latest_recorded_at": latest}
            for source in ("religion", "dialogue", "indicators")])
        before = read_marks(conn)
    period = default_period(2026, 6)
    assert from_chunks_possible(before, period, latest)  # the old chunk rows were read

    upgrade(engine, "reporting", "0012")

    with engine.connect() as conn:
        assert current_revision(conn, "reporting") == "0012"
        assert {row.source: row.complete for row in conn.execute(select(source_marks))} == {
            "religion": False, "dialogue": False, "indicators": False}
        after = read_marks(conn)
    # Same facts, same generations: only the trust in the chunk figures is gone.
    assert after.sources == before.sources
    assert not from_chunks_possible(after, period, latest)

    # Rebuilt by this code (complete again), then taken back to the previous code: its own
    # reading of these chunk numbers would find no rows, so it counts from the facts.
    with engine.begin() as conn:
        conn.execute(update(source_marks).values(complete=True))
    with engine.begin() as conn:
        command.downgrade(alembic_config("reporting", conn), "0011")
    with engine.connect() as conn:
        assert not read_marks(conn).complete
