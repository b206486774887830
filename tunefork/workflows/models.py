"""Resolve model references: a base model name of a registered family, or a project's custom model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunefork.errors import NotFoundError
from tunefork.kinds import ResolvedModel, base_models, family_of_base_model
from tunefork.kinds.registry import ModelFamily
from tunefork.store.models import Model, Status
from tunefork.store.repository import get_model
from tunefork.workspace import Workspace

__all__ = ["ResolvedModel", "base_model_list", "is_any_base_model", "model_to_dict", "resolve_model"]


def base_model_list() -> list[dict[str, Any]]:
    """The baseline models users can evaluate and customize, family by family."""
    return [info.to_dict() for info in base_models()]


def is_any_base_model(name: str) -> bool:
    """True when ``name`` is a base model of a registered family."""
    return family_of_base_model(name) is not None


def model_to_dict(model: Model) -> dict[str, Any]:
    """JSON-able view of a custom model."""
    return {
        "id": model.id,
        "name": model.name,
        "project": model.project.name,
        "projectId": model.project_id,
        "baseModel": model.base_model,
        "engine": model.engine,
        "description": model.description,
        "status": model.status,
        "progress": model.progress,
        "error": model.error,
        "datasets": model.dataset_ids,
        "datasetHashes": model.dataset_hashes,
        "parameters": model.parameters,
        "metrics": model.metrics,
        "createdDateTime": model.created_at.isoformat(),
        "lastActionDateTime": model.last_action_at.isoformat(),
    }


def model_files(workspace: Workspace, model: Model) -> Path:
    """A custom model's files on this machine: its workspace folder, or its published object through the cache."""
    return workspace.artifact_folder(model.artifact, workspace.model_dir(model.id))


GATE_FAILURE_PREFIX = "gate: "
"""How the error of a model that ``--gate`` failed starts (its files are kept, unlike other failures')."""


def failed_its_gate(workspace: Workspace, model: Model) -> bool:
    """True for a model ``--gate`` failed whose files are kept: it can still be evaluated, not deployed."""
    kept = model.artifact is not None or workspace.model_dir(model.id).is_dir()
    return model.status == Status.FAILED and model.error.startswith(GATE_FAILURE_PREFIX) and kept


def resolve_custom_model(workspace: Workspace, model: Model, gate_failed: bool = False) -> ResolvedModel:
    """A custom model row as a loadable model; only Succeeded models can be used, and with ``gate_failed`` (an
    evaluation) also a model ``--gate`` failed (a review could not check one on a bigger test set)."""
    passed = model.status == Status.SUCCEEDED
    if not passed and not (gate_failed and failed_its_gate(workspace, model)):
        from tunefork.errors import TuneforkError

        reason = f": {model.error}" if model.error else ""
        raise TuneforkError(f"Model '{model.name}' is {model.status}{reason}; only Succeeded models can be used.")
    return ResolvedModel(
        name=model.name,
        model_id=model.id,
        artifact_dir=model_files(workspace, model),
        training_dataset_ids=list(model.dataset_ids),
        engine=model.engine,
        gate_failure=None if passed else model.error,
    )


def resolve_model(
    workspace: Workspace,
    ref: str,
    project: str | None = None,
    family: ModelFamily | None = None,
    gate_failed: bool = False,
) -> ResolvedModel:
    """Find the model ``ref``: a base model name, or a custom model's name or id (of ``family`` when given; with
    ``gate_failed``, a model ``--gate`` failed too: see :func:`resolve_custom_model`)."""
    model = _find_model(workspace, ref, project, family, gate_failed)
    if family is not None:
        model.require(family)
    return model


def _find_model(
    workspace: Workspace, ref: str, project: str | None, family: ModelFamily | None, gate_failed: bool = False
) -> ResolvedModel:
    if is_any_base_model(ref):
        return ResolvedModel(name=ref)
    with workspace.session() as session:
        try:
            row = get_model(session, ref, project)
        except NotFoundError as missing:  # its message names the close custom model names, if any
            offered = family.base_models(False) if family is not None else base_models(include_downloadable=False)
            names = ", ".join(info.name for info in offered)  # a speech endpoint was offered image models
            raise NotFoundError(
                f"{missing} Base models: {names} (`tunefork model list --base`); custom models: "
                "`tunefork model list PROJECT`."
            ) from None
        return resolve_custom_model(workspace, row, gate_failed)
