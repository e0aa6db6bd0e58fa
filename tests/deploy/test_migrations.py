"""Versioned migrations: each service's chain builds exactly its tables, upgrades keep data,
replicas migrate one at a time, production runs revisions only."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    inspect,
    select,
    text,
)
from structlog.testing import capture_logs

from shared.aggregate import unique_keys_table
from shared.auth.keys import main as keys_main
from shared.consumer import dead_letters_table, processed_events_table
from shared.db import create_db_engine
from shared.eventstore import events_table, outbox_table
from shared.migrations import (
    alembic_config,
    app_tables,
    apply_migrations,
    current_revision,
    head_revision,
    known_services,
    schema_drift,
    upgrade,
    version_table,
)
from shared.migrations import main as migrations_main
from shared.settings import Settings
from tests.deploy.compose import ROOT

SERVICES = known_services()


def target_metadata(service: str) -> list[MetaData]:
    """The tables a service uses, as its env.py hands them to the kernel."""
    return app_tables(service, importlib.import_module(f"services.{service}.app").create_app)
NOW = datetime(2023, 4, 12, 8, 30, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = create_db_engine(database_url)
    yield created
    created.dispose()


def test_every_service_has_a_chain() -> None:
    assert set(SERVICES) == {"indicators", "religion", "dialogue", "reporting"}


@pytest.mark.parametrize("service", SERVICES)
def test_the_chain_builds_exactly_the_tables_the_service_uses(engine: Engine, service: str) -> None:
    """Fails when a service changes its tables without a revision: add one with
    `python -m shared.migrations <service> revision --autogenerate -m "..."`."""
    upgrade(engine, service)
    with engine.connect() as conn:
        assert current_revision(conn, service) == head_revision(service)
        drift = schema_drift(conn, target_metadata(service))
    assert drift == [], f"{service}: tables differ from the migrations: {drift}"


def _kernel_rows() -> dict[Table, list[dict[str, Any]]]:
    event = {
        "event_id": "5f0c1f9e-6f0e-4c55-9a4e-1d2b3c4d5e6f",
        "event_type": "SiteRegistered",
        "schema_version": 1,
        "aggregate_type": "site",
        "aggregate_id": "CS-0001",
        "aggregate_version": 1,
        "occurred_at": datetime(2023, 2, 1, tzinfo=UTC),
        "recorded_at": NOW,
        "actor": "can-bo-tiep-nhan",
        "department": "Ban Dân vận Huyện ủy Tiên Lãng",
        "unit_code": "11755",
        "correlation_id": "c-1",
        "causation_id": None,
        "payload": '{"code":"CS-0001","name":"Chùa Đông","commune_code":"11755"}',
    }
    return {
        events_table: [event],
        outbox_table: [{"position": 1, "subject": "danvan.x.site.SiteRegistered",
                        "published_at": NOW}],
        processed_events_table: [{"consumer": "reporting-religion", "event_id": event["event_id"],
                                  "processed_at": NOW}],
        unique_keys_table: [{"kind": "site_code", "value": "CS-0001", "aggregate_id": "CS-0001"}],
        dead_letters_table: [{
            "consumer": "reporting-religion", "event_id": None, "event_type": None,
            "subject": "danvan.x.site.Bad", "stream_sequence": 7, "deliveries": 5,
            "error": "ValueError: hỏng", "data": "{", "recorded_at": NOW,
        }],
    }


def _aware(row: dict[str, Any]) -> dict[str, Any]:
    # SQLite hands back naive UTC datetimes.
    return {
        k: v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
        for k, v in row.items()
    }


@pytest.mark.parametrize("service", SERVICES)
def test_upgrade_from_the_previous_head_keeps_the_data(engine: Engine, service: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(service))
    head = script.get_revision("head")
    assert head is not None and isinstance(head.down_revision, str)
    previous = head.down_revision
    upgrade(engine, service, previous)
    rows = _kernel_rows()
    with engine.begin() as conn:
        assert current_revision(conn, service) == previous
        for table, values in rows.items():
            conn.execute(insert(table), values)

    upgrade(engine, service)

    with engine.connect() as conn:
        assert current_revision(conn, service) == head.revision
        for table, values in rows.items():
            stored = [_aware(dict(r._mapping)) for r in conn.execute(select(table))]
            assert [{k: row[k] for k in values[0]} for row in stored] == values, table.name
        names = set(inspect(conn).get_table_names())
    wanted = {t.name for md in target_metadata(service) for t in md.tables.values()}
    assert wanted <= names


def test_replicas_starting_together_migrate_one_at_a_time(engine: Engine) -> None:
    errors: list[BaseException] = []
    settings = Settings(service="dialogue", environment="production")
    metadata = target_metadata("dialogue")

    def start() -> None:
        try:
            apply_migrations(engine, settings, metadata)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert current_revision(conn, "dialogue") == head_revision("dialogue")


def _extra_metadata() -> MetaData:
    metadata = MetaData()
    Table("rel_not_migrated_yet", metadata, Column("id", Integer, primary_key=True),
          Column("note", String(50)))
    return metadata


@pytest.mark.parametrize(
    ("environment", "created"), [("production", False), ("test", True), ("development", True)]
)
def test_only_production_refuses_tables_without_a_revision(
    engine: Engine, environment: str, created: bool
) -> None:
    settings = Settings(service="religion", environment=environment)
    apply_migrations(engine, settings, [*target_metadata("religion"), _extra_metadata()])
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        assert version_table("religion") in names
    assert ("rel_not_migrated_yet" in names) is created


@pytest.mark.parametrize("service", SERVICES)
def test_the_keys_tool_reports_a_drift_of_its_tables_only(
    engine: Engine, database_url: str, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Examiner S5: `python -m shared.auth.keys` in production knows the kernel's tables only,
    and logged an error-level schema_drift naming every table of the service as one to remove.
    The service's tables are its start's to check; a drift of the kernel's is still reported."""
    upgrade(engine, service)
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", database_url)
    with capture_logs() as logs:
        assert keys_main(["list", "--service", service]) == 0
    assert [line for line in logs if line["event"] == "schema_drift"] == []

    with engine.begin() as conn:  # a real drift of a table the tool owns
        conn.execute(text("ALTER TABLE api_keys ADD COLUMN stray INTEGER"))
    with capture_logs() as logs:
        assert keys_main(["list", "--service", service]) == 0
    drift = [line for line in logs if line["event"] == "schema_drift"]
    assert len(drift) == 1 and drift[0]["log_level"] == "error", drift
    assert len(drift[0]["differences"]) == 1, drift
    assert "remove_column" in drift[0]["differences"][0]
    assert "stray" in drift[0]["differences"][0]


