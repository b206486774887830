"""What every intent classifier shares (linear, :mod:`.intents`, or fine-tuned, :mod:`.intent_finetune`).

The classifier protocol, ranking, temperature calibration of confidences, the out-of-scope threshold
chosen on held-out predictions for a stated trade-off (keep >= 95% of in-scope, then maximise
out-of-scope recall), and the training report. Both classifiers build on this module, so they
do not depend on each other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy.optimize import minimize_scalar

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


IN_SCOPE_KEEP = 0.95
TRADE_OFF_RULE = "keep >= 95% of in-scope utterances, then maximise out-of-scope recall"


@dataclass
class TradeOff:
    """The out-of-scope threshold chosen by :func:`choose_threshold` and what it achieved when chosen."""

    rule: str
    threshold: float
    in_scope_kept: float
    """Share of the in-scope utterances answered with an intent (cross-validated)."""
    out_of_scope_recall: float | None
    """Share of the out-of-scope texts flagged (``None`` without any)."""
    out_of_scope_texts: int
    measured_on: str

    def sentence(self) -> str:
        """The trade-off in words (the model card and the studio show it)."""
        recall = "n/a" if self.out_of_scope_recall is None else f"{100 * self.out_of_scope_recall:.1f}%"
        return (
            f"{self.rule}: at {self.threshold:.3f} it keeps {100 * self.in_scope_kept:.1f}% of in-scope utterances "
            f"and flags {recall} of {self.out_of_scope_texts} out-of-scope texts ({self.measured_on})"
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


def choose_threshold(
    in_scope: np.ndarray, out_of_scope: np.ndarray, measured_on: str, keep: float = IN_SCOPE_KEEP
) -> TradeOff:
    """The highest threshold that still keeps ``keep`` of the ``in_scope`` rows (held-out probabilities).

    Out-of-scope recall only grows with the threshold and in-scope coverage only shrinks, so the highest
    threshold meeting the coverage target is the one that maximises recall under it.
    """
    flagged_anyway = out_of_scope_flags(in_scope, 0.0)
    confidences = np.sort(in_scope.max(axis=1)[~flagged_anyway]) if len(in_scope) else np.zeros(0)
    may_drop = int(np.floor((1.0 - keep) * len(in_scope) + 1e-9)) - int(flagged_anyway.sum())
    threshold = float(confidences[may_drop]) if 0 < may_drop < len(confidences) else 0.0
    kept = float(np.mean(~out_of_scope_flags(in_scope, threshold))) if len(in_scope) else 1.0
    recall = float(np.mean(out_of_scope_flags(out_of_scope, threshold))) if len(out_of_scope) else None
    return TradeOff(
        rule=TRADE_OFF_RULE, threshold=round(threshold, 4), in_scope_kept=round(kept, 4),
        out_of_scope_recall=None if recall is None else round(recall, 4), out_of_scope_texts=len(out_of_scope),
        measured_on=measured_on,
    )  # fmt: skip


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
    """The background bias and threshold with the best out-of-scope recall that keep ``keep`` of in-scope rows.

    Both arrays are held-out probabilities over the intents plus the background (last column). Ties go to
    the smallest shift; when no shift keeps enough, the largest one is used.
    """
    tried = [
        (bias, choose_threshold(with_background_bias(in_scope, bias), with_background_bias(out_of_scope, bias),
                                measured_on, keep))
        for bias in BACKGROUND_BIASES
    ]  # fmt: skip
    meeting = [(bias, trade_off) for bias, trade_off in tried if trade_off.in_scope_kept >= keep]
    if not meeting:
        return tried[-1]
    return max(meeting, key=lambda item: (item[1].out_of_scope_recall or 0.0, item[0]))


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
