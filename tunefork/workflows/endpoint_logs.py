"""Endpoint request logs: keeping requests, listing and reading them, retention, download and export.

With logging on, each answered request keeps its result in the ``endpoint_logs`` table and, for audio, its
canonical 16 kHz mono WAV under the endpoint's logs folder, or with a shared object store
(``TUNEFORK_STORAGE_URL``) in an object of its own, so every machine sharing the database and the store
lists, downloads, exports and purges the logs any server wrote. Entries older than the endpoint's retention are
deleted by :func:`purge_expired_logs` (a periodic job) and, until it runs, never listed, shown, downloaded or
exported (the job may wait behind a training on the server's one job thread). Logs become data again through the
project kind's :class:`~tunefork.kinds.registry.LogExport` (speech: an ``audio`` dataset of the logged WAVs;
language: an ``utterances`` CSV of the texts with their predicted intents; entities: ``annotated-text`` with the
entities found), imported like any upload (the retrain loop).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tunefork.audio import write_wav
from tunefork.errors import NotFoundError, TuneforkError
from tunefork.kinds import ProjectKind, get_kind
from tunefork.kinds.registry import LoggedRequest
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.artifacts import write_jsonl
from tunefork.store.models import Endpoint, EndpointLog, Model, new_id, utcnow
from tunefork.store.objects import ObjectMissingError
from tunefork.store.repository import get_endpoint, get_project
from tunefork.store.staging import scratch_folder
from tunefork.timestamps import rfc3339
from tunefork.workflows.datasets import register_dataset, submit_import, upload_dataset
from tunefork.workflows.jobs import JobSubmitter
from tunefork.workspace import Workspace

logger = logging.getLogger(__name__)


def _write_kept(kept: np.ndarray | Path, path: Path) -> None:
    """Write a request's kept input to ``path`` atomically: audio samples as a WAV, or a file copied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        if isinstance(kept, Path):
            shutil.copyfile(kept, tmp)
        else:
            write_wav(tmp, kept)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _publish_kept(workspace: Workspace, kept: np.ndarray | Path, name: str) -> str:
    """Publish a request's kept input as an object of its own (one file named ``name``); its digest."""
    with scratch_folder(workspace.staging_dir, "log.") as scratch:
        _write_kept(kept, scratch / "object" / name)
        return workspace.publish(scratch / "object", cache=False)


def keep_request(
    workspace: Workspace, endpoint_id: str, result: dict[str, Any], kept: np.ndarray | Path | None = None
) -> str:
    """Log one answered request with its input: audio samples as a WAV, or a file copied.

    The input goes to the endpoint's logs folder, or with a shared object store into an object of its own
    (named by the log id, so no two logs share one and deleting a log deletes its object), written before
    the row that points at it: a crash in between leaves an orphan object that the sweep removes.
    """
    log_id = new_id()
    audio, artifact, written = "", "", None
    try:
        if kept is not None:
            suffix = kept.suffix if isinstance(kept, Path) else ".wav"
            final = workspace.endpoint_logs_dir(endpoint_id) / f"{log_id}{suffix}"
            audio = workspace.relative(final)
            if workspace.artifacts is None:
                _write_kept(kept, final)
                written = final
            else:
                artifact = _publish_kept(workspace, kept, final.name)
        with workspace.session() as session:
            session.add(
                EndpointLog(
                    id=log_id,
                    endpoint_id=endpoint_id,
                    model=result.get("model", ""),
                    audio=audio,
                    artifact=artifact,
                    duration=float(result.get("duration", 0.0)),
                    display_text=result.get("displayText", result.get("text", "")),
                    result=result,
                )
            )
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return log_id


def log_to_dict(log: EndpointLog) -> dict[str, Any]:
    """JSON-able view of one logged request."""
    return {
        "id": log.id,
        "endpoint": log.endpoint_id,
        "model": log.model,
        "duration": log.duration,
        "displayText": log.display_text,
        "file": Path(log.audio or log.artifact).name if log.audio or log.artifact else None,
        "result": log.result,
        "createdDateTime": rfc3339(log.created_at.isoformat()),  # a download's logs.jsonl had naive times
    }


def _retained(endpoint_id: str, retention_days: int) -> Any:
    """The condition of an endpoint's logs within its retention: those past it are gone to every reader, whenever
    the purge runs (a review listed and downloaded 3-day-old logs of a 1-day endpoint while a training held the
    job thread)."""
    cutoff = utcnow() - timedelta(days=retention_days)
    return (EndpointLog.endpoint_id == endpoint_id) & (EndpointLog.created_at >= cutoff)


def _retained_of(endpoint: Endpoint) -> Any:
    return _retained(endpoint.id, endpoint.retention_days)