def test_a_downgrade_never_drops_the_event_store(engine: Engine) -> None:
    from alembic import command

    upgrade(engine, "religion")
    with engine.connect() as conn, pytest.raises(RuntimeError, match="kho sự kiện"):
        command.downgrade(alembic_config("religion", conn), "base")
    with engine.connect() as conn:
        assert "events" in inspect(conn).get_table_names()


def _run(command: list[str], database_url: str, service: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, f"{service.upper()}_DATABASE_URL": database_url}
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_operators_console_upgrades_and_reports_the_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'religion.db'}"  # the console is the same on PostgreSQL
    upgraded = _run([sys.executable, "-m", "shared.migrations", "religion", "upgrade", "head"],
                    url, "religion")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Running upgrade 0001 -> 0002" in upgraded.stderr
    alembic = str(Path(sys.executable).parent / "alembic")  # the console script beside python
    current = _run([alembic, "-c", "services/religion/migrations/alembic.ini", "current"],
                   url, "religion")
    assert current.returncode == 0, current.stderr
    assert f"{head_revision('religion')} (head)" in current.stdout
    assert migrations_main(["tongiao", "current"]) == 2
    assert "Cách dùng" in capsys.readouterr().err


def test_a_development_database_from_before_migrations_is_adopted(engine: Engine) -> None:
    metadata = target_metadata("religion")
    for md in metadata:
        md.create_all(engine)  # what ServiceRuntime did before migrations existed
    apply_migrations(engine, Settings(service="religion", environment="development"), metadata)
    with engine.connect() as conn:
        assert current_revision(conn, "religion") == head_revision("religion")
        assert schema_drift(conn, metadata) == []


@pytest.mark.parametrize(("service", "revision", "kind", "aggregate_type"), [
    ("religion", "0006", "site_code", "site"),
    ("indicators", "0007", "model_id", "model"),
])
def test_codes_registered_before_their_claim_are_claimed_whatever_their_case(
    engine: Engine, service: str, revision: str, kind: str, aggregate_type: str
) -> None:
    """G10: a store holding PRB-S1 and prb-s1 (registered before codes were claimed) gets one
    claim, the first registered's, so a third spelling is refused; both keep working."""
    upgrade(engine, service, revision)
    event = _kernel_rows()[events_table][0]
    with engine.begin() as conn:
        for number, code in enumerate(["PRB-S1", "prb-s1", "OTHER-1"]):
            conn.execute(insert(events_table), {
                **event, "event_id": f"5f0c1f9e-6f0e-4c55-9a4e-1d2b3c4d5e7{number}",
                "aggregate_type": aggregate_type, "aggregate_id": code,
            })
    upgrade(engine, service)
    with engine.connect() as conn:
        claims = {(r.kind, r.value, r.aggregate_id) for r in conn.execute(
            select(unique_keys_table).where(unique_keys_table.c.kind == kind))}
    assert claims == {(kind, "PRB-S1", "PRB-S1"), (kind, "OTHER-1", "OTHER-1")}


def test_indicator_ids_defined_before_their_claim_are_claimed_whatever_their_case(
    engine: Engine,
) -> None:
    """An indicator id is claimed upper-cased, once for every year (indicators 0011): a store
    holding CT5 (2023, 2024) and ct5 gets one claim, the first defined spelling's; a status
    announcement (aggregate type "indicator" too) claims nothing."""
    upgrade(engine, "indicators", "0010")
    event = _kernel_rows()[events_table][0]
    stored = [("IndicatorDefined", "CT5-2023", "CT5"), ("IndicatorDefined", "ct5-2023", "ct5"),
              ("IndicatorDefined", "CT5-2024", "CT5"),
              ("IndicatorStatusChanged", "I9-2023@31", "I9")]
    with engine.begin() as conn:
        for number, (event_type, aggregate_id, indicator_id) in enumerate(stored):
            conn.execute(insert(events_table), {
                **event, "event_id": f"5f0c1f9e-6f0e-4c55-9a4e-1d2b3c4d5e8{number}",
                "event_type": event_type, "aggregate_type": "indicator",
                "aggregate_id": aggregate_id,
                "payload": f'{{"indicator_id":"{indicator_id}","year":2023}}',
            })
    upgrade(engine, "indicators")
    with engine.connect() as conn:
        claims = {(r.kind, r.value, r.aggregate_id) for r in conn.execute(
            select(unique_keys_table).where(unique_keys_table.c.kind == "indicator_id"))}
    assert claims == {("indicator_id", "CT5", "CT5")}
