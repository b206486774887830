"""Deployed endpoints: keys (shown once, stored hashed), recognition, request logs and their retention.

Keys are ``secrets.token_urlsafe(32)`` strings; only their SHA-256 is stored and a presented key is
checked against both stored hashes with :func:`hmac.compare_digest`. ``key1`` and ``key2`` rotate
independently, so clients can move to the new key before the old one is regenerated.

With logging on, each recognized request keeps its canonical 16 kHz mono WAV under
``endpoints/<id>/logs/`` and its result in the ``endpoint_logs`` table; entries older than the
endpoint's retention are deleted by :func:`purge_expired_logs` (a periodic job). Logged audio becomes
an ``audio`` dataset through the ordinary dataset import (the retrain loop).

Language endpoints answer :func:`parse` instead (intents, out of scope, entities); their logs keep the
text and the parse, and export as an ``utterances`` CSV (text + predicted intent) to review and retrain on.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tunefork.audio import write_wav
from tunefork.errors import ConflictError, NotFoundError, TuneforkError
from tunefork.evaluation.normalizer import get_normalizer
from tunefork.language.base import OUT_OF_SCOPE
from tunefork.language.options import MAX_TEXT_CHARACTERS
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.artifacts import atomic_write_text, write_jsonl
from tunefork.store.models import Endpoint, EndpointLog, Model, Status, new_id, utcnow
from tunefork.store.repository import clean_name, get_endpoint, get_model, get_project
from tunefork.workflows.datasets import register_dataset, upload_dataset
from tunefork.workflows.models import ResolvedModel, resolve_model
from tunefork.workspace import Workspace

MODEL_KIND_BY_PROJECT = {"speech": "speech", "language": "language", "entities": "language"}

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
    return {
        "id": endpoint.id,
        "name": endpoint.name,
        "project": endpoint.project.name,
        "projectId": endpoint.project_id,
        "description": endpoint.description,
        "model": endpoint.model_ref,
        "modelId": endpoint.model_id,
        "modelKind": MODEL_KIND_BY_PROJECT.get(endpoint.project.kind, "speech"),
        "loggingEnabled": endpoint.logging_enabled,
        "retentionDays": endpoint.retention_days,
        "status": endpoint.status,
        "createdDateTime": endpoint.created_at.isoformat(),
        "lastActionDateTime": endpoint.last_action_at.isoformat(),
    }


def _check_retention(days: int) -> int:
    if not 1 <= int(days) <= MAX_RETENTION_DAYS:
        raise TuneforkError(f"Retention must be between 1 and {MAX_RETENTION_DAYS} days (got {days}).")
    return int(days)


def _deployable(workspace: Workspace, model_ref: str, project: str) -> ResolvedModel:
    """A base model, or a Succeeded custom model (by name in ``project``, or by id), fit for the project."""
    with workspace.session() as session:
        project_row = get_project(session, project)
        project_kind, project_name = project_row.kind, project_row.name
    if project_kind not in MODEL_KIND_BY_PROJECT:
        raise TuneforkError(f"Project '{project_name}' is a {project_kind} project; endpoints serve speech or text.")
    return resolve_model(workspace, model_ref, project, kind=MODEL_KIND_BY_PROJECT[project_kind])


def create_endpoint(
    workspace: Workspace,
    project_ref: str,
    name: str,
    model_ref: str,
    description: str = "",
    logging: bool = False,
    retention_days: int = 30,
) -> dict[str, Any]:
    """Deploy a model; the result carries ``keys`` (``key1``, ``key2``), which are never shown again."""
    name = clean_name(name, "endpoint")
    retention_days = _check_retention(retention_days)
    with workspace.session() as session:
        project_name = get_project(session, project_ref).name
    model = _deployable(workspace, model_ref, project_name)
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


def show_endpoint(workspace: Workspace, ref: str, project: str | None = None) -> dict[str, Any]:
    """One endpoint by name or id, with its number of logged requests."""
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        count = session.scalar(select(func.count()).where(EndpointLog.endpoint_id == endpoint.id))
        return {**endpoint_to_dict(endpoint), "loggedRequests": int(count or 0)}


def update_endpoint(
    workspace: Workspace,
    ref: str,
    *,
    logging: bool | None = None,
    retention_days: int | None = None,
    description: str | None = None,
    model_ref: str | None = None,
    project: str | None = None,
) -> dict[str, Any]:
    """Switch logging, change retention or description, or deploy another model; ``None`` keeps a setting."""
    if retention_days is not None:
        retention_days = _check_retention(retention_days)
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        endpoint_id, project_name = endpoint.id, endpoint.project.name
    model = _deployable(workspace, model_ref, project_name) if model_ref is not None else None
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


def endpoint_logs_dir(workspace: Workspace, endpoint_id: str) -> Path:
    """Folder of an endpoint's logged audio."""
    return workspace.home / "endpoints" / endpoint_id / "logs"


