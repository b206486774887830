"""Train a small trigram language model on the related text: interpolated Witten-Bell smoothing.

Witten-Bell needs no discount estimates, so it behaves on a few dozen sentences, where Kneser-Ney's
count-of-counts are too sparse to trust. In its interpolated form a seen n-gram gets

    P(w | h) = (c(h w) + T(h) * P(w | h')) / (c(h) + T(h))

(``T(h)`` = distinct words seen after ``h``, ``h'`` = ``h`` without its oldest word) and an unseen one
``bo(h) * P(w | h')`` with ``bo(h) = T(h) / (c(h) + T(h))``, which is exactly an ARPA back-off model
with no renormalization needed. Unigrams are interpolated with a uniform distribution over the
vocabulary the same way. The vocabulary is closed: only words of the text (and ``</s>``) get mass.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np

from tunefork.speech.sphinx_custom.ngram import NO_PROB, SENTENCE_END, SENTENCE_START, BackoffLM

ORDER = 3


def count_ngrams(sentences: Iterable[list[str]]) -> list[Counter[tuple[str, ...]]]:
    """Unigram, bigram and trigram counts of ``<s> words </s>`` (``<s>`` never counted as predicted)."""
    counts: list[Counter[tuple[str, ...]]] = [Counter() for _ in range(ORDER)]
    for words in sentences:
        tokens = [SENTENCE_START, *words, SENTENCE_END]
        for end in range(1, len(tokens)):
            for n in range(1, ORDER + 1):
                if end - n + 1 < 0:
                    break
                counts[n - 1][tuple(tokens[end - n + 1 : end + 1])] += 1
    return counts


def _context_stats(counts: Counter[tuple[str, ...]]) -> tuple[dict[tuple[str, ...], int], dict[tuple[str, ...], int]]:
    """Per context: total count of followers and number of distinct followers."""
    totals: dict[tuple[str, ...], int] = defaultdict(int)
    types: dict[tuple[str, ...], int] = defaultdict(int)
    for gram, count in counts.items():
        totals[gram[:-1]] += count
        types[gram[:-1]] += 1
    return totals, types


def build_domain_lm(sentences: Iterable[list[str]]) -> BackoffLM:
    """A Witten-Bell trigram model of ``sentences`` (lists of words, already normalized)."""
    unigrams, bigrams, trigrams = count_ngrams(sentences)
    words = sorted({gram[0] for gram in unigrams} - {SENTENCE_START, SENTENCE_END})
    vocab = [SENTENCE_START, SENTENCE_END, *words]
    index = {word: i for i, word in enumerate(vocab)}
    total = sum(unigrams.values())
    distinct = len(unigrams)
    uniform = 1.0 / max(len(vocab) - 1, 1)
    uni = np.zeros(len(vocab))
    for (word,), count in unigrams.items():
        uni[index[word]] = (count + distinct * uniform) / (total + distinct)
    uni[index[SENTENCE_START]] = 0.0
    uni /= uni.sum()

    bi_totals, bi_types = _context_stats(bigrams)
    uni_bo = np.ones(len(vocab))
    for (h1,), types in bi_types.items():
        uni_bo[index[h1]] = types / (bi_totals[(h1,)] + types)
    bi_prob: dict[tuple[str, str], float] = {}
    for (h1, w), count in bigrams.items():
        types = bi_types[(h1,)]
        bi_prob[(h1, w)] = (count + types * uni[index[w]]) / (bi_totals[(h1,)] + types)

    tri_totals, tri_types = _context_stats(trigrams)
    bi_bo = {ctx: types / (tri_totals[ctx] + types) for ctx, types in tri_types.items()}
    tri_prob: dict[tuple[str, str, str], float] = {}
    for (h2, h1, w), count in trigrams.items():
        lower = bi_prob.get((h1, w), uni_bo[index[h1]] * uni[index[w]])
        types = tri_types[(h2, h1)]
        tri_prob[(h2, h1, w)] = (count + types * lower) / (tri_totals[(h2, h1)] + types)

    bi_keys = sorted(bi_prob)
    tri_keys = sorted(tri_prob)
    with np.errstate(divide="ignore"):
        uni_logp = np.where(uni > 0, np.log10(np.where(uni > 0, uni, 1.0)), NO_PROB)
    return BackoffLM(
        vocab=vocab,
        uni_logp=uni_logp,
        uni_bo=np.log10(uni_bo),
        bi_h1=np.array([index[h1] for h1, _ in bi_keys], np.int64),
        bi_w=np.array([index[w] for _, w in bi_keys], np.int64),
        bi_logp=np.log10(np.array([bi_prob[k] for k in bi_keys])),
        bi_bo=np.log10(np.array([bi_bo.get(k, 1.0) for k in bi_keys])),
        tri_h2=np.array([index[k[0]] for k in tri_keys], np.int64),
        tri_h1=np.array([index[k[1]] for k in tri_keys], np.int64),
        tri_w=np.array([index[k[2]] for k in tri_keys], np.int64),
        tri_logp=np.log10(np.array([tri_prob[k] for k in tri_keys])),
    )
