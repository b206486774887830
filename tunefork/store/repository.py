"""Look objects up by name or id, with clear errors for missing and ambiguous references."""

from __future__ import annotations

import unicodedata
from typing import TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from tunefork.errors import AmbiguousReferenceError, NotFoundError, TuneforkError
from tunefork.store.models import Dataset, Endpoint, Model, Monitor, Project
from tunefork.wording import did_you_mean

T = TypeVar("T", Dataset, Model, Endpoint, Monitor)
MAX_NAME_CHARACTERS = 200


def clean_name(name: str | None, noun: str) -> str:
    """``name`` stripped, or a TuneforkError when it cannot name a ``noun``: empty, too long, or holding
    control characters (names are printed in terminals and pages, and used to look objects up)."""
    name = (name or "").strip()
    a_noun = f"{'An' if noun[:1].lower() in 'aeiou' else 'A'} {noun}"
    if not name:
        raise TuneforkError(f"{a_noun} needs a non-empty name.")
    if len(name) > MAX_NAME_CHARACTERS:
        raise TuneforkError(f"{a_noun} name may have at most {MAX_NAME_CHARACTERS} characters (got {len(name)}).")
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise TuneforkError(f"{a_noun} name may not contain control characters (tabs, line breaks, escapes).")
    if "/" in name or "\\" in name:
        raise TuneforkError(f"{a_noun} name may not contain '/' or '\\' (a URL could not look it up by name).")
    if name in (".", ".."):  # clients normalise /projects/.. to / (a review)
        raise TuneforkError(f"{a_noun} name may not be '.' or '..' (a URL could not look it up by name).")
    return name


def get_project(session: Session, ref: str) -> Project:
    """The project whose id or name is ``ref``."""
    project = session.scalar(select(Project).where(or_(Project.id == ref, Project.name == ref)))
    if project is None:
        guess = did_you_mean(ref, session.scalars(select(Project.name)))
        raise NotFoundError(f"No project named or with id '{ref}'.{guess} See `tunefork project list`.")
    return project


def _get_in_project(session: Session, table: type[T], noun: str, ref: str, project: str | None) -> T:
    query = select(table).where(or_(table.id == ref, table.name == ref))
    names = select(table.name)
    if project is not None:
        project_id = get_project(session, project).id
        query, names = query.where(table.project_id == project_id), names.where(table.project_id == project_id)
    matches = list(session.scalars(query))
    by_id = [m for m in matches if m.id == ref]
    if by_id:
        return by_id[0]
    if not matches:
        where = f" in project '{project}'" if project else ""
        raise NotFoundError(f"No {noun} named or with id '{ref}'{where}.{did_you_mean(ref, session.scalars(names))}")
    if len(matches) > 1:
        found = ", ".join(sorted(f"id {m.id} in project '{m.project.name}'" for m in matches))
        raise AmbiguousReferenceError(
            f"{len(matches)} {noun}s are named '{ref}' ({found}); use the id (the CLI also takes --project)."
        )
    return matches[0]


def get_dataset(session: Session, ref: str, project: str | None = None) -> Dataset:
    """The dataset whose id or name is ``ref`` (``project`` narrows an ambiguous name)."""
    return _get_in_project(session, Dataset, "dataset", ref, project)


def get_model(session: Session, ref: str, project: str | None = None) -> Model:
    """The custom model whose id or name is ``ref`` (``project`` narrows an ambiguous name)."""
    return _get_in_project(session, Model, "model", ref, project)


def get_endpoint(session: Session, ref: str, project: str | None = None) -> Endpoint:
    """The endpoint whose id or name is ``ref`` (``project`` narrows an ambiguous name)."""
    return _get_in_project(session, Endpoint, "endpoint", ref, project)


def get_monitor(session: Session, ref: str, project: str | None = None) -> Monitor:
    """The monitor whose id or name is ``ref`` (``project`` narrows an ambiguous name)."""
    return _get_in_project(session, Monitor, "monitor", ref, project)


def voice_endpoints_serving(project_id: str) -> Select[tuple[Endpoint]]:
    """Other projects' voice endpoints whose language model is one of project ``project_id``'s models."""
    own = select(Model.id).where(Model.project_id == project_id)
    return select(Endpoint).where(Endpoint.project_id != project_id, Endpoint.language_model_id.in_(own))