def delete_endpoint(workspace: Workspace, ref: str, project: str | None = None) -> None:
    """Delete an endpoint with all its logs; its keys stop working at once."""
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        endpoint_id = endpoint.id
        session.delete(endpoint)
    shutil.rmtree(endpoint_logs_dir(workspace, endpoint_id).parent, ignore_errors=True)


def ensure_not_deployed(session: Session, model_id: str) -> None:
    """Raise :class:`ConflictError` naming the endpoints that serve model ``model_id``."""
    names = list(session.scalars(select(Endpoint.name).where(Endpoint.model_id == model_id)))
    if names:
        raise ConflictError(
            f"The model is deployed on endpoint(s) {', '.join(sorted(names))}; "
            "delete them or deploy another model there first."
        )


def delete_model(workspace: Workspace, ref: str, project: str | None = None) -> None:
    """Delete a custom model and its artifact, unless an endpoint uses it or it is training (409)."""
    with workspace.session() as session:
        model = get_model(session, ref, project)
        ensure_not_deployed(session, model.id)
        if model.status == Status.RUNNING:
            raise ConflictError(f"Model '{model.name}' is training; wait for it to finish.")
        model_id = model.id
        session.delete(model)
    shutil.rmtree(workspace.models_dir / model_id, ignore_errors=True)


# ---------------------------------------------------------------- recognition


@dataclass(frozen=True)
class RecognitionTarget:
    """What an authorized recognition request needs: the endpoint, its model and whether to log."""

    endpoint_id: str
    model: ResolvedModel
    logging_enabled: bool


def authorize(workspace: Workspace, endpoint_id: str, key: str | None) -> RecognitionTarget | None:
    """The endpoint's target when ``key`` is its key1 or key2, else ``None`` (compared in constant time).

    Raises :class:`NotFoundError` when no endpoint has this id.
    """
    with workspace.session() as session:
        endpoint = session.get(Endpoint, endpoint_id)
        if endpoint is None:
            raise NotFoundError(f"No endpoint with id '{endpoint_id}'.")
        hashes = (endpoint.key1_hash, endpoint.key2_hash)
        model_ref, model_id, logging = endpoint.model_ref, endpoint.model_id, endpoint.logging_enabled
    presented = hash_key(key or "")
    matches = [hmac.compare_digest(presented, stored) for stored in hashes]  # both, always
    if not key or not any(matches):
        return None
    if model_id is None:
        model = ResolvedModel(name=model_ref)
    else:
        with workspace.session() as session:
            row = session.get(Model, model_id)
            model = ResolvedModel(
                name=row.name, model_id=row.id, artifact_dir=workspace.models_dir / row.id, engine=row.engine
            )
    return RecognitionTarget(endpoint_id=endpoint_id, model=model, logging_enabled=logging)


def parse(target: RecognitionTarget, text: str) -> dict[str, Any]:
    """Understand one utterance with the endpoint's (shared, cached) language model."""
    text = text.strip()
    if not text:
        raise TuneforkError("The text to parse is empty.")
    if len(text) > MAX_TEXT_CHARACTERS:
        raise TuneforkError(f"The text has {len(text)} characters, over the {MAX_TEXT_CHARACTERS} limit.")
    result = target.model.load().parse(text).to_json()
    return {"endpoint": target.endpoint_id, "model": target.model.name, "modelId": target.model.model_id, **result}


def log_parse(workspace: Workspace, endpoint_id: str, result: dict[str, Any]) -> str:
    """Keep a parsed text and its result; return the log id."""
    log_id = new_id()
    with workspace.session() as session:
        session.add(
            EndpointLog(
                id=log_id, endpoint_id=endpoint_id, model=result.get("model", ""), audio="", duration=0.0,
                display_text=result.get("text", ""), result=result,
            )
        )  # fmt: skip
    return log_id


def recognize(target: RecognitionTarget, samples: np.ndarray) -> dict[str, Any]:
    """Transcribe canonical samples with the endpoint's (shared, cached) model."""
    transcript = target.model.load().transcribe(samples)
    words = [{"word": w.text, "start": w.start, "end": w.end, "confidence": w.confidence} for w in transcript.words]
    return {
        "endpoint": target.endpoint_id,
        "model": target.model.name,
        "modelId": target.model.model_id,
        "recognitionStatus": "Success" if transcript.text else "NoMatch",
        "displayText": transcript.text,
        "lexicalText": get_normalizer()(transcript.text),
        "duration": round(transcript.duration, 3),
        "words": words,
    }


