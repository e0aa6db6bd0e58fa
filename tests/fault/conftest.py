"""Fixtures of the fault suite: its throwaway PostgreSQL, and the reconciliation table printed
at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import IN_CI, SUMMARY_PROPERTY
from tests.fault.postgres import ThrowawayPostgres, postgres_bin_dir
from tests.fault.system import Reconciliation

FAULT_TABLE = "fault suite: reconciliation, event by event"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "consumers(*services): the consuming services of a case")


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
def reconciliations(request: pytest.FixtureRequest) -> Iterator[list[Reconciliation]]:
    """The case's reconciliations, handed to the run's summary through the test report (so the
    table is printed also when the case ran in a pytest-xdist worker)."""
    found: list[Reconciliation] = []
    yield found
    rows = [row for result in found for row in result.rows()]
    if rows:
        request.node.user_properties.append((SUMMARY_PROPERTY, (FAULT_TABLE, rows)))
