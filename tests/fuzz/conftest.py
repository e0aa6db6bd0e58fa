"""The fuzz gate's services: AUTH_MODE=required on PostgreSQL, called with a city-level token.

The identity provider is the auth tests' own (tests/auth/conftest.py): an RSA key pair whose
public half the services trust, as an operator configures the institution's real one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from schemathesis.python.asgi import shutdown_lifespans

from shared.auth.principal import SCOPES
from shared.natsserver import NatsServer
from shared.settings import Settings
from tests.auth.conftest import APPS, AUDIENCE, ISSUER, Idp, Role, idp, idp_key
from tests.conftest import _fresh_postgres_database

__all__ = ["idp", "idp_key"]

#: Everything the Commission's own staff may hold, over the whole city.
CITY_ADMIN = Role("fuzz.thanh.pho", tuple(sorted(SCOPES)), "31", "Ban Dân vận Thành ủy Hải Phòng")


@pytest.fixture
def fuzzed_app(
    postgres_admin_url: str, idp: Idp, tmp_path: Path, nats_server: NatsServer,
    subject_root: str,
) -> Iterator[Callable[[str], FastAPI]]:
    """Makes a service on a fresh PostgreSQL database with its NATS. Schemathesis starts the
    app's lifespan (relay, consumers) at its first request; it is stopped here, before the
    database goes."""
    made: list[tuple[FastAPI, Callable[[], None]]] = []

    def make(service: str) -> FastAPI:
        url, drop = _fresh_postgres_database(postgres_admin_url)
        settings = Settings.for_service(
            service, database_url=url, nats_url=nats_server.url, subject_root=subject_root,
            environment="test",
            log_json=True, auth_mode="required", jwt_public_keys=str(idp.public_path),
            jwt_issuer=ISSUER, jwt_audience=AUDIENCE, data_dir=tmp_path / "data",
        )
        app = APPS[service](settings)
        app.state.runtime.create_schema()
        made.append((app, drop))
        return app

    yield make
    shutdown_lifespans()
    for app, drop in made:
        app.state.runtime.engine.dispose()
        drop()
