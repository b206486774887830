"""What every intent classifier shares (linear, :mod:`.intents`, or fine-tuned, :mod:`.intent_finetune`).

The classifier protocol, ranking, temperature calibration of confidences, the out-of-scope threshold
chosen on held-out predictions for a stated trade-off (keep >= 95% of in-scope, then maximise
out-of-scope recall, without flagging in-scope text for gains within the recall's uncertainty), and the
training report. Both classifiers build on this module, so they do not depend on each other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy.optimize import minimize_scalar

from tunefork.evaluation.significance import wilson_lower_bound
from tunefork.language.base import IntentScore
from tunefork.language.general_text import general_texts

MIN_TEMPERATURE = 0.25
"""Lower bound of the calibration temperature: perfectly separated folds would otherwise drive it to 0."""


class IntentModel(Protocol):
    """What the language model needs of an intent classifier (linear or fine-tuned)."""

    labels: list[str]
    threshold: float

    def probabilities(self, texts: list[str]) -> np.ndarray: ...

    def rank(self, texts: list[str]) -> list[list[IntentScore]]: ...

    def save(self, folder: Path) -> None: ...


def rank_intents(labels: list[str], probabilities: np.ndarray) -> list[list[IntentScore]]:
    """Every intent by probability, best first, for each row of ``probabilities``."""
    order = np.argsort(-probabilities, axis=1, kind="stable")
    return [[IntentScore(labels[j], float(row[j])) for j in idx] for row, idx in zip(probabilities, order, strict=True)]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of ``gold`` under ``softmax(logits / T)``."""

    def nll(log_t: float) -> float:
        probs = softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(probs[np.arange(len(gold)), gold] + 1e-12)))

    best = minimize_scalar(nll, bounds=(np.log(MIN_TEMPERATURE), np.log(20.0)), method="bounded")
    return float(np.exp(best.x))


@dataclass
class IntentTrainingReport:
    """How the classifier was chosen: out-of-fold accuracy per feature set, calibration and threshold."""

    chosen: str
    folds: int
    """Cross-validation folds behind ``cv_accuracy``; 0 when it is the accuracy on a held-out split."""
    cv_accuracy: dict[str, float]
    temperature: float
    threshold: float
    threshold_source: str
    examples: int
    intents: int
    trade_off: dict[str, Any] | None = None
    """How the threshold was chosen (:class:`TradeOff` as JSON); ``None`` for a given or legacy-tuned one."""
    background: str | None = None
    """What the out-of-scope (background) class learned from, in words; ``None`` without one."""
    cv_folds: dict[str, int] | None = None
    """Folds behind each entry of ``cv_accuracy`` (the same folds for every candidate)."""
    cv_log_loss: dict[str, float] | None = None
    """Out-of-fold log-loss of each candidate once temperature-scaled (what breaks accuracy ties)."""
    intent_weights: str | None = None
    """How the head weights the intents' examples, in words, when it weights rarer intents up (``None``: all 1)."""
    encoder: str | None = None
    """The sentence encoder behind the chosen features (fine-tuned for ``contrastive``/``supervised``); ``None``
    for ``tfidf`` and for models trained before it was recorded."""


IN_SCOPE_KEEP = 0.95
TRADE_OFF_RULE = (
    "keep >= 95% of in-scope utterances, then maximise out-of-scope recall; gains within the 95% confidence "
    "bound of the best recall do not cost in-scope utterances"
)


@dataclass
class TradeOff:
    """The out-of-scope decision chosen by :func:`choose_threshold` and what it achieved when chosen."""

    rule: str
    threshold: float
    in_scope_kept: float
    """Share of the in-scope utterances answered with an intent (cross-validated)."""
    out_of_scope_recall: float | None
    """Share of the out-of-scope texts flagged (``None`` without any)."""
    out_of_scope_texts: int
    measured_on: str
    best_out_of_scope_recall: float | None = None
    """The best recall any decision keeping the in-scope share reached (``None`` without out-of-scope texts)."""

    def sentence(self) -> str:
        """The trade-off in words (the model card and the studio show it)."""
        recall = "n/a" if self.out_of_scope_recall is None else f"{100 * self.out_of_scope_recall:.1f}%"
        best = ""
        if self.best_out_of_scope_recall is not None and self.best_out_of_scope_recall > (
            self.out_of_scope_recall or 0
        ):
            best = f", the best being {100 * self.best_out_of_scope_recall:.1f}%"
        return (
            f"{self.rule}: at {self.threshold:.3f} it keeps {100 * self.in_scope_kept:.1f}% of in-scope utterances "
            f"and flags {recall} of {self.out_of_scope_texts} out-of-scope texts ({self.measured_on}{best})"
        )


