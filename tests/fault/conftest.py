"""Fixtures of the fault suite: its throwaway PostgreSQL, and the reconciliation table printed
at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import IN_CI
from tests.fault.postgres import ThrowawayPostgres, postgres_bin_dir
from tests.fault.system import Reconciliation

TABLE: list[Reconciliation] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "consumers(*services): the consuming services of a case")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/fault/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.fault)


@pytest.fixture(scope="session")
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL binaries (initdb, pg_ctl) not found for the fault suite"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    postgres = ThrowawayPostgres(bin_dir).init()
    postgres.start()
    try:
        yield postgres
    finally:
        postgres.destroy()


@pytest.fixture
def reconciliations() -> list[Reconciliation]:
    return TABLE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TABLE:
        return
    terminalreporter.section("fault suite: reconciliation, event by event")
    for result in TABLE:
        for row in result.rows():
            terminalreporter.write_line(row)
