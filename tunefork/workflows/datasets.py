"""Upload, list and inspect datasets. An upload lands completely or not at all."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tunefork.datasets.importer import import_dataset
from tunefork.datasets.inspection import inspect_dataset, load_manifest
from tunefork.datasets.kinds import SPEECH_KINDS
from tunefork.errors import ConflictError, TuneforkError
from tunefork.progress import ProgressCallback, no_progress
from tunefork.speech.vocabulary import baseline_vocabulary
from tunefork.store.artifacts import staged_directory
from tunefork.store.models import Dataset, Status, new_id
from tunefork.store.repository import get_dataset, get_project
from tunefork.workspace import Workspace

DATASET_KINDS_BY_PROJECT = {"speech": SPEECH_KINDS}


def dataset_to_dict(dataset: Dataset) -> dict[str, Any]:
    """JSON-able view of a dataset, with the per-item rejection reasons."""
    return {
        "id": dataset.id,
        "name": dataset.name,
        "project": dataset.project.name,
        "kind": dataset.kind,
        "sourceFormat": dataset.source_format,
        "status": dataset.status,
        "accepted": dataset.accepted,
        "rejected": dataset.rejected,
        "rejections": dataset.rejections,
        "warnings": dataset.warnings,
        "contentHash": dataset.content_hash,
        "createdDateTime": dataset.created_at.isoformat(),
    }


def _check_kind(project_kind: str, kind: str) -> None:
    allowed = DATASET_KINDS_BY_PROJECT.get(project_kind, ())
    if kind not in allowed:
        choices = ", ".join(allowed) or "none yet"
        raise TuneforkError(f"A {project_kind} project takes dataset kinds: {choices} (got '{kind}').")


def upload_dataset(
    workspace: Workspace,
    project_ref: str,
    source: Path,
    kind: str,
    name: str | None = None,
    progress: ProgressCallback = no_progress,
) -> dict[str, Any]:
    """Validate and import ``source`` into a new dataset of ``project_ref``.

    Returns the dataset with accepted/rejected counts and reasons. On a whole-upload rejection an
    ``UploadRejectedError`` is raised and nothing is left behind (no folder, no database row).
    """
    source = Path(source)
    if not source.exists():
        raise TuneforkError(f"{source}: no such file or folder.")
    name = (name or source.stem).strip()
    with workspace.session() as session:
        project = get_project(session, project_ref)
        _check_kind(project.kind, kind)
        taken = session.scalar(select(Dataset).where(Dataset.project_id == project.id, Dataset.name == name))
        if taken is not None:
            raise ConflictError(f"Project '{project.name}' already has a dataset named '{name}'; pass --name.")
        project_id = project.id
    dataset_id = new_id()
    final_dir = workspace.dataset_path(dataset_id)
    with staged_directory(final_dir, workspace.staging_dir) as staging:
        result = import_dataset(source, kind, staging, workspace.settings.limits, progress)
    try:
        with workspace.session() as session:
            dataset = Dataset(
                id=dataset_id,
                project_id=project_id,
                name=name,
                kind=kind,
                source_format=result.source_format,
                status=Status.SUCCEEDED,
                accepted=result.accepted,
                rejected=len(result.rejections),
                rejections=[issue.__dict__ for issue in result.rejections],
                warnings=[issue.__dict__ for issue in result.warnings],
                content_hash=result.content_hash,
            )
            session.add(dataset)
            session.flush()
            return dataset_to_dict(dataset)
    except BaseException:
        shutil.rmtree(final_dir, ignore_errors=True)
        raise


def list_datasets(workspace: Workspace, project_ref: str) -> list[dict[str, Any]]:
    """Datasets of a project, oldest first."""
    with workspace.session() as session:
        project = get_project(session, project_ref)
        query = select(Dataset).where(Dataset.project_id == project.id).order_by(Dataset.created_at)
        return [dataset_to_dict(d) for d in session.scalars(query)]


def show_dataset(workspace: Workspace, ref: str, project: str | None = None) -> dict[str, Any]:
    """One dataset by name or id."""
    with workspace.session() as session:
        return dataset_to_dict(get_dataset(session, ref, project))


def inspect(workspace: Workspace, ref: str, project: str | None = None) -> dict[str, Any]:
    """The quality report of a dataset (counts, durations, conversions, duplicates, OOV words)."""
    info = show_dataset(workspace, ref, project)
    report = inspect_dataset(workspace.dataset_path(info["id"]), info["kind"], baseline_vocabulary())
    return {"dataset": info, "report": report}


def dataset_records(workspace: Workspace, dataset_id: str) -> list[dict[str, Any]]:
    """The canonical manifest records of a dataset, with ``audio`` made an absolute path."""
    folder = workspace.dataset_path(dataset_id)
    records = load_manifest(folder)
    for record in records:
        if "audio" in record:
            record["audio"] = str(folder / record["audio"])
    return records
