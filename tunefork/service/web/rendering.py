"""Templates, filters and errors of the studio: API errors become readable messages or an HTML error page.

An error raised by a workflow or a REST handler is turned into the API's own error body by the app's
exception handlers (so the studio shows exactly the message the REST API would send), then shown next
to the form that caused it, or on an error page for a failed page load.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import get_route_path

from tunefork import __version__
from tunefork.errors import TuneforkError
from tunefork.kinds.registry import find_kind
from tunefork.service.errors import error_body
from tunefork.service.web.session import PREFIX, SignInRequired, require_session, sign_in_url
from tunefork.wording import plural
from tunefork.workflows.endpoints import served_models
from tunefork.workflows.projects import show_project

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


@dataclass(frozen=True)
class Problem:
    """An API error as the REST API would answer it: HTTP status, code, message and details."""

    status: int
    code: str
    message: str
    details: Any = None

    @property
    def items(self) -> list[str]:
        """Per-item reasons from ``details`` (rejected upload items, invalid fields), as lines."""
        if not isinstance(self.details, list):
            return []
        lines = []
        for entry in self.details[:50]:
            if isinstance(entry, dict):
                label = entry.get("item") or entry.get("location") or ""
                reason = entry.get("reason") or entry.get("message") or ""
                lines.append(f"{label}: {reason}" if label else str(reason))
        return lines


_HANDLED = (TuneforkError, StarletteHTTPException, RequestValidationError, ValidationError)


async def api_problem(request: Request, exc: BaseException) -> Problem | None:
    """The API's answer to ``exc`` (via the app's own exception handlers), or None for an unexpected error."""
    if isinstance(exc, ValidationError):
        exc = RequestValidationError(exc.errors())
    if not isinstance(exc, _HANDLED):
        return None
    handlers = request.app.exception_handlers
    handler = next((handlers[cls] for cls in type(exc).__mro__ if cls in handlers and cls is not Exception), None)
    if handler is None:
        return None
    response = await handler(request, exc)
    body = json.loads(bytes(response.body))
    return Problem(response.status_code, body.get("code", "Error"), body.get("message", ""), body.get("details"))


def wants_json(request: Request) -> bool:
    """True for the studio's own script requests (uploads), which read errors as JSON."""
    return request.headers.get("x-requested-with") == "XMLHttpRequest"


def base_path(request: Request) -> str:
    """The studio's URL prefix, behind any ``root_path`` the app is mounted under."""
    return request.scope.get("root_path", "").rstrip("/") + PREFIX


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the common context (studio prefix, CSRF token, version, the project's kind).

    Pages are sent ``Cache-Control: no-store``: after signing out, the browser's Back button must not show a page
    (with its endpoint keys, logs or data) from its cache."""
    context.setdefault("problem", None)
    context.setdefault("field_errors", {})
    project = context.get("project")
    context.setdefault("kind", find_kind(project["kind"]) if project else None)
    return templates.TemplateResponse(
        request,
        template,
        {
            "base": base_path(request),
            "csrf": getattr(request.state, "csrf", ""),
            "version": __version__,
            **context,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def redirect(request: Request, path: str) -> RedirectResponse:
    """303 See Other to a studio path (after a successful form post)."""
    return RedirectResponse(base_path(request) + path, status_code=303)


def error_page(request: Request, problem: Problem, project: dict[str, Any] | None = None) -> HTMLResponse:
    """The HTML page for a failed page load: what went wrong and where to go (inside its project, if any)."""
    titles = {404: "Not found", 401: "Sign in needed", 403: "Not allowed", 409: "Conflict"}
    title = titles.get(problem.status, "Error")
    return render(request, "error.html", problem.status, problem=problem, project=project, title=title)


def _project_of_page(request: Request) -> dict[str, Any] | None:
    """The project named by the page's ``project_id``, when it exists (for the error page's tabs)."""
    project_id = request.path_params.get("project_id")
    if not project_id:
        return None
    try:
        return show_project(request.app.state.workspace, project_id)
    except TuneforkError:
        return None


def sign_in_answer(request: Request, next_path: str) -> Response:
    """What a browser without a valid session gets: the sign-in page (JSON 401 for script requests)."""
    if wants_json(request):
        body = error_body("Unauthorized", "Your sign-in has expired: sign in again with the admin token.")
        return JSONResponse(body, status_code=401)
    return RedirectResponse(sign_in_url(next_path), status_code=303)


PUBLIC_PAGES = ("/signin", "/signout", "/static/")
"""Studio paths open without a session (below the studio prefix)."""


def session_refusal(request: Request) -> Response | None:
    """The studio's session check from the cookie alone, run before any page's form or upload is read.

    Used by :class:`tunefork.service.auth.AuthBeforeBody` for every path under the studio prefix.
    """
    page = get_route_path(request.scope).removeprefix(PREFIX)
    if page in ("", *PUBLIC_PAGES) or page.startswith(PUBLIC_PAGES[-1]):
        return None
    try:
        require_session(request)
    except SignInRequired as exc:
        return sign_in_answer(request, exc.next_path)
    return None


class StudioRoute(APIRoute):
    """Route class of the studio: sign-in redirects, and errors as HTML pages (JSON for script requests)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler so exceptions become studio answers instead of API JSON."""
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except SignInRequired as exc:
                return sign_in_answer(request, exc.next_path)
            except _HANDLED as exc:
                problem = await api_problem(request, exc)
                if problem is None:
                    raise
                if wants_json(request):
                    return JSONResponse(error_body(problem.code, problem.message, problem.details), problem.status)
                return error_page(request, problem, await run_in_threadpool(_project_of_page, request))

        return handler


# ---------------------------------------------------------------- template filters


def percent(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage ("n/a" for None)."""
    return "n/a" if value is None else f"{100 * float(value):.{digits}f}%"


