"""The browser-facing security headers every response of every service carries.

The dashboard is the page people open, but any response may be opened in a browser (a JSON
error, an export), so every one says: run only this origin's own scripts and styles (the
dashboard has no inline script or style and loads nothing from elsewhere), never inside
another site's frame, never sniff a type, send no referrer out.

The interactive documentation (/docs, /redoc, shared/apidocs.py) loads only the service's
own files too, but Swagger UI and ReDoc inject `<style>` elements and ReDoc searches in a
worker it starts from a blob: so those pages allow inline styles and blob: workers; their
scripts stay the service's own files (no inline script, no CDN).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")

COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


def policy_for(path: str) -> str:
    return DOCS_CONTENT_SECURITY_POLICY if path in DOCS_PATHS else CONTENT_SECURITY_POLICY


# The headers a response of each kind of page gets, encoded once.
_ADDED = {
    policy: (*COMMON_HEADERS, (b"content-security-policy", policy.encode()))
    for policy in (CONTENT_SECURITY_POLICY, DOCS_CONTENT_SECURITY_POLICY)
}


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response (errors included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = _ADDED[policy_for(scope.get("path", ""))]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in added if header[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
