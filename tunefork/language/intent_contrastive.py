"""Contrastive fine-tuning of the bundled sentence encoder (the SetFit recipe, a short loop of our own).

SetFit (Tunstall et al., 2022) fine-tunes a sentence encoder on pairs made from the labelled examples, so
that two examples of one intent embed close together and examples of different intents far apart, then
trains a classification head on the new embeddings. Here:

- pairs: in rounds over the intent examples, each gets one positive pair (another example of the same
  intent, target cosine 1) and one negative pair (target cosine 0) with an example of another intent or,
  :data:`BACKGROUND_NEGATIVE_SHARE` of the time, a background (out-of-scope) text; :data:`PAIR_ROUNDS`
  rounds, more when that makes fewer than :data:`MIN_STEPS` batches;
- loss: mean squared error between the pair's cosine similarity and its target (SetFit's
  ``CosineSimilarityLoss``), AdamW at :data:`LEARNING_RATE` with linear decay, batches of :data:`BATCH_PAIRS`
  pairs, one pass over the pairs, at most :data:`MAX_STEPS` steps (the CPU budget);
- head: the linear head of :mod:`tunefork.language.intents` (logistic regression with the background class)
  over the fine-tuned embeddings beside TF-IDF word and character n-grams, which keep typos from hurting.

Each fine-tuning starts from a fresh copy of the bundled encoder, so cross-validation folds never share
what they learned.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import numpy as np

from tunefork.language.embeddings import BUNDLED_ENCODER, model_location
from tunefork.progress import ProgressCallback, no_progress

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

PAIR_ROUNDS = 2
BACKGROUND_NEGATIVE_SHARE = 0.3
BATCH_PAIRS = 16
LEARNING_RATE = 2e-5
MIN_STEPS = 16
MAX_STEPS = 50
"""At most this many optimizer steps per fine-tuning (about 2 CPU-seconds each on two cores)."""


def contrastive_pairs(
    texts: list[str], gold: list[int] | np.ndarray, negatives: list[str], seed: int
) -> list[tuple[str, str, float]]:
    """``(anchor, other, target cosine)`` pairs from intent examples (see the module docs), shuffled.

    ``gold`` holds each text's intent index; ``negatives`` are background texts. An intent with a single
    example gets no positive pair; with a single intent, negatives come from the background texts only (and
    none without any).
    """
    rng = random.Random(seed)
    by_intent: dict[int, list[int]] = {}
    for index, label in enumerate(gold):
        by_intent.setdefault(int(label), []).append(index)
    pairs: list[tuple[str, str, float]] = []
    rounds = 0
    while rounds < PAIR_ROUNDS or 0 < len(pairs) < MIN_STEPS * BATCH_PAIRS:
        rounds, before = rounds + 1, len(pairs)
        for index, label in enumerate(gold):
            same = [other for other in by_intent[int(label)] if other != index]
            if same:
                pairs.append((texts[index], texts[rng.choice(same)], 1.0))
            others = [other for other in by_intent if other != int(label)]
            if negatives and (not others or rng.random() < BACKGROUND_NEGATIVE_SHARE):
                pairs.append((texts[index], rng.choice(negatives), 0.0))
            elif others:
                pairs.append((texts[index], texts[rng.choice(by_intent[rng.choice(others)])], 0.0))
        if len(pairs) == before:
            break
    rng.shuffle(pairs)
    return pairs


def fine_tune_encoder(
    texts: list[str],
    gold: list[int] | np.ndarray,
    negatives: list[str],
    seed: int = 0,
    progress: ProgressCallback = no_progress,
) -> SentenceTransformer:
    """A fresh copy of the bundled encoder fine-tuned on pairs of ``texts`` (intent indices ``gold``)."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    encoder = SentenceTransformer(model_location(BUNDLED_ENCODER), device="cpu")
    pairs = contrastive_pairs(texts, gold, negatives, seed)[: MAX_STEPS * BATCH_PAIRS]
    steps = -(-len(pairs) // BATCH_PAIRS)
    optimizer = torch.optim.AdamW(encoder.parameters(), lr=LEARNING_RATE)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 - step / max(steps, 1))
    encoder.train()
    for step in range(steps):
        batch = pairs[step * BATCH_PAIRS : (step + 1) * BATCH_PAIRS]
        left = encoder(encoder.preprocess([pair[0] for pair in batch]))["sentence_embedding"]
        right = encoder(encoder.preprocess([pair[1] for pair in batch]))["sentence_embedding"]
        cosine = torch.nn.functional.cosine_similarity(left, right)
        loss = torch.nn.functional.mse_loss(cosine, torch.tensor([pair[2] for pair in batch]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        progress(step + 1, steps, f"contrastive loss {loss.item():.3f}")
    encoder.eval()
    return encoder
