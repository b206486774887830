"""``/projects``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from tunefork.service.auth import require_admin
from tunefork.service.deps import ERRORS, Paging, get_workspace, paging
from tunefork.service.present import present, present_all
from tunefork.service.schemas import Page, Project, ProjectCreate, ProjectUpdate
from tunefork.workflows import projects
from tunefork.workspace import Workspace

router = APIRouter(prefix="/projects", tags=["projects"], dependencies=[Depends(require_admin)], responses=ERRORS)


@router.post("", status_code=201, response_model=Project)
def create_project(
    body: ProjectCreate, request: Request, response: Response, ws: Workspace = Depends(get_workspace)
) -> dict:
    """Create a project (names are unique); ``Location`` is its URL."""
    created = present(
        request, "projects", projects.create_project(ws, body.name, body.kind, body.locale, body.description)
    )
    response.headers["Location"] = created["self"]
    return created


@router.get("", response_model=Page[Project])
def list_projects(request: Request, page: Paging = Depends(paging), ws: Workspace = Depends(get_workspace)) -> dict:
    """All projects, oldest first."""
    return present_all(request, "projects", projects.list_projects(ws), page.skip, page.top)


@router.get("/{project_id}", response_model=Project)
def get_project(project_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One project by id or name."""
    return present(request, "projects", projects.show_project(ws, project_id))


@router.patch("/{project_id}", response_model=Project)
def update_project(
    project_id: str, body: ProjectUpdate, request: Request, ws: Workspace = Depends(get_workspace)
) -> dict:
    """Rename a project or change its description or locale (409 when the new name is taken)."""
    updated = projects.update_project(ws, project_id, body.name, body.description, body.locale)
    return present(request, "projects", updated)


@router.delete("/{project_id}", status_code=204)
def delete_project(project_id: str, ws: Workspace = Depends(get_workspace)) -> Response:
    """Delete a project and everything in it (409 while it has endpoints or monitors, or work is running)."""
    projects.delete_project(ws, project_id)
    return Response(status_code=204)
