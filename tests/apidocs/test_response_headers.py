"""Each OpenAPI document declares the headers its operations answer with (issue 17): found
from the routes as served, not from a list. A command (a route depending on `CommandDep`)
answers ETag and Idempotent-Replayed, Location with its 201, Retry-After with its 409
(IDEMPOTENCY_KEY_IN_PROGRESS); a read that answers through `tagged` sends an ETag; every
503 carries Retry-After."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from shared.commandapi import command
from tests.auth.conftest import Services
from tests.conftest import SQLITE_ONLY

SERVICES = ("religion", "dialogue", "indicators", "reporting")


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _routes(services: Services, service: str) -> Iterator[tuple[str, str, Any, dict[str, Any]]]:
    client = services[service]
    document = client.get("/openapi.json").json()
    for route in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        dependant = getattr(route, "dependant", None)
        if not isinstance(dependant, Dependant):
            continue
        for method in sorted(route.methods or ()):
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                yield str(route.path_format), method, route, operation


def _headers(operation: dict[str, Any], status: str) -> set[str]:
    return set(operation["responses"].get(status, {}).get("headers", {}))


@SQLITE_ONLY
@pytest.mark.parametrize("service", SERVICES)
def test_every_command_declares_its_etag_replay_location_and_retry(
    services: Services, service: str
) -> None:
    commands = 0
    for path, method, route, operation in _routes(services, service):
        label = f"{method} {path}"
        if command not in set(_calls(route.dependant)):
            # Not a command: nothing replays its answer.
            assert not any("Idempotent-Replayed" in _headers(operation, status)
                           for status in operation["responses"]), label
            continue
        commands += 1
        successes = [s for s in operation["responses"] if s.startswith("2")]
        assert successes, label
        for status in successes:
            assert {"ETag", "Idempotent-Replayed"} <= _headers(operation, status), label
        if "201" in successes:
            assert "Location" in _headers(operation, "201"), label
        assert "Retry-After" in _headers(operation, "409"), label
    assert commands >= 2, service


@SQLITE_ONLY
@pytest.mark.parametrize("service", SERVICES)
def test_the_reads_of_one_aggregate_declare_their_etag_and_no_other_read_does(
    services: Services, service: str
) -> None:
    tagged_reads = 0
    for path, method, route, operation in _routes(services, service):
        if method != "GET":
            continue
        # What the route does, read from its code: it answers through `tagged(...)`.
        answers_a_tag = "tagged(" in inspect.getsource(route.endpoint)
        declares = "ETag" in _headers(operation, "200")
        assert declares == answers_a_tag, f"GET {path}"
        tagged_reads += answers_a_tag
    assert tagged_reads >= 1, service


@SQLITE_ONLY
@pytest.mark.parametrize("service", SERVICES)
def test_every_503_says_when_to_retry(services: Services, service: str) -> None:
    unavailable = 0
    for path, method, _, operation in _routes(services, service):
        if "503" in operation["responses"]:
            unavailable += 1
            assert "Retry-After" in _headers(operation, "503"), f"{method} {path}"
    assert unavailable >= 3, service
