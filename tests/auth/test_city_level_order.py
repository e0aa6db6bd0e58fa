"""A command only the city level may issue refuses a district board 403 CITY_LEVEL_ONLY before
the body is read (docs/api-conventions.md "The order of the refusals", finding K14): decided
by the credential alone, like MISSING_SCOPE, it comes before the 422 of the body's fields.

The routes are found from the apps' own route lists: a command route whose endpoint runs a
handler that calls `require_city` (or calls it itself) is city-level-only, so a new one cannot
escape the test."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.settings import Settings
from tests.auth.conftest import Idp, Services
from tests.integration.helpers import event_count

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("religion", "dialogue", "indicators", "reporting")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
#: Path values that read as the parameter's kind (the refusal comes before they are checked).
PATH_VALUES = {"year": "2023", "period_id": "2023-9m", "district_code": "316",
               "entry_id": "DT-2023-C4AAC57437", "number": "1"}


def _city_handlers() -> set[str]:
    """The functions of the services' application layers that call `require_city`."""
    names: set[str] = set()
    for source in (ROOT / "services").glob("*/application/*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id == "require_city"
                for call in ast.walk(node)
            ):
                names.add(node.name)
    return names


def _app(service: str) -> FastAPI:
    module = importlib.import_module(f"services.{service}.app")
    app: FastAPI = module.create_app(Settings.for_service(
        service, database_url="sqlite://", environment="test"))
    return app


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route, inside the routers the app includes too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI's included router
            yield from _api_routes(route.original_router.routes)


def _city_routes() -> list[tuple[str, str, str, bool]]:
    """(service, method, path, takes a body) of every city-level-only command."""
    handlers = _city_handlers()
    found = []
    for service in SERVICES:
        for route in _api_routes(_app(service).routes):
            body = inspect.getsource(route.endpoint).split(":\n", 1)[-1]  # not the signature
            if not any(re.search(rf"\b{name}\b", body) for name in handlers | {"require_city"}):
                continue
            for method in sorted((route.methods or set()) & WRITES):
                path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m[1], "X1"), route.path)
                found.append((service, method, path, route.body_field is not None))
    return found


CITY_ROUTES = _city_routes()
IDS = [f"{service}-{method}-{path}" for service, method, path, _ in CITY_ROUTES]


def test_the_city_level_only_commands_are_found() -> None:
    # The plan's commands, the targets, the contest's award, the reporting calendar and
    # duties, the successions and the dialogue rule: a failing discovery is not a pass.
    paths = {path for _, _, path, _ in CITY_ROUTES}
    assert {"/api/v1/indicators", "/api/v1/dialogue-rules", "/api/v1/periods/2023-9m",
            "/api/v1/units/successions", "/api/v1/plans/2023/load"} <= paths
    assert len(CITY_ROUTES) >= 14


@pytest.mark.parametrize(("service", "method", "path", "has_body"), CITY_ROUTES, ids=IDS)
def test_a_board_gets_city_level_only_before_the_body_is_read(
    services: Services, idp: Idp, service: str, method: str, path: str, has_body: bool
) -> None:
    client = services[service]
    before = event_count(client)
    refused = client.request(method, path, content=b"{}", headers={
        **idp.headers("district_board"), "content-type": "application/json"})
    assert refused.status_code == 403, refused.json()
    assert refused.json()["error"]["code"] == "CITY_LEVEL_ONLY"
    assert event_count(client) == before
    if has_body:  # the city itself still learns what its body lacks
        invalid = client.request(method, path, content=b"{}", headers={
            **idp.headers("city_staff"), "content-type": "application/json"})
        assert invalid.status_code == 422, invalid.json()
        assert invalid.json()["error"]["code"] == "VALIDATION_ERROR"
