"""``/projects``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from tunefork.service.auth import require_admin
from tunefork.service.deps import ERRORS, Paging, get_workspace, paging
from tunefork.service.present import present, present_all
from tunefork.service.schemas import Page, Project, ProjectCreate
from tunefork.workflows import projects
from tunefork.workspace import Workspace

router = APIRouter(prefix="/projects", tags=["projects"], dependencies=[Depends(require_admin)], responses=ERRORS)


@router.post("", status_code=201, response_model=Project)
def create_project(body: ProjectCreate, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """Create a project (names are unique)."""
    created = projects.create_project(ws, body.name, body.kind, body.locale, body.description)
    return present(request, "projects", created)


@router.get("", response_model=Page[Project])
def list_projects(request: Request, page: Paging = Depends(paging), ws: Workspace = Depends(get_workspace)) -> dict:
    """All projects, oldest first."""
    return present_all(request, "projects", projects.list_projects(ws), page.skip, page.top)


@router.get("/{project_id}", response_model=Project)
def get_project(project_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One project by id or name."""
    return present(request, "projects", projects.show_project(ws, project_id))
