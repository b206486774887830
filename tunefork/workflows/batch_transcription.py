"""Batch transcriptions as tracked resources: registered NotStarted, run in the background, results kept.

The work itself is :func:`tunefork.workflows.transcription.transcribe` (the function behind
``tunefork transcribe``); this module records the request, runs it later and serves the results.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tunefork.errors import ConflictError, NotFoundError, TuneforkError, failure_reason
from tunefork.kinds.speech import SPEECH_MODELS
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.artifacts import read_jsonl
from tunefork.store.models import Status, Transcription
from tunefork.store.objects import ObjectStoreError
from tunefork.store.repository import get_dataset, get_project
from tunefork.workflows.jobs import JobKind, JobSubmitter, submit_job, update_resource
from tunefork.workflows.models import resolve_model
from tunefork.workflows.transcription import check_source, dataset_audio_items, transcribe
from tunefork.workspace import JOB_PUBLISH_RETRY_PAUSES, Workspace

log = logging.getLogger(__name__)


def transcription_to_dict(row: Transcription) -> dict[str, Any]:
    """JSON-able view of a batch transcription."""
    return {
        "id": row.id,
        "name": row.name,
        "projectId": row.project_id,
        "model": row.model_ref,
        "dataset": row.dataset_id,
        "files": list(row.files),
        "status": row.status,
        "error": row.error,
        "items": row.item_count,
        "createdDateTime": row.created_at.isoformat(),
        "lastActionDateTime": row.last_action_at.isoformat(),
    }


def register_transcription(
    workspace: Workspace,
    model_ref: str,
    dataset_ref: str | None = None,
    file_names: list[str] | None = None,
    project: str | None = None,
    name: str = "",
) -> dict[str, Any]:
    """Validate a request (a dataset, or files to be placed in its upload folder) and record it NotStarted."""
    check_source(dataset_ref, file_names)
    resolved = resolve_model(workspace, model_ref, project, family=SPEECH_MODELS)
    model_key = resolved.model_id or resolved.name
    dataset_id, project_id, count = None, None, len(file_names or [])
    if dataset_ref is not None:
        items = dataset_audio_items(workspace, dataset_ref, project)
        with workspace.session() as session:
            dataset = get_dataset(session, dataset_ref, project)
            dataset_id, project_id, count = dataset.id, dataset.project_id, len(items)
    elif project is not None:
        with workspace.session() as session:
            project_id = get_project(session, project).id
    with workspace.session() as session:
        row = Transcription(
            project_id=project_id,
            name=name.strip(),
            model_ref=model_key,
            dataset_id=dataset_id,
            files=list(file_names or []),
            item_count=count,
            status=Status.NOT_STARTED,
        )
        session.add(row)
        session.flush()
        return transcription_to_dict(row)


def start_transcription(
    workspace: Workspace,
    submitter: JobSubmitter,
    model_ref: str,
    dataset_ref: str | None = None,
    files: list[tuple[str, Callable[[Path], None]]] | None = None,
    project: str | None = None,
    name: str = "",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The asynchronous batch transcription (REST): register it, keep the uploaded files, submit the job.

    ``files`` are ``(file name, write)`` pairs; ``write(path)`` copies an uploaded file to ``path``. If that
    fails, the transcription is left Failed with the reason. The CLI transcribes inline with
    :func:`tunefork.workflows.transcription.transcribe`.
    """
    names = [file_name for file_name, _ in files or []]
    created = register_transcription(workspace, model_ref, dataset_ref, names, project, name)
    folder = workspace.upload_dir("transcriptions", created["id"])
    try:
        for file_name, write in files or []:
            folder.mkdir(parents=True, exist_ok=True)
            write(folder / file_name)
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        _update(workspace, created["id"], status=Status.FAILED, error=f"upload interrupted: {exc}")
        raise
    try:  # with a shared object store the files travel as an object, for a worker on another machine
        shipped = workspace.publish(folder) if files else ""
    except ObjectStoreError:  # the store is down: no transcription, no object, the reason to the client
        shutil.rmtree(folder, ignore_errors=True)
        with workspace.session() as session:
            session.delete(session.get(Transcription, created["id"]))
        raise
    payload = {"upload": shipped} if shipped else None
    return created, submit_job(submitter, JobKind.TRANSCRIPTION, created["id"], created["projectId"], payload)


