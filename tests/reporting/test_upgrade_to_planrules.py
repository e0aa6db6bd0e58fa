"""Upgrading reporting to the kernel's rulebook (migration 0007): chunk figures written under
the old counting rules are no longer trusted; reports are computed from the facts until the
projections are rebuilt once (deploy/OPERATIONS.md §8)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, select

from services.reporting.adapters.tables import source_marks
from services.reporting.application.fact_reads import read_marks
from services.reporting.application.figures import from_chunks_possible
from services.reporting.domain.periods import default_period
from shared.db import create_db_engine
from shared.migrations import current_revision, upgrade


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = create_db_engine(database_url)
    yield created
    created.dispose()


def test_migration_0007_sends_reports_to_the_facts_until_a_rebuild(engine: Engine) -> None:
    upgrade(engine, "reporting", "0006")
    latest = datetime(2023, 12, 20, 3, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(source_marks), [
            {"source": source, "generation": f"g-{source}", "facts": 10, "complete": True,
             "latest_recorded_at": latest}
            for source in ("religion", "dialogue", "indicators")])
        before = read_marks(conn)
    year = default_period(2023, 12)
    assert from_chunks_possible(before, year, latest)  # the old chunk figures were used

    # To 0007 itself: later revisions (0008 the plan's table) do not touch the marks.
    upgrade(engine, "reporting", "0007")

    with engine.connect() as conn:
        assert current_revision(conn, "reporting") == "0007"
        assert {row.source: row.complete for row in conn.execute(select(source_marks))} == {
            "religion": False, "dialogue": False, "indicators": False}
        after = read_marks(conn)
    # Same facts, same generations: only the trust in the chunk figures is gone.
    assert after.sources == before.sources
    assert not from_chunks_possible(after, year, latest)
