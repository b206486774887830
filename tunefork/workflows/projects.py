"""Create and list projects; a project's kind is one of the registered kinds (:mod:`tunefork.kinds`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tunefork.errors import ConflictError, TuneforkError
from tunefork.kinds import ProjectKind, get_kind, kind_names
from tunefork.kinds.registry import find_kind
from tunefork.store.models import Project
from tunefork.store.repository import clean_name, get_project
from tunefork.workspace import Workspace


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
    get_kind(kind)  # only registered kinds
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


def kind_of(workspace: Workspace, project_ref: str) -> ProjectKind:
    """The registered kind of a project (a clear error for a kind this installation does not know)."""
    with workspace.session() as session:
        project = get_project(session, project_ref)
        name, kind_name = project.name, project.kind
    kind = find_kind(kind_name)
    if kind is None:
        raise TuneforkError(
            f"Project '{name}' is of kind '{kind_name}', which no engine of this installation serves "
            f"(kinds: {', '.join(kind_names())})."
        )
    return kind
