"""The one parse of a JSON request body, for every route of every service: a key given twice
in one object is refused.

FastAPI reads a body with `json.loads`, where the last of two equal keys wins: a partner's
serializer that merged two records (`"code"` twice, `"registered_on"` twice) had one of them
written, a fact nobody could say was meant (finding O1), while a query parameter given twice
is refused (QUERY_PARAMETER_REPEATED). Here the body is parsed with an `object_pairs_hook`
that refuses the repetition: 422 VALIDATION_ERROR with the detail's code DUPLICATE_KEY naming
the key, as malformed JSON is refused (before the route's dependencies, so nothing is written).

Every router of the services and the kernel is made with `route_class=JSONBodyRoute`
(tests/auth/test_input_refusals.py checks every route of the four applications); a route's
handler is given a `JSONBodyRequest`, whose `json()` FastAPI calls to read the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from shared import messages

#: The detail's code of a key given twice in one object of a body.
DUPLICATE_KEY = "DUPLICATE_KEY"


class DuplicateKey(json.JSONDecodeError):
    """A key given twice in one JSON object. A JSONDecodeError, so FastAPI answers it as the
    malformed body it is (a 422 before any dependency runs) rather than as an unreadable one
    (400); JSONBodyRoute then names the key."""

    def __init__(self, key: str, document: str) -> None:
        super().__init__(f"duplicate key {key!r}", document, 0)
        self.key = key


def _one_value_per_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # dict() in C, then a length compare: an object without a repeated key (every one but a
    # mistake's) costs the parse no Python loop over its keys.
    made = dict(pairs)
    if len(made) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key, "")
            seen.add(key)
    return made


# Made once: json.loads given a hook makes a decoder per call, which cost more than the hook.
_DECODER = json.JSONDecoder(object_pairs_hook=_one_value_per_key)


def parse_json_body(body: bytes | str) -> Any:
    """A request body's JSON, as FastAPI reads it (`json.loads`: bytes in UTF-8, -16 or -32),
    but for DuplicateKey."""
    if isinstance(body, bytes):
        body = body.decode(json.detect_encoding(body), "surrogatepass")
    return _DECODER.decode(body)


class JSONBodyRequest(Request):
    """A request whose JSON body is read by `parse_json_body`; `duplicate_key` names the key
    it found given twice, if any."""

    duplicate_key: str | None = None

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = parse_json_body(await self.body())
            except DuplicateKey as exc:
                self.duplicate_key = exc.key
                raise
        return self._json


def duplicate_key_error(key: str) -> RequestValidationError:
    shown = key[:100]
    return RequestValidationError([{
        "type": "duplicate_key", "loc": ("body", shown), "input": shown,
        "msg": messages.DUPLICATE_KEY.format(key=shown),
    }])


class JSONBodyRoute(APIRoute):
    """A route whose body is read by `parse_json_body` (FastAPI's documented way to change
    how a route reads its request: a route class giving its handler another Request)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            own = JSONBodyRequest(request.scope, request.receive)
            try:
                return await handle(own)
            except RequestValidationError:
                if own.duplicate_key is not None:
                    raise duplicate_key_error(own.duplicate_key) from None
                raise

        return handler
