"""Linear heads on Lite0 features, chosen by cross-validation, with per-concept thresholds.

Single-label data gets a multinomial logistic regression (softmax over the concepts, plus a
:data:`NONE` class when negative examples were uploaded); multi-label data gets one logistic regression
per concept (one-vs-rest, sigmoid scores). Features come in blocks (:mod:`tunefork.vision.features`); each
block is standardized and scaled by ``1/sqrt(width)``, so a 3,072-wide pixel block and a 40-wide one weigh
the same. Cross-validation (stratified, up to :data:`MAX_FOLDS` folds, on at most :data:`MAX_VALIDATED`
images) picks the feature set and the regularization among :data:`FEATURE_SETS` x :data:`C_GRID`; with fewer
than two examples of a concept there is nothing to validate on and :data:`DEFAULT_SET` with ``C = 1`` is used.

Given a held-out mask of the rows instead (:func:`held_out_split`, used to compare frozen with fine-tuned
features, :mod:`tunefork.vision.training`), the configuration is chosen on that one split.

Thresholds are tuned on the chosen configuration's out-of-fold (or held-out) scores, per concept, for the best F1:
multi-label models keep a concept whose score reaches its threshold (0.5 without cross-validation);
single-label models answer "none of these" when the top concept's score is under its threshold, which
applies only when the model is open-set (negative examples uploaded, or a fixed threshold given).

A head is stored without pickles: ``head.npz`` (weights, standardization) and the JSON the caller keeps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tunefork.errors import TuneforkError
from tunefork.vision.features import DEPTHS, EMBEDDING, PIXELS

NONE = "none of these"
"""The decision when no concept applies (open-set models and multi-label models)."""
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "embedding": (EMBEDDING,),
    "multi-depth": (*DEPTHS, EMBEDDING),
    "multi-depth+pixels": (PIXELS, *DEPTHS, EMBEDDING),
}
"""The feature sets cross-validation picks from, by name."""
DEFAULT_SET = "multi-depth+pixels"
C_GRID = (0.3, 3.0)
MAX_FOLDS = 3
MAX_VALIDATED = 3000
"""Cross-validation runs on a stratified sample of at most this many images (the CPU budget); the chosen
head is then fitted on every image."""
MAX_ITERATIONS = 500


@dataclass
class HeadConfig:
    """What a trained head is: its concepts, mode, features, regularization, thresholds and validation."""

    concepts: list[str]
    multi_label: bool
    feature_set: str
    c: float
    thresholds: dict[str, float]
    negatives_class: bool = False
    """True when negative examples trained a :data:`NONE` class (single-label only)."""
    fixed_threshold: float | None = None
    """The user's threshold for every concept (replaces the tuned ones)."""
    cross_validation: dict[str, Any] = field(default_factory=dict)
    """Folds, the score of every configuration tried, and the chosen one (empty without validation)."""

    @property
    def open_set(self) -> bool:
        """True when a single-label model may answer "none of these"."""
        return self.multi_label or self.negatives_class or self.fixed_threshold is not None

    def threshold(self, concept: str) -> float:
        """The score ``concept`` needs to be decided."""
        if self.fixed_threshold is not None:
            return self.fixed_threshold
        return self.thresholds.get(concept, 0.5 if self.multi_label else 0.0)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HeadConfig:
        return cls(**data)