def out_of_scope_flags(probabilities: np.ndarray, threshold: float) -> np.ndarray:
    """Which rows are out of scope: the best intent under ``threshold``, or under the background class.

    ``probabilities`` hold the trained intents' probabilities; with a background class the rows sum to less
    than 1 and the rest is the background's.
    """
    if probabilities.shape[1] == 0:
        return np.ones(len(probabilities), dtype=bool)
    best = probabilities.max(axis=1)
    background = 1.0 - probabilities.sum(axis=1)
    return (best < threshold) | (background > best)


@dataclass(frozen=True)
class OperatingPoint:
    """One threshold (and background shift) with the in-scope share it keeps and the out-of-scope share it flags."""

    bias: float
    threshold: float
    kept: float
    recall: float | None


def operating_points(in_scope: np.ndarray, out_of_scope: np.ndarray, bias: float = 0.0) -> list[OperatingPoint]:
    """Every distinct decision a threshold makes on held-out probabilities: 0 and each in-scope best confidence.

    A threshold equal to an in-scope row's best confidence keeps that row; any threshold between two of them
    keeps the same rows and flags fewer out-of-scope ones, so these are the only thresholds worth choosing.
    """
    flagged_anyway = out_of_scope_flags(in_scope, 0.0)
    best = np.sort(in_scope.max(axis=1)[~flagged_anyway]) if len(in_scope) else np.zeros(0)
    thresholds = np.unique(np.concatenate([[0.0], best]))
    kept = (len(best) - np.searchsorted(best, thresholds, side="left")) / max(len(in_scope), 1)
    recall: list[float | None] = [None] * len(thresholds)
    if len(out_of_scope):
        outside_anyway = out_of_scope_flags(out_of_scope, 0.0)
        outside_best = np.sort(out_of_scope.max(axis=1)[~outside_anyway]) if out_of_scope.shape[1] else np.zeros(0)
        under = np.searchsorted(outside_best, thresholds, side="left")
        recall = list((outside_anyway.sum() + under) / len(out_of_scope))
    if not len(in_scope):
        kept = np.ones(len(thresholds))
    return [OperatingPoint(bias, float(t), float(k), r) for t, k, r in zip(thresholds, kept, recall, strict=True)]


def best_operating_point(points: list[OperatingPoint], out_of_scope_texts: int, keep: float) -> OperatingPoint:
    """The stated trade-off among ``points``: keep ``keep`` of in-scope, then the best out-of-scope recall.

    A recall measured on ``out_of_scope_texts`` texts is uncertain, and so is how much of unseen in-scope text a
    stricter decision flags (held-out examples resemble the other training examples more than new requests do).
    So every point whose recall is within the one-sided 95% Wilson bound of the best counts as that good, and
    among them the one keeping the most in-scope examples wins (then the higher recall, then the smaller
    background shift). Without any point keeping ``keep``, the one keeping the most.
    """
    meeting = [point for point in points if point.kept >= keep - 1e-9]
    if not meeting:
        return max(points, key=lambda point: (point.kept, point.recall or 0.0, point.bias))
    best_recall = max(point.recall or 0.0 for point in meeting)
    floor = wilson_lower_bound(best_recall, out_of_scope_texts) if out_of_scope_texts else best_recall
    near_best = [point for point in meeting if (point.recall or 0.0) >= floor - 1e-9]
    return max(near_best, key=lambda point: (point.kept, point.recall or 0.0, point.bias))


