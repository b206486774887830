"""Studio pages: sign in and out, the projects list (create a project) and a project's overview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tunefork.kinds import project_kinds
from tunefork.service.deps import get_workspace
from tunefork.service.web.common import POST_GUARDS, ProjectSummary, project_of, studio_router
from tunefork.service.web.rendering import StudioRoute, api_problem, base_path, redirect, render
from tunefork.service.web.session import end_session, safe_next, set_session, token_is_valid
from tunefork.workflows import projects
from tunefork.workspace import Workspace

public = APIRouter(route_class=StudioRoute, include_in_schema=False)
router = studio_router()

LOCALES = ("en-US", "en-GB", "en-AU", "en-CA", "en-IE", "en-IN", "en-NZ", "en-ZA")
"""Suggested in the form (any locale may be typed): the bundled models read English only."""


@public.get("/signin", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "") -> Response:
    """The sign-in page: paste the admin token."""
    return render(request, "signin.html", next=safe_next(next), title="Sign in")


@public.post("/signin", response_class=HTMLResponse)
def sign_in(request: Request, token: str = Form(""), next: str = Form("")) -> Response:
    """Check the token as the API does; keep it in an HttpOnly SameSite=Strict cookie and go on."""
    token = token.strip()
    if not token_is_valid(request, token):
        message = "That is not the admin token." if token else "Paste the admin token."
        return render(request, "signin.html", 401, next=safe_next(next), title="Sign in", error=message)
    target = safe_next(next)
    response = RedirectResponse(request.scope.get("root_path", "").rstrip("/") + target, status_code=303)
    set_session(request, response)
    return response


@public.post("/signout")
def sign_out(request: Request) -> Response:
    """End this browser's session on every server and forget its cookie."""
    response = RedirectResponse(base_path(request) + "/signin", status_code=303)
    end_session(request, response)
    return response


PROJECTS_PAGE = 100
"""Projects a page of the list shows, newest first (3,000 projects made one page of 843 KB: a review)."""


def _projects_page(request: Request, ws: Workspace, status_code: int = 200, page: int = 1, **context: Any) -> Response:
    context.setdefault("form", {"kind": project_kinds()[0].name, "locale": "en-US"})
    newest_first = projects.list_projects(ws)[::-1]
    pages = max(1, -(-len(newest_first) // PROJECTS_PAGE))
    page = min(max(page, 1), pages)
    return render(
        request,
        "projects.html",
        status_code,
        projects=newest_first[(page - 1) * PROJECTS_PAGE : page * PROJECTS_PAGE],
        total=len(newest_first),
        page=page,
        pages=pages,
        kinds=project_kinds(),
        locales=LOCALES,
        title="Projects",
        canonical=f"{base_path(request)}/",
        **context,
    )


@router.get("/", response_class=HTMLResponse)
def projects_page(request: Request, page: int = 1, ws: Workspace = Depends(get_workspace)) -> Response:
    """The projects, newest first and a page at a time, and the form to create one."""
    return _projects_page(request, ws, page=page)


@router.post("/projects", dependencies=POST_GUARDS, response_class=HTMLResponse)
async def create_project(
    request: Request,
    name: str = Form(""),
    kind: str = Form(""),
    locale: str = Form("en-US"),
    description: str = Form(""),
    ws: Workspace = Depends(get_workspace),
) -> Response:
    """Create a project; on success open it, else show why next to the form."""
    form = {"name": name, "kind": kind, "locale": locale, "description": description}
    try:
        created = await run_in_threadpool(
            projects.create_project, ws, name, kind, locale.strip() or "en-US", description
        )
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        return await run_in_threadpool(_projects_page, request, ws, problem.status, problem=problem, form=form)
    return redirect(request, f"/projects/{created['id']}")


def _overview_page(request: Request, ws: Workspace, project: dict[str, Any], status_code: int = 200,
                   **context: Any) -> Response:  # fmt: skip
    summary = ProjectSummary.of(ws, project)
    context.setdefault("form", {"name": project["name"], "description": project["description"]})
    return render(
        request,
        "project.html",
        status_code,
        project=project,
        tab="overview",
        summary=summary,
        next_step=summary.next_step(),
        title=project["name"],
        **context,
    )


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_overview(project_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> Response:
    """The project's steps (data, training, evaluation, deployment) with what each holds and the next step; its
    name and description to change, and the way to delete it."""
    return _overview_page(request, ws, project_of(ws, project_id))


async def _overview_action(
    request: Request, ws: Workspace, project: dict[str, Any], where: str, action: Any, *args: Any, **page: Any
) -> Response | None:
    """Run an action on the project; on an error, the overview with the API's message at ``where`` (and ``page``'s
    extra context: the form as typed)."""
    try:
        await run_in_threadpool(action, ws, project["id"], *args)
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        return await run_in_threadpool(
            _overview_page, request, ws, project, problem.status, problem=problem, problem_at=where, **page
        )
    return None


@router.post("/projects/{project_id}/settings", dependencies=POST_GUARDS, response_class=HTMLResponse)
async def update_project(
    project_id: str,
    request: Request,
    name: str = Form(""),
    description: str = Form(""),
    ws: Workspace = Depends(get_workspace),
) -> Response:
    """Rename the project or change its description; on an error, the overview with the reason by the form."""
    project = await run_in_threadpool(project_of, ws, project_id)
    form = {"name": name, "description": description}
    failed = await _overview_action(request, ws, project, "settings", projects.update_project, name, description,
                                    form=form)  # fmt: skip
    return failed or redirect(request, f"/projects/{project_id}?saved=1")


@router.post("/projects/{project_id}/delete", dependencies=POST_GUARDS, response_class=HTMLResponse)
async def delete_project(project_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> Response:
    """Delete the project and everything in it (refused while it has endpoints or monitors, or work runs)."""
    project = await run_in_threadpool(project_of, ws, project_id)
    failed = await _overview_action(request, ws, project, "danger", projects.delete_project)
    return failed or redirect(request, "/")
