"""A command route is not resolved through the service guard (shared/web.py): its own
dependency authenticates first, so every service route is still refused 401 without
credentials, before anything else about the request is looked at (a header too long, a body
that is not the command's), exactly as behind the guard."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from shared.auth.checks import ServiceScopes
from shared.auth.http import REFUSED_CODE
from shared.openapi import service_guard_of
from shared.web import is_guarded_command
from tests.auth.conftest import Idp, Services

SERVICES = ("religion", "dialogue", "indicators", "reporting")


def _resolved(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _resolved(sub)


def _service_routes(services: Services, service: str) -> list[Any]:
    """The service's own routes as served: those behind its guard or included without it."""
    routes = []
    app: FastAPI = services[service].app  # type: ignore[assignment]
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        guarded = any(isinstance(c, ServiceScopes) for c in _resolved(dependant))
        if guarded or service_guard_of(route) is not None:
            routes.append(route)
    return routes


@pytest.mark.parametrize("service", SERVICES)
def test_a_command_resolves_no_guard_and_every_other_service_route_does(
    services: Services, service: str
) -> None:
    routes = _service_routes(services, service)
    commands = [r for r in routes if is_guarded_command(r.original_route)]
    assert commands, service
    for route in routes:
        guards = [c for c in _resolved(route.dependant) if isinstance(c, ServiceScopes)]
        if route in commands:
            assert guards == [], route.path_format
            assert service_guard_of(route) is not None
        else:
            assert len(guards) == 1, route.path_format


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_route_refuses_a_caller_without_credentials_first(
    services: Services, idp: Idp, service: str
) -> None:
    client = services[service]
    # Too long for If-Match and Idempotency-Key (a 422 once authenticated), a body of nothing
    # the route takes, an API key nobody holds and an unknown scheme: still the one 401.
    bad = {"If-Match": '"' + "1" * 300 + '"', "Idempotency-Key": "k" * 300}
    for route in _service_routes(services, service):
        path = re.sub(r"\{[^}]+\}", "1", str(route.path_format))
        for method in sorted(set(route.methods or ()) - {"HEAD"}):  # HEAD: no body
            for credentials in ({}, {"X-API-Key": "dv_nobody.secret"},
                                {"Authorization": "Basic eDp5"}):
                response = client.request(
                    method, path, json={"unexpected": ["x"]}, headers={**bad, **credentials}
                )
                assert response.status_code == 401, (method, path, credentials,
                                                     response.text)
                assert response.json()["error"]["code"] == REFUSED_CODE


@pytest.mark.parametrize("service", SERVICES)
def test_a_command_is_the_apps_own_route(services: Services, service: str) -> None:
    """Matched without an included router (issue 20): each included router a request passes
    is looked through twice, and a command behind none pays nothing for the guarded reads
    around it. (Their order and the OpenAPI document are the service's as before:
    tests/apidocs.)"""
    app: FastAPI = services[service].app  # type: ignore[assignment]
    own = [route for route in app.router.routes if isinstance(route, APIRoute)]
    served = _service_routes(services, service)
    commands = [r for r in served if is_guarded_command(r.original_route)]
    assert commands, service
    for route in commands:
        assert route.original_route in own, route.path_format
