"""The API's documentation: `/docs` (Swagger UI) and `/redoc` (ReDoc) from assets installed
with pressrun, not a CDN, so they work on a machine without internet; and the bearer key in
the OpenAPI document.

The assets are the `fastapi-offline` package's: Swagger UI's bundle and stylesheet, ReDoc's
standalone bundle and a favicon, served under `/docs/assets/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs/assets"
# Swagger UI would ask validator.swagger.io to check the document; it stays local.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}


BEARER_SCHEME = "apiKey"
_SECURITY_SCHEMES = {
    BEARER_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "An account's API key (`POST /api/v1/api-keys`), or the admin key.",
    }
}


def _declare_bearer_key(app: FastAPI) -> None:
    """Every operation that can answer 401 (`pressrun.api.responses`) takes the bearer key:
    the document says so, and Swagger UI's Authorize button sends it."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        spec = build()
        components = spec.setdefault("components", {})
        components.setdefault("securitySchemes", {}).update(_SECURITY_SCHEMES)
        for item in spec["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and "401" in operation.get("responses", {}):
                    operation["security"] = [{BEARER_SCHEME: []}]
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def install_docs(app: FastAPI) -> None:
    """Serve the docs pages; the app is built with `docs_url=None, redoc_url=None`."""
    _declare_bearer_key(app)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    def asset(request: Request, name: str) -> str:
        return f"{request.scope.get('root_path', '')}{ASSETS_URL}/{name}"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{redirect_url}",
            swagger_js_url=asset(request, "swagger-ui-bundle.js"),
            swagger_css_url=asset(request, "swagger-ui.css"),
            swagger_favicon_url=asset(request, "favicon.png"),
            swagger_ui_parameters={**(app.swagger_ui_parameters or {}), **SWAGGER_UI_PARAMETERS},
        )

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=asset(request, "redoc.standalone.js"),
            redoc_favicon_url=asset(request, "favicon.png"),
            with_google_fonts=False,
        )
