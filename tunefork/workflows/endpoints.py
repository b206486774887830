"""Deployed endpoints: create, list, show, update and delete them, and their keys (shown once, stored hashed).

Keys are ``secrets.token_urlsafe(32)`` strings; only their SHA-256 is stored and a presented key is
checked against both stored hashes with :func:`hmac.compare_digest` (:mod:`tunefork.workflows.requests`).
``key1`` and ``key2`` rotate independently, so clients can move to the new key before the old one is
regenerated. Requests to endpoints are answered by :mod:`tunefork.workflows.requests`; their logs are kept
and exported by :mod:`tunefork.workflows.endpoint_logs`.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tunefork.errors import ConflictError, TuneforkError
from tunefork.evaluation.labels import OUT_OF_SCOPE_NAMES
from tunefork.kinds import ProjectKind, ResolvedModel, get_kind
from tunefork.kinds.voice import check_language_model, served_operation
from tunefork.speech.bundled import bundled_models
from tunefork.speech.registry import downloads_on_first_use
from tunefork.store.models import Endpoint, EndpointLog, Model, Monitor, Status, utcnow
from tunefork.store.repository import clean_name, get_endpoint, get_project, voice_endpoints_serving
from tunefork.workflows.datasets import dataset_records
from tunefork.workflows.endpoint_logs import count_logs, discard_kept
from tunefork.workflows.models import resolve_model
from tunefork.workflows.projects import kind_of
from tunefork.workspace import Workspace

KEY_NAMES = ("key1", "key2")
MAX_RETENTION_DAYS = 3650


def new_key() -> str:
    """A fresh random endpoint key (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The stored form of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def endpoint_to_dict(endpoint: Endpoint) -> dict[str, Any]:
    """JSON-able view of an endpoint (never the keys)."""
    family = get_kind(endpoint.project.kind).family
    return {
        "id": endpoint.id,
        "name": endpoint.name,
        "project": endpoint.project.name,
        "projectId": endpoint.project_id,
        "description": endpoint.description,
        "model": endpoint.model_ref,
        "modelId": endpoint.model_id,
        "modelKind": family.name,
        "operation": served_operation(family.operation, endpoint.language_model_ref).name,
        "languageModel": endpoint.language_model_ref,
        "languageModelId": endpoint.language_model_id,
        "loggingEnabled": endpoint.logging_enabled,
        "retentionDays": endpoint.retention_days,
        "status": endpoint.status,
        "createdDateTime": endpoint.created_at.isoformat(),
        "lastActionDateTime": endpoint.last_action_at.isoformat(),
    }


def download_warning(endpoint: dict[str, Any]) -> str | None:
    """What to know when an endpoint serves a base speech model that is not bundled: the server downloads it on
    the endpoint's first request, and answers 503 while it cannot (offline, or the hub unreachable)."""
    if endpoint["modelId"] is not None or not downloads_on_first_use(endpoint["model"]):
        return None
    return (
        f"{endpoint['model']} is not bundled: the server downloads it from the Hugging Face hub on the first request, "
        f"and answers 503 until it can (the bundled models are {bundled_models()})."
    )


def served_models(endpoint: dict[str, Any]) -> str:
    """What an endpoint serves, in words: its model, then its language model if it has one (a voice endpoint)."""
    return endpoint["model"] + (f" then {endpoint['languageModel']}" if endpoint["languageModel"] else "")


def request_sample(workspace: Workspace, kind: ProjectKind, model_id: str | None) -> str:
    """What an endpoint's sample code sends: to a text endpoint, one of its custom model's in-scope training texts
    (:func:`sample_text`) if it has one, else the kind's example (for audio and images, a file name)."""
    sample = kind.wording.sample or "utterance.wav"
    if kind.family.operation.input == "text":
        sample = sample_text(workspace, model_id) or sample
    return sample


def sample_text(workspace: Workspace, model_id: str | None) -> str | None:
    """A request text for a text endpoint's sample code: the first in-scope example the custom model ``model_id``
    was trained on, so the example a user copies asks something the model knows (``None`` for a base model or
    a model trained on no such text). Only a short printable text without quotes or backslashes is taken: the
    sample goes inside a shell command's single quotes."""
    if model_id is None:
        return None
    with workspace.session() as session:
        model = session.get(Model, model_id)
        dataset_ids = list(model.dataset_ids) if model is not None else []
    for dataset_id in dataset_ids:
        for record in dataset_records(workspace, dataset_id):
            text = record.get("text")
            if _quotable(text) and record.get("intent") not in OUT_OF_SCOPE_NAMES:
                return text.strip()
    return None


def _quotable(text: Any) -> bool:
    return (
        isinstance(text, str)
        and 0 < len(text.strip()) <= 80
        and text.isprintable()
        and not {"'", '"', "\\"} & set(text)
    )


def _check_retention(days: int) -> int:
    if not 1 <= int(days) <= MAX_RETENTION_DAYS:
        raise TuneforkError(f"Retention must be between 1 and {MAX_RETENTION_DAYS} days (got {days}).")
    return int(days)


def _language_model(workspace: Workspace, speech: ResolvedModel, ref: str) -> ResolvedModel:
    """The language model of a voice endpoint: it parses text, and the endpoint's model takes audio."""
    if speech.family.operation.input != "audio":
        raise TuneforkError("--language-model chains a language model after a speech model; deploy a speech model.")
    return check_language_model(resolve_model(workspace, ref))


def _deployable(workspace: Workspace, model_ref: str, project: str) -> ResolvedModel:
    """A base model, or a Succeeded custom model (by name in ``project``, or by id), fit for the project."""
    return resolve_model(workspace, model_ref, project, family=kind_of(workspace, project).family)


def create_endpoint(
    workspace: Workspace,
    project_ref: str,
    name: str,
    model_ref: str,
    description: str = "",
    logging: bool = False,
    retention_days: int = 30,
    language_model_ref: str | None = None,
) -> dict[str, Any]:
    """Deploy a model; the result carries ``keys`` (``key1``, ``key2``), which are never shown again.

    ``language_model_ref`` makes a voice endpoint: a speech model whose transcripts that language model
    (a base model, or a Succeeded custom model of any project, by name or id) parses at ``/understand``.
    """
    name = clean_name(name, "endpoint")
    retention_days = _check_retention(retention_days)
    with workspace.session() as session:
        project_name = get_project(session, project_ref).name
    model = _deployable(workspace, model_ref, project_name)
    language = _language_model(workspace, model, language_model_ref) if language_model_ref else None
    keys = {key_name: new_key() for key_name in KEY_NAMES}
    with workspace.session() as session:
        project = get_project(session, project_ref)
        taken = select(Endpoint).where(Endpoint.project_id == project.id, Endpoint.name == name)
        if session.scalar(taken) is not None:
            raise ConflictError(f"Project '{project.name}' already has an endpoint named '{name}'.")
        endpoint = Endpoint(
            project_id=project.id,
            name=name,
            description=description,
            model_ref=model.name,
            model_id=model.model_id,
            language_model_ref=language.name if language else None,
            language_model_id=language.model_id if language else None,
            key1_hash=hash_key(keys["key1"]),
            key2_hash=hash_key(keys["key2"]),
            logging_enabled=logging,
            retention_days=retention_days,
            status=Status.SUCCEEDED,
        )
        session.add(endpoint)
        session.flush()
        return {**endpoint_to_dict(endpoint), "keys": keys}


def list_endpoints(workspace: Workspace, project_ref: str | None = None) -> list[dict[str, Any]]:
    """Endpoints (of one project when given), oldest first."""
    with workspace.session() as session:
        query = select(Endpoint).order_by(Endpoint.created_at)
        if project_ref is not None:
            query = query.where(Endpoint.project_id == get_project(session, project_ref).id)
        return [endpoint_to_dict(e) for e in session.scalars(query)]


def voice_endpoints_elsewhere(workspace: Workspace, project_ref: str) -> list[dict[str, Any]]:
    """Other projects' voice endpoints whose language model is one of this project's models (they keep it from
    being deleted; a review's `project show` said "0 endpoints" for a project whose model one served)."""
    with workspace.session() as session:
        query = voice_endpoints_serving(get_project(session, project_ref).id)
        return [endpoint_to_dict(e) for e in session.scalars(query.order_by(Endpoint.created_at))]


def show_endpoint(workspace: Workspace, ref: str, project: str | None = None) -> dict[str, Any]:
    """One endpoint by name or id, with its number of logged requests within its retention."""
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        shown = endpoint_to_dict(endpoint)
    return {**shown, "loggedRequests": count_logs(workspace, shown["id"])}  # those past retention are gone to readers


def update_endpoint(
    workspace: Workspace,
    ref: str,
    *,
    logging: bool | None = None,
    retention_days: int | None = None,
    description: str | None = None,
    model_ref: str | None = None,
    project: str | None = None,
    language_model_ref: str | None = None,
) -> dict[str, Any]:
    """Switch logging, change retention or description, deploy another model, or another language model after a
    speech model (a voice endpoint: it answers ``/understand``); ``None`` keeps a setting."""
    if retention_days is not None:
        retention_days = _check_retention(retention_days)
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        endpoint_id, project_name = endpoint.id, endpoint.project.name
        deployed = endpoint.model_id or endpoint.model_ref
    model = _deployable(workspace, model_ref, project_name) if model_ref is not None else None
    language = None
    if language_model_ref is not None:
        language = _language_model(workspace, model or resolve_model(workspace, deployed), language_model_ref)
    with workspace.session() as session:
        endpoint = session.get(Endpoint, endpoint_id)
        if logging is not None:
            endpoint.logging_enabled = logging
        if retention_days is not None:
            endpoint.retention_days = retention_days
        if description is not None:
            endpoint.description = description
        if model is not None:
            endpoint.model_ref, endpoint.model_id = model.name, model.model_id
        if language is not None:
            endpoint.language_model_ref, endpoint.language_model_id = language.name, language.model_id
        endpoint.last_action_at = utcnow()
        session.flush()
        return endpoint_to_dict(endpoint)


def regenerate_key(workspace: Workspace, ref: str, key_name: str, project: str | None = None) -> dict[str, str]:
    """Replace ``key1`` or ``key2`` (the other keeps working); returns ``{key_name: new key}``, shown once."""
    if key_name not in KEY_NAMES:
        raise TuneforkError(f"Choose the key to regenerate: {' or '.join(KEY_NAMES)} (got '{key_name}').")
    key = new_key()
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        setattr(endpoint, f"{key_name}_hash", hash_key(key))
        endpoint.last_action_at = utcnow()
    return {key_name: key}


def delete_endpoint(workspace: Workspace, ref: str, project: str | None = None) -> list[str]:
    """Delete an endpoint with all its logs; its keys stop working at once. The monitors that watched it are
    paused (each run would only fail: there is nothing to test) and kept with their runs; returns their names."""
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        endpoint_id = endpoint.id
        kept = select(EndpointLog.audio, EndpointLog.artifact).where(EndpointLog.endpoint_id == endpoint_id)
        logs = [(row.audio, row.artifact) for row in session.execute(kept)]
        watching = list(session.scalars(select(Monitor).where(Monitor.endpoint_id == endpoint_id)))
        for monitor in watching:
            monitor.paused = True
        session.delete(endpoint)
        paused = sorted(monitor.name for monitor in watching)
    discard_kept(workspace, logs)
    shutil.rmtree(workspace.endpoint_dir(endpoint_id), ignore_errors=True)
    return paused


def ensure_not_deployed(session: Session, model_id: str) -> None:
    """Raise :class:`ConflictError` naming the endpoints that serve model ``model_id``."""
    serving = or_(Endpoint.model_id == model_id, Endpoint.language_model_id == model_id)
    names = list(session.scalars(select(Endpoint.name).where(serving)))
    if names:
        raise ConflictError(
            f"The model is deployed on endpoint(s) {', '.join(sorted(names))}; "
            "delete them or deploy another model there first."
        )
