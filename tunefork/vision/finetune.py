"""Fine-tuning the last blocks of EfficientNet-Lite0 on the training images, within a CPU time budget.

The first blocks stay frozen: they are exported to ONNX (``front.onnx``, deleted afterwards) and run once
per view of each image: the image itself and :data:`VIEWS` - 1 augmented copies
(:func:`tunefork.vision.augment.augment`). Their activations are kept in memory, so training only runs the
last :data:`FINE_TUNED_BLOCKS` blocks, the 1x1 head convolution and a temporary linear classifier (softmax,
or one sigmoid per concept for multi-label data) for :data:`EPOCHS` epochs. Batch normalization keeps its
ImageNet statistics (batches are small). The network is changed in place; the caller exports it as the
model's embedder and fits the usual linear head on its features (:mod:`tunefork.vision.heads`).

The budget covers the whole fine-tuning path: before anything is trained, the front's speed on a few
images estimates the views plus re-embedding every image afterwards, and fine-tuning is skipped when that
does not fit; epochs stop early if the clock runs out (the card says so). The seed fixes the augmented
views, the classifier's initialization and the batch order, so a run that the budget does not cut is
deterministic.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from tunefork.progress import ProgressCallback
from tunefork.vision.augment import augment
from tunefork.vision.features import Embedder, export_onnx

FINE_TUNED_BLOCKS = 1
"""How many of Lite0's 16 blocks (the last ones) are trained, with the head convolution after them."""
VIEWS = 4
"""Views of each training image: the image and three augmented copies."""
EPOCHS = 3
BATCH = 64
LEARNING_RATE = 1e-4
"""For the pretrained blocks; the new classifier learns ten times faster."""
WEIGHT_DECAY = 1e-4
MAX_CACHED_FLOATS = 50_000_000
"""At most this many activations (200 MB) are kept; fewer views are made for large sets."""
PROBE_IMAGES = 32
"""Images timed through the frozen front to estimate the cost before anything is trained."""


@dataclass
class FineTuning:
    """What fine-tuning did (the model card's record), or why it was skipped."""

    blocks: list[int]
    views: int
    epochs: int
    epochs_run: int = 0
    images: int = 0
    seconds: float = 0.0
    estimated_seconds: float = 0.0
    stopped_by_budget: bool = False
    final_loss: float | None = None
    skipped: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _front(network: Any, start: int) -> Any:
    """The frozen part of ``network``: the stem and blocks before ``start``, unpooled."""
    import torch

    class Front(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, image: torch.Tensor) -> torch.Tensor:
            net = self.network
            hidden = net._swish(net._bn0(net._conv_stem(image)))
            for block in net._blocks[:start]:
                hidden = block(hidden)
            return hidden

    return Front()


