"""Cross-validation folds that hold an intent's near-duplicate examples out together.

Intent examples are often written as a few phrasings with words swapped in ("cancel my order", "cancel my
last order", ...). Stratified folds spread each phrasing over every fold, so a held-out example nearly always
has a near-duplicate in the training part: out-of-fold predictions then reward exact wording (``tfidf`` and
``combined`` win ``auto``'s feature choice) and look more confident than predictions on requests in new
phrasings, which sets the out-of-scope trade-off for easier text than a user sends. Here each intent's
examples are grouped by phrasing (:func:`phrasing_groups`) and a seeded share (:data:`WHOLE_GROUPS`) of each
intent's groups is held out whole, the rest one example at a time: the out-of-fold predictions mix seen and
unseen phrasings. The grouping costs one TF-IDF fit and one clustering per intent, no encoder pass.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_distances

GROUP_SIMILARITY = 0.3
"""Cosine similarity of word 1-2-gram TF-IDF vectors (average linkage) at which phrasing groups are cut."""
WHOLE_GROUPS = 0.5
"""Share of each intent's phrasing groups held out whole (seeded); the rest are held out one example at a time."""


def phrasing_groups(texts: list[str], gold: np.ndarray, intents: int) -> np.ndarray:
    """A group number for every text: the intent examples (``gold`` below ``intents``) grouped by phrasing.

    Word 1-2-gram TF-IDF vectors are fitted on the intent examples; each intent's examples are clustered by
    average linkage on cosine distance, cut at similarity :data:`GROUP_SIMILARITY`. An intent whose examples
    all fall in one group is split into single examples (one group would leave no fold to hold it out of),
    as are texts without words (an empty TF-IDF row is similar to nothing). Every other text (the background's,
    ``gold >= intents``) is a group of its own. Groups never span intents.
    """
    groups = np.arange(len(texts))
    in_scope = np.flatnonzero(gold < intents)
    try:
        vectors = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform([texts[i] for i in in_scope])
    except ValueError:  # no example has a word: every example is a group of its own
        return groups
    worded = np.asarray(vectors.getnnz(axis=1) > 0)
    for intent in range(intents):
        rows = np.flatnonzero((gold[in_scope] == intent) & worded)
        if len(rows) < 2:
            continue
        distances = np.clip(cosine_distances(vectors[rows]), 0.0, None)
        np.fill_diagonal(distances, 0.0)
        tree = linkage(squareform(distances, checks=False), method="average")
        clusters = fcluster(tree, t=1.0 - GROUP_SIMILARITY, criterion="distance")
        if len(set(clusters)) + int((gold[in_scope] == intent).sum()) - len(rows) < 2:
            continue  # the intent in one group: single examples
        members = in_scope[rows]
        for cluster in set(clusters):
            grouped = members[clusters == cluster]
            groups[grouped] = grouped.min()
    return groups


def held_out_units(groups: np.ndarray, gold: np.ndarray, seed: int) -> np.ndarray:
    """A unit number for every text: a seeded :data:`WHOLE_GROUPS` of each class's groups stay whole.

    The other groups are split into single examples. Units are what :func:`grouped_folds` deals to folds.
    """
    rng = np.random.default_rng(seed)
    units = np.arange(len(groups))
    for label in np.unique(gold):
        names = np.unique(groups[gold == label])
        whole = rng.permutation(names)[: int(np.floor(WHOLE_GROUPS * len(names) + 0.5))]
        for name in whole:
            members = np.flatnonzero(groups == name)
            units[members] = members.min()
    return units


def grouped_folds(
    texts: list[str], gold: np.ndarray, intents: int, folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """``folds`` (train, test) splits whose test parts hold the held-out units whole, stratified per class.

    Per class, units go largest first (equal sizes in a seeded order) to the fold with the fewest of that
    class (ties: the fewest texts in all, then a seeded order of the folds), so every class with at least
    ``folds`` units is in every fold. Background texts (``gold >= intents``) go one by one. ``None`` when a
    fold would hold no text (tiny data without a background class): the caller keeps stratified folds then.
    """
    rng = np.random.default_rng(seed)
    units = held_out_units(phrasing_groups(texts, gold, intents), gold, seed)
    fold_order = rng.permutation(folds)
    per_class = np.zeros((int(gold.max()) + 1, folds), dtype=int)
    totals = np.zeros(folds, dtype=int)
    fold_of = np.empty(len(gold), dtype=int)
    for label in np.unique(gold):
        names = rng.permutation(np.unique(units[gold == label]))
        sizes = np.array([(units == name).sum() for name in names])
        for name, size in zip(names[np.argsort(-sizes, kind="stable")], sorted(sizes, reverse=True), strict=True):
            fold = min(range(folds), key=lambda f: (per_class[label, f], totals[f], fold_order[f]))
            fold_of[units == name] = fold
            per_class[label, fold] += size
            totals[fold] += size
    if (totals == 0).any():
        return None
    everything = np.arange(len(gold))
    return [(everything[fold_of != fold], everything[fold_of == fold]) for fold in range(folds)]
