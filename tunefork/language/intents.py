"""Intent classification: linear models over sentence embeddings and/or TF-IDF n-grams.

Three feature sets compete, scored by stratified cross-validation on the training examples:

- ``embeddings``: ``all-MiniLM-L6-v2`` sentence embeddings + logistic regression (good with few examples);
- ``tfidf``: TF-IDF word 1-2-grams and character 2-5-grams + logistic regression (exact wording);
- ``combined``: both feature sets side by side.

``auto`` keeps the one with the best out-of-fold accuracy (ties: the order above). Confidences are
calibrated by temperature scaling fitted on the out-of-fold scores. The out-of-scope threshold ("none of
these") is tuned on held-out predictions: the out-of-fold scores of the examples plus the examples
labelled out of scope. Without such examples, shipped general English sentences (``tunefork/data``) stand in
for "none of these": they are out of scope for an intent model of almost any domain.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion

from tunefork.errors import TuneforkError
from tunefork.language.base import IntentScore
from tunefork.language.embeddings import BUNDLED_ENCODER, embed
from tunefork.language.intent_calibration import (
    IntentModel,
    IntentTrainingReport,
    fit_temperature,
    rank_intents,
    softmax,
    tune_out_of_scope,
)
from tunefork.language.options import FEATURE_SETS, INTENT_CLASSIFIERS
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.artifacts import atomic_write_json

MAX_FOLDS = 5
REGULARIZATION_C = 20.0
COMBINED_EMBEDDING_WEIGHT = 1.0


def _tfidf() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True)),
        ]
    )


class Features:
    """One feature set: fitted on training texts, then applied to any texts."""

    def __init__(self, kind: str, encoder: str = BUNDLED_ENCODER) -> None:
        if kind not in FEATURE_SETS:
            raise TuneforkError(f"unknown intent features {kind!r}; choose one of {', '.join(INTENT_CLASSIFIERS)}")
        self.kind, self.encoder = kind, encoder
        self.vectorizer: FeatureUnion | None = _tfidf() if kind != "embeddings" else None

    def fit_transform(self, texts: list[str], vectors: np.ndarray | None) -> Any:
        """Fit the TF-IDF vocabulary (if any) on ``texts`` and return their features."""
        if self.vectorizer is not None:
            self.vectorizer.fit(texts)
        return self.transform(texts, vectors)

    def transform(self, texts: list[str], vectors: np.ndarray | None = None) -> Any:
        """Features of ``texts``; ``vectors`` are their embeddings when already computed."""
        if self.kind != "tfidf" and vectors is None:
            vectors = embed(texts, self.encoder)
        if self.kind == "embeddings":
            return vectors
        counts = self.vectorizer.transform(texts)
        if self.kind == "tfidf":
            return counts
        return sparse.hstack([counts, sparse.csr_matrix(vectors * COMBINED_EMBEDDING_WEIGHT)]).tocsr()


def _logits(classifier: LogisticRegression, features: Any) -> np.ndarray:
    scores = classifier.decision_function(features)
    if scores.ndim == 1:  # two classes: P(second) = sigmoid(score) = softmax([0, score])
        scores = np.stack([np.zeros_like(scores), scores], axis=1)
    return scores


class IntentClassifier:
    """A trained intent classifier with calibrated confidences and an out-of-scope threshold."""

    def __init__(
        self, features: Features, classifier: LogisticRegression, temperature: float, threshold: float
    ) -> None:
        self.features, self.classifier = features, classifier
        self.temperature, self.threshold = temperature, threshold
        self.labels = [str(label) for label in classifier.classes_]

    def probabilities(self, texts: list[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(texts), len(self.labels))``."""
        return softmax(_logits(self.classifier, self.features.transform(texts, vectors)) / self.temperature)

    def rank(self, texts: list[str]) -> list[list[IntentScore]]:
        """Every intent by confidence, best first, for each text."""
        return rank_intents(self.labels, self.probabilities(texts) if texts else np.zeros((0, len(self.labels))))

    def save(self, folder: Path) -> None:
        """Write ``classifier.joblib`` and ``intents.json`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        parts = {"vectorizer": self.features.vectorizer, "classifier": self.classifier}
        joblib.dump(parts, folder / "classifier.joblib")
        meta = {
            "features": self.features.kind,
            "encoder": self.features.encoder,
            "labels": self.labels,
            "temperature": self.temperature,
            "threshold": self.threshold,
        }
        atomic_write_json(folder / "intents.json", meta)

    @classmethod
    def load(cls, folder: Path) -> IntentClassifier:
        """Rebuild a classifier written by :meth:`save`."""
        meta = json.loads((folder / "intents.json").read_text(encoding="utf-8"))
        parts = joblib.load(folder / "classifier.joblib")
        features = Features(meta["features"], meta["encoder"])
        features.vectorizer = parts["vectorizer"]
        return cls(features, parts["classifier"], float(meta["temperature"]), float(meta["threshold"]))


def _new_classifier(seed: int) -> LogisticRegression:
    return LogisticRegression(C=REGULARIZATION_C, max_iter=5000, random_state=seed)


def _out_of_fold_logits(
    kind: str, texts: list[str], vectors: np.ndarray | None, gold: np.ndarray, labels: list[str], folds: int, seed: int
) -> np.ndarray:
    """Scores of every example by a model that did not see it (classes missing from a fold score -inf)."""
    logits = np.full((len(texts), len(labels)), -np.inf)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # intents rarer than the folds are missing from some folds: handled above
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splits = list(splitter.split(np.zeros(len(gold)), gold))
    for train_idx, test_idx in splits:
        features = Features(kind)
        train_texts = [texts[i] for i in train_idx]
        x_train = features.fit_transform(train_texts, None if vectors is None else vectors[train_idx])
        classifier = _new_classifier(seed).fit(x_train, np.asarray(labels)[gold[train_idx]])
        x_test = features.transform([texts[i] for i in test_idx], None if vectors is None else vectors[test_idx])
        columns = [labels.index(label) for label in classifier.classes_]
        logits[np.ix_(test_idx, columns)] = _logits(classifier, x_test)
    return logits


def train_intents(
    examples: list[tuple[str, str]],
    *,
    features: str = "auto",
    out_of_scope_texts: list[str] | None = None,
    threshold: float | None = None,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
) -> tuple[IntentModel, IntentTrainingReport]:
    """Train an intent classifier on ``(text, intent)`` examples (see the module docs for the method)."""
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
    gold = np.array([labels.index(intent) for _, intent in examples])
    folds = min(MAX_FOLDS, int(np.bincount(gold).max()))
    if folds < 2:
        raise TuneforkError(
            "every intent has a single example: give at least one intent two examples so the classifier can be "
            "cross-validated and calibrated."
        )
    candidates = list(FEATURE_SETS) if features == "auto" else [features]
    needs_vectors = any(kind != "tfidf" for kind in candidates)
    steps = len(candidates) + 2
    progress(0, steps, "intents: embedding examples")
    vectors = embed(texts) if needs_vectors else None
    oof: dict[str, np.ndarray] = {}
    accuracy: dict[str, float] = {}
    for step, kind in enumerate(candidates, start=1):
        oof[kind] = _out_of_fold_logits(kind, texts, vectors, gold, labels, folds, seed)
        accuracy[kind] = round(float(np.mean(oof[kind].argmax(axis=1) == gold)), 4)
        progress(step, steps, f"intents: {kind} cross-validated accuracy {accuracy[kind]:.3f}")
    chosen = max(candidates, key=lambda kind: (accuracy[kind], -candidates.index(kind)))
    finite = np.where(np.isfinite(oof[chosen]), oof[chosen], -1e9)
    temperature = fit_temperature(finite, gold)
    final_features = Features(chosen)
    x_all = final_features.fit_transform(texts, vectors)
    classifier = _new_classifier(seed).fit(x_all, np.asarray(labels)[gold])
    model = IntentClassifier(final_features, classifier, temperature, 0.0)
    progress(steps - 1, steps, "intents: tuning the out-of-scope threshold")
    source = "given"
    if threshold is None:
        held_out = softmax(finite / temperature)
        threshold, source = tune_out_of_scope(model, held_out, gold, labels, out_of_scope_texts or [])
    model.threshold = float(threshold)
    progress(steps, steps, "intents: done")
    report = IntentTrainingReport(
        chosen=chosen, folds=folds, cv_accuracy=accuracy, temperature=round(temperature, 4),
        threshold=round(model.threshold, 4), threshold_source=source, examples=len(examples), intents=len(labels),
    )  # fmt: skip
    return model, report


def load_intent_model(folder: Path) -> IntentModel:
    """The intent classifier saved in ``folder`` (linear or fine-tuned)."""
    meta = json.loads((folder / "intents.json").read_text(encoding="utf-8"))
    if meta["features"] == "finetune":
        from tunefork.language.intent_finetune import FineTunedIntents

        return FineTunedIntents.load(folder)
    return IntentClassifier.load(folder)
