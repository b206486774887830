"""The contract between the training workflow and engine trainers, and base model cards.

A trainer takes a base model name and the training data of its engine (canonical records of every
training dataset, gathered by the engine's own collector), and writes its engine files into an empty
``output_dir``. It returns :class:`TrainedComponents`: the ``engine_config`` its loader needs to rebuild
the model from the folder, and a plain description of what each data kind contributed. The workflow
writes the ``model.json`` card around it (:mod:`tunefork.engines.card`) and moves the folder into place
atomically, so a failed or killed training leaves no partial artifact.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tunefork.progress import ProgressCallback


@dataclass
class TrainingParameters:
    """User-facing knobs; engines ignore the ones that do not apply to them."""

    custom_weight: int = 30
    """Percent weight of the domain language model against the general one (sphinx), like Azure's."""
    epochs: int | None = None
    """Fine-tuning epochs (whisper audio, spaCy entities); None lets the engine choose."""
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    """Engine-specific extras (documented by each trainer)."""

    @classmethod
    def from_stored(cls, values: dict[str, Any]) -> TrainingParameters:
        """The parameters kept in a model row's ``parameters`` (which also holds workflow settings)."""
        return cls(**{key: value for key, value in values.items() if key in cls.__dataclass_fields__})


@dataclass
class TrainedComponents:
    """What a trainer hands back: how to load the artifact, and what each data kind did."""

    engine_config: dict[str, Any]
    contributions: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """What the user should know about the model (a label it cannot learn...): printed, and kept on the card."""


class Trainer(Protocol):
    """An engine's trainer and loader (one module per engine, exposing these two functions)."""

    def train(
        self, base_model: str, data: Any, parameters: TrainingParameters, output_dir: Path, progress: ProgressCallback
    ) -> TrainedComponents: ...

    def load(self, artifact_dir: Path, card: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class BaseModelInfo:
    """A base model card: what can be named as a starting point for training or evaluation.

    ``bundled`` models ship with the installed packages and work offline; the others are downloaded
    the first time they are loaded.
    """

    name: str
    engine: str
    description: str
    source: str
    bundled: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return asdict(self)
