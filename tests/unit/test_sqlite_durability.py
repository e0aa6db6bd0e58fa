"""A commit on SQLite survives a power cut in production: the WAL is fsynced at every commit
(synchronous=FULL) unless the operator chooses NORMAL; development and test machines keep
NORMAL's commit rate (docs/reliability.md, "What a commit survives on SQLite")."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from shared.db import engine_for
from shared.settings import Settings

#: PRAGMA synchronous answers a number.
FULL, NORMAL = 2, 1


@pytest.mark.parametrize(("environment", "chosen", "expected"), [
    ("production", None, FULL),
    ("development", None, NORMAL),
    ("test", None, NORMAL),
    ("development", "FULL", FULL),
    ("production", "NORMAL", NORMAL),
])
def test_every_connection_fsyncs_as_the_settings_say(
    tmp_path: Path, environment: str, chosen: str | None, expected: int,
) -> None:
    settings = Settings.for_service(
        "religion", database_url=f"sqlite:///{tmp_path / 'store.db'}",
        environment=environment, sqlite_synchronous=chosen,
    )
    engine = engine_for(settings)
    try:
        # Two connections at once: the pragma is set on each one the pool opens.
        with engine.connect() as first, engine.connect() as second:
            for conn in (first, second):
                assert conn.execute(text("PRAGMA synchronous")).scalar_one() == expected
                assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    finally:
        engine.dispose()


def test_an_unknown_synchronous_mode_is_refused() -> None:
    with pytest.raises(ValidationError, match="sqlite_synchronous"):
        Settings.for_service("religion", sqlite_synchronous="OFF")
