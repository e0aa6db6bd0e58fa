"""Fixtures of the kernel's integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from shared.db import create_db_engine, create_schema
from shared.eventstore import kernel_metadata


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A fresh database holding the kernel's tables only (events, outbox, ...)."""
    engine = create_db_engine(database_url)
    create_schema(engine, kernel_metadata)
    yield engine
    engine.dispose()
