"""The ``lite0-linear`` engine: a linear head on EfficientNet-Lite0 features (frozen or fine-tuned), loaded back.

Training exports the backbone to ``embedder.onnx`` in the model folder, embeds every labelled training
image (and every negative example) with it and fits the head (:func:`tunefork.vision.heads.train_head`).
With enough images and time it also fine-tunes the backbone's last blocks (:mod:`tunefork.vision.finetune`)
and keeps the fine-tuned features only if they score surely higher on held-out training images
(:func:`_choose_head`; the test set is never used); the choice, its scores and the budget go on the model
card (``contributions.images.head``).
It writes ``head.npz`` plus ``training_images.json``: the SHA-256 and perceptual hash of each training
image, so an evaluation can refuse test images the model was trained on. Engine options:
``oos_threshold`` (one "none of these" threshold for every concept instead of the tuned ones) and
``finetune_budget`` (seconds for the fine-tuning path, default :data:`FINETUNE_BUDGET`; 0 turns it off).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from tunefork.engines.contract import TrainedComponents, TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.progress import ProgressCallback
from tunefork.vision.classifier import ImageClassifier
from tunefork.vision.features import Embedder, export_embedder, input_side, load_backbone
from tunefork.vision.finetune import fine_tune
from tunefork.vision.heads import NONE, TrainedHead, held_out_split, paired_gain, targets, train_head
from tunefork.vision.images import open_image

EMBEDDER_FILE = "embedder.onnx"
HEAD_FILE = "head.npz"
TRAINING_IMAGES = "training_images.json"
FINE_TUNED_FILE = "fine-tuned.onnx"
"""The fine-tuned embedder while it is a candidate (it replaces :data:`EMBEDDER_FILE` when chosen)."""
FINETUNE_BUDGET = 300.0
"""Seconds the fine-tuning path may take by default (option ``finetune_budget``; 0 turns it off)."""
MIN_PER_CONCEPT = 30
"""Images of every concept needed before fine-tuning is tried."""
MIN_NEGATIVES = 5
"""Negative examples a fine-tuning needs when they train a class (its held-out share is drawn from every class)."""
HELD_OUT_SHARE = 0.2


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


def untrainable(data: ImageData) -> str | None:
    """Why no model can be trained on ``data``, or ``None``: it needs two classes (two concepts, or a concept and
    negative examples), as :func:`tunefork.vision.heads.targets` does."""
    concepts = sorted({label for _, labels, *_ in data.items for label in labels})
    if not concepts:
        return "none of their images is labelled with a concept (upload one folder per concept, or a labels manifest)."
    if len(concepts) == 1 and not any(negative for _, _, negative, *_ in data.items):
        return (
            f"their images show one concept, '{concepts[0]}': a model needs images of at least two concepts, or a "
            "none-of-these folder of negative examples beside it."
        )
    return None


def label_clashes(items: Iterable[tuple[list[str], bool, str]]) -> tuple[int, str] | None:
    """For ``(labels, negative, sha256)`` items, how many images (by SHA-256) carry different labels in different
    places and how one of them is labelled (``circle and as square``); ``None`` when none does."""
    labelled: dict[str, set[tuple[str, ...]]] = {}
    for labels, negative, sha256 in items:
        labelled.setdefault(sha256, set()).add(tuple(sorted(labels)) or (("none of these",) if negative else ()))
    clashes = [sorted(" + ".join(labels) for labels in ways) for ways in labelled.values() if len(ways) > 1]
    return (len(clashes), " and as ".join(clashes[0])) if clashes else None


def conflicting_images(data: ImageData) -> list[str]:
    """Warnings for the same image (SHA-256) labelled differently, in one dataset or in two: trained both ways, it
    teaches the head that its concepts look alike (inspection names such pairs; training said nothing)."""
    found = label_clashes((labels, negative, sha256) for _, labels, negative, sha256, _ in data.items)
    if found is None:
        return []
    return [
        f"{found[0]} training image(s) carry different labels in different places (one as {found[1]}): both "
        "were trained on. Keep each image under one concept."
    ]


def repeated_test_images(records: list[dict[str, Any]]) -> list[str]:
    """Warnings for a test set holding one image twice: labelled two ways (at most one label can be right, so no
    model scores 100%), or the same way (it counts twice); an evaluation scored them without a word (a review)."""
    tested = [r for r in records if r["labels"] or r.get("negative")]
    warnings = []
    found = label_clashes((list(r["labels"]), bool(r.get("negative")), r["sha256"]) for r in tested)
    if found is not None:
        warnings.append(f"{found[0]} test image(s) carry different labels in different places (one as {found[1]}): "
                        "at most one of them can be right; correct the wrong label.")  # fmt: skip
    repeats = len(tested) - len({r["sha256"] for r in tested})
    if repeats:
        warnings.append(f"{repeats} test image(s) repeat another test image: each copy counts in the scores.")
    return warnings


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


def _choose_head(
    network: Any, images: list[Image.Image], side: int, blocks: dict[str, np.ndarray], labels: list[list[str]],
    negative: list[bool], fixed_threshold: float | None, seed: int, budget: float, output_dir: Path,
    progress: ProgressCallback,
) -> tuple[TrainedHead, dict[str, Any]]:  # fmt: skip
    """The head to keep (frozen features, or fine-tuned ones with their embedder in place) and the card's record.

    With enough images (:data:`MIN_PER_CONCEPT` of every concept) and a budget, the last blocks are
    fine-tuned on all but a held-out :data:`HELD_OUT_SHARE` of the images; linear heads on the frozen and on
    the fine-tuned features are then validated on that held-out share, and the fine-tuned embedder replaces
    the frozen one only if its head scores higher with 95% confidence (:func:`paired_gain`; a gain of an image
    or two is noise, and the frozen head is cross-validated on more images). The fine-tuned head's
    thresholds are tuned on the held-out scores.
    Otherwise the frozen head is cross-validated as usual.
    """
    choice: dict[str, Any] = {"chosen": "frozen", "budget_seconds": budget}
    counts = targets(labels, negative).class_counts()
    negatives = counts.pop(NONE, None)  # negative examples are no concept: a few of them do not stop fine-tuning
    rarest = min(counts, key=counts.__getitem__)
    if budget <= 0:
        choice["reason"] = "fine-tuning is off (budget 0)"
    elif counts[rarest] < MIN_PER_CONCEPT:
        choice["reason"] = (f"too few images to fine-tune ({counts[rarest]} of the rarest concept, '{rarest}'; "
                            f"{MIN_PER_CONCEPT} needed)")  # fmt: skip
    elif negatives is not None and negatives < MIN_NEGATIVES:
        choice["reason"] = f"too few negative examples to fine-tune with them ({negatives}; {MIN_NEGATIVES} needed)"
    else:
        held = held_out_split(labels, negative, HELD_OUT_SHARE, seed)
        train_rows = np.flatnonzero(~held)
        found = targets([labels[i] for i in train_rows], [negative[i] for i in train_rows])
        progress(0, 1, "fine-tuning the last blocks")
        tuned = fine_tune(network, [images[i] for i in train_rows], found.y, len(found.classes), found.multi_label,
                          side, seed, budget, output_dir, len(images), progress)  # fmt: skip
        choice["fine_tuning"] = tuned.to_json()
        if tuned.skipped:
            choice["reason"] = tuned.skipped
        else:
            candidate = output_dir / FINE_TUNED_FILE
            export_embedder(candidate, network)
            tuned_blocks = Embedder(candidate).blocks(images, side)
            validated = {name: train_head(features, labels, negative, fixed_threshold, seed, held)
                         for name, features in (("frozen", blocks), ("fine-tuned", tuned_blocks))}  # fmt: skip
            scores = {name: head.config.cross_validation["best"] for name, head in validated.items()}
            metric = validated["frozen"].config.cross_validation["metric"]
            gain, lower = paired_gain(validated["frozen"], validated["fine-tuned"], seed)
            choice["held_out"] = {"images": int(held.sum()), "metric": metric, "gain": gain,
                                  "gain_lower_95": lower} | scores  # fmt: skip
            if lower > 0:
                candidate.replace(output_dir / EMBEDDER_FILE)
                choice |= {"chosen": "fine-tuned", "reason": f"the fine-tuned features scored higher ({metric}, "
                           "95% confident on the held-out images)"}  # fmt: skip
                return validated["fine-tuned"], choice
            candidate.unlink()
            choice["reason"] = f"the fine-tuned features did not score surely higher ({metric} gain {gain:+.3f})"
    progress(0, 1, "fitting the head (cross-validated)")
    return train_head(blocks, labels, negative, fixed_threshold, seed), choice


class LinearHeadTrainer:
    """Trains and loads ``lite0-linear`` models."""

    def train(
        self, base_model: str, data: ImageData, parameters: TrainingParameters, output_dir: Path,
        progress: ProgressCallback,
    ) -> TrainedComponents:  # fmt: skip
        """Export the embedder, embed the training images, fit the head and write the files."""
        if reason := untrainable(data):
            raise TuneforkError(f"Cannot train: {reason}")
        progress(0, 1, "exporting the embedder to ONNX")
        network = load_backbone()
        export_embedder(output_dir / EMBEDDER_FILE, network)
        images = open_images([item[0] for item in data.items], progress, "opening images")
        side = input_side([min(image.size) for image in images])
        blocks = Embedder(output_dir / EMBEDDER_FILE).blocks(images, side)
        labels, negative = [item[1] for item in data.items], [item[2] for item in data.items]
        fixed_threshold, seed = parameters.options.get("oos_threshold"), parameters.seed
        budget = float(parameters.options.get("finetune_budget", FINETUNE_BUDGET))
        head, choice = _choose_head(network, images, side, blocks, labels, negative, fixed_threshold, seed, budget,
                                    output_dir, progress)  # fmt: skip
        head.save(output_dir / HEAD_FILE)
        hashes = [{"sha256": item[3], "phash": item[4], "id": Path(item[0]).stem} for item in data.items]
        (output_dir / TRAINING_IMAGES).write_text(json.dumps(hashes), encoding="utf-8")
        progress(1, 1, "head fitted")
        concepts = Counter(label for item in data.items for label in item[1])
        config = head.config
        return TrainedComponents(
            warnings=conflicting_images(data),
            engine_config={"embedder": EMBEDDER_FILE, "head": HEAD_FILE, "side": side,
                           "training_images": TRAINING_IMAGES, "head_config": config.to_json()},
            contributions={
                "images": {"concepts": dict(sorted(concepts.items())),
                           "negatives": sum(1 for item in data.items if item[2]),
                           "multi_label": config.multi_label, "feature_set": config.feature_set, "C": config.c,
                           "input_side": side, "cross_validation": config.cross_validation,
                           "thresholds": config.thresholds, "fixed_threshold": config.fixed_threshold,
                           "open_set": config.open_set, "head": choice},
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
