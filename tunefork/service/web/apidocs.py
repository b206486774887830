"""``/docs`` (Swagger UI) and ``/redoc`` that work offline: their scripts come from a PyPI package, not a CDN.

The ``fastapi-offline`` package ships Swagger UI 5 (which reads the OpenAPI 3.1 that FastAPI writes) and
ReDoc as static files; they are served from ``/docs-static``. Without that package the pages fall
back to FastAPI's defaults, which load the scripts from a CDN.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs-static"


def _assets_dir() -> Path | None:
    """The folder of Swagger UI and ReDoc files in the installed ``fastapi-offline``, if any."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "static"
    needed = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js")
    return folder if all((folder / name).is_file() for name in needed) else None


def install_api_docs(app: FastAPI) -> None:
    """Add ``/docs`` and ``/redoc`` to an app created with ``docs_url=None, redoc_url=None``."""
    assets = _assets_dir()
    root = ""
    if assets is not None:
        app.mount(ASSETS_PATH, StaticFiles(directory=assets), name="docs-static")
        root = ASSETS_PATH

    def prefix(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        """Swagger UI for the OpenAPI document."""
        base = prefix(request)
        if not root:
            return get_swagger_ui_html(openapi_url=f"{base}{app.openapi_url}", title=f"{app.title} - Swagger UI")
        return get_swagger_ui_html(
            openapi_url=f"{base}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{base}{root}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}{root}/swagger-ui.css",
            swagger_favicon_url=f"{base}{root}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        """ReDoc for the OpenAPI document."""
        base = prefix(request)
        if not root:
            return get_redoc_html(openapi_url=f"{base}{app.openapi_url}", title=f"{app.title} - ReDoc")
        return get_redoc_html(
            openapi_url=f"{base}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{base}{root}/redoc.standalone.js",
            redoc_favicon_url=f"{base}{root}/favicon.png",
            with_google_fonts=False,
        )
