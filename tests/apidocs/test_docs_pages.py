"""The documentation pages and their assets, in process: every file comes from the service."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.religion.app import create_app
from shared.apidocs import ASSET_TYPES, ASSETS_URL, assets_dir
from shared.securityheaders import CONTENT_SECURITY_POLICY, DOCS_CONTENT_SECURITY_POLICY
from shared.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings.for_service(
        "religion", database_url=f"sqlite:///{tmp_path / 'religion.db'}",
        environment="test", data_dir=tmp_path / "data",
    )
    app = create_app(settings)
    yield TestClient(app)  # no lifespan: the pages need no database and no NATS
    app.state.runtime.engine.dispose()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_a_page_loads_only_the_services_own_files(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["Content-Security-Policy"] == DOCS_CONTENT_SECURITY_POLICY
    html = response.text
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    scripts = re.findall(r'<script src="([^"]+)"></script>', html)
    assert scripts and all(s.startswith(ASSETS_URL + "/") for s in scripts)
    assert "<script>" not in html  # no inline script: the policy keeps script-src 'self'
    for src in [*scripts, *re.findall(r'href="([^"]+)"', html)]:
        asset = client.get(src)
        assert asset.status_code == 200, src
        assert asset.content, src


def test_the_assets_are_the_installed_packages_files(client: TestClient) -> None:
    for name, media_type in ASSET_TYPES.items():
        response = client.get(f"{ASSETS_URL}/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"] == media_type
        assert response.content == (assets_dir() / name).read_bytes()
    # Only those files: no way into the package's or the machine's other files.
    for name in ("core.py", "..%2F__init__.py", "%2E%2E%2Fcore.py", "unknown.js"):
        refused = client.get(f"{ASSETS_URL}/{name}")
        assert refused.status_code == 404, name
        assert refused.json()["error"]["code"] == "NOT_FOUND"


def test_the_start_up_scripts_point_at_the_services_document(client: TestClient) -> None:
    swagger = client.get(f"{ASSETS_URL}/swagger-init.js").text
    assert '"url": "/openapi.json"' in swagger and '"validatorUrl": null' in swagger
    redoc = client.get(f"{ASSETS_URL}/redoc-init.js").text
    assert redoc.startswith('Redoc.init("/openapi.json"')


def test_the_docs_policy_allows_no_script_from_elsewhere() -> None:
    directives = dict(d.strip().split(" ", 1) for d in DOCS_CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert "http" not in DOCS_CONTENT_SECURITY_POLICY
    assert directives["frame-ancestors"] == "'none'"
    assert CONTENT_SECURITY_POLICY != DOCS_CONTENT_SECURITY_POLICY
