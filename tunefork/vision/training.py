"""The ``lite0-linear`` engine: train a head on frozen EfficientNet-Lite0 features, load it back.

Training exports the backbone to ``embedder.onnx`` in the model folder, embeds every labelled training
image (and every negative example) with it, fits the head (:func:`tunefork.vision.heads.train_head`) and
writes ``head.npz`` plus ``training_images.json``: the SHA-256 and perceptual hash of each training
image, so an evaluation can refuse test images the model was trained on. Engine options:
``oos_threshold`` (one "none of these" threshold for every concept instead of the tuned ones).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from tunefork.engines.contract import TrainedComponents, TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.progress import ProgressCallback
from tunefork.vision.classifier import ImageClassifier
from tunefork.vision.features import Embedder, export_embedder, input_side
from tunefork.vision.heads import train_head
from tunefork.vision.images import open_image

EMBEDDER_FILE = "embedder.onnx"
HEAD_FILE = "head.npz"
TRAINING_IMAGES = "training_images.json"


@dataclass
class ImageData:
    """Training images: ``(file, labels, negative, sha256, phash)``; unlabeled ones are left out."""

    items: list[tuple[str, list[str], bool, str, str]] = field(default_factory=list)

    def kinds(self) -> list[str]:
        """What the data holds (the card's ``data_kinds``)."""
        found = []
        if any(labels for _, labels, *_ in self.items):
            found.append("labelled images")
        if any(negative for _, _, negative, *_ in self.items):
            found.append("negative examples")
        return found


def image_data(records: list[dict[str, Any]]) -> ImageData:
    """The labelled and negative images of canonical ``images`` records (absolute ``file`` paths)."""
    return ImageData([
        (r["file"], list(r["labels"]), bool(r.get("negative")), r["sha256"], r["phash"])
        for r in records if r["labels"] or r.get("negative")
    ])  # fmt: skip


def open_images(files: list[str], progress: ProgressCallback, what: str) -> list[Image.Image]:
    """Each file opened the way imports validated it (:func:`open_image`)."""
    images = []
    for done, path in enumerate(files, start=1):
        images.append(open_image(Path(path)).image)
        progress(done, len(files), what)
    return images


class LinearHeadTrainer:
    """Trains and loads ``lite0-linear`` models."""

    def train(
        self, base_model: str, data: ImageData, parameters: TrainingParameters, output_dir: Path,
        progress: ProgressCallback,
    ) -> TrainedComponents:  # fmt: skip
        """Export the embedder, embed the training images, fit the head and write the files."""
        if not data.items:
            raise TuneforkError("nothing to train: the datasets hold no labelled image.")
        progress(0, 1, "exporting the embedder to ONNX")
        export_embedder(output_dir / EMBEDDER_FILE)
        images = open_images([item[0] for item in data.items], progress, "opening images")
        side = input_side([min(image.size) for image in images])
        embedder = Embedder(output_dir / EMBEDDER_FILE)
        blocks = embedder.blocks(images, side)
        progress(0, 1, "fitting the head (cross-validated)")
        head = train_head(
            blocks, [item[1] for item in data.items], [item[2] for item in data.items],
            parameters.options.get("oos_threshold"), parameters.seed,
        )  # fmt: skip
        head.save(output_dir / HEAD_FILE)
        hashes = [{"sha256": item[3], "phash": item[4]} for item in data.items]
        (output_dir / TRAINING_IMAGES).write_text(json.dumps(hashes), encoding="utf-8")
        progress(1, 1, "head fitted")
        concepts = Counter(label for item in data.items for label in item[1])
        config = head.config
        return TrainedComponents(
            engine_config={"embedder": EMBEDDER_FILE, "head": HEAD_FILE, "side": side,
                           "training_images": TRAINING_IMAGES, "head_config": config.to_json()},
            contributions={
                "images": {"concepts": dict(sorted(concepts.items())),
                           "negatives": sum(1 for item in data.items if item[2]),
                           "multi_label": config.multi_label, "feature_set": config.feature_set, "C": config.c,
                           "input_side": side, "cross_validation": config.cross_validation,
                           "thresholds": config.thresholds, "open_set": config.open_set},
            },
        )  # fmt: skip

    def load(self, artifact_dir: Path, card: dict[str, Any]) -> ImageClassifier:
        """The trained classifier."""
        return ImageClassifier.from_folder(card["name"], artifact_dir, card["engine_config"])


def training_hashes(artifact_dir: Path, card: dict[str, Any]) -> list[dict[str, str]]:
    """The SHA-256 and perceptual hashes of the images a model was trained on."""
    path = artifact_dir / card["engine_config"]["training_images"]
    return json.loads(path.read_text(encoding="utf-8"))


TRAINER = LinearHeadTrainer()