def points(value: float | None) -> str:
    """A difference of rates in signed percentage points."""
    return "n/a" if value is None else f"{100 * float(value):+.2f}"


def when(value: str | None) -> str:
    """An ISO time (UTC) as ``YYYY-MM-DD HH:MM UTC``."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def seconds(value: float | None) -> str:
    """A duration: ``2.4 s``, ``3 min 12 s`` or ``1 h 02 min``."""
    if value is None:
        return ""
    total = float(value)
    if total < 60:
        return f"{total:.1f} s"
    minutes, rest = divmod(round(total), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


LABEL_COLORS = 6
"""Entity labels get one of this many colours (``lc0``...), the same colour for the same label on every page."""


def highlight(text: str, spans: list[dict[str, Any]] | None) -> Markup:
    """``text`` with each entity span as ``<mark data-label="LABEL">`` (overlapping spans: the first wins)."""
    text = str(text or "")
    parts, cursor = [], 0
    usable = sorted(
        (s for s in spans or [] if isinstance(s, dict) and 0 <= int(s.get("start", -1)) < int(s.get("end", -1))),
        key=lambda s: (int(s["start"]), -int(s["end"])),
    )
    for span in usable:
        start, end = int(span["start"]), min(int(span["end"]), len(text))
        if start < cursor or start >= end:
            continue
        label = str(span.get("label") or span.get("predicted_label") or "")
        parts.append(escape(text[cursor:start]))
        value = span.get("value")
        title = f"{label}: {value}" if value and value != text[start:end] else label
        parts.append(
            Markup('<mark class="lc{3}" data-label="{0}" title="{1}">{2}</mark>').format(
                label, title, text[start:end], sum(map(ord, label)) % LABEL_COLORS
            )
        )
        cursor = end
    parts.append(escape(text[cursor:]))
    return Markup("").join(parts)


def signed_points(value: float | None, digits: int = 1) -> str:
    """A difference of rates in signed percentage points, to ``digits`` decimals."""
    return "n/a" if value is None else f"{100 * float(value):+.{digits}f}"


def dig(items: list[Any], *path: str) -> list[Any]:
    """``[item[path[0]][path[1]]...]`` for each item, None where a key is missing or a value is None."""
    found = []
    for item in items or []:
        for key in path:
            item = item.get(key) if isinstance(item, dict) else None
        found.append(item)
    return found


templates.env.filters.update(
    dig=dig,
    percent=percent,
    points=points,
    when=when,
    seconds=seconds,
    highlight=highlight,
    signed_points=signed_points,
    plural=plural,
    served_models=served_models,
)