def log_request(workspace: Workspace, endpoint_id: str, samples: np.ndarray, result: dict[str, Any]) -> str:
    """Keep the audio (16 kHz mono WAV, written atomically) and the result; return the log id."""
    log_id = new_id()
    folder = endpoint_logs_dir(workspace, endpoint_id)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{log_id}.wav"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".wav")
    os.close(fd)
    try:
        write_wav(Path(tmp), samples)
        os.replace(tmp, final)
        with workspace.session() as session:
            session.add(
                EndpointLog(
                    id=log_id,
                    endpoint_id=endpoint_id,
                    model=result.get("model", ""),
                    audio=str(final.relative_to(workspace.home)),
                    duration=float(result.get("duration", 0.0)),
                    display_text=result.get("displayText", ""),
                    result=result,
                )
            )
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        raise
    return log_id


# ---------------------------------------------------------------- logs


def log_to_dict(log: EndpointLog) -> dict[str, Any]:
    """JSON-able view of one logged request."""
    return {
        "id": log.id,
        "endpoint": log.endpoint_id,
        "model": log.model,
        "duration": log.duration,
        "displayText": log.display_text,
        "result": log.result,
        "createdDateTime": log.created_at.isoformat(),
    }


def list_logs(
    workspace: Workspace, ref: str, project: str | None = None, skip: int = 0, top: int = 100
) -> list[dict[str, Any]]:
    """Logged requests of an endpoint, newest first."""
    with workspace.session() as session:
        endpoint_id = get_endpoint(session, ref, project).id
        query = (
            select(EndpointLog)
            .where(EndpointLog.endpoint_id == endpoint_id)
            .order_by(EndpointLog.created_at.desc(), EndpointLog.id)
            .offset(skip)
            .limit(top)
        )
        return [log_to_dict(log) for log in session.scalars(query)]


def _get_log(session: Session, endpoint_id: str, log_id: str) -> EndpointLog:
    log = session.get(EndpointLog, log_id)
    if log is None or log.endpoint_id != endpoint_id:
        raise NotFoundError(f"No logged request '{log_id}' on this endpoint.")
    return log


def show_log(workspace: Workspace, ref: str, log_id: str, project: str | None = None) -> dict[str, Any]:
    """One logged request."""
    with workspace.session() as session:
        return log_to_dict(_get_log(session, get_endpoint(session, ref, project).id, log_id))


def log_audio_path(workspace: Workspace, ref: str, log_id: str, project: str | None = None) -> Path:
    """The WAV file of one logged request."""
    with workspace.session() as session:
        path = workspace.home / _get_log(session, get_endpoint(session, ref, project).id, log_id).audio
    if not path.is_file():
        raise NotFoundError(f"The audio of logged request '{log_id}' is gone (retention).")
    return path


def _delete_log_rows(workspace: Workspace, condition: Any) -> int:
    """Delete the log rows matching ``condition`` and their audio; returns how many went."""
    with workspace.session() as session:
        doomed = list(session.execute(select(EndpointLog.id, EndpointLog.audio).where(condition)))
        if doomed:
            session.execute(delete(EndpointLog).where(EndpointLog.id.in_([row.id for row in doomed])))
    for row in doomed:
        if row.audio:
            (workspace.home / row.audio).unlink(missing_ok=True)
    return len(doomed)


def delete_logs(workspace: Workspace, ref: str, older_than: datetime | None = None, project: str | None = None) -> int:
    """Delete an endpoint's logs (only those older than ``older_than`` when given); returns the count."""
    with workspace.session() as session:
        endpoint_id = get_endpoint(session, ref, project).id
    condition = EndpointLog.endpoint_id == endpoint_id
    if older_than is not None:
        condition = condition & (EndpointLog.created_at < older_than)
    return _delete_log_rows(workspace, condition)


def purge_expired_logs(workspace: Workspace, now: datetime | None = None) -> int:
    """Delete every log entry older than its endpoint's retention (the periodic job); returns the count."""
    now = now or utcnow()
    with workspace.session() as session:
        endpoints = list(session.execute(select(Endpoint.id, Endpoint.retention_days)))
    total = 0
    for endpoint_id, days in endpoints:
        cutoff = now - timedelta(days=days)
        total += _delete_log_rows(
            workspace, (EndpointLog.endpoint_id == endpoint_id) & (EndpointLog.created_at < cutoff)
        )
    return total