def list_logs(
    workspace: Workspace, ref: str, project: str | None = None, skip: int = 0, top: int = 100
) -> list[dict[str, Any]]:
    """Logged requests of an endpoint, newest first."""
    with workspace.session() as session:
        query = (
            select(EndpointLog)
            .where(_retained_of(get_endpoint(session, ref, project)))
            .order_by(EndpointLog.created_at.desc(), EndpointLog.id)
            .offset(skip)
            .limit(top)
        )
        return [log_to_dict(log) for log in session.scalars(query)]


def count_logs(workspace: Workspace, ref: str, project: str | None = None) -> int:
    """How many logged requests an endpoint keeps."""
    with workspace.session() as session:
        query = select(func.count()).select_from(EndpointLog).where(_retained_of(get_endpoint(session, ref, project)))
        return int(session.scalar(query) or 0)


def _get_log(session: Session, endpoint: Endpoint, log_id: str) -> EndpointLog:
    log = session.scalar(select(EndpointLog).where(_retained_of(endpoint) & (EndpointLog.id == log_id)))
    if log is None:
        raise NotFoundError(f"No logged request '{log_id}' on this endpoint (or it is past the endpoint's retention).")
    return log


def show_log(workspace: Workspace, ref: str, log_id: str, project: str | None = None) -> dict[str, Any]:
    """One logged request."""
    with workspace.session() as session:
        return log_to_dict(_get_log(session, get_endpoint(session, ref, project), log_id))


def _fetch_kept(workspace: Workspace, audio: str, artifact: str, folder: Path) -> Path | None:
    """A logged request's kept file: in the workspace, or downloaded from its object into ``folder``; None
    when it is gone (deleted by retention meanwhile)."""
    if not artifact:
        path = workspace.resolve(audio)
        return path if audio and path.is_file() else None
    try:
        workspace.artifact_fetch(artifact, folder)
    except ObjectMissingError:
        return None
    return folder / Path(audio).name


def log_file(workspace: Workspace, ref: str, log_id: str, project: str | None = None) -> tuple[str, bytes]:
    """The file name and bytes of one logged request's kept input, its WAV or image (read from the shared store
    when it is there)."""
    with workspace.session() as session:
        log = _get_log(session, get_endpoint(session, ref, project), log_id)
        audio, artifact = log.audio, log.artifact
    if not audio and not artifact:
        raise NotFoundError(f"Logged request '{log_id}' kept no file: it was a text request.")
    with scratch_folder(workspace.staging_dir, "log.") as scratch:
        path = _fetch_kept(workspace, audio, artifact, scratch)
        if path is None:
            raise NotFoundError(f"The file of logged request '{log_id}' is gone (retention).")
        return path.name, path.read_bytes()


def discard_kept(workspace: Workspace, rows: list[tuple[str, str]]) -> None:
    """Remove the kept files of deleted logs (rows of ``audio``, ``artifact``): files in the workspace, or
    their objects. An object the store fails to delete now is left to the sweep of orphans."""
    for audio, artifact in rows:
        if not artifact:
            if audio:
                workspace.resolve(audio).unlink(missing_ok=True)
            continue
        try:
            workspace.discard(artifact)
        except ObjectMissingError:
            pass
        except TuneforkError as exc:
            logger.warning("logged request object %s left to the sweep of orphans: %s", artifact, exc)


def _delete_log_rows(workspace: Workspace, condition: Any) -> int:
    """Delete the log rows matching ``condition`` and their kept files; returns how many went."""
    with workspace.session() as session:
        doomed = list(session.execute(select(EndpointLog.id, EndpointLog.audio, EndpointLog.artifact).where(condition)))
        if doomed:
            session.execute(delete(EndpointLog).where(EndpointLog.id.in_([row.id for row in doomed])))
    discard_kept(workspace, [(row.audio, row.artifact) for row in doomed])
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


@contextmanager
def _logged_requests(workspace: Workspace, endpoint_id: str, with_files: bool = True) -> Iterator[list[LoggedRequest]]:
    """Every logged request of an endpoint within its retention, oldest first, with its kept file when it still
    exists (objects of a shared store downloaded into a scratch folder that lasts as long as the block; none
    without ``with_files``)."""
    with workspace.session() as session:
        retention_days = session.get(Endpoint, endpoint_id).retention_days
        rows = list(
            session.execute(
                select(EndpointLog.id, EndpointLog.audio, EndpointLog.artifact, EndpointLog.result)
                .where(_retained(endpoint_id, retention_days))
                .order_by(EndpointLog.created_at, EndpointLog.id)
            )
        )
    with scratch_folder(workspace.staging_dir, "logs.") as scratch:
        files = [_fetch_kept(workspace, row.audio, row.artifact, scratch) if with_files else None for row in rows]
        yield [LoggedRequest(row.id, row.result, file) for row, file in zip(rows, files, strict=True)]


