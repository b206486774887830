"""A loaded image classifier: the ONNX embedder and a linear head, answering ``classify(image)``.

The answer (:meth:`ImageClassifier.classify`) lists every concept with its score and threshold, highest
first; ``decision`` holds the concepts decided after thresholds (one at most for single-label models) and
``none_of_these`` is true when none is. The base model knows no concept yet: it decides nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from tunefork.vision.features import Embedder
from tunefork.vision.heads import NONE, HeadConfig, TrainedHead


def decide(config: HeadConfig, row: np.ndarray) -> list[str]:
    """The concepts a score row decides (see the module documentation)."""
    if config.multi_label:
        return [c for k, c in enumerate(config.concepts) if row[k] >= config.threshold(c)]
    top = int(np.argmax(row))
    if top >= len(config.concepts):  # the negatives' class
        return []
    concept = config.concepts[top]
    return [concept] if not config.open_set or row[top] >= config.threshold(concept) else []


class ImageClassifier:
    """A custom model (embedder + head), or the base model (``head`` None: no concepts)."""

    def __init__(self, name: str, embedder: Embedder | None = None, head: TrainedHead | None = None, side: int = 0):
        self.name, self.embedder, self.head, self.side = name, embedder, head, side

    @classmethod
    def from_folder(cls, name: str, folder: Path, engine_config: dict[str, Any]) -> ImageClassifier:
        """The classifier a training wrote into ``folder`` (its card's ``engine_config``)."""
        config = HeadConfig.from_json(engine_config["head_config"])
        head = TrainedHead.load(folder / engine_config["head"], config)
        return cls(name, Embedder(folder / engine_config["embedder"]), head, int(engine_config["side"]))

    @property
    def concepts(self) -> list[str]:
        return self.head.config.concepts if self.head else []

    def score(self, images: list[Image.Image]) -> np.ndarray:
        """Scores of ``images`` (rows) per class (columns: concepts, then the negatives' class if any)."""
        if self.head is None or self.embedder is None:
            return np.zeros((len(images), 0))
        return self.head.score(self.embedder.blocks(images, self.side))

    def answer(self, row: np.ndarray) -> dict[str, Any]:
        """The JSON answer for one score row."""
        if self.head is None:
            return {"concepts": [], "decision": [], "none_of_these": True, "open_set": True}
        config = self.head.config
        ranked = sorted(range(len(config.concepts)), key=lambda k: -row[k])
        concepts = [
            {"name": config.concepts[k], "score": round(float(row[k]), 4),
             "threshold": round(config.threshold(config.concepts[k]), 4) if config.open_set else None}
            for k in ranked
        ]  # fmt: skip
        decision = decide(config, row)
        answer = {
            "concepts": concepts,
            "decision": decision,
            "none_of_these": not decision,
            "open_set": config.open_set,
        }
        if config.negatives_class:
            answer["none_score"] = round(float(row[len(config.concepts)]), 4)
        return answer

    def classify(self, image: Image.Image) -> dict[str, Any]:
        """Classify one upright RGB image."""
        return self.answer(self.score([image])[0] if self.head else np.zeros(0))


__all__ = ["NONE", "ImageClassifier", "decide"]
