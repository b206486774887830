"""The web studio: server-rendered pages for the whole flow (data, training, evaluation, deployment).

Pages live under ``/studio``; they read and change things through the same workflow functions as the CLI
and the REST routers (never through a router), so the browser, the CLI and the API share one behaviour.
Static assets (one stylesheet, one small script) are served from ``/studio/static``; nothing comes
from a CDN and there is no build step.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from tunefork.service.web import data, deployment, evaluation, monitors, projects, training
from tunefork.service.web.common import studio_router
from tunefork.service.web.rendering import HERE, Problem, base_path, error_page, session_refusal
from tunefork.service.web.session import PREFIX

__all__ = ["PREFIX", "UPLOAD_PATHS", "install", "session_refusal"]
UPLOAD_PATHS = (PREFIX + data.UPLOAD_PATH, PREFIX + deployment.TRY_PATH)
"""Studio routes that receive files (dataset uploads, "Try it"): they get the upload size limit, not the JSON one."""


def _fallback() -> APIRouter:
    """The last routes: ``/studio`` itself, and a 404 page for any other path under the studio."""
    router = studio_router()

    @router.get("", include_in_schema=False)
    def studio_home(request: Request) -> Response:
        """``/studio`` -> ``/studio/``."""
        return RedirectResponse(base_path(request) + "/", status_code=307)

    @router.get("/{path:path}", include_in_schema=False)
    def not_found(path: str, request: Request) -> Response:
        """A readable 404 page for unknown studio addresses."""
        return error_page(request, Problem(404, "NotFound", f"There is no studio page at /studio/{path}."))

    return router


def favicon() -> FileResponse:
    """The studio's icon, also for browsers that ask for ``/favicon.ico``."""
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")


def install(app: FastAPI) -> None:
    """Mount the studio's pages and static files on ``app`` (whose state holds the workspace)."""
    app.mount(PREFIX + "/static", StaticFiles(directory=HERE / "static"), name="studio-static")
    app.add_api_route("/favicon.ico", favicon, include_in_schema=False)
    app.include_router(projects.public, prefix=PREFIX)
    for module in (projects, data, training, evaluation, deployment, monitors):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(_fallback(), prefix=PREFIX)