def download_logs(workspace: Workspace, ref: str, output_dir: Path, project: str | None = None) -> int:
    """Copy an endpoint's logs into ``output_dir`` to review: ``logs.jsonl`` plus what the kind's export writes.

    Speech: the WAVs and ``trans.txt`` (``<log id>.wav<TAB>recognized text``: correct it, zip the folder and
    upload it as an ``acoustic`` dataset); language: ``utterances.yml`` (Rasa NLU YAML with the entities);
    entities: ``spans.jsonl``; a voice endpoint with a custom language model: the speech files and that model's
    project's file (only an export wrote them before).
    Returns the number of requests written.
    """
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        endpoint_id, kinds = endpoint.id, [get_kind(endpoint.project.kind)]
        language = session.get(Model, endpoint.language_model_id) if endpoint.language_model_id else None
        if language is not None:  # a voice endpoint: the understood requests too, as its language project reads them
            kinds.append(get_kind(language.project.kind))
    logs = list_logs(workspace, endpoint_id, top=10**9)
    output_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(output_dir / "logs.jsonl", list(reversed(logs)))
    with _logged_requests(workspace, endpoint_id) as logged:
        for kind in kinds:
            kind.log_export.write(output_dir, logged, True)
    return len(logs)


def _export_kind(session: Session, endpoint: Endpoint, into: str | None) -> ProjectKind:
    """The kind whose log export writes the snapshot: the endpoint's own, or for the logs of a voice endpoint
    exported into a language (text) project, that project's kind (the ``understand`` answers as utterances)."""
    own = get_kind(endpoint.project.kind)
    if endpoint.language_model_ref is None or into is None:
        return own
    target = get_kind(get_project(session, into).kind)
    return target if target.family.operation.input == "text" else own


def snapshot_logs(
    workspace: Workspace, ref: str, project: str | None = None, into: str | None = None
) -> tuple[Path, str]:
    """Freeze the logs into a new folder under the workspace uploads (retention may delete originals).

    Returns the folder and the dataset kind it imports as (the project kind's log export; for a voice
    endpoint exported ``into`` a language project, its ``understand`` requests as that kind's data).
    """
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        endpoint_id, name, kind = endpoint.id, endpoint.name, _export_kind(session, endpoint, into)
        own, logging = kind.name == endpoint.project.kind, endpoint.logging_enabled
    with _logged_requests(workspace, endpoint_id, with_files=own) as logged:
        logs = [log for log in logged if own or "intent" in log.result]
        if not logs:
            why = (
                "none is kept (requests are logged while logging is on, for its retention days)"
                if logging
                else f"logging is off: turn it on with `tunefork endpoint update {name} --logging`"
            )
            raise TuneforkError(f"Endpoint '{name}' has no logged requests to export: {why}.")
        workspace.exports_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(dir=workspace.exports_dir, prefix="logs."))
        try:
            kind.log_export.write(folder, logs, False)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    return folder, kind.log_export.dataset_kind


def export_logs(
    workspace: Workspace,
    ref: str,
    project_ref: str,
    name: str | None = None,
    project: str | None = None,
    progress: ProgressCallback = no_progress,
) -> dict[str, Any]:
    """Turn an endpoint's logs into a new dataset of ``project_ref`` (synchronously), of the kind's export kind."""
    dataset_name = name or _default_export_name(workspace, ref, project)
    folder, kind = snapshot_logs(workspace, ref, project, project_ref)
    try:
        return upload_dataset(
            workspace, project_ref, folder, kind, dataset_name, progress, _origin(workspace, ref, project)
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _origin(workspace: Workspace, ref: str, project: str | None) -> str:
    """What a log export's dataset records as its origin: its labels are the model's answers, unreviewed."""
    with workspace.session() as session:
        endpoint = get_endpoint(session, ref, project)
        return f"the logs of endpoint '{endpoint.name}', labelled with its model's own answers"


def register_logs_export(
    workspace: Workspace, ref: str, project_ref: str, name: str | None = None, project: str | None = None
) -> tuple[dict[str, Any], Path]:
    """The asynchronous form of :func:`export_logs`: a NotStarted dataset and the snapshot folder to import."""
    dataset_name = name or _default_export_name(workspace, ref, project)
    folder, kind = snapshot_logs(workspace, ref, project, project_ref)
    try:
        return register_dataset(workspace, project_ref, kind, dataset_name, _origin(workspace, ref, project)), folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def start_logs_export(
    workspace: Workspace,
    submitter: JobSubmitter,
    ref: str,
    project_ref: str,
    name: str | None = None,
    project: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The asynchronous export (REST and studio): a NotStarted dataset of the logs and the job importing it."""
    dataset, folder = register_logs_export(workspace, ref, project_ref, name, project)
    return dataset, submit_import(workspace, submitter, dataset, folder, folder)


def _default_export_name(workspace: Workspace, ref: str, project: str | None) -> str:
    with workspace.session() as session:
        endpoint_name = get_endpoint(session, ref, project).name
    return f"{endpoint_name}-logs-{utcnow():%Y%m%d-%H%M%S}"
