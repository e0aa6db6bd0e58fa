"""Error pages for browsers: a person who follows a bad link to the dashboard
(`?period=2023-7m`, `?unit=99999`, a page that does not exist) reads a Vietnamese page with
the error code and a way back, with the same 4xx status; a program asking JSON (an API path,
or an Accept header that does not prefer HTML, as curl's `*/*`) keeps the kernel's JSON body.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from services.reporting.outputs.errorpage import render_error_page
from shared.errors import DomainError
from shared.web import answer_early_refusals_with

Handler = Callable[[Request, Any], Response | Awaitable[Response]]
_HTML = ("text/html", "application/xhtml+xml")
_JSON = ("application/json", "application/*", "*/*")
_PASSED_ON = ("allow", "www-authenticate")  # headers of the JSON answer a page keeps


def install_error_pages(app: FastAPI) -> None:
    """Wrap the kernel's JSON handlers (shared/web.py) of the 4xx errors."""
    for kind in (DomainError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, _negotiated(app.exception_handlers[kind]))
    # The refusals the kernel answers before any route (a control character in the link)
    # are negotiated alike.
    answer_early_refusals_with(app, negotiated)


def _negotiated(json_handler: Handler) -> Handler:
    async def handler(request: Request, exc: Any) -> Response:
        answer = json_handler(request, exc)
        response = await answer if inspect.isawaitable(answer) else answer
        return negotiated(request, response)

    return handler


def negotiated(request: Request, response: Response) -> Response:
    """The kernel's JSON 4xx as it is, or, for a browser on a page, the error page with the
    same status and code."""
    if not wants_page(request) or not 400 <= response.status_code < 500:
        return response
    error = json.loads(bytes(response.body)).get("error", {})
    headers = {k: v for k, v in response.headers.items() if k.lower() in _PASSED_ON}
    return HTMLResponse(render_error_page(response.status_code, error),
                        status_code=response.status_code, headers=headers)


def wants_page(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    return prefers_html(request.headers.get("accept", ""))


def prefers_html(accept: str) -> bool:
    """HTML named explicitly, with a quality at least that of JSON (browsers send
    `text/html,...,*/*;q=0.8`); `*/*` alone is a program's and gets JSON."""
    html = json_q = 0.0
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if media in _HTML:
            html = max(html, quality)
        elif media in _JSON:
            json_q = max(json_q, quality)
    return html > 0 and html >= json_q
