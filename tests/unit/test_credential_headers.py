"""A command's credentials and its If-Match / Idempotency-Key are read in one pass over the
request's headers (issue 20), not looked up one by one through Starlette's `Headers` (a walk
of every header per name: eight per command on the event loop), and the principal already
proved for a request is found without an AttributeError made and caught. What is read is
what `request.headers.get` gives: the first value of each, Latin-1."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import Headers, State
from starlette.requests import Request

from shared.auth.http import Authenticator, authenticate_request, authenticated_principal
from shared.commandapi import command_headers
from shared.errors import BadRequest, InvalidInput
from shared.settings import Settings


def _request(tmp_path: Path, headers: list[tuple[bytes, bytes]]) -> Request:
    settings = Settings.for_service(
        "religion", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        auth_mode="development",
    )
    app = SimpleNamespace(state=State({"authenticator": Authenticator(settings, None)}))  # type: ignore[arg-type]
    return Request({
        "type": "http", "method": "POST", "path": "/api/v1/sites", "query_string": b"",
        "headers": headers, "app": app, "state": {"correlation_id": "c"},
    })


@pytest.fixture
def no_header_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_: Any, **__: Any) -> Any:
        raise AssertionError("a header looked up by name through request.headers")

    monkeypatch.setattr(Headers, "__getitem__", refused)
    monkeypatch.setattr(Headers, "get", refused)


def test_development_credentials_are_read_in_one_pass(
    tmp_path: Path, no_header_lookups: None
) -> None:
    request = _request(tmp_path, [
        (b"host", b"127.0.0.1"), (b"x-actor", b"ng\xe1 v\xe0n"), (b"x-scopes", b"religion:write"),
        (b"x-unit-scope", b"315"), (b"x-department", b"Ban D\xe2n v\xe1n"),
        (b"content-type", b"application/json"),
    ])
    principal = asyncio.run(authenticate_request(request))
    # Decoded as Latin-1, as Headers.get gives it.
    assert principal.subject == "ngá vàn"
    assert principal.department == "Ban Dân ván"
    assert principal.scopes == frozenset({"religion:write"})
    assert principal.unit_scope == "315"
    # Proved once per request: the next look finds it.
    assert authenticated_principal(request) is principal
    assert asyncio.run(authenticate_request(request)) is principal


def test_a_development_header_given_twice_is_refused_in_the_same_pass(
    tmp_path: Path, no_header_lookups: None
) -> None:
    """examiner-hostile: the first of two X-Actor lines was read and the other ignored."""
    request = _request(tmp_path, [(b"x-actor", b"first"), (b"host", b"h"), (b"x-actor", b"second")])
    with pytest.raises(BadRequest) as twice:
        asyncio.run(authenticate_request(request))
    assert twice.value.code == "AMBIGUOUS_CREDENTIALS"
    assert "X-Actor" in twice.value.message


def test_a_command_header_is_read_in_one_pass(tmp_path: Path, no_header_lookups: None) -> None:
    request = _request(tmp_path, [
        (b"if-match", b'"3"'), (b"idempotency-key", b"key-1"),
    ])
    assert command_headers(request) == ('"3"', "key-1")
    assert command_headers(_request(tmp_path, [])) == (None, None)
    # Given twice, either is refused rather than read by its first line (examiner-hostile).
    for name, code in ((b"if-match", "BAD_IF_MATCH"), (b"idempotency-key", "BAD_IDEMPOTENCY_KEY")):
        with pytest.raises(InvalidInput) as twice:
            command_headers(_request(tmp_path, [(name, b'"3"'), (name, b'"4"')]))
        assert twice.value.code == code
    with pytest.raises(RequestValidationError) as refused:
        command_headers(_request(tmp_path, [(b"idempotency-key", b"k" * 201)]))
    assert [e["loc"] for e in refused.value.errors()] == [("header", "Idempotency-Key")]


def test_a_missing_principal_is_looked_for_without_an_attribute_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = State.__getattr__

    def only_held(state: State, key: str) -> Any:
        if key not in state._state:
            raise AssertionError(f"request.state asked for {key!r}, which it does not hold")
        return held(state, key)

    request = _request(tmp_path, [])
    monkeypatch.setattr(State, "__getattr__", only_held)
    principal = asyncio.run(authenticate_request(request))
    assert principal.subject == "anonymous"
