"""Contrastive fine-tuning of the bundled sentence encoder (the SetFit recipe, a short loop of our own).

SetFit (Tunstall et al., 2022) fine-tunes a sentence encoder on pairs made from the labelled examples, so
that two examples of one intent embed close together and examples of different intents far apart, then
trains a classification head on the new embeddings. Here, made cheap enough for a CPU budget (issue 12):

- only the top :data:`TRAINED_LAYERS` transformer layers are fine-tuned. The lower layers stay the bundled
  encoder's, so their token states are computed once per training (:class:`LowerLayerStates`, no gradients)
  and shared by every cross-validation fold and the final training; texts are cut at :data:`MAX_TOKENS`
  tokens (the saved encoder cuts them there too);
- batches: :data:`BATCH_INTENTS` intents with up to :data:`PER_INTENT` examples each, plus
  :data:`BATCH_NEGATIVES` background (out-of-scope) texts; every pair inside a batch counts, not one pair
  per text: two examples of one intent have target cosine 1, an intent example and an example of another
  intent or a background text target cosine 0 (two background texts are not paired);
- loss: mean squared error between the pairs' cosine similarity and their targets (SetFit's
  ``CosineSimilarityLoss``), positive and negative pairs weighted half and half; AdamW at
  :data:`LEARNING_RATE` with linear decay over :data:`STEPS` steps;
- head: the linear head of :mod:`tunefork.language.intents` (logistic regression with the background class)
  over the fine-tuned embeddings beside TF-IDF word and character n-grams, which keep typos from hurting.

Each fine-tuning starts from a fresh copy of the bundled encoder's top layers, so cross-validation folds
never share what they learned (the lower layers they share are never trained).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from tunefork.language.embeddings import BUNDLED_ENCODER, load_encoder
from tunefork.progress import ProgressCallback, no_progress

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

TRAINED_LAYERS = 2
"""Top transformer layers fine-tuned (of MiniLM's 6, mpnet's 12); the ones below are frozen."""
MAX_TOKENS = 48
BATCH_INTENTS = 8
PER_INTENT = 4
BATCH_NEGATIVES = 8
LEARNING_RATE = 1e-4
STEPS = 30
ENCODE_BATCH = 128
TORCH_THREADS = 2
"""The most torch threads while fine-tuning (never more than the process has): on an idle 2-core machine a
second thread cuts mpnet's fine-tunings' wall time by a third for 5-13% more CPU, bringing 200 examples within
the 3-minute budget; under ``OMP_NUM_THREADS=1`` (a busy machine, the benchmarks) one (bench/RESULTS.md)."""


@contextmanager
def torch_threads(count: int = TORCH_THREADS) -> Iterator[None]:
    """At most ``count`` torch threads inside the block (the process-wide setting is restored after)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(min(count, previous))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _additive_mask(lengths: torch.Tensor, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(keep, additive)``: a ``(batch, width)`` 0/1 mask and the ``(batch, 1, 1, width)`` attention mask."""
    import torch

    keep = (torch.arange(width)[None, :] < lengths[:, None]).float()
    return keep, ((1.0 - keep) * torch.finfo(torch.float32).min)[:, None, None, :]


def _run_layers(
    layers: torch.nn.ModuleList, hidden: torch.Tensor, mask: torch.Tensor, position_bias: torch.Tensor | None
) -> torch.Tensor:
    """``hidden`` through ``layers`` as the encoder's own stack runs them (MPNet's also take its position bias)."""
    extra = {} if position_bias is None else {"position_bias": position_bias}
    for layer in layers:
        output = layer(hidden, attention_mask=mask, **extra)
        hidden = output[0] if isinstance(output, tuple) else output
    return hidden


class LowerLayerStates:
    """Token states of ``texts`` after the bundled ``encoder``'s frozen lower layers, computed once.

    :meth:`embed` runs any copy of the top layers on them, so a fold's fine-tuned top layers embed every
    text without the lower layers' cost. The encoder is a BERT-style stack (MiniLM) or an MPNet one, whose
    layers also take a relative position bias: computed by the encoder's own (never trained) bias table for
    every batch, as MPNet's encoder does.
    """

    def __init__(self, texts: list[str], trained_layers: int = TRAINED_LAYERS, encoder: str = BUNDLED_ENCODER) -> None:
        import torch

        self.name = encoder
        encoder = load_encoder(encoder)
        bert = encoder[0].auto_model
        self.trained_layers = trained_layers
        self.dimensions = int(bert.config.hidden_size)
        self.states: list[torch.Tensor] = [torch.empty(0)] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        lower = bert.encoder.layer[: len(bert.encoder.layer) - trained_layers]
        with torch.no_grad():
            for start in range(0, len(order), ENCODE_BATCH):
                chunk = order[start : start + ENCODE_BATCH]
                tokens = encoder.tokenizer(
                    [texts[i] for i in chunk], padding=True, truncation=True, max_length=MAX_TOKENS,
                    return_tensors="pt",
                )  # fmt: skip
                lengths = tokens["attention_mask"].sum(dim=1)
                hidden = bert.embeddings(input_ids=tokens["input_ids"], token_type_ids=tokens.get("token_type_ids"))
                hidden = _run_layers(lower, hidden, _additive_mask(lengths, hidden.shape[1])[1], self._bias(hidden))
                for row, index in enumerate(chunk):
                    self.states[index] = hidden[row, : int(lengths[row])].clone()

    def _bias(self, hidden: torch.Tensor) -> torch.Tensor | None:
        """The relative position bias for a batch of ``hidden`` states (MPNet), without gradients; else None."""
        import torch

        stack = load_encoder(self.name)[0].auto_model.encoder
        if not hasattr(stack, "compute_position_bias"):
            return None
        with torch.no_grad():
            return stack.compute_position_bias(hidden)

    def top_layers(self) -> torch.nn.ModuleList:
        """A fresh trainable copy of the bundled encoder's top layers."""
        layers = load_encoder(self.name)[0].auto_model.encoder.layer
        return copy.deepcopy(layers[len(layers) - self.trained_layers :])

    def forward(self, layers: torch.nn.ModuleList, indices: list[int] | np.ndarray) -> torch.Tensor:
        """Unit-length mean-pooled embeddings of the texts at ``indices`` through ``layers`` (with gradients)."""
        import torch

        states = [self.states[i] for i in indices]
        lengths = torch.tensor([len(state) for state in states])
        hidden = torch.nn.utils.rnn.pad_sequence(states, batch_first=True)
        keep, mask = _additive_mask(lengths, hidden.shape[1])
        hidden = _run_layers(layers, hidden, mask, self._bias(hidden))
        pooled = (hidden * keep[..., None]).sum(dim=1) / lengths[:, None]
        return torch.nn.functional.normalize(pooled, dim=-1)

    def embed(self, layers: torch.nn.ModuleList, indices: list[int] | np.ndarray | None = None) -> np.ndarray:
        """:meth:`forward` without gradients, in batches, as float32 (every text when ``indices`` is None)."""
        import torch

        indices = list(range(len(self.states))) if indices is None else list(indices)
        layers.eval()
        with torch.no_grad():
            parts = [self.forward(layers, indices[s : s + ENCODE_BATCH]) for s in range(0, len(indices), ENCODE_BATCH)]
        if not parts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return torch.cat(parts).numpy().astype(np.float32)

    def encoder(self, layers: torch.nn.ModuleList) -> SentenceTransformer:
        """A whole sentence encoder: a copy of the bundled one with ``layers`` on top, cutting at MAX_TOKENS."""
        model = copy.deepcopy(load_encoder(self.name))
        stack = model[0].auto_model.encoder.layer
        for offset, layer in enumerate(layers):
            stack[len(stack) - len(layers) + offset] = layer
        model.max_seq_length = MAX_TOKENS
        model.eval()
        return model


