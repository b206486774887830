"""Augmentation and fine-tuning of the last Lite0 blocks, against the frozen head, on small generated images."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from image_samples import CONCEPTS, concept_folders, shape_image

from tunefork.engines.contract import TrainingParameters
from tunefork.progress import no_progress
from tunefork.vision import training
from tunefork.vision.augment import augment
from tunefork.vision.classifier import ImageClassifier
from tunefork.vision.features import EMBEDDING, Embedder, backbone_batch, export_embedder, load_backbone
from tunefork.vision.finetune import EPOCHS, fine_tune
from tunefork.vision.heads import train_head
from tunefork.vision.training import TRAINER, ImageData

ROOT = str(Path(__file__).resolve().parents[1])


def test_augmentation_keeps_size_and_mode_and_follows_the_seed() -> None:
    image = shape_image("circle", 7)
    views = [augment(image, np.random.default_rng(seed)) for seed in (1, 1, 2)]
    arrays = [np.asarray(view) for view in views]
    assert all(view.size == image.size and view.mode == "RGB" for view in views)
    assert all(array.shape == (64, 64, 3) and array.dtype == np.uint8 for array in arrays)
    assert np.array_equal(arrays[0], arrays[1]) and not np.array_equal(arrays[0], arrays[2])
    assert not np.array_equal(arrays[0], np.asarray(image))
    assert backbone_batch(views, 96).dtype == np.float32


def _shapes(per_concept: int, seed: int) -> tuple[list, np.ndarray]:
    images = [shape_image(c, seed * 1000 + 100 * k + n) for k, c in enumerate(CONCEPTS) for n in range(per_concept)]
    return images, np.repeat(np.arange(len(CONCEPTS)), per_concept)


def test_fine_tuning_trains_the_last_block_within_its_budget_and_the_embedder_reloads(tmp_path: Path) -> None:
    images, y = _shapes(8, seed=1)
    network = load_backbone()
    export_embedder(tmp_path / "base.onnx", network)
    # A budget far below any machine's estimate (about 1 s for these 24 images on an idle 2-core machine).
    skipped = fine_tune(network, images, y, 3, False, 96, 0, 0.05, tmp_path, len(images), no_progress)
    assert "over the 0 s budget" in skipped.skipped and skipped.epochs_run == 0

    report = fine_tune(network, images, y, 3, False, 96, 0, 120.0, tmp_path, len(images), no_progress)
    assert not report.skipped and report.epochs_run == EPOCHS and report.views == 4 and report.blocks == [15]
    assert report.seconds <= 120 and not report.stopped_by_budget and report.final_loss is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.onnx"]  # the frozen front is not left behind
    export_embedder(tmp_path / "tuned.onnx", network)
    base, tuned = (
        Embedder(tmp_path / "base.onnx").blocks(images, 96),
        Embedder(tmp_path / "tuned.onnx").blocks(images, 96),
    )
    assert np.allclose(base["block14"], tuned["block14"], atol=1e-4)  # frozen blocks keep their outputs
    assert not np.allclose(base[EMBEDDING], tuned[EMBEDDING], atol=1e-3)  # the fine-tuned block moved

    labels = [[list(CONCEPTS)[k]] for k in y]
    head = train_head(tuned, labels, [False] * len(labels))
    classifier = ImageClassifier("tuned", Embedder(tmp_path / "tuned.onnx"), head, 96)
    unseen, gold = _shapes(3, seed=2)
    predicted = classifier.score(unseen).argmax(axis=1)
    assert np.mean(predicted == gold) >= 0.8

    again = load_backbone()
    fine_tune(again, images, y, 3, False, 96, 0, 120.0, tmp_path, len(images), no_progress)
    export_embedder(tmp_path / "again.onnx", again)
    repeated = Embedder(tmp_path / "again.onnx").blocks(images, 96)
    assert np.allclose(repeated[EMBEDDING], tuned[EMBEDDING], atol=1e-5)  # the same seed, the same network


def test_the_trainer_chooses_on_held_out_images_records_it_and_the_model_loads_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(training, "MIN_PER_CONCEPT", 10)
    root = concept_folders(tmp_path / "train", 12, seed=4)
    files = sorted(root.glob("*/*.png"))
    data = ImageData([(str(f), [f.parent.name], False, "0" * 64, "0" * 16) for f in files])
    model = tmp_path / "model"
    model.mkdir()
    trained = TRAINER.train("efficientnet-lite0", data, TrainingParameters(options={"finetune_budget": 120.0}), model,
                            no_progress)  # fmt: skip
    record = trained.contributions["images"]
    choice = record["head"]
    assert choice["chosen"] in ("frozen", "fine-tuned") and choice["budget_seconds"] == 120.0
    assert choice["fine_tuning"]["epochs_run"] == EPOCHS and choice["held_out"]["images"] == 8
    assert {"frozen", "fine-tuned", "gain"} <= set(choice["held_out"]) and choice["reason"]
    assert (choice["chosen"] == "fine-tuned") == (choice["held_out"]["gain_lower_95"] > 0)
    assert set(record["thresholds"]) == set(CONCEPTS)
    assert sorted(p.name for p in model.iterdir()) == ["embedder.onnx", "head.npz", "training_images.json"]

    card = {"name": "shapes", "engine_config": trained.engine_config}
    (tmp_path / "card.json").write_text(json.dumps(card))
    probe = str(root / "square" / "3.png")
    script = (
        "import json, sys\nfrom pathlib import Path\nfrom PIL import Image\n"
        "from tunefork.vision.training import TRAINER\n"
        "card = json.loads(Path(sys.argv[1]).read_text())\n"
        "classifier = TRAINER.load(Path(sys.argv[2]), card)\n"
        "print(json.dumps(classifier.classify(Image.open(sys.argv[3]).convert('RGB'))))\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path / "card.json"), str(model), probe],
                         capture_output=True, text=True, check=True, env=os.environ | {"PYTHONPATH": ROOT})  # fmt: skip
    assert json.loads(run.stdout)["decision"] == ["square"]

    off = tmp_path / "off"
    off.mkdir()
    frozen = TRAINER.train("efficientnet-lite0", data, TrainingParameters(options={"finetune_budget": 0}), off,
                           no_progress)  # fmt: skip
    assert frozen.contributions["images"]["head"] == {"chosen": "frozen", "budget_seconds": 0.0,
                                                      "reason": "fine-tuning is off (budget 0)"}  # fmt: skip


def test_negative_examples_are_not_the_rarest_concept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """20 negatives beside 31-35 images a concept turned fine-tuning off as '20 of the rarest concept' (a review)."""
    monkeypatch.setattr(training, "MIN_PER_CONCEPT", 12)
    root = concept_folders(tmp_path / "train", 12, seed=4)
    files = sorted(root.glob("*/*.png"))
    rows = [(str(f), [f.parent.name], False, "0" * 64, "0" * 16) for f in files]
    negatives = [(str(f), [], True, "1" * 64, "1" * 16) for f in files[:3]]
    options = TrainingParameters(options={"finetune_budget": 120.0})
    trained = TRAINER.train("efficientnet-lite0", ImageData(rows + negatives), options, tmp_path, no_progress)
    assert trained.contributions["images"]["head"]["reason"] == (
        "too few negative examples to fine-tune with them (3; 5 needed)"
    )
    monkeypatch.setattr(training, "MIN_PER_CONCEPT", 13)
    (tmp_path / "second").mkdir()
    trained = TRAINER.train("efficientnet-lite0", ImageData(rows), options, tmp_path / "second", no_progress)
    assert trained.contributions["images"]["head"]["reason"] == (
        "too few images to fine-tune (12 of the rarest concept, 'circle'; 13 needed)"
    )
