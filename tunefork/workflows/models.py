"""Resolve model references: a base model name from an engine registry, or a project's custom model.

Speech and language models resolve the same way; :attr:`ResolvedModel.kind` tells them apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunefork.errors import NotFoundError, TuneforkError
from tunefork.language.base import LanguageModel
from tunefork.language.registry import (
    is_language_base_model,
    is_language_engine,
    list_language_base_models,
    load_custom_language_model,
    load_language_base,
)
from tunefork.speech.base import SpeechModel
from tunefork.speech.registry import is_base_model, list_base_models, load_base_model, load_custom_model
from tunefork.store.models import Model, Status
from tunefork.store.repository import get_model
from tunefork.workspace import Workspace


@dataclass
class ResolvedModel:
    """A model ready to load, with the datasets it was trained on (for overlap checks)."""

    name: str
    model_id: str | None = None
    artifact_dir: Path | None = None
    training_dataset_ids: list[str] = field(default_factory=list)
    engine: str = ""
    """The custom model's engine (custom models only)."""

    @property
    def kind(self) -> str:
        """``language`` for language and entity models, else ``speech``."""
        if self.artifact_dir is None:
            return "language" if is_language_base_model(self.name) else "speech"
        return "language" if is_language_engine(self.engine) else "speech"

    def load(self) -> SpeechModel | LanguageModel:
        """Load the model (shared per process)."""
        if self.kind == "language":
            return (
                load_language_base(self.name)
                if self.artifact_dir is None
                else load_custom_language_model(self.artifact_dir)
            )
        if self.artifact_dir is None:
            return load_base_model(self.name)
        return load_custom_model(self.artifact_dir)

    def require(self, kind: str) -> None:
        """Raise :class:`TuneforkError` unless this is a ``kind`` model."""
        if self.kind != kind:
            raise TuneforkError(f"Model '{self.name}' is a {self.kind} model; this needs a {kind} model.")


def base_models() -> list[dict[str, Any]]:
    """The baseline models users can evaluate and customize (speech, then language)."""
    return [info.to_dict() for info in [*list_base_models(), *list_language_base_models()]]


def is_any_base_model(name: str) -> bool:
    """True when ``name`` is a speech or language base model."""
    return is_base_model(name) or is_language_base_model(name)


def model_to_dict(model: Model) -> dict[str, Any]:
    """JSON-able view of a custom model."""
    return {
        "id": model.id,
        "name": model.name,
        "project": model.project.name,
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


def resolve_custom_model(workspace: Workspace, model: Model) -> ResolvedModel:
    """A custom model row as a loadable model; only Succeeded models can be used."""
    if model.status != Status.SUCCEEDED:
        reason = f": {model.error}" if model.error else ""
        raise TuneforkError(f"Model '{model.name}' is {model.status}{reason}; only Succeeded models can be used.")
    return ResolvedModel(
        name=model.name,
        model_id=model.id,
        artifact_dir=workspace.models_dir / model.id,
        training_dataset_ids=list(model.dataset_ids),
        engine=model.engine,
    )


def resolve_model(workspace: Workspace, ref: str, project: str | None = None, kind: str | None = None) -> ResolvedModel:
    """Find the model ``ref``: a base model name, or a custom model's name or id (of ``kind`` when given)."""
    model = _find_model(workspace, ref, project)
    if kind is not None:
        model.require(kind)
    return model


def _find_model(workspace: Workspace, ref: str, project: str | None) -> ResolvedModel:
    if is_any_base_model(ref):
        return ResolvedModel(name=ref)
    try:
        with workspace.session() as session:
            return resolve_custom_model(workspace, get_model(session, ref, project))
    except NotFoundError:
        bundled = [*list_base_models(include_downloadable=False), *list_language_base_models()]
        names = ", ".join(info.name for info in bundled)
        raise NotFoundError(
            f"No model named '{ref}'. Base models: {names} (`tunefork model list --base`); "
            "custom models: `tunefork model list PROJECT`."
        ) from None
