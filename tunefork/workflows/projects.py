"""Create, list, rename and delete projects; a project's kind is one of the registered kinds (:mod:`tunefork.kinds`)."""

from __future__ import annotations

import re
import shutil
from typing import Any

from sqlalchemy import select

from tunefork.errors import ConflictError, TuneforkError
from tunefork.kinds import ProjectKind, get_kind, kind_names
from tunefork.kinds.registry import find_kind, locale_warning
from tunefork.store.models import Dataset, Endpoint, Evaluation, Job, Model, Monitor, Project, Status, Transcription
from tunefork.store.repository import clean_name, get_project, voice_endpoints_serving
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
        "warnings": project_warnings(project.kind, project.locale),
    }


def project_warnings(kind_name: str, locale: str) -> list[str]:
    """What a project should know before its data is uploaded: a locale its kind's models cannot read."""
    kind = find_kind(kind_name)
    warning = locale_warning(kind, locale) if kind is not None else None
    return [warning] if warning else []


_LOCALE = re.compile(r"(?P<language>[A-Za-z]{2,3})(?P<rest>(?:[-_][A-Za-z0-9]{2,8})*)")
"""A BCP 47 tag as projects use it: a language code, then a script or region (``en``, ``en-US``, ``zh-Hans-CN``)."""


def check_locale(locale: str) -> str:
    """``locale`` in its usual spelling (``en_us`` -> ``en-US``), or :class:`TuneforkError` saying what one is."""
    match = _LOCALE.fullmatch(locale.strip())
    if match is None:
        raise TuneforkError(
            f"'{locale}' is not a locale: give a language code with an optional region, e.g. en-US, en-GB or de-DE."
        )
    parts = [match["language"].lower()]
    for part in re.split(r"[-_]", match["rest"])[1:]:
        parts.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part)
    return "-".join(parts)


MAX_DESCRIPTION_CHARACTERS = 2000
"""What a project's description may hold (the REST schema's bound, for every surface)."""


def _check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_CHARACTERS:
        raise TuneforkError(
            f"A description may have at most {MAX_DESCRIPTION_CHARACTERS} characters (got {len(description)})."
        )
    return description


def create_project(
    workspace: Workspace, name: str, kind: str, locale: str = "en-US", description: str = ""
) -> dict[str, Any]:
    """Create a project; names are unique in a workspace. Its dict's ``warnings`` name a locale its kind's models
    cannot read."""
    name = clean_name(name, "project")
    _check_description(description)
    get_kind(kind)  # only registered kinds
    with workspace.session() as session:
        if session.scalar(select(Project).where(Project.name == name)) is not None:
            raise ConflictError(f"A project named '{name}' already exists.")
        project = Project(name=name, kind=kind, locale=check_locale(locale), description=description)
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


def update_project(
    workspace: Workspace,
    ref: str,
    name: str | None = None,
    description: str | None = None,
    locale: str | None = None,
) -> dict[str, Any]:
    """Rename a project or change its description or locale (its kind never changes); omitted: kept."""
    with workspace.session() as session:
        project = get_project(session, ref)
        if name is not None:
            name = clean_name(name, "project")
            taken = session.scalar(select(Project).where(Project.name == name, Project.id != project.id))
            if taken is not None:
                raise ConflictError(f"A project named '{name}' already exists.")
            project.name = name
        if description is not None:
            project.description = _check_description(description)
        if locale is not None:
            project.locale = check_locale(locale)
        session.flush()
        return project_to_dict(project)


ACTIVE = (Status.NOT_STARTED, Status.RUNNING)


def _in_use(session: Any, project: Project) -> list[str]:
    """What keeps a project from being deleted: its endpoints, its monitors, other projects' voice endpoints that
    serve one of its models (deleting it broke them: 500 at every request), and its unfinished work."""
    reasons = []
    for table, noun in ((Endpoint, "endpoint"), (Monitor, "monitor")):
        names = sorted(session.scalars(select(table.name).where(table.project_id == project.id)))
        if names:
            reasons.append(f"{noun}(s) {', '.join(names)}")
    if names := sorted(endpoint.name for endpoint in session.scalars(voice_endpoints_serving(project.id))):
        reasons.append(
            f"its models serve other projects' voice endpoint(s) {', '.join(names)} (deploy another language "
            "model there first)"
        )
    for table, noun in ((Dataset, "a dataset import"), (Model, "a training"), (Evaluation, "an evaluation"),
                        (Transcription, "a transcription"), (Job, "a job")):  # fmt: skip
        running = session.scalar(
            select(table.id).where(table.project_id == project.id, table.status.in_(ACTIVE)).limit(1)
        )
        if running is not None:
            reasons.append(f"{noun} still running or queued")
    return reasons


def _ids(session: Any, table: Any, project_id: str) -> list[str]:
    return list(session.scalars(select(table.id).where(table.project_id == project_id)))


def check_deletable(workspace: Workspace, ref: str) -> None:
    """Refuse (409) at once a project :func:`delete_project` would refuse, before anyone is asked to confirm."""
    with workspace.session() as session:
        _refuse_in_use(session, get_project(session, ref))


def _refuse_in_use(session: Any, project: Project) -> None:
    reasons = _in_use(session, project)
    if reasons:
        raise ConflictError(f"Project '{project.name}' is in use: {'; '.join(reasons)}.")


def delete_project(workspace: Workspace, ref: str) -> dict[str, int]:
    """Delete a project with its datasets, models, evaluations and transcriptions, files included.

    Refused (409) while it is in use: it has endpoints or monitors (delete them first), or work is
    running or queued. Returns how many of each were deleted.
    """
    with workspace.session() as session:
        project = get_project(session, ref)
        _refuse_in_use(session, project)
        owned = [
            ("datasets", workspace.dataset_path, _ids(session, Dataset, project.id)),
            ("models", workspace.model_dir, _ids(session, Model, project.id)),
            ("evaluations", workspace.report_dir, _ids(session, Evaluation, project.id)),
            ("transcriptions", workspace.transcription_dir, _ids(session, Transcription, project.id)),
        ]
        session.delete(project)
    for _, folder_of, ids in owned:
        for resource_id in ids:
            shutil.rmtree(folder_of(resource_id), ignore_errors=True)
    workspace.forget_inspections(owned[0][2])  # the datasets' reports quote their texts (a code review)
    return {noun: len(ids) for noun, _, ids in owned}


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
