"""The contract between the training workflow and engine trainers, and the custom model card.

A trainer takes a base model name and :class:`TrainingData` (already-validated canonical records of
every training dataset, grouped by what they fix) and writes its engine files into an empty
``output_dir``. It returns a :class:`TrainedComponents`: the ``engine_config`` the engine's loader
needs to rebuild the model from the folder, and a plain description of what each data kind
contributed. The workflow then writes the ``model.json`` card around it and moves the folder into
place atomically, so a failed or killed training leaves no partial artifact.

Adding an engine = one trainer module exposing ``train(...)`` and ``load(...)``, plus one entry in
:data:`tunefork.speech.registry.CUSTOM_ENGINES`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tunefork.progress import ProgressCallback
from tunefork.speech.base import SpeechModel

CARD_NAME = "model.json"


@dataclass
class TrainingData:
    """Training material by kind: Azure's table of which data fixes which problem."""

    related_text: list[str] = field(default_factory=list)
    """Sentences from ``language`` and ``structured-text`` datasets (vocabulary, domain phrasing)."""
    pronunciations: list[tuple[str, str]] = field(default_factory=list)
    """``(display, spoken)`` pairs from ``pronunciation`` and ``structured-text`` datasets."""
    utterances: list[tuple[Path, str]] = field(default_factory=list)
    """``(16 kHz mono wav, transcript)`` from ``acoustic`` datasets (accents, noise, speaking style)."""

    def kinds(self) -> list[str]:
        """Which kinds of material are present, in a stable order."""
        present = {"related_text": self.related_text, "pronunciations": self.pronunciations}
        present["utterances"] = self.utterances
        return [kind for kind, items in present.items() if items]


@dataclass
class TrainingParameters:
    """User-facing knobs; engines ignore the ones that do not apply to them."""

    custom_weight: int = 30
    """Percent weight of the domain language model against the general one (sphinx), like Azure's."""
    epochs: int | None = None
    """Fine-tuning epochs over the audio (whisper); None lets the engine choose."""
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


class SpeechTrainer(Protocol):
    """An engine's trainer and loader (one module per engine)."""

    def train(
        self,
        base_model: str,
        data: TrainingData,
        parameters: TrainingParameters,
        output_dir: Path,
        progress: ProgressCallback,
    ) -> TrainedComponents: ...

    def load(self, artifact_dir: Path, card: dict[str, Any]) -> SpeechModel: ...


def read_card(artifact_dir: Path) -> dict[str, Any]:
    """The ``model.json`` card of a custom model folder."""
    return json.loads((artifact_dir / CARD_NAME).read_text(encoding="utf-8"))
