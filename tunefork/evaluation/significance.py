"""Paired bootstrap confidence interval for the WER difference between two systems.

Both systems are scored on the same utterances. Each bootstrap replicate draws utterances with
replacement (the same draw for both systems, hence "paired") and recomputes the corpus-level
``WER(B) - WER(A)``; the percentile interval of those replicates is the confidence interval. The
difference is called significant only when the interval excludes zero, and never on fewer than
:data:`MIN_PAIRED_ITEMS` items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MIN_PAIRED_ITEMS", "BootstrapResult", "paired_bootstrap"]

_MAX_CELLS_PER_BATCH = 4_000_000
"""Bound on replicates x utterances drawn at once, so 10k x 10k resamples stay within memory."""


MIN_PAIRED_ITEMS = 6
"""The fewest paired items on which a difference is called significant: with fewer, no paired test can reach 95%
(a sign test with every item going one way: 2 x 0.5^6 = 3%), while a bootstrap of one utterance gave the point
interval '+84.62 to +84.62' and called it significant (a speech review)."""


@dataclass(frozen=True)
class BootstrapResult:
    """``wer_delta`` = WER(B) - WER(A) on the full set (negative: B makes fewer errors)."""

    wer_delta: float
    ci95: tuple[float, float]
    significant: bool
    iterations: int = 0
    confidence: float = 0.95
    items: int | None = None
    """How many paired items it resampled (``None``: a result stored before it was kept)."""

    @property
    def too_few_items(self) -> bool:
        """True when there were too few items to call any difference significant (:data:`MIN_PAIRED_ITEMS`)."""
        return self.items is not None and self.items < MIN_PAIRED_ITEMS


def _rate(errors: np.ndarray, words: np.ndarray) -> np.ndarray:
    """Corpus WER per replicate; with no reference words, the error count (as in ``error_rate``)."""
    safe = np.where(words > 0, words, 1)
    return np.where(words > 0, errors / safe, errors.astype(float))


def _replicate_deltas(
    errors_a: np.ndarray, errors_b: np.ndarray, words: np.ndarray, iterations: int, seed: int
) -> np.ndarray:
    """``WER(B) - WER(A)`` for each of ``iterations`` paired resamples, drawn in bounded batches."""
    rng = np.random.default_rng(seed)
    count = len(words)
    batch = max(1, _MAX_CELLS_PER_BATCH // count)
    deltas = np.empty(iterations, dtype=float)
    for start in range(0, iterations, batch):
        size = min(batch, iterations - start)
        index = rng.integers(0, count, size=(size, count))
        sampled_words = words[index].sum(axis=1)
        rate_a = _rate(errors_a[index].sum(axis=1), sampled_words)
        rate_b = _rate(errors_b[index].sum(axis=1), sampled_words)
        deltas[start : start + size] = rate_b - rate_a
    return deltas


def paired_bootstrap(
    errors_a: Sequence[int],
    errors_b: Sequence[int],
    words: Sequence[int],
    iterations: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
) -> BootstrapResult:
    """Paired bootstrap of the corpus WER difference ``B - A`` over utterances.

    ``errors_a[k]`` and ``errors_b[k]`` are the S+D+I counts of utterance ``k`` under each system and
    ``words[k]`` its reference word count. The result is deterministic for a given ``seed``.
    """
    a, b, n = (np.asarray(values, dtype=np.int64) for values in (errors_a, errors_b, words))
    if not len(a) == len(b) == len(n):
        raise ValueError(f"errors_a, errors_b and words differ in length: {len(a)}, {len(b)}, {len(n)}")
    if iterations < 1:
        raise ValueError("iterations must be at least 1")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be between 0 and 1")
    if len(n) == 0:
        return BootstrapResult(0.0, (0.0, 0.0), False, iterations, confidence, 0)
    total = np.array([n.sum()])
    delta = float(_rate(np.array([b.sum()]), total)[0] - _rate(np.array([a.sum()]), total)[0])
    deltas = _replicate_deltas(a, b, n, iterations, seed)
    tail = (1.0 - confidence) / 2.0
    low, high = (float(x) for x in np.quantile(deltas, [tail, 1.0 - tail]))
    significant = (low > 0.0 or high < 0.0) and len(n) >= MIN_PAIRED_ITEMS
    return BootstrapResult(delta, (low, high), significant, iterations, confidence, len(n))


ONE_SIDED_95_Z = 1.645
"""The normal quantile of a one-sided 95% bound."""


def wilson_interval(share: float, count: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``share`` measured on ``count`` items (two-sided 95% by
    default); ``(0, 1)`` without items."""
    if count <= 0:
        return 0.0, 1.0
    centre = share + z * z / (2 * count)
    spread = z * np.sqrt(share * (1 - share) / count + z * z / (4 * count * count))
    scale = 1 + z * z / count
    return float(max(0.0, (centre - spread) / scale)), float(min(1.0, (centre + spread) / scale))


def wilson_lower_bound(share: float, count: int, z: float = ONE_SIDED_95_Z) -> float:
    """Lower end of the Wilson score interval of a proportion ``share`` measured on ``count`` items (one-sided 95%
    by default)."""
    return wilson_interval(share, count, z)[0]


def interval_note(model: str, metric: str, share: float, count: int) -> str:
    """``nlu-v1: intent accuracy 92.9% on 28 items, 95% interval 77.4% to 98.0% (Wilson)``: how far a figure
    measured on a test set this size can be from the truth (one model's figure carried no uncertainty)."""
    low, high = wilson_interval(share, count)
    return f"{model}: {metric} {share:.1%} on {count} items, 95% interval {low:.1%} to {high:.1%} (Wilson)."