def _standardize(blocks: dict[str, np.ndarray], names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The concatenated matrix of ``names`` and its per-column mean and scale (1/(std sqrt(width)))."""
    matrix = np.hstack([blocks[name] for name in names]).astype(np.float64)
    mean = matrix.mean(axis=0)
    scale = np.concatenate([np.full(blocks[n].shape[1], 1 / np.sqrt(blocks[n].shape[1])) for n in names])
    scale = scale / (matrix.std(axis=0) + 1e-3)
    return (matrix - mean) * scale, mean, scale


def _fit(x: np.ndarray, y: np.ndarray, c: float, multi_label: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``(classes x features)`` and biases of a logistic regression (one per column when multi-label)."""
    from sklearn.linear_model import LogisticRegression

    def model() -> LogisticRegression:
        return LogisticRegression(C=c, max_iter=MAX_ITERATIONS, random_state=seed)

    if multi_label:  # a concept on every image of a fold, or on none, gets a constant score
        weights, bias = np.zeros((y.shape[1], x.shape[1])), np.zeros(y.shape[1])
        for k in range(y.shape[1]):
            share = float(y[:, k].mean())
            if 0 < share < 1:
                fitted = model().fit(x, y[:, k])
                weights[k], bias[k] = fitted.coef_[0], fitted.intercept_[0]
            else:
                bias[k] = np.log((share + 1e-3) / (1 - share + 1e-3))
        return weights, bias
    fitted = model().fit(x, y)
    if fitted.coef_.shape[0] == 1:  # two classes: sklearn keeps one row; make it a softmax over both
        return np.vstack([-fitted.coef_ / 2, fitted.coef_ / 2]), np.array([-1, 1]) * fitted.intercept_[0] / 2
    return fitted.coef_, fitted.intercept_


def scores(x: np.ndarray, weights: np.ndarray, bias: np.ndarray, multi_label: bool) -> np.ndarray:
    """Softmax (single-label) or sigmoid (multi-label) scores of the standardized rows ``x``."""
    logits = x @ weights.T + bias
    if multi_label:
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def _best_f1_threshold(score: np.ndarray, positive: np.ndarray, candidates: np.ndarray, floor: float) -> float:
    """The candidate threshold with the best F1 of ``score >= t`` against ``positive`` (lowest on ties)."""
    best, best_f1 = floor, -1.0
    for threshold in np.unique(np.concatenate([[floor], candidates])):
        chosen = score >= threshold
        tp = float(np.sum(chosen & positive))
        f1 = 2 * tp / (chosen.sum() + positive.sum()) if chosen.sum() + positive.sum() else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(threshold), f1
    return round(best, 4)


def tune_thresholds(oof: np.ndarray, gold: np.ndarray, concepts: list[str], multi_label: bool) -> dict[str, float]:
    """Per concept, the threshold with the best out-of-fold F1 (``gold``: indicator matrix or class indices)."""
    tuned = {}
    for k, concept in enumerate(concepts):
        if multi_label:
            tuned[concept] = _best_f1_threshold(oof[:, k], gold[:, k] == 1, oof[:, k], 0.05)
        else:
            top = oof.argmax(axis=1) == k
            score = np.where(top, oof[:, k], -1.0)
            tuned[concept] = _best_f1_threshold(score, gold == k, oof[top, k], 0.0)
    return tuned


def _folds(y: np.ndarray, multi_label: bool, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import KFold, StratifiedKFold

    if multi_label:
        if len(y) < 4:
            return []
        return list(KFold(min(MAX_FOLDS, len(y) // 2), shuffle=True, random_state=seed).split(y))
    smallest = int(np.bincount(y).min())
    if smallest < 2:
        return []
    return list(StratifiedKFold(min(MAX_FOLDS, smallest), shuffle=True, random_state=seed).split(y, y))


def _validation_sample(y: np.ndarray, multi_label: bool, seed: int) -> np.ndarray:
    """Rows to cross-validate on: all of them, or a (stratified) sample of :data:`MAX_VALIDATED`."""
    if len(y) <= MAX_VALIDATED:
        return np.arange(len(y))
    from sklearn.model_selection import train_test_split

    stratify = None if multi_label else y
    sample, _ = train_test_split(np.arange(len(y)), train_size=MAX_VALIDATED, random_state=seed, stratify=stratify)
    return np.sort(sample)


def _validation_score(oof: np.ndarray, y: np.ndarray, multi_label: bool) -> float:
    if multi_label:
        from sklearn.metrics import average_precision_score

        present = y.sum(axis=0) > 0
        return float(average_precision_score(y[:, present], oof[:, present], average="macro"))
    return float(np.mean(oof.argmax(axis=1) == y))


@dataclass
class TrainedHead:
    """A fitted head: its configuration and the arrays ``head.npz`` stores."""

    config: HeadConfig
    weights: np.ndarray
    bias: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    validated: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    """The chosen configuration's out-of-fold (or held-out) scores and the gold of those rows (not stored)."""

    def save(self, path: Path) -> None:
        with path.open("wb") as handle:
            np.savez(handle, weights=self.weights, bias=self.bias, mean=self.mean, scale=self.scale)

    @classmethod
    def load(cls, path: Path, config: HeadConfig) -> TrainedHead:
        with np.load(path, allow_pickle=False) as arrays:
            return cls(config, arrays["weights"], arrays["bias"], arrays["mean"], arrays["scale"])

    def score(self, blocks: dict[str, np.ndarray]) -> np.ndarray:
        """Scores per class column (concepts, then :data:`NONE` when negatives trained one)."""
        matrix = np.hstack([blocks[name] for name in FEATURE_SETS[self.config.feature_set]]).astype(np.float64)
        return scores((matrix - self.mean) * self.scale, self.weights, self.bias, self.config.multi_label)


@dataclass
class Targets:
    """What a head learns from labelled rows: the concepts, the classes and ``y`` for the kept ``rows``."""

    concepts: list[str]
    classes: list[str]
    """The concepts, then :data:`NONE` when negative examples train a class (single-label only)."""
    multi_label: bool
    negatives_class: bool
    rows: np.ndarray
    """The input rows kept (labelled or negative)."""
    y: np.ndarray
    """Class indices (single-label) or an indicator matrix (multi-label), one row per kept row."""

    def class_counts(self) -> dict[str, int]:
        """How many rows each class (single-label) or concept (multi-label) has."""
        counts = self.y.sum(axis=0) if self.multi_label else np.bincount(self.y, minlength=len(self.classes))
        return dict(zip(self.concepts if self.multi_label else self.classes, map(int, counts), strict=True))


def targets(labels: list[list[str]], negative: list[bool]) -> Targets:
    """The :class:`Targets` of rows with ``labels`` (one per row; several make the data multi-label)."""
    concepts = sorted({label for row in labels for label in row})
    multi_label = any(len(row) > 1 for row in labels)
    if len(concepts) < (1 if multi_label else 2) and not any(negative):
        raise TuneforkError(f"Training needs images of at least two concepts (found {len(concepts)}).")
    rows = np.flatnonzero([bool(row) or neg for row, neg in zip(labels, negative, strict=True)])
    kept = [labels[i] for i in rows]
    negatives_class = not multi_label and any(negative[i] for i in rows)
    classes = concepts + ([NONE] if negatives_class else [])
    if multi_label:
        y = np.array([[concept in row for concept in concepts] for row in kept], dtype=np.int64)
    else:
        y = np.array([classes.index(row[0] if row else NONE) for row in kept])
    return Targets(concepts, classes, multi_label, negatives_class, rows, y)


def held_out_split(labels: list[list[str]], negative: list[bool], share: float, seed: int) -> np.ndarray:
    """A boolean mask of the rows set aside for validation: ``share`` of them, stratified by class (single-label)."""
    from sklearn.model_selection import train_test_split

    found = targets(labels, negative)
    stratify = None if found.multi_label else found.y
    _, held = train_test_split(found.rows, test_size=share, random_state=seed, stratify=stratify)
    mask = np.zeros(len(labels), dtype=bool)
    mask[held] = True
    return mask


def train_head(
    blocks: dict[str, np.ndarray],
    labels: list[list[str]],
    negative: list[bool],
    fixed_threshold: float | None = None,
    seed: int = 0,
    held_out: np.ndarray | None = None,
) -> TrainedHead:
    """Fit the head on feature ``blocks`` of the training images (see the module documentation).

    ``held_out`` (a boolean mask of the rows) replaces cross-validation by one split: every configuration is
    fitted on the other rows and scored on these, and the thresholds are tuned on these rows' scores.
    """
    found = targets(labels, negative)
    concepts, classes, multi_label, y = found.concepts, found.classes, found.multi_label, found.y
    blocks = {name: values[found.rows] for name, values in blocks.items()}
    if held_out is not None:
        held = np.asarray(held_out, dtype=bool)[found.rows]
        sample, folds = np.flatnonzero(held), [(np.flatnonzero(~held), np.flatnonzero(held))]
    else:
        sample = _validation_sample(y, multi_label, seed)
        folds = [(sample[train], sample[test]) for train, test in _folds(y[sample], multi_label, seed)]
    tried: dict[str, float] = {}
    best_oof: np.ndarray | None = None
    chosen = (DEFAULT_SET, 1.0)
    best = -1.0
    if folds:
        for set_name, names in FEATURE_SETS.items():
            for c in C_GRID:
                oof = np.zeros((len(y), len(classes)))
                for train, test in folds:  # rows of the whole set; the sample's rows are filled
                    x_train, mean, scale = _standardize({n: blocks[n][train] for n in names}, names)
                    weights, bias = _fit(x_train, y[train], c, multi_label, seed)
                    x_test = (np.hstack([blocks[n][test] for n in names]) - mean) * scale
                    oof[test] = scores(x_test, weights, bias, multi_label)
                value = _validation_score(oof[sample], y[sample], multi_label)
                tried[f"{set_name} C={c:g}"] = round(value, 4)
                if value > best + 1e-9:
                    best, best_oof, chosen = value, oof, (set_name, c)
    names = FEATURE_SETS[chosen[0]]
    x, mean, scale = _standardize(blocks, names)
    weights, bias = _fit(x, y, chosen[1], multi_label, seed)
    thresholds = tune_thresholds(best_oof[sample], y[sample], concepts, multi_label) if best_oof is not None else {}
    validation = {"folds": len(folds), "images": len(sample), "scores": tried, "best": round(best, 4),
                  "metric": "mAP" if multi_label else "accuracy"}  # fmt: skip
    if held_out is not None:
        validation["held_out"] = True
    config = HeadConfig(concepts, multi_label, chosen[0], chosen[1], thresholds, found.negatives_class,
                        fixed_threshold, validation if folds else {})  # fmt: skip
    validated = (best_oof[sample], y[sample]) if best_oof is not None else None
    return TrainedHead(config, weights, bias, mean, scale, validated)


def paired_gain(
    first: TrainedHead, second: TrainedHead, seed: int, resamples: int = 500
) -> tuple[float, float]:  # fmt: skip
    """How much ``second`` beats ``first`` on the rows both were validated on, and the 5th percentile of that
    gain over bootstrap resamples of the rows (above 0: better with 95% confidence, one-sided)."""
    if first.validated is None or second.validated is None:
        raise TuneforkError("Both heads need validation scores to be compared.")
    (a, gold), (b, _) = first.validated, second.validated
    multi_label = first.config.multi_label
    gain = _validation_score(b, gold, multi_label) - _validation_score(a, gold, multi_label)
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, len(gold), len(gold)) for _ in range(resamples)]
    gains = [
        _validation_score(b[d], gold[d], multi_label) - _validation_score(a[d], gold[d], multi_label) for d in draws
    ]
    return round(float(gain), 4), round(float(np.percentile(gains, 5)), 4)