def download_logs(workspace: Workspace, ref: str, output_dir: Path, project: str | None = None) -> int:
    """Copy an endpoint's logs into ``output_dir``: ``logs.jsonl`` plus, for speech, the WAVs and ``trans.txt``.

    ``trans.txt`` holds ``<log id>.wav<TAB>recognized text``: correct it, zip the folder and upload it as
    an ``acoustic`` dataset to train on real traffic. Parsed texts go where :func:`write_parsed_logs` puts
    them, ready to correct and upload. Returns the number of requests written.
    """
    logs = list_logs(workspace, ref, project, top=10**9)
    with workspace.session() as session:
        project_kind = get_endpoint(session, ref, project).project.kind
    output_dir.mkdir(parents=True, exist_ok=True)
    spoken, typed = [], []
    for log in reversed(logs):
        with workspace.session() as session:
            audio = session.get(EndpointLog, log["id"]).audio
        if not audio:
            typed.append(log)
        elif (workspace.home / audio).is_file():
            shutil.copyfile(workspace.home / audio, output_dir / f"{log['id']}.wav")
            spoken.append(log)
    write_jsonl(output_dir / "logs.jsonl", spoken + typed)
    if spoken:
        lines = "".join(f"{log['id']}.wav\t{log['displayText']}\n" for log in spoken)
        atomic_write_text(output_dir / "trans.txt", lines)
    if typed:
        write_parsed_logs(output_dir, project_kind, [log["result"] for log in typed])
    return len(spoken) + len(typed)


def write_parsed_logs(folder: Path, project_kind: str, parses: list[dict[str, Any]]) -> str:
    """Write logged parses as a dataset to review; returns its kind.

    Entities projects get ``spans.jsonl`` (``annotated-text``: each text with the entities found), language
    projects ``utterances.csv`` (``utterances``: ``text,intent`` with the predicted intent).
    """
    if project_kind == "entities":
        write_jsonl(folder / "spans.jsonl", [_annotated(result) for result in parses])
        return "annotated-text"
    _write_utterances_csv(folder / "utterances.csv", parses)
    return "utterances"


def _write_utterances_csv(path: Path, parses: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["text", "intent"])
    for result in parses:
        writer.writerow([result.get("text", ""), result.get("intent") or OUT_OF_SCOPE])
    atomic_write_text(path, buffer.getvalue())


def _annotated(result: dict[str, Any]) -> dict[str, Any]:
    """A logged parse as an annotated-text record: the text and the entities found."""
    spans = [{"start": e["start"], "end": e["end"], "label": e["label"]} for e in result.get("entities", [])]
    return {"text": result.get("text", ""), "spans": spans}


def snapshot_logs(workspace: Workspace, ref: str, project: str | None = None) -> tuple[Path, str]:
    """Freeze the logs into a new folder under the workspace uploads (retention may delete originals).

    Returns the folder and the dataset kind it imports as: ``audio`` (the logged WAVs); for a language
    project ``utterances`` (``utterances.csv`` with the predicted intents to review); for an entities
    project ``annotated-text`` (``spans.jsonl`` with the found entities to review).
    """
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        project_kind = endpoint.project.kind
        rows = list(
            session.execute(
                select(EndpointLog.audio, EndpointLog.result)
                .where(EndpointLog.endpoint_id == endpoint.id)
                .order_by(EndpointLog.created_at)
            )
        )
        name = endpoint.name
    if not rows:
        raise TuneforkError(f"Endpoint '{name}' has no logged requests to export (is logging on?).")
    root = workspace.home / "uploads" / "exports"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=root, prefix="logs."))
    parses = [row.result for row in rows if not row.audio]
    if parses:
        return folder, write_parsed_logs(folder, project_kind, parses)
    for relative in (row.audio for row in rows):
        source = workspace.home / relative
        if not source.is_file():
            continue
        try:
            os.link(source, folder / source.name)
        except OSError:
            shutil.copyfile(source, folder / source.name)
    return folder, "audio"


def export_logs(
    workspace: Workspace,
    ref: str,
    project_ref: str,
    name: str | None = None,
    project: str | None = None,
    progress: ProgressCallback = no_progress,
) -> dict[str, Any]:
    """Turn an endpoint's logs into a new dataset of ``project_ref`` (synchronously): ``audio`` or ``utterances``."""
    dataset_name = name or _default_export_name(workspace, ref, project)
    folder, kind = snapshot_logs(workspace, ref, project)
    try:
        return upload_dataset(workspace, project_ref, folder, kind, dataset_name, progress)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def register_logs_export(
    workspace: Workspace, ref: str, project_ref: str, name: str | None = None, project: str | None = None
) -> tuple[dict[str, Any], Path]:
    """The asynchronous form of :func:`export_logs`: a NotStarted dataset and the snapshot folder to import."""
    dataset_name = name or _default_export_name(workspace, ref, project)
    folder, kind = snapshot_logs(workspace, ref, project)
    try:
        return register_dataset(workspace, project_ref, kind, dataset_name), folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _default_export_name(workspace: Workspace, ref: str, project: str | None) -> str:
    with workspace.session() as session:
        endpoint_name = get_endpoint(session, ref, project).name
    return f"{endpoint_name}-logs-{utcnow():%Y%m%d-%H%M%S}"
