"""What each kind of job does: one workflow call per kind (the same functions the CLI uses)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tunefork.progress import ProgressCallback
from tunefork.workflows.batch_transcription import run_transcription
from tunefork.workflows.datasets import run_dataset_import
from tunefork.workflows.evaluation import run_evaluation
from tunefork.workflows.training import run_training
from tunefork.workspace import Workspace

JobFunction = Callable[[Workspace, str, dict[str, Any], ProgressCallback], None]


@dataclass(frozen=True)
class JobKind:
    """A kind of job: the resource table it works on and the function that does the work."""

    resource_type: str
    run: JobFunction


def _import_dataset(workspace: Workspace, dataset_id: str, payload: dict[str, Any], progress: ProgressCallback) -> None:
    """Import an uploaded file (or an endpoint-log snapshot) into a registered dataset, then drop the upload."""
    try:
        run_dataset_import(workspace, dataset_id, workspace.home / payload["source"], progress, confine_paths=True)
    finally:
        if payload.get("cleanup"):
            shutil.rmtree(workspace.home / payload["cleanup"], ignore_errors=True)


def _train_model(workspace: Workspace, model_id: str, payload: dict[str, Any], progress: ProgressCallback) -> None:
    run_training(workspace, model_id, progress)


def _evaluate(workspace: Workspace, evaluation_id: str, payload: dict[str, Any], progress: ProgressCallback) -> None:
    run_evaluation(workspace, evaluation_id, payload.get("terms") or None, progress)


def _transcribe(workspace: Workspace, resource_id: str, payload: dict[str, Any], progress: ProgressCallback) -> None:
    run_transcription(workspace, resource_id, progress)


JOB_KINDS: dict[str, JobKind] = {
    "dataset-import": JobKind("datasets", _import_dataset),
    "model-training": JobKind("models", _train_model),
    "evaluation": JobKind("evaluations", _evaluate),
    "transcription": JobKind("transcriptions", _transcribe),
}
"""Job kind -> what it works on and how. Adding a kind = one function and one entry."""