def contrastive_batches(
    gold: list[int] | np.ndarray, negatives: int, steps: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each step, ``(intent example positions, background positions)`` (see the module docs)."""
    rng = np.random.default_rng(seed)
    gold = np.asarray(gold)
    by_intent = {int(label): np.flatnonzero(gold == label) for label in np.unique(gold)}
    intents = np.array(sorted(by_intent))
    batches = []
    for _ in range(steps):
        chosen = rng.choice(intents, size=min(BATCH_INTENTS, len(intents)), replace=False)
        examples = np.concatenate(
            [rng.choice(by_intent[i], size=min(PER_INTENT, len(by_intent[i])), replace=False) for i in chosen]
        )
        background = rng.choice(negatives, size=min(BATCH_NEGATIVES, negatives), replace=False)
        batches.append((examples, background.astype(int)))
    return batches


def pair_targets(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(positive, negative)`` boolean pair masks for batch ``labels`` (-1: a background text).

    Positive: two different texts of one intent; negative: texts of different intents, or an intent example
    and a background text. Two background texts make no pair.
    """
    same = labels[:, None] == labels[None, :]
    background = labels < 0
    either_in_scope = ~(background[:, None] & background[None, :])
    positive = same & ~background[:, None] & ~np.eye(len(labels), dtype=bool)
    return positive, ~same & either_in_scope


def fine_tune_top_layers(
    states: LowerLayerStates,
    examples: list[int] | np.ndarray,
    gold: list[int] | np.ndarray,
    negatives: list[int] | np.ndarray,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
) -> torch.nn.ModuleList:
    """Top layers fine-tuned on the texts at ``examples`` (intent indices ``gold``) and ``negatives``.

    ``examples`` and ``negatives`` are positions in ``states``' texts.
    """
    import torch

    torch.manual_seed(seed)
    examples, gold, negatives = np.asarray(examples), np.asarray(gold), np.asarray(negatives, dtype=int)
    layers = states.top_layers()
    optimizer = torch.optim.AdamW(layers.parameters(), lr=LEARNING_RATE)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 - step / STEPS)
    layers.train()
    with torch_threads():
        for step, (chosen, background) in enumerate(contrastive_batches(gold, len(negatives), STEPS, seed)):
            labels = np.concatenate([gold[chosen], np.full(len(background), -1)])
            positive, negative = (torch.from_numpy(mask) for mask in pair_targets(labels))
            vectors = states.forward(layers, np.concatenate([examples[chosen], negatives[background]]))
            cosine = vectors @ vectors.T
            loss = cosine[negative].pow(2).mean() if negative.any() else cosine.new_zeros(())
            if positive.any():
                loss = (loss + (cosine[positive] - 1.0).pow(2).mean()) / 2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            progress(step + 1, STEPS, f"contrastive loss {loss.item():.3f}")
    layers.eval()
    return layers
