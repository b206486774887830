"""Resolve model references: a base model name from the engine registry, or a custom model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tunefork.errors import NotFoundError
from tunefork.speech.base import SpeechModel
from tunefork.speech.registry import is_base_model, list_base_models, load_base_model
from tunefork.workspace import Workspace


@dataclass
class ResolvedModel:
    """A model ready to load, with the datasets it was trained on (for overlap checks)."""

    name: str
    training_dataset_ids: list[str] = field(default_factory=list)

    def load(self) -> SpeechModel:
        return load_base_model(self.name)


def base_models() -> list[dict[str, Any]]:
    """The baseline models users can evaluate and customize."""
    return [info.__dict__ for info in list_base_models()]


def resolve_speech_model(workspace: Workspace, ref: str, project: str | None = None) -> ResolvedModel:
    """Find the model ``ref``: a base model name (custom models arrive with training)."""
    if is_base_model(ref):
        return ResolvedModel(name=ref)
    names = ", ".join(info.name for info in list_base_models(include_downloadable=False))
    raise NotFoundError(f"No model named '{ref}'. Base models: {names}. See `tunefork model list --base`.")
