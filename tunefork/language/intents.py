"""Intent classification: linear models over sentence embeddings and/or TF-IDF n-grams.

Five feature sets, scored by cross-validation on the training examples (folds stratified per intent that hold
a seeded half of each intent's phrasing groups out whole: see below):

- ``embeddings``: sentence embeddings + logistic regression (good with few examples);
- ``tfidf``: TF-IDF word 1-2-grams and character 2-5-grams + logistic regression (exact wording);
- ``combined``: both feature sets side by side;
- ``contrastive``: the encoder fine-tuned on pairs of the examples first (the SetFit recipe,
  :mod:`tunefork.language.intent_contrastive`), its embeddings beside the TF-IDF n-grams (best with few
  examples per intent; costs CPU time);
- ``supervised``: the encoder's top layers fine-tuned to classify the examples first
  (:mod:`tunefork.language.intent_supervised`), its embeddings beside the TF-IDF n-grams (for many examples).

``auto`` keeps the one with the best out-of-fold accuracy on the in-scope examples (ties: the lower out-of-fold
log-loss once temperature-scaled, over the in-scope examples and the background texts, then the order above).
When the intents have unequal numbers of examples, every candidate's linear head is also cross-validated with
the rarer intents' examples weighted up (:func:`intent_weights`: sqrt(largest intent / intent), at most
:data:`INTENT_WEIGHT_CAP`), on the same folds and features, as one more candidate (``<features> weighted``)
compared like the others (accuracy, then log-loss; the unweighted head wins a complete tie). With balanced
intents every weight is 1 and nothing changes. On ATIS (74% of the examples in one intent) the weighted head
wins (bench/RESULTS.md).
The sentence encoder (:func:`intent_encoder`): below :func:`supervised_minimum` intent examples (where
``supervised`` is not tried) the bundled ``all-mpnet-base-v2`` (12 layers, 768 dimensions) when its packages are
installed (``scripts/setup.sh`` installs them), else ``all-MiniLM-L6-v2`` (6 layers, 384 dimensions), which also
serves larger data; the environment variable :data:`SMALL_DATA_ENCODER_VARIABLE` names another for small data.
``combined``, ``contrastive`` and ``supervised`` put the embeddings beside TF-IDF word and character n-grams
(each block unit length), the embeddings scaled by :func:`embedding_weight`: twice for mpnet, so that the
sentence's meaning outweighs its exact wording (on phrasings that training never saw, bench/RESULTS.md), once
for MiniLM. The model saves the encoder's name (or the fine-tuned encoder itself) and embeds with it when serving.
Every candidate is cross-validated on the same folds. Examples are often a few phrasings with words swapped in;
plain stratified folds leave a near-duplicate of nearly every held-out example in the training part, so the
out-of-fold predictions overrate exact wording (in the feature choice and in the out-of-scope trade-off). The
folds (:mod:`tunefork.language.intent_folds`) therefore group each intent's examples by phrasing (word TF-IDF,
average linkage cut at cosine 0.3) and hold a seeded half of the groups out whole, the rest one example at a
time, dealt to folds per intent so they stay stratified; background texts are spread one by one
(bench/RESULTS.md). ``contrastive`` fine-tunes the encoder's top layers
afresh on each fold's training part, so its score is measured on texts its encoder never saw. ``auto``
tries ``contrastive`` only up to :func:`contrastive_limit` intent examples (six short fine-tunings, whose
cost hardly grows with the examples, then every text embedded once per fold through the tuned layers: about
2 CPU-minutes for 120 examples, 4 for 660 and 6 for 912 over mpnet, bench/RESULTS.md); up to that limit the
small-data encoder serves too: over 336-912 examples from several domains together it ranked the right intent
first 0.5-6.4 points more often than MiniLM's candidates above the limit did, on five sets of five
(bench/RESULTS.md). Above that limit it tries ``supervised`` instead, whose fine-tuning grows with the examples (about
165 CPU seconds for ATIS's 4,634 and its background texts): it is fine-tuned once on the first fold's training
part and scored on that fold, so with it every candidate is compared on that held-out fold alone (the report
then says a held-out split), and its temperature and out-of-scope trade-off are measured on that fold; a
linear candidate that wins keeps its calibration on all folds.

Out of scope ("none of these") is decided by two things together. An explicit background class is trained
beside the intents from negative text (:mod:`tunefork.language.background`: the user's out-of-scope
examples, shipped general sentences, sentences made from the intents' vocabulary and near-domain requests
(:mod:`tunefork.language.near_domain`)); its probability is
the share that the intents' confidences leave free. Its texts outnumber any intent's, so they share a
training weight of :data:`BACKGROUND_WEIGHT` intents. And a confidence threshold: together with a shift of
the background's logit, it is chosen on the out-of-fold predictions for a stated trade-off
(:func:`~tunefork.language.intent_calibration.choose_background_trade_off`: keep >= 95% of the in-scope
examples, then flag as many out-of-scope texts as possible, but flag no more in-scope examples for a recall gain
within the recall's 95% confidence bound: held-out examples resemble the other training examples more than
new requests do, so every in-scope example kept beyond 95% is a margin for unseen text). Confidences are
calibrated by temperature scaling fitted on the out-of-fold scores.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion

from tunefork.config import env_int
from tunefork.errors import TuneforkError
from tunefork.language import intent_supervised
from tunefork.language.background import BackgroundTexts, background_texts
from tunefork.language.base import OUT_OF_SCOPE, IntentScore
from tunefork.language.bundled_mpnet import MPNET_ENCODER, mpnet_available
from tunefork.language.embeddings import BUNDLED_ENCODER, embed, encode
from tunefork.language.intent_calibration import (
    IntentModel,
    IntentTrainingReport,
    TradeOff,
    choose_background_trade_off,
    fit_temperature,
    rank_intents,
    softmax,
    threshold_on_texts,
    trade_off_at,
)
from tunefork.language.intent_contrastive import TRAINED_LAYERS, LowerLayerStates, fine_tune_top_layers
from tunefork.language.intent_folds import grouped_folds
from tunefork.language.options import FEATURE_SETS, INTENT_CLASSIFIERS
from tunefork.language.spelling import CorrectedIntents, TypoCorrector
from tunefork.progress import ProgressCallback, no_progress, within
from tunefork.store.artifacts import atomic_write_json

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

MAX_FOLDS = 5
CONTRASTIVE = "contrastive"
SUPERVISED = "supervised"
ENCODER_KINDS = (CONTRASTIVE, SUPERVISED)
"""Feature sets over an encoder fine-tuned on the examples (saved with the classifier)."""
AUTO_CANDIDATES = FEATURE_SETS
"""What ``auto`` scores (``contrastive`` only up to :func:`contrastive_limit` examples, ``supervised`` only above)."""
CONTRASTIVE_MAX_EXAMPLES = 1000
CONTRASTIVE_LIMIT_VARIABLE = "TUNEFORK_INTENT_CONTRASTIVE_MAX_EXAMPLES"
SUPERVISED_MINIMUM_VARIABLE = "TUNEFORK_INTENT_SUPERVISED_MIN_EXAMPLES"
SMALL_DATA_ENCODER_VARIABLE = "TUNEFORK_INTENT_SMALL_DATA_ENCODER"
HELD_OUT = "one held-out fold"
MIN_UPLOADED_FOR_RECALL = 20
"""Uploaded out-of-scope examples that measure the trade-off's recall alone; fewer are pooled with the general
and vocabulary background texts (the class learns from all of them either way)."""
REGULARIZATION_C = 20.0
EMBEDDING_WEIGHTS = {MPNET_ENCODER: 2.0}
"""Scale of an encoder's unit-length embeddings beside the two unit-length TF-IDF blocks (others: 1)."""
BACKGROUND_WEIGHT = 2.0
"""Total training weight of the background class, in average intents (its texts far outnumber any intent's)."""
INTENT_WEIGHT_POWER = 0.5
INTENT_WEIGHT_CAP = 10.0
"""The most an example of a rarer intent weighs (an example of the largest intent weighs 1)."""
WEIGHTED = "weighted"
"""Suffix of a candidate whose head weights the rarer intents up (``combined weighted``)."""


