"""What each kind of job does: one workflow call per kind (the same functions the CLI uses)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tunefork.progress import ProgressCallback
from tunefork.store.staging import scratch_folder
from tunefork.workflows.batch_transcription import run_transcription
from tunefork.workflows.datasets import run_dataset_import
from tunefork.workflows.evaluation import run_evaluation
from tunefork.workflows.jobs import JOB_RESOURCES, JobKind, LeaseLostError
from tunefork.workflows.monitors import run_monitor
from tunefork.workflows.training import run_training
from tunefork.workspace import Workspace

JobFunction = Callable[[Workspace, str, dict[str, Any], ProgressCallback], None]


@dataclass(frozen=True)
class JobHandler:
    """How a kind of job runs: the resource table it works on and the function that does the work."""

    resource_type: str
    run: JobFunction


def _import_dataset(workspace: Workspace, dataset_id: str, payload: dict[str, Any], progress: ProgressCallback) -> None:
    """Import an uploaded file (or an endpoint-log snapshot) into a registered dataset, then drop the upload
    (kept when the lease was lost: the attempt that took the job over imports it). An upload shipped
    through the shared object store (``upload``: its digest) is downloaded and verified first."""
    if payload.get("upload"):
        with scratch_folder(workspace.staging_dir, "upload.") as scratch:
            workspace.artifact_fetch(payload["upload"], scratch)
            run_dataset_import(workspace, dataset_id, scratch / payload["source"], progress, confine_paths=True)
        return
    try:
        run_dataset_import(workspace, dataset_id, workspace.resolve(payload["source"]), progress, confine_paths=True)
    except LeaseLostError:
        raise
    except BaseException:
        _drop_upload(workspace, payload)
        raise
    _drop_upload(workspace, payload)


def _drop_upload(workspace: Workspace, payload: dict[str, Any]) -> None:
    if payload.get("cleanup"):
        shutil.rmtree(workspace.resolve(payload["cleanup"]), ignore_errors=True)


def _train_model(workspace: Workspace, model_id: str, payload: dict[str, Any], progress: ProgressCallback) -> None:
    run_training(workspace, model_id, progress)


def _evaluate(workspace: Workspace, evaluation_id: str, payload: dict[str, Any], progress: ProgressCallback) -> None:
    run_evaluation(workspace, evaluation_id, payload.get("terms") or None, progress)


def _transcribe(workspace: Workspace, resource_id: str, payload: dict[str, Any], progress: ProgressCallback) -> None:
    """Transcribe; files shipped through the shared object store (``upload``) are fetched and verified first."""
    if payload.get("upload"):
        folder = workspace.upload_dir("transcriptions", resource_id)
        shutil.rmtree(folder, ignore_errors=True)
        workspace.artifact_fetch(payload["upload"], folder)
    run_transcription(workspace, resource_id, progress)


def _run_monitor(workspace: Workspace, run_id: str, payload: dict[str, Any], progress: ProgressCallback) -> None:
    run_monitor(workspace, run_id, progress)


JOB_HANDLERS: dict[str, JobHandler] = {
    kind: JobHandler(JOB_RESOURCES[kind], run)
    for kind, run in (
        (JobKind.DATASET_IMPORT, _import_dataset),
        (JobKind.MODEL_TRAINING, _train_model),
        (JobKind.EVALUATION, _evaluate),
        (JobKind.TRANSCRIPTION, _transcribe),
        (JobKind.MONITOR_RUN, _run_monitor),
    )
}
"""Job kind -> what it works on and how. Adding a kind = one :class:`JobKind`, one function and one entry."""
