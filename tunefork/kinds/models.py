"""A model named by a user, resolved: a base model of a family, or a trained custom model ready to load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunefork.errors import TuneforkError
from tunefork.kinds.registry import ModelFamily, family_of
from tunefork.wording import a_or_an


@dataclass
class ResolvedModel:
    """A model ready to load, with the datasets it was trained on (for overlap checks)."""

    name: str
    model_id: str | None = None
    artifact_dir: Path | None = None
    training_dataset_ids: list[str] = field(default_factory=list)
    engine: str = ""
    """The custom model's engine (custom models only)."""
    gate_failure: str | None = None
    """Why ``--gate`` failed this custom model, when an evaluation asked for it anyway (it is not deployable)."""

    @property
    def family(self) -> ModelFamily:
        """The model family it belongs to (found from its base model name or its engine)."""
        return family_of(self)

    def load(self) -> Any:
        """Load the model (shared per process)."""
        return self.family.load(self)

    def require(self, family: ModelFamily) -> None:
        """Raise :class:`TuneforkError` unless this is a model of ``family``."""
        if self.family is not family:
            raise TuneforkError(
                f"Model '{self.name}' is {a_or_an(self.family.name)} model; this needs {a_or_an(family.name)} model."
            )