def _tfidf() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True)),
        ]
    )


class Features:
    """One feature set: fitted on training texts, then applied to any texts.

    ``contrastive`` and ``supervised`` features embed with ``model``, the fine-tuned encoder, unless given the
    vectors its encoder makes (a cross-validation fold passes those without building a whole encoder).
    """

    def __init__(self, kind: str, encoder: str = BUNDLED_ENCODER, model: SentenceTransformer | None = None) -> None:
        if kind not in FEATURE_SETS:
            raise TuneforkError(f"unknown intent features {kind!r}; choose one of {', '.join(INTENT_CLASSIFIERS)}")
        if kind not in ENCODER_KINDS and model is not None:
            raise TuneforkError("only contrastive and supervised intent features use a fine-tuned encoder")
        self.kind, self.encoder, self.model = kind, encoder, model
        self.vectorizer: FeatureUnion | None = _tfidf() if kind != "embeddings" else None

    def fit_transform(self, texts: list[str], vectors: np.ndarray | None) -> Any:
        """Fit the TF-IDF vocabulary (if any) on ``texts`` and return their features."""
        if self.vectorizer is not None:
            self.vectorizer.fit(texts)
        return self.transform(texts, vectors)

    def transform(self, texts: list[str], vectors: np.ndarray | None = None) -> Any:
        """Features of ``texts``; ``vectors`` are their embeddings when already computed."""
        if self.kind in ENCODER_KINDS and vectors is None:
            if self.model is None:
                raise TuneforkError(f"{self.kind} intent features need their fine-tuned encoder or its vectors")
            vectors = encode(self.model, texts)
        elif self.kind != "tfidf" and vectors is None:
            vectors = embed(texts, self.encoder)
        if self.kind == "embeddings":
            return vectors
        counts = self.vectorizer.transform(texts)
        if self.kind == "tfidf":
            return counts
        return sparse.hstack([counts, sparse.csr_matrix(vectors * embedding_weight(self.encoder))]).tocsr()


