"""deploy/postgres/init: one database and one role per service, each closed to the others."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from tests.deploy.compose import ROOT

SCRIPT = ROOT / "deploy" / "postgres" / "init" / "10-service-databases.sh"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def services(postgres_admin_url: str) -> Iterator[dict[str, str]]:
    """Two throw-away service names and passwords; their databases and roles are dropped."""
    if shutil.which("psql") is None:
        if IN_CI:
            pytest.fail("psql is needed to run the PostgreSQL init script")
        pytest.skip("psql not installed")
    suffix = uuid.uuid4().hex[:8]
    names = {f"t{suffix}_religion": uuid.uuid4().hex, f"t{suffix}_dialogue": uuid.uuid4().hex}
    yield names
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    admin.dispose()


def _run_script(admin: URL, services: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "PGHOST": admin.host or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "PGUSER": admin.username or "postgres",
        "DANVAN_SERVICES": " ".join(services),
        **({"PGPASSWORD": admin.password} if admin.password else {}),
        **{f"{name.upper()}_DB_PASSWORD": password for name, password in services.items()},
    }
    return subprocess.run(
        ["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )


def _as_service(admin: URL, role: str, password: str, database: str) -> URL:
    return admin.set(username=role, password=password, database=database)


def test_each_service_gets_its_own_database_closed_to_the_others(
    postgres_admin_url: str, services: dict[str, str]
) -> None:
    admin = make_url(postgres_admin_url)
    first = _run_script(admin, services)
    assert first.returncode == 0, first.stderr
    again = _run_script(admin, services)  # a second run (by hand) changes nothing and succeeds
    assert again.returncode == 0, again.stderr

    (religion, religion_pw), (dialogue, _) = services.items()
    own = create_engine(_as_service(admin, religion, religion_pw, religion))
    with own.begin() as conn:
        conn.execute(text("CREATE TABLE t (name text)"))
        conn.execute(
            text("INSERT INTO t VALUES ('Đông'), ('Dương'), ('Ân'), ('An'), ('Bắc'), ('ăn')")
        )
        ordered = list(conn.execute(text("SELECT name FROM t ORDER BY name")).scalars())
    own.dispose()
    # Vietnamese order (ICU vi-VN), not byte order: D before Đ, a before ă before â.
    assert ordered == ["An", "ăn", "Ân", "Bắc", "Dương", "Đông"]

    other = create_engine(_as_service(admin, religion, religion_pw, dialogue))
    with pytest.raises(OperationalError, match="permission denied"), other.connect():
        pass
    other.dispose()


def test_the_script_refuses_to_run_without_a_service_password(
    postgres_admin_url: str, services: dict[str, str]
) -> None:
    name = next(iter(services))
    result = _run_script(make_url(postgres_admin_url), {**services, name: ""})
    assert result.returncode != 0
    assert f"{name.upper()}_DB_PASSWORD" in result.stderr
