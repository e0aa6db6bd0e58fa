"""Every operation of every service reads in Vietnamese: a summary and a description from the
service's table (services/<service>/apitexts.py) or the kernel's (shared/apitexts.py), none
of FastAPI's English defaults, and no table entry left for an operation that is gone."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from shared.apitexts import KERNEL, OperationTexts
from shared.settings import Settings

SERVICES = ("religion", "dialogue", "indicators", "reporting")
#: Operations only some configurations serve (AUTH_MODE=development without production).
CONDITIONAL = {"dev_token"}


def _app(service: str, tmp_path: Path, **overrides: Any) -> FastAPI:
    module = importlib.import_module(f"services.{service}.app")
    app: FastAPI = module.create_app(Settings.for_service(
        service, database_url=f"sqlite:///{tmp_path / service}.db", environment="test",
        data_dir=tmp_path / "data", **overrides))
    return app


def _table(service: str) -> OperationTexts:
    table: OperationTexts = importlib.import_module(f"services.{service}.apitexts").OPERATIONS
    return table


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_has_its_vietnamese_summary_and_description(
    service: str, tmp_path: Path
) -> None:
    app = _app(service, tmp_path, auth_mode="development")
    document = app.openapi()
    texts = {**KERNEL, **_table(service)}
    seen: set[str] = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            operation_id = operation["operationId"]
            label = f"{method.upper()} {path} ({operation_id})"
            assert operation_id in texts, f"{label} has no text in the tables"
            summary, description = texts[operation_id]
            assert operation["summary"] == summary, label
            assert operation["description"].startswith(description), label
            assert summary and description and summary[0].isupper(), label
            seen.add(operation_id)
    app.state.runtime.engine.dispose()
    assert len(seen) == sum(len(item) for item in document["paths"].values()), "ids unique"
    # Nothing in the tables for an operation that no longer exists (a renamed route would
    # otherwise keep a dead entry and lose its text).
    assert set(_table(service)) - seen == set()
    assert set(KERNEL) - seen == set()


def test_an_operation_missing_from_the_tables_is_caught(tmp_path: Path) -> None:
    """The check above is not vacuous: without the service's table, its operations keep
    FastAPI's defaults, which the tables' lookup finds missing."""
    from services.religion.api import routes
    from services.religion.app import create_app
    from shared.web import build_app

    runtime = create_app(Settings.for_service(
        "religion", database_url=f"sqlite:///{tmp_path}/r.db", environment="test")
    ).state.runtime
    bare = build_app(runtime, [routes.router], title="t")
    operation = bare.openapi()["paths"]["/api/v1/sites"]["post"]
    assert operation["operationId"] == "register_site"
    assert operation["summary"] == "Register Site"  # FastAPI's English default
    assert operation["summary"] != _table("religion")["register_site"][0]
    runtime.engine.dispose()
