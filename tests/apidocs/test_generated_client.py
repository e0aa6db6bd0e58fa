"""The documents are honest enough to build on: a client generated from the religion
service's OpenAPI document by openapi-python-client (what a partner agency would run)
registers a site with an API key sent as the document's `apiKeyAuth` says, and reads the
refusal of a second registration, and of a key without the write scope, through its
generated `Error` type (issue 17).

The client is generated once per module into a temporary directory (nothing is cached
between runs) from the document the service serves; the service runs under uvicorn with
AUTH_MODE=required and only API keys known to its database.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.religion.app import create_app
from shared.auth import apikeys
from shared.settings import Settings
from tests.auth.conftest import ISSUER, TIEN_LANG_TOWN
from tests.integration.helpers import served

PACKAGE = "danvan_religion_client"
#: No formatter run after generation (the generator's default post hook is ruff).
GENERATOR_CONFIG = "post_hooks: []\n"


@pytest.fixture(scope="module")
def live_religion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    home = tmp_path_factory.mktemp("religion")
    settings = Settings.for_service(
        "religion", database_url=f"sqlite:///{home / 'religion.db'}",
        nats_url="nats://127.0.0.1:9", environment="test", data_dir=home / "data",
        auth_mode="required", jwt_issuer=ISSUER,
    )
    app = create_app(settings)
    app.state.runtime.create_schema()
    # No lifespan: the commands commit to the database and its outbox; nothing here needs
    # the relay to publish them.
    try:
        with served(app, lifespan="off") as url:
            yield app, url
    finally:
        app.state.runtime.engine.dispose()


@pytest.fixture(scope="module")
def generated(
    live_religion: tuple[FastAPI, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    _, url = live_religion
    work = tmp_path_factory.mktemp("client")
    document = httpx.get(f"{url}/openapi.json", timeout=30).json()
    (work / "religion.json").write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    (work / "config.yaml").write_text(GENERATOR_CONFIG, "utf-8")
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [str(generator), "generate", "--path", "religion.json", "--meta", "none",
         "--output-path", PACKAGE, "--config", "config.yaml"],
        cwd=work, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Error" not in result.stdout.replace("error.py", ""), result.stdout
    sys.path.insert(0, str(work))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(work))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _operation(package: ModuleType, name: str) -> Any:
    """A generated operation module, wherever its tag put it (tags are Vietnamese)."""
    [found] = list((Path(str(package.__file__)).parent / "api").glob(f"*/{name}.py"))
    return importlib.import_module(f"{PACKAGE}.api.{found.parent.name}.{name}")


def _key(app: FastAPI, scopes: list[str]) -> str:
    """A partner's key, as an administrator issues it (deploy/OPERATIONS.md)."""
    with app.state.runtime.engine.begin() as conn:
        _, plaintext = apikeys.create_key(
            conn, owner="Văn phòng Đăng ký đất đai", scopes=scopes, created_by="quan.tri")
    return plaintext


def test_a_generated_client_registers_a_site_and_reads_a_refusal(
    live_religion: tuple[FastAPI, str], generated: ModuleType
) -> None:
    app, url = live_religion
    register = _operation(generated, "register_site")
    models = importlib.import_module(f"{PACKAGE}.models")
    body = models.RegisterSite.from_dict({
        "code": "TL-GEN-1", "name": "Chùa Đông", "religion": "Phật giáo",
        "commune_code": TIEN_LANG_TOWN, "address": "Khu 1", "land_area_m2": 1250.5,
        "registered_on": "2023-01-05",
    })
    # The key goes where the document's apiKeyAuth scheme says: header X-API-Key.
    client = generated.AuthenticatedClient(
        base_url=url, token=_key(app, ["religion:read", "religion:write"]), prefix="",
        auth_header_name="X-API-Key", raise_on_unexpected_status=True,
    )
    created = register.sync_detailed(client=client, body=body)
    assert created.status_code == 201, created.content
    assert created.parsed.aggregate_id == "TL-GEN-1"

    again = register.sync_detailed(client=client, body=body)
    assert again.status_code == 409
    refusal = again.parsed
    assert isinstance(refusal, models.Error)
    assert refusal.error.code == "SITE_EXISTS"
    assert "TL-GEN-1" in refusal.error.message and not refusal.error.message.isascii()

    reader = generated.AuthenticatedClient(
        base_url=url, token=_key(app, ["religion:read"]), prefix="",
        auth_header_name="X-API-Key", raise_on_unexpected_status=True,
    )
    refused = register.sync_detailed(client=reader, body=body)
    assert refused.status_code == 403
    assert isinstance(refused.parsed, models.Error)
    assert refused.parsed.error.code == "MISSING_SCOPE"
    assert refused.parsed.error.details == {
        "required_scope": "religion:write"}

    # No key at all: the 401 the document promises, in the same generated type.
    anonymous = generated.Client(base_url=url, raise_on_unexpected_status=True)
    unauthenticated = register.sync_detailed(client=anonymous, body=body)
    assert unauthenticated.status_code == 401
    assert unauthenticated.parsed.error.code == "AUTHENTICATION_REQUIRED"
