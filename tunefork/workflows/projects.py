"""Create and list projects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tunefork.errors import ConflictError, TuneforkError
from tunefork.store.models import Project
from tunefork.store.repository import clean_name, get_project
from tunefork.workspace import Workspace

PROJECT_KINDS = ("speech", "language", "entities", "image")


def project_to_dict(project: Project) -> dict[str, Any]:
    """JSON-able view of a project."""
    return {
        "id": project.id,
        "name": project.name,
        "kind": project.kind,
        "locale": project.locale,
        "description": project.description,
        "createdDateTime": project.created_at.isoformat(),
    }


def create_project(
    workspace: Workspace, name: str, kind: str, locale: str = "en-US", description: str = ""
) -> dict[str, Any]:
    """Create a project; names are unique in a workspace."""
    name = clean_name(name, "project")
    if kind not in PROJECT_KINDS:
        raise TuneforkError(f"Unknown project kind '{kind}'; choose one of: {', '.join(PROJECT_KINDS)}.")
    with workspace.session() as session:
        if session.scalar(select(Project).where(Project.name == name)) is not None:
            raise ConflictError(f"A project named '{name}' already exists.")
        project = Project(name=name, kind=kind, locale=locale, description=description)
        session.add(project)
        session.flush()
        return project_to_dict(project)


def list_projects(workspace: Workspace) -> list[dict[str, Any]]:
    """All projects, oldest first."""
    with workspace.session() as session:
        return [project_to_dict(p) for p in session.scalars(select(Project).order_by(Project.created_at))]


def show_project(workspace: Workspace, ref: str) -> dict[str, Any]:
    """One project by name or id."""
    with workspace.session() as session:
        return project_to_dict(get_project(session, ref))
