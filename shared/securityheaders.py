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


def headers_for(path: str) -> tuple[tuple[bytes, bytes], ...]:
    """The headers every response to a request for `path` carries (added by the request
    middleware, shared.web.RequestMiddleware, errors included)."""
    return _ADDED[policy_for(path)]


def with_headers(
    headers: list[tuple[bytes, bytes]], added: tuple[tuple[bytes, bytes], ...]
) -> list[tuple[bytes, bytes]]:
    """`headers` (a response's own, a new list) with each of `added` it does not already name."""
    present = {name.lower() for name, _ in headers}
    headers.extend(header for header in added if header[0] not in present)
    return headers
