"""Each request reaches the route written for it: the service's routes are matched first (they
take the traffic), so none of them may take a path of the kernel's routes (docs, operations,
keys), nor a kernel route one of the service's."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from shared.auth.checks import ServiceScopes
from shared.openapi import service_guard_of
from shared.settings import Settings

SERVICES = ("religion", "dialogue", "indicators", "reporting")


def _app(service: str, tmp_path: Path) -> FastAPI:
    module = importlib.import_module(f"services.{service}.app")
    app: FastAPI = module.create_app(Settings.for_service(
        service, database_url=f"sqlite:///{tmp_path / service}.db", environment="test",
        data_dir=tmp_path / "data", auth_mode="development"))
    return app


def _is_service_route(route: Any) -> bool:
    # A command route is included without the guard and carries it (shared/web.py).
    return service_guard_of(route) is not None or any(
        isinstance(d.call, ServiceScopes) for d in route.dependant.dependencies)


def _example_path(route: Any) -> str:
    return re.sub(r"\{[^}]+\}", "1", str(route.path_format))


@pytest.mark.parametrize("service", SERVICES)
def test_no_route_of_the_service_takes_a_kernel_path_or_the_other_way(
    service: str, tmp_path: Path
) -> None:
    # FastAPI's route contexts: the routes as served, in the order they are matched.
    routes = [r for r in iter_route_contexts(_app(service, tmp_path).routes)
              if getattr(r, "dependant", None) is not None]
    assert any(_is_service_route(r) for r in routes)
    for route in routes:
        path = _example_path(route)
        for method in route.methods or ():
            served = next(r for r in routes
                          if method in (r.methods or ()) and r.path_regex.fullmatch(path))
            assert _is_service_route(served) == _is_service_route(route), (
                f"{method} {path}: {served.path_format} answers for {route.path_format}"
            )
