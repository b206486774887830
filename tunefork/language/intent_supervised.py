"""The encoder's top layers fine-tuned with a classification loss, for intents with many examples (issue 12).

The contrastive recipe (:mod:`tunefork.language.intent_contrastive`) sees a few hundred pairs in its 30
steps, which is what few examples need; with thousands of examples it leaves most of them unused. Here the
top :data:`TRAINED_LAYERS` layers of the bundled encoder (twice as many as the contrastive recipe trains) are
trained over the cached lower-layer states (:class:`~tunefork.language.intent_contrastive.LowerLayerStates`)
with cross-entropy over the intents and the background class (a temporary linear head on the unit-length
embeddings, scaled by :data:`LOGIT_SCALE`), for :data:`EPOCHS` passes over the texts in batches of
:data:`BATCH_SIZE` (at least :data:`MIN_STEPS` steps), AdamW at :data:`LEARNING_RATE` (head
:data:`HEAD_LEARNING_RATE`) with linear decay. The temporary head is dropped: the linear head of
:mod:`tunefork.language.intents` is trained over the new embeddings beside the TF-IDF n-grams, as for
``contrastive``. Cost: about 165 CPU seconds for ATIS's 5,274 texts on a busy machine (bench/RESULTS.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tunefork.language.intent_contrastive import LowerLayerStates, torch_threads

if TYPE_CHECKING:
    import torch

TRAINED_LAYERS = 4
"""Top transformer layers fine-tuned (of MiniLM's 6: ``supervised`` always uses MiniLM), over states cached below."""
EPOCHS = 2
BATCH_SIZE = 32
MIN_STEPS = 60
LEARNING_RATE = 1e-4
HEAD_LEARNING_RATE = 2e-3
LOGIT_SCALE = 20.0


def training_steps(texts: int) -> int:
    """Optimizer steps for ``texts`` training texts: :data:`EPOCHS` passes, at least :data:`MIN_STEPS`."""
    return max(MIN_STEPS, -(-EPOCHS * texts // BATCH_SIZE))


def fine_tune_classifying(
    states: LowerLayerStates, indices: list[int] | np.ndarray, gold: np.ndarray, classes: int, seed: int = 0
) -> torch.nn.ModuleList:
    """Top layers fine-tuned to classify the texts at ``indices`` (positions in ``states``) into ``gold[indices]``.

    ``gold`` holds a class index (0 to ``classes - 1``, the background class included) for every text.
    """
    import torch

    torch.manual_seed(seed)
    indices = np.asarray(indices, dtype=int)
    layers = states.top_layers()
    head = torch.nn.Linear(states.dimensions, classes)
    steps = training_steps(len(indices))
    optimizer = torch.optim.AdamW(
        [{"params": layers.parameters(), "lr": LEARNING_RATE}, {"params": head.parameters(), "lr": HEAD_LEARNING_RATE}],
        weight_decay=0.01,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 - step / steps)
    targets = torch.from_numpy(np.asarray(gold, dtype=np.int64))
    rng = np.random.default_rng(seed)
    order = np.zeros(0, dtype=int)
    layers.train()
    with torch_threads():
        for _ in range(steps):
            if len(order) < BATCH_SIZE:
                order = np.concatenate([order, rng.permutation(indices)])
            batch, order = order[:BATCH_SIZE], order[BATCH_SIZE:]
            logits = head(states.forward(layers, batch)) * LOGIT_SCALE
            loss = torch.nn.functional.cross_entropy(logits, targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    layers.eval()
    return layers
