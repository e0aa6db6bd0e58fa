"""Every service's documented API-key examples are ones it accepts (K6 for indicators, extended
to the four services): the kernel's NewKey example grants religion:read, which dialogue and
reporting refuse since a service issues keys for its own scopes only (J16, 422
SCOPE_OF_ANOTHER_SERVICE). In a fresh store of each service, the documented create, rotate and
revoke examples are sent unchanged (but for the prefix the service gave) and answered 2xx.
A rotation's answer is the one its document declares, `dropped_scopes` with the rest.
Indicators' other command examples: tests/indicators/test_documented_examples.py. SQLite and
PostgreSQL."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from shared.settings import Settings

SERVICES = ("religion", "dialogue", "indicators", "reporting")
KEYS = "/api/v1/admin/api-keys"


def _answer_schema(document: dict[str, Any], path: str, status: str) -> dict[str, Any]:
    """The JSON schema of a route's answer, its references resolved in the document."""
    content = document["paths"][path]["post"]["responses"][status]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def _example(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    example: dict[str, Any] = body["example"]
    return example


@pytest.mark.parametrize("service", SERVICES)
def test_every_services_api_key_examples_are_accepted(
    service: str, settings_factory: Callable[..., Settings]
) -> None:
    create_app: Callable[[Settings], FastAPI] = importlib.import_module(
        f"services.{service}.app").create_app
    with TestClient(create_app(settings_factory(service))) as client:
        document = client.get("/openapi.json").json()
        created = client.post(KEYS, json=_example(document, "post", KEYS))
        assert created.status_code == 201, created.text
        prefix = created.json()["prefix"]
        rotate = f"{KEYS}/{{prefix}}/rotate"
        rotated = client.post(rotate.format(prefix=prefix),
                              json=_example(document, "post", rotate))
        assert rotated.status_code == 201, rotated.text
        # Partners read the answer's fields in the document, dropped_scopes too.
        schema = _answer_schema(document, rotate, "201")
        assert "$ref" in schema, f"the rotation answers an untyped object: {schema}"
        Draft202012Validator(schema).validate(rotated.json())
        declared = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        assert "dropped_scopes" in declared["required"]
        assert set(rotated.json()) == set(declared["properties"])
        revoke = f"{KEYS}/{{prefix}}/revoke"
        revoked = client.post(revoke.format(prefix=rotated.json()["prefix"]),
                              json=_example(document, "post", revoke))
        assert revoked.status_code == 200, revoked.text


@pytest.mark.parametrize("service", SERVICES)
def test_every_services_development_token_example_is_accepted(
    service: str, settings_factory: Callable[..., Settings]
) -> None:
    """The development issuer's example (the kernel's, shown by every service in development)
    is the one example of scopes the command examples leave out (tests/apidocs/
    commandexamples.py NOT_SENT): sent unchanged, it gets its token, its unit scope being one
    of the jurisdiction (the issuer checks it as an API key's)."""
    create_app: Callable[[Settings], FastAPI] = importlib.import_module(
        f"services.{service}.app").create_app
    with TestClient(create_app(settings_factory(service))) as client:
        document = client.get("/openapi.json").json()
        path = "/api/v1/auth/dev-token"
        issued = client.post(path, json=_example(document, "post", path))
        assert issued.status_code == 201, issued.text