def _trade_off_of(
    point: OperatingPoint, points: list[OperatingPoint], texts: int, measured_on: str, keep: float
) -> TradeOff:
    """The :class:`TradeOff` of ``point``; its threshold is rounded down, so it keeps what ``point`` keeps."""
    meeting = [p.recall for p in points if p.kept >= keep - 1e-9 and p.recall is not None]
    return TradeOff(
        rule=TRADE_OFF_RULE, threshold=float(np.floor(point.threshold * 1e4) / 1e4), in_scope_kept=round(point.kept, 4),
        out_of_scope_recall=None if point.recall is None else round(point.recall, 4), out_of_scope_texts=texts,
        measured_on=measured_on, best_out_of_scope_recall=round(max(meeting), 4) if meeting else None,
    )  # fmt: skip


def choose_threshold(
    in_scope: np.ndarray, out_of_scope: np.ndarray, measured_on: str, keep: float = IN_SCOPE_KEEP
) -> TradeOff:
    """The threshold of the stated trade-off (:func:`best_operating_point`) on held-out probabilities.

    Out-of-scope recall only grows with the threshold and in-scope coverage only shrinks; the lowest
    threshold whose recall is as good as the best one's (within its uncertainty) flags no in-scope example
    for nothing.
    """
    points = operating_points(in_scope, out_of_scope)
    point = best_operating_point(points, len(out_of_scope), keep)
    return _trade_off_of(point, points, len(out_of_scope), measured_on, keep)


BACKGROUND_BIASES = tuple(-0.5 * step for step in range(17))
"""Shifts of the background class's (temperature-scaled) logit tried by :func:`choose_background_trade_off`."""


def with_background_bias(probabilities: np.ndarray, bias: float) -> np.ndarray:
    """The intents' probabilities once the background's logit (the last column) is shifted by ``bias``."""
    scaled = probabilities.copy()
    scaled[:, -1] *= np.exp(bias)
    return (scaled / scaled.sum(axis=1, keepdims=True))[:, :-1]


def choose_background_trade_off(
    in_scope: np.ndarray, out_of_scope: np.ndarray, measured_on: str, keep: float = IN_SCOPE_KEEP
) -> tuple[float, TradeOff]:
    """The background bias and threshold of the stated trade-off (:func:`best_operating_point`).

    Both arrays are held-out probabilities over the intents plus the background (last column); every
    threshold of every shift in :data:`BACKGROUND_BIASES` is a candidate.
    """
    points = [
        point
        for bias in BACKGROUND_BIASES
        for point in operating_points(
            with_background_bias(in_scope, bias), with_background_bias(out_of_scope, bias), bias
        )
    ]
    point = best_operating_point(points, len(out_of_scope), keep)
    return point.bias, _trade_off_of(point, points, len(out_of_scope), measured_on, keep)


GIVEN_RULE = "the given threshold (--oos-threshold), the background class unshifted"


def trade_off_at(in_scope: np.ndarray, out_of_scope: np.ndarray, threshold: float, measured_on: str) -> TradeOff:
    """What a given ``threshold`` keeps and flags on held-out probabilities over the intents plus the background
    (last column), the background unshifted."""
    kept_rows = ~out_of_scope_flags(with_background_bias(in_scope, 0.0), threshold)
    flagged = out_of_scope_flags(with_background_bias(out_of_scope, 0.0), threshold)
    recall = round(float(flagged.mean()), 4) if len(out_of_scope) else None
    kept = round(float(kept_rows.mean()), 4) if len(in_scope) else 1.0
    return TradeOff(GIVEN_RULE, float(threshold), kept, recall, len(out_of_scope), measured_on)


def threshold_on_texts(model: IntentModel, held_out: np.ndarray, uploaded: list[str]) -> TradeOff:
    """The trade-off threshold of a model without a background class.

    ``held_out`` holds the intents' probabilities of in-scope examples the model did not train on; the
    out-of-scope side is the model's probabilities of the uploaded out-of-scope examples or, without any,
    of the shipped general sentences.
    """
    texts = uploaded or general_texts()
    where = "uploaded out-of-scope examples" if uploaded else "shipped general sentences"
    return choose_threshold(held_out, model.probabilities(texts), f"held-out examples and {where}, no background class")


def report_to_dict(report: IntentTrainingReport) -> dict[str, Any]:
    """Plain JSON of a training report."""
    return asdict(report)
