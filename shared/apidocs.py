"""Swagger UI and ReDoc served by every service itself: readable on an intranet without internet.

Government intranets reach no CDN, so the pages load only files of the service:

- the Swagger UI and ReDoc bundles come from the `fastapi-offline` package (a pinned
  dependency that ships them; nothing is downloaded at run time) and are served under
  `/docs/assets/`;
- each page's start-up code is a small script of our own under the same path, never an
  inline script, so the pages keep `script-src 'self'` (shared/securityheaders.py); only
  their styles need 'unsafe-inline', because both libraries inject `<style>` elements.

FastAPI's own `/docs` and `/redoc` (which load from a CDN) are turned off by `build_app`.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS_URL = "/docs/assets"
#: The files of the assets package the pages use, with their types.
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
#: The pages' own start-up scripts (generated here, so no inline script is needed).
INIT_SCRIPTS = ("swagger-init.js", "redoc-init.js")
# A bundle changes only with the pinned package: browsers may keep it a day.
ASSET_CACHE = "public, max-age=86400"


def assets_dir() -> Path:
    """Where the installed package keeps Swagger UI and ReDoc."""
    return Path(str(resources.files("fastapi_offline") / "static"))


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="{ASSETS_URL}/favicon.png">
{head}
</head>
<body>
{body}
</body>
</html>"""
    return HTMLResponse(html)


def _swagger_init(openapi_url: str) -> str:
    # The same options FastAPI's own page uses; "persistAuthorization" keeps a pasted token
    # or key across reloads of the page (in the browser only).
    options = {
        "url": openapi_url,
        "dom_id": "#swagger-ui",
        "layout": "BaseLayout",
        "deepLinking": True,
        "showExtensions": True,
        "showCommonExtensions": True,
        "persistAuthorization": True,
        "oauth2RedirectUrl": OAUTH2_REDIRECT_URL,
        # No badge from the public validator: the page reaches nothing outside the service.
        "validatorUrl": None,
    }
    return (
        f"window.ui = SwaggerUIBundle(Object.assign({json.dumps(options)}, {{\n"
        "  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]\n"
        "}));\n"
    )


def _redoc_init(openapi_url: str) -> str:
    options = {"hideDownloadButton": False, "expandResponses": "200,201,202"}
    return (
        f"Redoc.init({json.dumps(openapi_url)}, {json.dumps(options)}, "
        "document.getElementById('redoc'));\n"
    )


def docs_router(title: str, openapi_url: str = "/openapi.json") -> APIRouter:
    """The two documentation pages and their assets (none of them in the OpenAPI document)."""
    router = APIRouter(include_in_schema=False)
    directory = assets_dir()

    @router.get(DOCS_URL)
    def swagger_ui() -> HTMLResponse:
        return _page(
            f"{title} - Swagger UI",
            f'<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">',
            f'<div id="swagger-ui"></div>\n'
            f'<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{ASSETS_URL}/swagger-init.js"></script>',
        )

    @router.get(REDOC_URL)
    def redoc() -> HTMLResponse:
        return _page(
            f"{title} - ReDoc",
            "",
            f'<div id="redoc"></div>\n'
            f'<script src="{ASSETS_URL}/redoc.standalone.js"></script>\n'
            f'<script src="{ASSETS_URL}/redoc-init.js"></script>',
        )

    @router.get(OAUTH2_REDIRECT_URL)
    def oauth2_redirect() -> HTMLResponse:
        # Swagger UI asks for this page after an OAuth2 login; the services take bearer
        # tokens and keys pasted in "Authorize", so the page only says so.
        return _page(title, "", "<p>Dán mã truy cập hoặc khoá API vào nút Authorize.</p>")

    @router.get(ASSETS_URL + "/{name}")
    def asset(name: str) -> Response:
        if name == "swagger-init.js":
            return Response(_swagger_init(openapi_url), media_type=ASSET_TYPES[
                "swagger-ui-bundle.js"], headers={"Cache-Control": "no-cache"})
        if name == "redoc-init.js":
            return Response(_redoc_init(openapi_url), media_type=ASSET_TYPES[
                "redoc.standalone.js"], headers={"Cache-Control": "no-cache"})
        media_type = ASSET_TYPES.get(name)
        if media_type is None:  # only the files named above, never a path into the package
            raise HTTPException(status_code=404)
        return FileResponse(
            directory / name, media_type=media_type, headers={"Cache-Control": ASSET_CACHE}
        )

    return router
