"""A back-off n-gram language model held as numpy arrays, and writing it as ARPA or PocketSphinx binary.

Probabilities and back-off weights are base-10 logarithms, as in the ARPA format. N-grams are
stored column-wise (one array per word position) so that millions of them can be combined with
vectorized numpy instead of Python loops: a bigram is ``(h1, w)``, a trigram ``(h2, h1, w)``, the
predicted word last, all as indices into ``vocab``.

PocketSphinx loads ARPA text directly but slowly (about 5 s for the bundled model's 3.7 million
n-grams), so custom models are written in its binary trie format (:func:`write_binary`), which
loads in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

NO_PROB = -99.0
"""ARPA's log10 probability for "never predicted" (``<s>``)."""

SENTENCE_START = "<s>"
SENTENCE_END = "</s>"


@dataclass
class BackoffLM:
    """A trigram (or lower-order) back-off model: vocabulary, then unigram, bigram and trigram columns."""

    vocab: list[str]
    uni_logp: np.ndarray
    uni_bo: np.ndarray
    bi_h1: np.ndarray
    bi_w: np.ndarray
    bi_logp: np.ndarray
    bi_bo: np.ndarray
    tri_h2: np.ndarray
    tri_h1: np.ndarray
    tri_w: np.ndarray
    tri_logp: np.ndarray

    @property
    def counts(self) -> tuple[int, int, int]:
        """Number of unigrams, bigrams and trigrams."""
        return len(self.vocab), len(self.bi_w), len(self.tri_w)

    @property
    def order(self) -> int:
        """Highest n-gram order present (1 to 3)."""
        return 3 if len(self.tri_w) else 2 if len(self.bi_w) else 1

    def index(self) -> dict[str, int]:
        """Word -> position in ``vocab``."""
        return {word: i for i, word in enumerate(self.vocab)}


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` without its hash path, which is ~10x slower on int64 keys)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def sorted_contains(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """For each needle, whether the sorted array ``haystack`` holds it."""
    if len(haystack) == 0:
        return np.zeros(len(needles), bool)
    positions = np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)
    return haystack[positions] == needles


def _lines(logp_column: np.ndarray, words: list[np.ndarray], tail: np.ndarray | None) -> str:
    """ARPA lines ``logp<TAB>w1 w2...[<TAB>bo]`` for one section."""
    logp = np.maximum(logp_column, NO_PROB).tolist()
    grams = [" ".join(parts) for parts in zip(*[w.tolist() for w in words], strict=True)]
    if tail is None:
        return "".join(f"{p:.6f}\t{g}\n" for p, g in zip(logp, grams, strict=True))
    return "".join(f"{p:.6f}\t{g}\t{b:.6f}\n" for p, g, b in zip(logp, grams, tail.tolist(), strict=True))


def write_arpa(lm: BackoffLM, path: Path) -> None:
    """Write ``lm`` as an ARPA text file (what every toolkit reads)."""
    vocab = np.array(lm.vocab, dtype=object)
    counts = lm.counts
    order = lm.order
    with open(path, "w", encoding="utf-8") as out:
        out.write("\\data\\\n")
        for n in range(order):
            out.write(f"ngram {n + 1}={counts[n]}\n")
        out.write("\n\\1-grams:\n")
        out.write(_lines(lm.uni_logp, [vocab], lm.uni_bo if order > 1 else None))
        if order > 1:
            out.write("\n\\2-grams:\n")
            out.write(_lines(lm.bi_logp, [vocab[lm.bi_h1], vocab[lm.bi_w]], lm.bi_bo if order > 2 else None))
        if order > 2:
            out.write("\n\\3-grams:\n")
            out.write(_lines(lm.tri_logp, [vocab[lm.tri_h2], vocab[lm.tri_h1], vocab[lm.tri_w]], None))
        out.write("\n\\end\\\n")