def _tail(network: Any, start: int, outputs: int) -> Any:
    """The trained part: blocks from ``start``, the head convolution, pooling and a new linear classifier."""
    import torch

    class Tail(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = torch.nn.ModuleList(network._blocks[start:])
            self.conv_head, self.bn1, self.swish = network._conv_head, network._bn1, network._swish
            self.classifier = torch.nn.Linear(network._conv_head.out_channels, outputs)

        def forward(self, hidden: torch.Tensor) -> torch.Tensor:
            for block in self.blocks:
                hidden = block(hidden)
            pooled = self.swish(self.bn1(self.conv_head(hidden))).mean(dim=(2, 3))
            return self.classifier(pooled)

    return Tail()


def _train(
    tail: Any, inputs: Any, targets: Any, multi_label: bool, seed: int, deadline: float, report: FineTuning,
    progress: ProgressCallback,
) -> None:  # fmt: skip
    """Train ``tail`` on the cached activations for :data:`EPOCHS` epochs, or until ``deadline`` (perf_counter)."""
    import torch

    loss_function = torch.nn.BCEWithLogitsLoss() if multi_label else torch.nn.CrossEntropyLoss()
    pretrained = [p for name, p in tail.named_parameters() if not name.startswith("classifier.")]
    optimizer = torch.optim.AdamW(
        [{"params": pretrained, "lr": LEARNING_RATE},
         {"params": tail.classifier.parameters(), "lr": 10 * LEARNING_RATE}],
        weight_decay=WEIGHT_DECAY,
    )  # fmt: skip
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, EPOCHS * -(-len(inputs) // BATCH))
    order = torch.Generator().manual_seed(seed)
    for epoch in range(EPOCHS):
        total = 0.0
        for batch in torch.randperm(len(inputs), generator=order).split(BATCH):
            if time.perf_counter() > deadline:
                report.stopped_by_budget = True
                return
            optimizer.zero_grad()
            loss = loss_function(tail(inputs[batch]), targets[batch])
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch)
        report.epochs_run, report.final_loss = epoch + 1, round(total / len(inputs), 4)
        progress(epoch + 1, EPOCHS, "fine-tuning: epochs")


def _step_seconds(tail: Any, sample: np.ndarray, multi_label: bool) -> float:
    """The time of one training step's forward and backward pass on a batch like ``sample`` (weights unchanged)."""
    import torch

    batch = torch.from_numpy(np.resize(sample, (BATCH, *sample.shape[1:])))
    started = time.perf_counter()
    logits = tail(batch)
    loss = logits.sum() if multi_label else torch.nn.functional.cross_entropy(logits, torch.zeros(BATCH).long())
    loss.backward()
    tail.zero_grad()
    return 1.2 * (time.perf_counter() - started)  # 1.2: the optimizer's update


def fine_tune(
    network: Any,
    images: list[Image.Image],
    y: np.ndarray,
    classes: int,
    multi_label: bool,
    side: int,
    seed: int,
    budget: float,
    work_dir: Path,
    total_images: int,
    progress: ProgressCallback,
) -> FineTuning:
    """Train the last blocks of ``network`` in place on ``images`` (``y``: class indices or an indicator matrix).

    ``total_images`` is how many images the caller embeds again afterwards (counted in the estimate).
    """
    import torch

    started = time.perf_counter()
    start = len(network._blocks) - FINE_TUNED_BLOCKS
    report = FineTuning(list(range(start, len(network._blocks))), VIEWS, EPOCHS, images=len(images))
    front_path = work_dir / "front.onnx"
    export_onnx(_front(network, start), front_path, {"front": {0: "batch", 2: "height", 3: "width"}})
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        tail = _tail(network, start, classes).eval()  # eval: batch normalization keeps its statistics
        try:
            front = Embedder(front_path)
            probe = time.perf_counter()
            first = front.outputs(images[:PROBE_IMAGES], side)["front"]
            per_image = (time.perf_counter() - probe) / len(first)
            report.views = max(1, min(VIEWS, MAX_CACHED_FLOATS // (first[0].size * len(images))))
            steps = EPOCHS * -(-len(images) * report.views // BATCH)
            reserve = 1.5 * per_image * total_images  # the fine-tuned embedder on every image, afterwards
            report.estimated_seconds = round(
                time.perf_counter() - started + per_image * len(images) * report.views
                + steps * _step_seconds(tail, first, multi_label) + reserve, 1,
            )  # fmt: skip
            if report.estimated_seconds > budget:
                report.skipped = f"estimated {report.estimated_seconds:.0f} s, over the {budget:.0f} s budget"
                return report
            rng = np.random.default_rng(seed)
            cached = []
            for view in range(report.views):
                shown = images if view == 0 else [augment(image, rng) for image in images]
                cached.append(front.outputs(shown, side)["front"])
                progress(view + 1, report.views, "fine-tuning: features of augmented views")
        finally:
            front_path.unlink(missing_ok=True)
        inputs = torch.from_numpy(np.concatenate(cached))
        targets = torch.from_numpy(np.concatenate([y] * report.views))
        targets = targets.float() if multi_label else targets.long()
        _train(tail, inputs, targets, multi_label, seed, started + budget - reserve, report, progress)
    network.eval()
    report.seconds = round(time.perf_counter() - started, 1)
    return report
