"""One rule for every query and path parameter of every service: no control characters.

A NUL byte in a filter (`/api/v1/audit?actor=a%00`) reached PostgreSQL, which refuses it in
text, and came back as a 500. No parameter of this system (codes, ids, names, dates, free
search text) has a use for a control character, so they are refused here, once, before any
route sees them: a 422 in the project's error format naming the parameter. Bodies are
checked by their own types (shared.validation.clean_text).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import messages
from shared.errors import error_body
from shared.validation import VALIDATION_ERROR

CODE = "control_characters"
MESSAGE = messages.CONTROL_CHARACTERS_IN_PARAMETER


# Unicode's category Cc is exactly C0, DEL and C1 (tests/unit/test_requestguard.py checks it
# against unicodedata): one search per text instead of a category lookup per character.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def has_control_character(text: str) -> bool:
    return _CONTROL.search(text) is not None


def refused_parameters(scope: Scope) -> list[dict[str, Any]]:
    """The parameters of a request that carry a control character, as error details."""
    refused = []
    if has_control_character(scope.get("path", "")):
        refused.append({"field": "path", "code": CODE, "message": MESSAGE})
    # Decoded as Starlette decodes it for the routes, so what is checked is what they get.
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True) if query else ():
        if has_control_character(name) or has_control_character(value):
            field = name if not has_control_character(name) else repr(name)[1:-1]
            refused.append({"field": field, "code": CODE, "message": MESSAGE})
    return refused


class ControlCharacterGuard:
    """ASGI middleware: a request whose path or query holds a control character is a 422."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = refused_parameters(scope)
            if refused:
                response = JSONResponse(
                    error_body(*VALIDATION_ERROR, refused),
                    status_code=422,
                )
                await response(scope, _no_receive, send)
                return
        await self.app(scope, receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