def _update(workspace: Workspace, transcription_id: str, **fields: Any) -> dict[str, Any]:
    return update_resource(workspace, "transcriptions", transcription_id, transcription_to_dict, **fields)


def run_transcription(
    workspace: Workspace, transcription_id: str, progress: ProgressCallback = no_progress
) -> dict[str, Any]:
    """Transcribe a registered request; Succeeded with the transcripts on disk, or Failed with the reason."""
    info = _update(workspace, transcription_id, status=Status.RUNNING, error="")
    folder = workspace.upload_dir("transcriptions", transcription_id)
    files = [folder / name for name in info["files"]] or None
    try:
        output = transcribe(
            workspace,
            info["model"],
            dataset_ref=info["dataset"],
            files=files,
            output_dir=workspace.transcription_dir(transcription_id),
            progress=progress,
        )
        transcripts = workspace.transcription_dir(transcription_id)
        artifact = workspace.publish(transcripts, retry_pauses=JOB_PUBLISH_RETRY_PAUSES)  # the object, then the row
    except TuneforkError as exc:
        reason = failure_reason(exc, log, f"transcribing {transcription_id}")
        return _update(workspace, transcription_id, status=Status.FAILED, error=workspace.public_message(reason))
    shutil.rmtree(folder, ignore_errors=True)
    return _update(
        workspace, transcription_id, status=Status.SUCCEEDED, item_count=len(output.transcripts), artifact=artifact
    )


def list_transcriptions(workspace: Workspace, project_ref: str | None = None) -> list[dict[str, Any]]:
    """Batch transcriptions (of one project when given), oldest first."""
    with workspace.session() as session:
        query = select(Transcription).order_by(Transcription.created_at)
        if project_ref is not None:
            query = query.where(Transcription.project_id == get_project(session, project_ref).id)
        return [transcription_to_dict(row) for row in session.scalars(query)]


def show_transcription(workspace: Workspace, transcription_id: str) -> dict[str, Any]:
    """One batch transcription by id."""
    with workspace.session() as session:
        row = session.get(Transcription, transcription_id)
        if row is None:
            raise NotFoundError(f"No transcription with id '{transcription_id}'.")
        return transcription_to_dict(row)


def transcription_results(workspace: Workspace, transcription_id: str) -> list[dict[str, Any]]:
    """The transcripts (id, text, words with times and confidences) of a Succeeded transcription."""
    info = show_transcription(workspace, transcription_id)
    if info["status"] != Status.SUCCEEDED:
        raise NotFoundError(f"Transcription '{transcription_id}' is {info['status']}: no results yet.")
    with workspace.session() as session:
        artifact = session.get(Transcription, transcription_id).artifact
    path = workspace.artifact_folder(artifact, workspace.transcription_dir(transcription_id)) / "transcripts.jsonl"
    if not path.exists():
        raise NotFoundError(f"Transcription '{transcription_id}' is {info['status']}: no results yet.")
    return read_jsonl(path)


def delete_transcription(workspace: Workspace, transcription_id: str) -> None:
    """Delete a transcription and its files (a Running one cannot be deleted)."""
    info = show_transcription(workspace, transcription_id)
    if info["status"] == Status.RUNNING:
        raise ConflictError(f"Transcription '{transcription_id}' is Running; wait for it to finish.")
    with workspace.session() as session:
        session.delete(session.get(Transcription, transcription_id))
    shutil.rmtree(workspace.transcription_dir(transcription_id), ignore_errors=True)
    shutil.rmtree(workspace.upload_dir("transcriptions", transcription_id), ignore_errors=True)
