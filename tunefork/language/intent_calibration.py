"""What every intent classifier shares (linear, :mod:`.intents`, or fine-tuned, :mod:`.intent_finetune`).

The classifier protocol, ranking, temperature calibration of confidences, the out-of-scope threshold
tuned on held-out predictions, and the training report. Both classifiers build on this module, so they
do not depend on each other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy.optimize import minimize_scalar

from tunefork.evaluation.classification import tune_threshold
from tunefork.language.base import OUT_OF_SCOPE, IntentScore
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


def tune_out_of_scope(
    model: IntentModel, held_out: np.ndarray, gold: np.ndarray, labels: list[str], oos_texts: list[str]
) -> tuple[float, str]:
    """The out-of-scope threshold maximising accuracy over held-out examples plus out-of-scope texts.

    ``held_out`` holds calibrated probabilities of examples the model did not train on (gold indices in
    ``gold``). Without ``oos_texts`` the shipped general English sentences stand in, and since they are
    only a guess at what users will really say out of scope, the threshold is also capped where it still
    keeps 99% of the correctly classified held-out examples. Returns the threshold and a sentence saying
    what it was tuned on.
    """
    confidences = list(held_out.max(axis=1))
    top = [labels[i] for i in held_out.argmax(axis=1)]
    gold_labels = [labels[i] for i in gold]
    keep_most = tune_threshold(confidences, top, gold_labels, OUT_OF_SCOPE)  # no gold OOS: the 99% rule
    stand_in = not oos_texts
    oos_texts = oos_texts or general_texts()
    oos_probs = model.probabilities(oos_texts)
    confidences += list(oos_probs.max(axis=1))
    top += [labels[i] for i in oos_probs.argmax(axis=1)]
    gold_labels += [OUT_OF_SCOPE] * len(oos_texts)
    source = f"tuned on {len(gold)} held-out predictions and {len(oos_texts)} out-of-scope examples"
    tuned = tune_threshold(confidences, top, gold_labels, OUT_OF_SCOPE)
    if stand_in:
        source += (
            " (shipped general English sentences, as the data has no out-of-scope examples; capped to keep 99% "
            "of the correct held-out predictions)"
        )
        tuned = min(tuned, keep_most)
    return float(tuned), source


def report_to_dict(report: IntentTrainingReport) -> dict[str, Any]:
    """Plain JSON of a training report."""
    return asdict(report)
