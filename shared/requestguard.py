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
from starlette.types import Scope

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


def control_character_refusal(scope: Scope) -> JSONResponse | None:
    """The 422 of a request whose path or query holds a control character (None: it holds
    none), answered by the request middleware (shared.web.RequestMiddleware) before any route."""
    refused = refused_parameters(scope)
    if not refused:
        return None
    return JSONResponse(error_body(*VALIDATION_ERROR, refused), status_code=422)