def _logits(classifier: LogisticRegression, features: Any) -> np.ndarray:
    scores = classifier.decision_function(features)
    if scores.ndim == 1:  # two classes: P(second) = sigmoid(score) = softmax([0, score])
        scores = np.stack([np.zeros_like(scores), scores], axis=1)
    return scores


class IntentClassifier:
    """A trained intent classifier with calibrated confidences and an out-of-scope threshold.

    When the classifier has a background class (:data:`OUT_OF_SCOPE`), ``labels`` leave it out and the
    intents' probabilities sum to less than 1: the rest is the background's.
    """

    def __init__(
        self,
        features: Features,
        classifier: LogisticRegression,
        temperature: float,
        threshold: float,
        background_bias: float = 0.0,
    ) -> None:
        self.features, self.classifier = features, classifier
        self.temperature, self.threshold, self.background_bias = temperature, threshold, background_bias
        classes = [str(label) for label in classifier.classes_]
        self.labels = [label for label in classes if label != OUT_OF_SCOPE]
        self._columns = [classes.index(label) for label in self.labels]
        self._background = classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in classes else None

    def probabilities(self, texts: list[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probabilities of the intents, shape ``(len(texts), len(self.labels))``.

        The background's logit is shifted by ``background_bias`` (chosen with the threshold) before the softmax.
        """
        logits = _logits(self.classifier, self.features.transform(texts, vectors)) / self.temperature
        if self._background is not None:
            logits[:, self._background] += self.background_bias
        return softmax(logits)[:, self._columns]

    def rank(self, texts: list[str]) -> list[list[IntentScore]]:
        """Every intent by confidence, best first, for each text."""
        return rank_intents(self.labels, self.probabilities(texts) if texts else np.zeros((0, len(self.labels))))

    def save(self, folder: Path) -> None:
        """Write ``classifier.joblib`` and ``intents.json`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        parts = {"vectorizer": self.features.vectorizer, "classifier": self.classifier}
        joblib.dump(parts, folder / "classifier.joblib")
        if self.features.model is not None:
            self.features.model.save(str(folder / "encoder"))
        meta = {
            "features": self.features.kind,
            "encoder": self.features.encoder,
            "labels": self.labels,
            "temperature": self.temperature,
            "threshold": self.threshold,
            "background_bias": self.background_bias,
        }
        atomic_write_json(folder / "intents.json", meta)

    @classmethod
    def load(cls, folder: Path) -> IntentClassifier:
        """Rebuild a classifier written by :meth:`save`."""
        meta = json.loads((folder / "intents.json").read_text(encoding="utf-8"))
        parts = joblib.load(folder / "classifier.joblib")
        model = None
        if meta["features"] in ENCODER_KINDS:
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(folder / "encoder"), device="cpu")
        features = Features(meta["features"], meta["encoder"], model)
        features.vectorizer = parts["vectorizer"]
        return cls(
            features, parts["classifier"], float(meta["temperature"]), float(meta["threshold"]),
            float(meta.get("background_bias", 0.0)),
        )  # fmt: skip


def fine_tuned_encoder(encoder: str) -> str:
    """What a saved model records as its encoder when it fine-tuned ``encoder`` (saved in ``encoder/``)."""
    return f"fine-tuned {encoder} (encoder/)"


def intent_encoder(examples: int, features: str = "auto") -> str:
    """The sentence encoder trained over for ``examples`` intent examples with ``features``.

    Below :func:`supervised_minimum` examples: the encoder the environment variable
    :data:`SMALL_DATA_ENCODER_VARIABLE` names (``all-MiniLM-L6-v2``, a hub id), else the bundled
    ``all-mpnet-base-v2`` when its packages are installed. Otherwise, and always for ``supervised`` (whose cost
    grows with the examples), the bundled ``all-MiniLM-L6-v2``.
    """
    if features == SUPERVISED or examples >= supervised_minimum():
        return BUNDLED_ENCODER
    chosen = os.environ.get(SMALL_DATA_ENCODER_VARIABLE, "").strip()
    return chosen or (MPNET_ENCODER if mpnet_available() else BUNDLED_ENCODER)


def embedding_weight(encoder: str) -> float:
    """How much ``encoder``'s embeddings weigh beside TF-IDF (``encoder`` may name its fine-tuned copy)."""
    return next((weight for name, weight in EMBEDDING_WEIGHTS.items() if name in encoder), 1.0)


def _new_classifier(seed: int) -> LogisticRegression:
    return LogisticRegression(C=REGULARIZATION_C, max_iter=5000, random_state=seed)


def _splits(
    texts: list[str], gold: np.ndarray, intents: int, folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The folds every candidate is cross-validated on (the same ones for all), stratified per class.

    A seeded half of each intent's phrasing groups is held out whole (:func:`~tunefork.language.intent_folds.
    grouped_folds`), so the out-of-fold predictions look like requests in new phrasings as well as seen ones:
    the feature choice and the out-of-scope trade-off then stop overrating exact wording. Background texts
    are spread one by one. Plain stratified folds when grouped ones would leave a fold empty (tiny data).
    """
    grouped = grouped_folds(texts, gold, intents, folds, seed)
    if grouped is not None:
        return grouped
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # intents rarer than the folds are missing from some folds: handled below
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        return list(splitter.split(np.zeros(len(gold)), gold))


def _out_of_fold_logits(
    kind: str,
    texts: list[str],
    vectors: np.ndarray | None,
    gold: np.ndarray,
    weightings: dict[str, np.ndarray],
    labels: list[str],
    splits: list[tuple[np.ndarray, np.ndarray]],
    seed: int,
    states: LowerLayerStates | None = None,
    encoder: str = BUNDLED_ENCODER,
    progress: ProgressCallback = no_progress,
) -> dict[str, np.ndarray]:
    """Scores of every example by a model that did not see it (classes missing from a fold score -inf); ``progress``
    hears of each fold done (one fine-tuning a fold: "5 of 5 folds" stood still for minutes, a review).

    One head per entry of ``weightings`` (sample weights), each fold's features shared by them.
    ``contrastive`` and ``supervised`` fine-tune the encoder's top layers on each fold's training part
    (``states`` holds the frozen lower layers' output for every text) and embed the fold's texts with them.
    """
    logits = {name: np.full((len(texts), len(labels)), -np.inf) for name in weightings}
    background = labels.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in labels else -1
    for done, (train_idx, test_idx) in enumerate(splits):
        progress(done, len(splits), f"fold {done + 1} of {len(splits)}")
        if kind in ENCODER_KINDS:
            vectors = states.embed(_fine_tune(kind, states, train_idx, gold, background, seed))
        features = Features(kind, encoder)
        train_texts = [texts[i] for i in train_idx]
        x_train = features.fit_transform(train_texts, None if vectors is None else vectors[train_idx])
        targets = np.asarray(labels)[gold[train_idx]]
        x_test = features.transform([texts[i] for i in test_idx], None if vectors is None else vectors[test_idx])
        for name, weights in weightings.items():
            classifier = _new_classifier(seed).fit(x_train, targets, sample_weight=weights[train_idx])
            columns = [labels.index(label) for label in classifier.classes_]
            logits[name][np.ix_(test_idx, columns)] = _logits(classifier, x_test)
    return logits


def _fine_tune(
    kind: str, states: LowerLayerStates, indices: np.ndarray, gold: np.ndarray, background: int, seed: int
) -> torch.nn.ModuleList:
    """Encoder top layers fine-tuned (``kind``) on the texts at ``indices``; class ``background``: negatives."""
    if kind == SUPERVISED:
        return intent_supervised.fine_tune_classifying(states, indices, gold, int(gold.max()) + 1, seed)
    in_scope = np.array([i for i in indices if gold[i] != background], dtype=int)
    negatives = [i for i in indices if gold[i] == background]
    return fine_tune_top_layers(states, in_scope, gold[in_scope], negatives, seed)


def _tried(kind: str, examples: int) -> bool:
    """Whether ``auto`` cross-validates ``kind`` on ``examples`` intent examples (by the limits above)."""
    if kind == CONTRASTIVE:
        return examples <= contrastive_limit()
    return kind != SUPERVISED or examples >= supervised_minimum()


def contrastive_limit() -> int:
    """The most intent examples for which ``auto`` also tries ``contrastive``.

    :data:`CONTRASTIVE_MAX_EXAMPLES` unless the environment variable :data:`CONTRASTIVE_LIMIT_VARIABLE` says
    otherwise (the test suite sets 0 to keep every small training fast; one test exercises the path).
    """
    return env_int(CONTRASTIVE_LIMIT_VARIABLE, CONTRASTIVE_MAX_EXAMPLES, minimum=0)


def supervised_minimum() -> int:
    """The fewest intent examples for which ``auto`` tries ``supervised``: above :func:`contrastive_limit`.

    The environment variable :data:`SUPERVISED_MINIMUM_VARIABLE` can set it (the test suite sets it high to
    keep every training fast; tests/test_language_supervised.py exercises the path).
    """
    return env_int(SUPERVISED_MINIMUM_VARIABLE, contrastive_limit() + 1, minimum=0)


def intent_weights(gold: np.ndarray) -> np.ndarray:
    """Weight of each intent example (``gold``: intent indices): sqrt(largest intent / its intent), capped.

    An example of the largest intent weighs 1, one of an intent a quarter its size 2, never more than
    :data:`INTENT_WEIGHT_CAP`; with as many examples in every intent, every weight is 1.
    """
    counts = np.bincount(gold)
    per_intent = np.minimum((counts.max() / np.maximum(counts, 1)) ** INTENT_WEIGHT_POWER, INTENT_WEIGHT_CAP)
    return per_intent[gold].astype(float)


def _sample_weights(intent_examples: np.ndarray, intents: int, negatives: int) -> np.ndarray:
    """``intent_examples`` (weights of the intent examples), then the background's texts: they share
    :data:`BACKGROUND_WEIGHT` times an average intent's total weight."""
    share = BACKGROUND_WEIGHT * intent_examples.sum() / intents / negatives if negatives else 0.0
    return np.concatenate([intent_examples, np.full(negatives, share)])


def train_intents(
    examples: list[tuple[str, str]],
    *,
    features: str = "auto",
    out_of_scope_texts: list[str] | None = None,
    threshold: float | None = None,
    background: bool = True,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
) -> tuple[IntentModel, IntentTrainingReport]:
    """Train an intent classifier on ``(text, intent)`` examples (see the module docs for the method); it reads
    requests with their typos corrected toward the words of the examples and out-of-scope texts
    (:mod:`tunefork.language.spelling`).

    ``background=False`` trains no background class (the threshold alone decides out of scope, its
    trade-off measured on the uploaded out-of-scope examples or the shipped general sentences).
    """
    classifier, report = _train_classifier(
        examples, features=features, out_of_scope_texts=out_of_scope_texts, threshold=threshold,
        background=background, seed=seed, progress=progress,
    )  # fmt: skip
    corrector = TypoCorrector.from_texts([text for text, _ in examples] + list(out_of_scope_texts or []))
    return CorrectedIntents(classifier, corrector), report


def _train_classifier(
    examples: list[tuple[str, str]],
    *,
    features: str,
    out_of_scope_texts: list[str] | None,
    threshold: float | None,
    background: bool,
    seed: int,
    progress: ProgressCallback,
) -> tuple[IntentModel, IntentTrainingReport]:
    if features not in INTENT_CLASSIFIERS:
        raise TuneforkError(f"unknown intent classifier {features!r}; choose one of {', '.join(INTENT_CLASSIFIERS)}")
    labels = sorted({intent for _, intent in examples})
    if len(labels) < 2:
        raise TuneforkError(f"intent classification needs at least two intents (found {len(labels)}: {labels}).")
    if features == "finetune":
        from tunefork.language.intent_finetune import train_finetuned

        return train_finetuned(
            examples, labels, out_of_scope_texts=out_of_scope_texts or [], threshold=threshold, seed=seed,
            progress=progress,
        )  # fmt: skip
    texts = [text for text, _ in examples]
    gold_in_scope = np.array([labels.index(intent) for _, intent in examples])
    folds = min(MAX_FOLDS, int(np.bincount(gold_in_scope).max()))
    if folds < 2:
        raise TuneforkError(
            "every intent has a single example: give at least one intent two examples so the classifier can be "
            "cross-validated and calibrated."
        )
    negatives = background_texts(examples, out_of_scope_texts or [], seed) if background else None
    negative_texts = negatives.texts if negatives else []
    all_texts, classes = texts + negative_texts, labels + [OUT_OF_SCOPE] * bool(negative_texts)
    gold = np.concatenate([gold_in_scope, np.full(len(negative_texts), len(labels), dtype=int)])
    weightings = {"": _sample_weights(np.ones(len(texts)), len(labels), len(negative_texts))}
    rarer_up = intent_weights(gold_in_scope)
    if np.any(rarer_up != 1.0):
        weightings[f" {WEIGHTED}"] = _sample_weights(rarer_up, len(labels), len(negative_texts))
    kinds = [features]
    if features == "auto":
        kinds = [kind for kind in AUTO_CANDIDATES if _tried(kind, len(texts))]
    candidates = [kind + suffix for kind in kinds for suffix in weightings]
    needs_vectors = any(kind in ("embeddings", "combined") for kind in kinds)
    encoder = intent_encoder(len(texts), features)
    steps = len(kinds) + 3  # preparing, each candidate, training on every example, the threshold
    if needs_vectors:
        progress(0, steps, f"intents: embedding {len(all_texts)} examples and background texts ({encoder})")
    vectors = embed(all_texts, encoder) if needs_vectors else None
    oof: dict[str, np.ndarray] = {}
    accuracy: dict[str, float] = {}
    n = len(texts)
    splits = _splits(all_texts, gold, len(labels), folds, seed)
    held_out = SUPERVISED in kinds  # compared on the first fold alone (see the module docs)
    scored = splits[0][1] if held_out else np.arange(len(all_texts))
    cv_folds = dict.fromkeys(candidates, 0 if held_out else folds)
    depth = intent_supervised.TRAINED_LAYERS if SUPERVISED in kinds else TRAINED_LAYERS  # never both in one run
    states = None
    if set(ENCODER_KINDS) & set(kinds):
        progress(0, steps, f"intents: running {encoder}'s lower layers over {len(all_texts)} texts (once)")
        states = LowerLayerStates(all_texts, depth, encoder)
    for step, kind in enumerate(kinds, start=1):
        fold_splits = splits[:1] if kind == SUPERVISED else splits
        label = f"intents: cross-validating {kind}" + (f" (1 of {folds} folds)" if len(fold_splits) < folds else "")
        scores = _out_of_fold_logits(
            kind, all_texts, vectors, gold, weightings, classes, fold_splits, seed, states, encoder,
            within(progress, step, steps, label),
        )  # fmt: skip
        for suffix, logits in scores.items():
            oof[kind + suffix] = logits
            accuracy[kind + suffix] = _accuracy(logits[:, : len(labels)], gold, scored[scored < n])
        progress(step + 1, steps, f"intents: {kind} accuracy {accuracy[kind]:.3f} on held-out examples")
    log_loss = {name: _calibrated_log_loss(oof[name][scored], gold[scored]) for name in candidates}
    best = max(candidates, key=lambda name: (accuracy[name], -log_loss[name][1], -candidates.index(name)))
    chosen, _, weighted = best.partition(" ")
    weights = weightings[f" {weighted}" if weighted else ""]
    calibrated = scored if chosen == SUPERVISED else np.arange(len(all_texts))
    temperature = _calibrated_log_loss(oof[best], gold)[0] if len(calibrated) > len(scored) else log_loss[best][0]
    finite = _finite(oof[best][calibrated])
    progress(len(kinds) + 1, steps, f"intents: training {best} on every example")
    final_features, final_vectors = Features(chosen, encoder), vectors
    if chosen in ENCODER_KINDS:
        layers = _fine_tune(chosen, states, np.arange(len(all_texts)), gold, len(labels), seed)
        final_features = Features(chosen, fine_tuned_encoder(encoder), states.encoder(layers))
        final_vectors = states.embed(layers)
    x_all = final_features.fit_transform(all_texts, final_vectors)
    classifier = _new_classifier(seed).fit(x_all, np.asarray(classes)[gold], sample_weight=weights)
    model = IntentClassifier(final_features, classifier, temperature, 0.0)
    progress(steps - 1, steps, "intents: choosing the out-of-scope threshold")
    trade_off: TradeOff | None = None
    source = "given"
    if threshold is None or negatives is not None:
        model.background_bias, trade_off = _trade_off(
            model, softmax(finite / temperature), calibrated, n, negatives, out_of_scope_texts or [], threshold
        )
        threshold, source = trade_off.threshold, trade_off.sentence()
    model.threshold = float(threshold)
    progress(steps, steps, "intents: done")
    report = IntentTrainingReport(
        chosen=chosen, folds=0 if held_out else folds, cv_accuracy=accuracy, cv_folds=cv_folds,
        temperature=round(temperature, 4), threshold=round(model.threshold, 4), threshold_source=source,
        examples=len(examples), intents=len(labels), trade_off=asdict(trade_off) if trade_off else None,
        background=negatives.describe() if negatives else None,
        cv_log_loss={kind: round(loss, 4) for kind, (_, loss) in log_loss.items()},
        intent_weights=_weights_sentence(rarer_up, gold_in_scope) if weighted else None,
        encoder=None if chosen == "tfidf" else encoder,
    )  # fmt: skip
    return model, report


def _weights_sentence(weights: np.ndarray, gold: np.ndarray) -> str:
    """The intent weighting in words, for the model card."""
    return (
        f"rarer intents weighted up by sqrt(largest intent / intent), at most {INTENT_WEIGHT_CAP:g} "
        f"(here 1 to {weights.max():.3g}; {np.bincount(gold).max()} examples in the largest intent), picked by "
        "cross-validation over the unweighted head"
    )


def _accuracy(logits: np.ndarray, gold: np.ndarray, rows: np.ndarray) -> float:
    """Top-1 accuracy of the intent examples at ``rows`` (``logits``: over the intents alone)."""
    return round(float(np.mean(logits[rows].argmax(axis=1) == gold[rows])), 4)


def _finite(logits: np.ndarray) -> np.ndarray:
    """Out-of-fold logits with the classes a fold never saw (``-inf``) at a large negative number."""
    return np.where(np.isfinite(logits), logits, -1e9)


def _calibrated_log_loss(logits: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """``(temperature, mean negative log-likelihood)`` of out-of-fold ``logits`` once temperature-scaled.

    Candidates with the same accuracy are told apart by it: the out-of-scope decision reads the probabilities,
    so the better calibrated ones (over the intents and the background texts) make the better decision.
    """
    finite = _finite(logits)
    temperature = fit_temperature(finite, gold)
    probabilities = softmax(finite / temperature)
    return temperature, float(-np.mean(np.log(probabilities[np.arange(len(gold)), gold] + 1e-12)))


def _trade_off(
    model: IntentClassifier,
    held_out: np.ndarray,
    rows: np.ndarray,
    in_scope: int,
    negatives: BackgroundTexts | None,
    uploaded: list[str],
    given: float | None = None,
) -> tuple[float, TradeOff]:
    """The background bias and threshold for the stated trade-off, measured on out-of-fold predictions (with a
    ``given`` threshold and a background class, what that threshold achieves, the background unshifted).

    ``held_out`` holds the out-of-fold probabilities of the texts at ``rows`` (ascending positions among the
    ``in_scope`` intent examples, then the background's texts; its last column is the background's): every
    text, or one held-out fold of them. Out-of-scope recall is measured on the uploaded out-of-scope examples
    when there are at least :data:`MIN_UPLOADED_FOR_RECALL`, else on them and the general and vocabulary-made
    background texts (a recall of 2 texts moves in steps of 50 points): not
    on the near-domain requests, which share the intents' words, so a threshold chosen to catch them flagged
    unseen in-scope requests too (bench/RESULTS.md); they train the class all the same. Without a background
    class, on the uploaded examples or the shipped general sentences as the model scores them.
    """
    intents = rows < in_scope
    if negatives is None:
        return 0.0, threshold_on_texts(model, held_out[intents, : len(model.labels)], uploaded)
    uploaded_alone = len(negatives.uploaded) >= MIN_UPLOADED_FOR_RECALL
    count = len(negatives.uploaded) + (0 if uploaded_alone else len(negatives.general) + len(negatives.generated))
    where = "the general and vocabulary background texts"
    if negatives.uploaded:
        where = (
            "uploaded out-of-scope examples" if uploaded_alone else f"the uploaded out-of-scope examples and {where}"
        )
    how = "cross-validated on" if len(rows) == in_scope + len(negatives.texts) else f"measured on {HELD_OUT} of"
    measured = f"{how} the in-scope examples and {where}"
    if not uploaded_alone:  # a review read 95% here and met 57% on its own out-of-scope requests
        measured += (
            "; general text is easier to tell apart than requests about your business that no intent handles, "
            f"which this does not measure: upload {MIN_UPLOADED_FOR_RECALL} or more real out-of-scope requests"
        )
    outside = (rows >= in_scope) & (rows < in_scope + count)
    if given is not None:  # --oos-threshold: what it keeps and flags, measured the same way ("given" said nothing)
        return 0.0, trade_off_at(held_out[intents], held_out[outside], given, measured)
    return choose_background_trade_off(held_out[intents], held_out[outside], measured)


def load_intent_model(folder: Path) -> IntentModel:
    """The intent classifier saved in ``folder`` (linear or fine-tuned), with its typo corrector if it has one."""
    meta = json.loads((folder / "intents.json").read_text(encoding="utf-8"))
    classifier: IntentModel
    if meta["features"] == "finetune":
        from tunefork.language.intent_finetune import FineTunedIntents

        classifier = FineTunedIntents.load(folder)
    else:
        classifier = IntentClassifier.load(folder)
    corrector = TypoCorrector.load(folder)
    return classifier if corrector is None else CorrectedIntents(classifier, corrector)
